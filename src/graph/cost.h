/* cost.h -- FLOPs, parameters and memory traffic per node.
 *
 * Conventions (documented in the README and man page):
 *  - a multiply-add counts 2 FLOPs.  Conv = 2*N*Cout*Hout*Wout*(Cin/groups)*kh*kw
 *    (+ N*Cout*Hout*Wout with a bias); Gemm/MatMul = 2*M*N*K per batch
 *    (+ M*N with a bias); elementwise ops count 1 per output element;
 *  - params = elements of the node's initializer inputs;
 *  - bytes are fp32-sized (4 bytes per element): every input read once,
 *    every output written once.
 * Nodes whose shapes are unknown get zero cost.  params and bytes saturate
 * at 2^52 (a corrupt shape cannot wrap them, and sums over a kernel's
 * nodes stay within int64).
 */
#ifndef NNM_COST_H
#define NNM_COST_H

#include "graph.h"

void cost_compute(Graph *g);

#endif
