/* normalize.h -- the graph as a runtime sees it, before fusion.
 *
 * Exporters write one logical op as several ONNX nodes (hard-swish as
 * x*Clip(x+3,0,6)/6, GELU as an Erf formula, LayerNorm as ReduceMean/Sub/
 * Pow/Sqrt/Div, ...) and add nodes that do nothing (Identity, Dropout, a
 * Cast to the same type).  Normalization turns the ONNX nodes into units:
 * one token per logical op ("conv", "dwconv", "hswish", "se", ...), each
 * listing the ONNX nodes it came from.  Which composites count as one unit
 * is the device's choice (rules: `composite`), because runtimes differ:
 * ORT fuses an Erf-GELU into one kernel, TFLite runs SE as one.
 */
#ifndef NNM_NORMALIZE_H
#define NNM_NORMALIZE_H

#include "graph/graph.h"

#define TOKEN_MAX 24

/* Composite ops normalization can recognise (bit flags). */
enum {
    COMP_HSWISH = 1 << 0,     /* x*Clip(x+3,0,6)/6, x*HardSigmoid(x) */
    COMP_HSIGMOID = 1 << 1,   /* Clip(x+3,0,6)/6 */
    COMP_SWISH = 1 << 2,      /* x*Sigmoid(x) */
    COMP_GELU = 1 << 3,       /* Erf and tanh forms */
    COMP_LAYERNORM = 1 << 4,  /* ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add) */
    COMP_SE = 1 << 5,         /* GAP -> FC/1x1 -> act -> FC/1x1 -> gate -> Mul */
    COMP_SHUFFLE = 1 << 6,    /* Reshape -> Transpose -> Reshape */
};

typedef struct {
    char token[TOKEN_MAX];
    int *nodes;               /* ONNX node indices, graph order */
    int nnodes;
    int anchor;               /* the node whose attributes describe the unit */
    int output;               /* tensor the unit produces (its last node's output 0) */
    unsigned free : 1;        /* elided by the runtime (shape-only) */
    unsigned noop : 1;        /* does nothing (Identity, Dropout, same-type Cast) */
    unsigned duplicate : 1;   /* computes what an earlier node computes (merged away) */
    int twin;                 /* duplicate: the earlier node it repeats; else -1 */
    unsigned dead : 1;        /* nothing reads its outputs: runtimes do not run it */
} Unit;

/* Whether the runtime runs the unit at all: not dead, not merged into a twin. */
static inline int unit_runs(const Unit *u)
{
    return !u->dead && !u->duplicate;
}

typedef struct {
    Unit *units;              /* in graph order */
    int nunits;
    int *node_unit;           /* per ONNX node: its unit */
    int nnodes;
} NormGraph;

/* Which ops a device elides and which composites it treats as one op. */
typedef struct {
    unsigned composites;      /* COMP_* */
    char (*free_tokens)[TOKEN_MAX];
    int nfree;
    int keep_duplicates;      /* the runtime runs repeated computations (no CSE) */
} NormConfig;

/* Builds units; returns 0 or -1 (out of memory). */
int normalize(const Graph *g, const NormConfig *cfg, NormGraph *out);
void normgraph_free(NormGraph *ng);

/* Token of a single ONNX node ("conv", "dwconv", "relu6", "matmul", ...). */
void node_token(const Graph *g, const Node *n, char out[TOKEN_MAX]);

/* True when `tok` is a token units can carry (for rule validation). */
int token_known(const char *tok);

/* Composite flag of a name ("hswish" -> COMP_HSWISH), 0 when none. */
unsigned composite_flag(const char *name);

#endif
