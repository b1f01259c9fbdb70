/* graph.h -- the in-memory model every later stage reads.
 *
 * A Graph is two flat arrays: tensors and nodes, linked by indices (never
 * pointers), so the arrays can grow and the whole graph can be freed at once.
 * Each tensor knows its shape (ndim == -1 when the rank is unknown, a dim of
 * -1 when that one dim is unknown), its ONNX data type, its producer node and,
 * for small integer/float constants, its values -- enough to constant-fold
 * the shape subgraphs exporters emit.  Big initializer payloads are never
 * kept: the loader records dims and drops the data (see src/onnx/onnx_load.c).
 *
 * Owner: the Graph owns every string and array reachable from it.
 */
#ifndef NNM_GRAPH_H
#define NNM_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define GRAPH_MAX_DIMS 8
/* Constant values are kept (and folded) only up to this many elements. */
#define GRAPH_MAX_CONST 4096

/* ONNX TensorProto.DataType codes (kept numeric so they round-trip). */
enum {
    DT_UNDEFINED = 0, DT_FLOAT = 1, DT_UINT8 = 2, DT_INT8 = 3, DT_UINT16 = 4,
    DT_INT16 = 5, DT_INT32 = 6, DT_INT64 = 7, DT_STRING = 8, DT_BOOL = 9,
    DT_FLOAT16 = 10, DT_DOUBLE = 11, DT_UINT32 = 12, DT_UINT64 = 13,
    DT_COMPLEX64 = 14, DT_COMPLEX128 = 15, DT_BFLOAT16 = 16
};

typedef struct {
    int ndim;                         /* -1: rank unknown */
    int64_t dims[GRAPH_MAX_DIMS];     /* -1: this dim unknown */
} Shape;

/* Constant data, when known and small.  Integer-like types (int*, uint*,
 * bool) live in i, floating types in f; exactly one of them is non-NULL. */
typedef struct {
    int64_t *i;
    double *f;
    int64_t n;                        /* element count (product of dims) */
} ConstVal;

typedef struct {
    char *name;
    int dtype;                        /* DT_*; DT_UNDEFINED when unknown */
    Shape shape;
    int producer;                     /* node index, -1 for inputs/initializers */
    unsigned is_input : 1;            /* graph input (not an initializer) */
    unsigned is_output : 1;           /* graph output */
    unsigned is_initializer : 1;
    unsigned is_const : 1;            /* value known (initializer or folded) */
    ConstVal val;                     /* filled only if small (GRAPH_MAX_CONST) */
    char *dim_param[GRAPH_MAX_DIMS];  /* symbolic dim names of graph inputs */
} Tensor;

typedef enum {
    ATTR_UNDEFINED = 0, ATTR_FLOAT, ATTR_INT, ATTR_STRING, ATTR_TENSOR,
    ATTR_GRAPH, ATTR_FLOATS, ATTR_INTS, ATTR_STRINGS, ATTR_OTHER
} AttrType;

typedef struct {
    char *name;
    AttrType type;
    int64_t i;
    double f;
    char *s;                          /* ATTR_STRING */
    int64_t *ints;                    /* ATTR_INTS */
    double *floats;                   /* ATTR_FLOATS */
    int n;                            /* element count of ints/floats/strings */
    int tensor;                       /* ATTR_TENSOR: index into tensors, else -1 */
} Attr;

typedef struct {
    double flops;                     /* multiply-add counts 2 */
    int64_t params;                   /* elements of initializer inputs */
    int64_t bytes_read;               /* fp32-sized (4 bytes) element traffic */
    int64_t bytes_written;
} Cost;

typedef struct {
    char *name;                       /* unique, stable */
    char *op;                         /* op_type */
    char *domain;                     /* "" for ai.onnx */
    int *inputs;                      /* tensor indices; -1 = omitted optional */
    int ninputs;
    int *outputs;
    int noutputs;
    Attr *attrs;
    int nattrs;
    Cost cost;
    unsigned supported : 1;           /* shape inference knows this op */
    unsigned has_subgraph : 1;        /* a GRAPH attribute was skipped */
} Node;

typedef struct {
    char *domain;
    int64_t version;
} OpsetImport;

/* Open-addressing map from tensor name to tensor index. */
typedef struct {
    int *slots;                       /* tensor index + 1; 0 = empty */
    size_t cap;                       /* power of two */
} NameMap;

typedef struct {
    char *name;                       /* graph name */
    char *producer;                   /* producer_name [+ " " + version] */
    int64_t ir_version;

    Tensor *tensors;
    int ntensors, cap_tensors;
    Node *nodes;
    int nnodes, cap_nodes;

    int *inputs;                      /* graph inputs that are not initializers */
    int ninputs;
    int *outputs;
    int noutputs;

    OpsetImport *opsets;
    int nopsets;

    char **notes;                     /* non-fatal remarks for the report */
    int nnotes;

    NameMap map;
} Graph;

Graph *graph_new(void);
void graph_free(Graph *g);

/* Find a tensor by name; -1 when absent. */
int graph_find_tensor(const Graph *g, const char *name);
/* Find or create a tensor by name; returns its index, -1 on out of memory. */
int graph_tensor(Graph *g, const char *name);
/* Append a node (strings are copied); returns its index or -1. */
int graph_add_node(Graph *g, const char *name, const char *op, const char *domain);
int graph_node_add_input(Graph *g, int node, int tensor);
int graph_node_add_output(Graph *g, int node, int tensor);
Attr *graph_node_add_attr(Graph *g, int node, const char *name);
/* printf-style note kept for the report. */
void graph_note(Graph *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Attribute lookup helpers: return the default when absent. */
const Attr *node_attr(const Node *n, const char *name);
int64_t node_attr_int(const Node *n, const char *name, int64_t def);
double node_attr_float(const Node *n, const char *name, double def);
const char *node_attr_str(const Node *n, const char *name, const char *def);
/* Copies up to max ints into out; returns the count, or -1 when absent. */
int node_attr_ints(const Node *n, const char *name, int64_t *out, int max);

/* Input/output tensor of a node by position, or NULL when omitted. */
Tensor *node_in(Graph *g, const Node *n, int k);
Tensor *node_out(Graph *g, const Node *n, int k);

/* Shape helpers. */
int64_t shape_numel(const Shape *s);    /* -1 when any dim is unknown */
int shape_known(const Shape *s);        /* rank and all dims known */
void shape_unknown(Shape *s);
/* Writes "1x3x224x224" (unknown dims as "?", unknown rank as "?"). */
void shape_format(const Shape *s, char *buf, size_t len);

/* Byte size of one element of a DT_* type; 0 for strings/unknown. */
int dtype_size(int dtype);
const char *dtype_name(int dtype);

/* Order nodes so every producer precedes its consumers.  Returns 0, or -1
 * with *cycle_node set to a node index on a cycle. */
int graph_toposort(Graph *g, int *cycle_node);

/* Make node names unique and non-empty ("<op>_<index>" for empty ones,
 * "<name>__<k>" for duplicates).  Stable: depends only on file order. */
int graph_unique_names(Graph *g);

/* Set a constant value (copies data).  Integer data in iv or float in fv. */
int tensor_set_const_i(Tensor *t, const int64_t *iv, int64_t n);
int tensor_set_const_f(Tensor *t, const double *fv, int64_t n);

#endif
