/* netbuilder.h -- a small API for writing CNNs and transformers in the
 * graph IR, the way one writes them in PyTorch.
 *
 * Every op takes tensor indices and returns the index of its output, or -1.
 * The builder knows every shape as it goes (it sets Tensor.shape and dtype
 * on everything it makes), so it can size weights and count FLOPs without
 * a separate shape-inference pass.  Errors are sticky: after the first
 * failure every call returns -1 and nb_finish reports the first message,
 * so model code can chain calls without checking each one.
 *
 * Names follow PyTorch's exporter: nodes are "<scope>/<Op>_<n>", their
 * outputs "<node>_output_<k>", their weights "<node>.weight" / ".bias".
 * Everything is deterministic: same calls, same graph.
 */
#ifndef NNM_NETBUILDER_H
#define NNM_NETBUILDER_H

#include <stddef.h>
#include <stdint.h>
#include "graph/graph.h"

typedef struct NetBuilder NetBuilder;

/* Activations, for nb_act and the composite helpers. */
typedef enum {
    ACT_NONE, ACT_RELU, ACT_RELU6, ACT_HSWISH, ACT_HSIGMOID, ACT_SIGMOID,
    ACT_SWISH, ACT_GELU
} Act;

/* name: the graph name; seed: the builder's random stream (nb_rand_*). */
NetBuilder *nb_new(const char *name, uint64_t seed);
void nb_free(NetBuilder *b);

/* Marks x as a graph output. */
void nb_output(NetBuilder *b, int x);
/* Hands over the graph (the builder is freed), or NULL with err set. */
Graph *nb_finish(NetBuilder *b, char *err, size_t errlen);

const Graph *nb_graph(const NetBuilder *b);
int nb_failed(const NetBuilder *b);
/* FLOPs so far (cost.h conventions: a multiply-add counts 2). */
double nb_flops(const NetBuilder *b);
/* Elements of all float initializers (weights) so far. */
int64_t nb_params(const NetBuilder *b);

/* Deterministic random choices for model generators. */
uint64_t nb_rand(NetBuilder *b);
int nb_rand_int(NetBuilder *b, int lo, int hi);            /* inclusive */
int nb_pick(NetBuilder *b, const int *choices, int n);      /* one of choices */
double nb_pick_f(NetBuilder *b, const double *choices, int n);

/* Name scopes: nb_push(b, "layer%d", 1) ... nb_pop(b). */
void nb_push(NetBuilder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nb_pop(NetBuilder *b);

/* Shapes. */
const Shape *nb_shape(const NetBuilder *b, int x);
int64_t nb_dim(const NetBuilder *b, int x, int axis);       /* axis < 0 from the end */

/* ---- tensors ---- */
int nb_input(NetBuilder *b, const char *name, int64_t n, int64_t c, int64_t h, int64_t w);
int nb_input_shape(NetBuilder *b, const char *name, int ndim, const int64_t *dims);
/* A learnable fp32 initializer named "<scope>/<suffix>" (pos. embeddings). */
int nb_param(NetBuilder *b, const char *suffix, int ndim, const int64_t *dims);
/* A shared fp32 scalar constant. */
int nb_scalar(NetBuilder *b, double v);

/* ---- convolution and pooling (NCHW) ---- */
/* pads = k/2; returns the output. */
int nb_conv(NetBuilder *b, int x, int64_t cout, int k, int stride, int64_t groups, int bias);
int nb_conv_pad(NetBuilder *b, int x, int64_t cout, int k, int stride, int pad,
                int64_t groups, int bias);
int nb_bn(NetBuilder *b, int x);
int nb_maxpool(NetBuilder *b, int x, int k, int stride, int pad);
int nb_avgpool(NetBuilder *b, int x, int k, int stride, int pad);
int nb_gap(NetBuilder *b, int x);                           /* GlobalAveragePool */
/* Resize by an integer factor, nearest neighbour. */
int nb_resize(NetBuilder *b, int x, int scale);

/* ---- activations ---- */
int nb_act(NetBuilder *b, int x, Act act);
int nb_relu(NetBuilder *b, int x);
int nb_relu6(NetBuilder *b, int x);                         /* Clip(x, 0, 6) */
int nb_hswish(NetBuilder *b, int x);                        /* HardSwish */
int nb_hsigmoid(NetBuilder *b, int x);                      /* HardSigmoid(1/6, 1/2) */
int nb_sigmoid(NetBuilder *b, int x);
int nb_swish(NetBuilder *b, int x);                         /* x * Sigmoid(x) */
int nb_gelu(NetBuilder *b, int x);                          /* x*0.5*(1+Erf(x/sqrt2)) */
int nb_softmax(NetBuilder *b, int x, int axis);

/* ---- elementwise (numpy broadcasting) ---- */
int nb_add(NetBuilder *b, int x, int y);
int nb_mul(NetBuilder *b, int x, int y);
int nb_div(NetBuilder *b, int x, int y);

/* ---- tensor plumbing ---- */
int nb_concat(NetBuilder *b, const int *xs, int n, int axis);
/* Splits along axis into n parts of sizes[] (NULL: equal parts); writes
 * the outputs to outs[] and returns 0, or -1. */
int nb_split(NetBuilder *b, int x, int axis, int n, const int64_t *sizes, int *outs);
int nb_flatten(NetBuilder *b, int x, int axis);
/* ONNX Reshape semantics: 0 copies a dim, one -1 is inferred. */
int nb_reshape(NetBuilder *b, int x, int ndim, const int64_t *dims);
int nb_transpose(NetBuilder *b, int x, int ndim, const int64_t *perm);
/* x[..., index, ...] along axis (a scalar index: the axis goes away). */
int nb_gather(NetBuilder *b, int x, int axis, int64_t index);

/* ---- dense and normalisation ---- */
int nb_gemm(NetBuilder *b, int x, int64_t nout, int bias);  /* x [N,K] -> [N,nout] */
int nb_matmul(NetBuilder *b, int x, int y);
/* MatMul by a [K, nout] weight, then Add a bias: over the last axis. */
int nb_linear(NetBuilder *b, int x, int64_t nout, int bias);
int nb_layernorm(NetBuilder *b, int x);                     /* over the last axis */

/* ---- composites ---- */
int nb_conv_bn_act(NetBuilder *b, int x, int64_t cout, int k, int stride,
                   int64_t groups, Act act);
/* Squeeze-and-excitation: GAP -> 1x1 conv -> Relu -> 1x1 conv -> gate -> Mul. */
int nb_se(NetBuilder *b, int x, int64_t cmid, Act gate);
int nb_channel_shuffle(NetBuilder *b, int x, int64_t groups);

#endif
