/* kernel_features.h -- what a kernel's latency depends on, as numbers.
 *
 * One table (kernel_features.c) maps every kernel type to a feature family and
 * each family to its feature list, in the spirit of nn-Meter (conv: input
 * size, channels, kernel, stride, FLOPs, params) plus the memory traffic
 * that decides latency on a CPU.  Training (nnmeter-build train) and
 * prediction (the analyzer) call the same function, so they cannot drift.
 */
#ifndef NNM_FEATURES_H
#define NNM_FEATURES_H

#include "fusion/detect.h"
#include "fusion/normalize.h"
#include "graph/graph.h"

#define FEAT_MAX 20

typedef enum {
    FAM_CONV,       /* conv, dwconv, gconv, convtrans (+ fused bn/add/act) */
    FAM_FC,         /* fully connected (Gemm, MatMul with const weight) */
    FAM_MATMUL,     /* activation x activation (attention) */
    FAM_POOL,       /* max/avg pooling */
    FAM_GPOOL,      /* global pooling */
    FAM_ELTWISE,    /* activations, add, mul, ... */
    FAM_NORM,       /* layernorm, softmax, bn alone, instnorm */
    FAM_MOVE,       /* concat, split, shuffle, transpose, slice, pad, resize */
    FAM_SE,         /* squeeze-and-excitation */
    FAM_GENERIC,    /* anything else: FLOPs and bytes */
    FAM_COUNT
} FeatureFamily;

typedef struct {
    FeatureFamily family;
    int n;
    double v[FEAT_MAX];
} Features;

FeatureFamily feature_family(const char *kernel_type);
const char *family_name(FeatureFamily f);
/* Names of the family's features, n of them. */
const char *const *family_feature_names(FeatureFamily f, int *n);

/* How many of the family's features, the last ones, describe the model
 * around the kernel rather than the kernel (FC: the model's weight MB).
 * They matter where kernels are measured inside their models (ORT's
 * profiles) and mean nothing for a kernel measured alone (XNNPACK's
 * split kernels), so a predictor may be trained without them (`train
 * --no-context`): its file then lists the family's features less these,
 * and prediction uses that prefix of the vector. */
int family_context_features(FeatureFamily f);

/* The index of the family's unit feature, or -1.  Trees extrapolate
 * badly: a kernel larger than any trained one gets the largest trained
 * time.  So a key whose family has a unit (MFLOPs for conv, fc and matmul;
 * elements for elementwise, norm and move kernels) may be trained on
 * log(ms / unit) -- a time per MFLOP varies far less across sizes than the
 * time itself -- and predict exp(tree) * unit; train keeps whichever
 * target cross-validates better, and the predictor file names it. */
int family_unit_feature(FeatureFamily f);
/* The unit's value for features v (1 for unit -1; never below the floor). */
#define FEAT_UNIT_FLOOR 1e-6
double family_unit(int unit, const double *v);

/* Fills f for kernel k.  Unknown dims give zeros (the caller flags the
 * prediction as a fallback). Returns 0, or -1 when shapes are unknown. */
int kernel_features(const Graph *g, const NormGraph *ng, const Kernel *k, Features *f);

#endif
