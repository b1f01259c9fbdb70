/* harness.h -- a child process that answers JSON-line requests.
 *
 * The ONNX Runtime backend is a Node program (src/build/ort_harness.js):
 * onnxruntime-node is the official CPU build of ORT 1.30.  This module
 * starts it with pipes, sends one request line and reads one answer line,
 * with a time limit, and turns every way it can fail (node missing, the npm
 * package missing, a crash, a hang) into a one-line message naming the fix.
 */
#ifndef NNM_HARNESS_H
#define NNM_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

typedef struct {
    pid_t pid;
    int to_child;       /* write end of the child's stdin */
    int from_child;     /* read end of the child's stdout */
    char *buf;          /* partial line buffer */
    size_t len, cap;
    int cpu;            /* CPU to pin the child to, -1 for none */
} Harness;

/* Starts `argv` (argv[0] looked up in PATH).  Returns 0 or -1 with err. */
int harness_start(Harness *h, char *const argv[], int cpu, char *err, size_t errlen);

/* Sends `req` and waits up to timeout_s for the answer.  Returns the parsed
 * answer (caller deletes) or NULL with err (the child is then stopped). */
cJSON *harness_call(Harness *h, const cJSON *req, int timeout_s, char *err, size_t errlen);

/* Closes stdin, waits briefly, kills if needed. */
void harness_stop(Harness *h);

/* Path of the ORT harness script under the data directory, or NULL. */
const char *harness_ort_script(void);

#endif
