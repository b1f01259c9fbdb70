/* hostcpu.h -- this host's CPU model name, as /proc/cpuinfo gives it.
 *
 * A latency predictor is for one CPU (README, "Devices"): measurements
 * record it, the build tools refuse to mix CPUs, and the analyzer opens on
 * the device built on this host's CPU when there is one.
 */
#ifndef NNM_HOSTCPU_H
#define NNM_HOSTCPU_H

/* "unknown" when /proc/cpuinfo says nothing; a static string. */
const char *host_cpu_name(void);

#endif
