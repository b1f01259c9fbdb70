/* predict.h -- kernel and model latency from a device's predictors.
 *
 * A device's predictors live in predictors/<device>/: meta.json (runtime,
 * CPU, protocol, overhead terms, fallback fit, evaluation) and one tree
 * ensemble per kernel key (<key>.json, trained by `nnmeter-build train`
 * with libxgboost and stored in our own compact form, evaluated here
 * without libxgboost).  The key is the kernel type, except that conv
 * kernels are keyed by their conv flavour (conv, dwconv, gconv, convtrans).
 * A kernel whose key has no ensemble uses its family's ensemble, and
 * failing that a roofline fit (FLOPs and bytes) -- always flagged, never a
 * silent zero.
 */
#ifndef NNM_PREDICT_H
#define NNM_PREDICT_H

#include <stddef.h>

#include "kernel_features.h"
#include "fusion/detect.h"
#include "fusion/normalize.h"
#include "graph/graph.h"

#define PREDICTOR_FORMAT 1

typedef enum { PRED_MODEL = 0, PRED_FAMILY, PRED_FALLBACK } PredSource;

typedef struct {
    double ms;              /* predicted latency */
    double lo, hi;          /* ensemble range */
    PredSource source;
    char key[32];           /* the kernel key looked up */
} Prediction;

typedef struct Predictor Predictor;

/* Loads predictors/<device>/ under the data directory.  Returns NULL with
 * err empty when the device has no predictors (a rules-only device), NULL
 * with err set when a file is missing, corrupt or of another format. */
Predictor *predictor_load(const char *device, char *err, size_t errlen);
void predictor_free(Predictor *p);

/* The kernel key of k ("conv", "dwconv", "fc", "relu", ...). */
void kernel_key(const NormGraph *ng, const Kernel *k, char out[32]);

/* Predicts one kernel.  Always fills out (a fallback when needed). */
void predict_kernel(const Predictor *p, const Graph *g, const NormGraph *ng, const Kernel *k,
                    Prediction *out);

/* What kernel k moves through memory, in MB (fp32 sizes): its weights
 * (param_mb) and the activations its nodes read and write (act_mb). */
void kernel_traffic(const Graph *g, const Kernel *k, double *act_mb, double *param_mb);
/* The same summed over a partition's kernels: a model's traffic as the
 * in-model forms of predictor_total_ms and nnmeter-build train take it. */
void partition_traffic(const Graph *g, const Partition *part, double *act_mb, double *param_mb);

/* The time kernel k costs inside a model beyond what it costs alone
 * (measured alone, its operands and weights stay in cache): ms per MB
 * of its weights and of its activations, fitted by `nnmeter-build train`
 * for devices whose kernels were measured alone (the weights form or the
 * per-MB form); 0 for profiled ones.  Included in predict_kernel's figure,
 * so predictor_total_ms scales it with the rest. */
double predictor_in_model_ms(const Predictor *p, const Graph *g, const Kernel *k);
/* Its two parts: for the kernel's weights and for its activations. */
void predictor_in_model_parts(const Predictor *p, const Graph *g, const Kernel *k,
                              double *weights_ms, double *act_ms);

/* Model latency from its kernels' predicted sum: the runtime adds a fixed
 * cost, a cost per kernel, and time proportional to the kernels' (layout
 * conversions, session overhead; for kernels measured alone, what a model
 * adds around them), and a share that may grow with ln of the model's
 * activation MB (act_mb: the sum of its kernels' kernel_traffic) or with
 * act_mb itself up to the largest the training models had, all fitted on
 * measured models. */
double predictor_total_ms(const Predictor *p, double kernel_sum_ms, int nkernels, double act_mb);
/* The two activation terms of that share, as nnmeter-build train fits them
 * and predictor_total_ms applies them: ln(act MB) floored at 1 MB (a
 * model's in-cache floor; no negative logarithms), and act MB held at the
 * largest the training models had (cap), so the linear form, like the
 * trees, does not extrapolate. */
double act_mb_ln(double act_mb);
double act_mb_capped(double act_mb, double cap);
/* The device's model-level error band (meta.json overhead.model_band: the
 * training models' 90th percentile |log(predicted/measured)|); 0 if none. */
double predictor_model_band(const Predictor *p);

/* Metadata for display: runtime and CPU strings. */
const char *predictor_runtime(const Predictor *p);
const char *predictor_cpu(const Predictor *p);
/* What the training labels took off each profiled kernel (meta.json
 * profiler_fit.cost_ms, the device's fitted profiler cost), for
 * nnmeter-build eval to make validation truths the same way; < 0 when the
 * device has none (kernels measured alone, or trained before it was kept). */
double predictor_profiler_cost(const Predictor *p);

#endif
