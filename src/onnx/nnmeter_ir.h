/* nnmeter_ir.h -- read nn-Meter's IR graphs (JSON) into the graph IR.
 *
 * nn-Meter (MobiSys 2021) converts TensorFlow graphs into a JSON object:
 * node name -> {"inbounds": [names], "outbounds": [names], "attr": {"type":
 * TF op, "attr": {...}, "input_shape": [[...]], "output_shape": [[...]]}},
 * 4-D shapes NHWC.  Its benchmark datasets carry one such graph per JSON
 * line under "graph".  The importer maps each TF op to the ONNX op the rest
 * of the pipeline knows, in NCHW (nnmeter_ir.c lists the mapping), makes
 * weights as initializers sized from the attributes so FLOPs and params
 * come out right, and leaves shape inference to src/graph like any model.
 */
#ifndef NNM_NNMETER_IR_H
#define NNM_NNMETER_IR_H

#include <stddef.h>
#include "graph/graph.h"

/* True when the bytes look like JSON (first non-blank byte '{' or '['),
 * which an ONNX protobuf never starts with (fields 15 and 11 with the
 * deprecated group wire type 3 do not exist in ModelProto). */
int nnmeter_ir_sniff(const void *buf, size_t len);
/* Same, reading the start of a file; 0 when it cannot be read. */
int nnmeter_ir_sniff_file(const char *path);

/* Returns a graph, or NULL with a one-line reason in err. */
Graph *nnmeter_ir_load(const char *path, char *err, size_t errlen);
Graph *nnmeter_ir_load_buffer(const void *buf, size_t len, char *err, size_t errlen);

#endif
