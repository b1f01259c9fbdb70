/* overlay.h -- an ONNX Runtime profile laid over a model's kernels as
 * "measured" times (nnmeter-tui --report --profile FILE).
 *
 * The file is the raw trace ORT writes with profiling on (enableProfiling
 * in onnxruntime-node / onnxruntime's SessionOptions): a JSON array of
 * events, one {"cat": "Node", "name": "<node>_kernel_time", "dur": us,
 * "args": {"op_name", "output_type_shape"}} per kernel per run.  Per node,
 * the median over its runs is taken; src/fusion/profile_match.c then maps
 * the runtime's kernels to the device's kernels, as `nnmeter-build match`
 * does, and each kernel's measured time is the sum of those mapped to it.
 */
#ifndef NNM_OVERLAY_H
#define NNM_OVERLAY_H

#include <stddef.h>

#include "device.h"
#include "fusion/profile_match.h"

typedef struct {
    RuntimeKernel *k;         /* per runtime node, in order of first appearance */
    int n;
    int runs;                 /* model_run events (or the most runs of one node) */
    char **strings;           /* owned names and op types */
    int nstrings;
} Profile;

/* Reads an ORT profile; 0, or -1 with a one-line reason in err. */
int profile_read_ort(const char *path, Profile *p, char *err, size_t errlen);
void profile_free(Profile *p);

/* Fills v's measured_* fields from the profile; 0, or -1 out of memory. */
int device_view_overlay(const Graph *g, DeviceView *v, const Profile *p, const char *source);

#endif
