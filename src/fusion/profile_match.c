/* profile_match.c -- runtime profiles against detected kernels (see
 * profile_match.h).  Moved here from src/build/match.c so the analyzer can
 * overlay profiles too; the matching itself is unchanged. */
#include "profile_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_reorder(const char *op)
{
    return strcmp(op, "ReorderInput") == 0 || strcmp(op, "ReorderOutput") == 0;
}

/* Kernel index for an ONNX node or tensor name; -1 when unknown, -2 when
 * it names a free node. */
static int kernel_of_name(const Graph *g, const Partition *part, const char *name)
{
    for (int i = 0; i < g->nnodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return part->node_kernel[i] >= 0 ? part->node_kernel[i] : -2;
    int t = graph_find_tensor(g, name);
    if (t >= 0 && g->tensors[t].producer >= 0) {
        int k = part->node_kernel[g->tensors[t].producer];
        return k >= 0 ? k : -2;
    }
    return -1;
}

/* ORT names a fused node after an ONNX node, or after a tensor with
 * "_nchwc" appended, or after a node with "/<Fusion>" appended. */
static int resolve(const Graph *g, const Partition *part, const char *ev)
{
    int k = kernel_of_name(g, part, ev);
    if (k != -1)
        return k;
    char buf[512];
    /* "fused <node>" is how ORT names a FusedGemm */
    snprintf(buf, sizeof buf, "%s", strncmp(ev, "fused ", 6) == 0 ? ev + 6 : ev);
    k = kernel_of_name(g, part, buf);
    if (k != -1)
        return k;
    static const char *const suffixes[] = {"_bn_nchwc", "_nchwc"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(buf), sl = strlen(suffixes[i]);
        if (n > sl && strcmp(buf + n - sl, suffixes[i]) == 0) {
            buf[n - sl] = 0;
            k = kernel_of_name(g, part, buf);
            if (k != -1)
                return k;
        }
    }
    /* "<node>/MatMulAddFusion", "<node>/MatMulScaleFusion/" */
    char *fusion = strstr(buf, "Fusion");
    if (fusion) {
        *fusion = 0;
        char *slash = strrchr(buf, '/');
        if (slash && slash != buf) {
            *slash = 0;
            return kernel_of_name(g, part, buf);
        }
    }
    return -1;
}

/* Runtime kernels of ops the device calls free (the Reshapes ORT puts
 * around a 3-D Gemm, say) are elided work, whatever their name. */
static int free_op(const RuleSet *rs, const char *op)
{
    char tok[TOKEN_MAX];
    size_t i = 0;
    for (; op[i] && i < TOKEN_MAX - 1; i++)
        tok[i] = (char)(op[i] >= 'A' && op[i] <= 'Z' ? op[i] - 'A' + 'a' : op[i]);
    tok[i] = 0;
    for (int k = 0; k < rs->nfree; k++)
        if (strcmp(rs->free_tokens[k], tok) == 0)
            return 1;
    return 0;
}

static int same_shape(const Shape *a, const Shape *b)
{
    if (a->ndim < 0 || a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

int profile_match(const Graph *g, const Partition *part, const RuleSet *rules,
                  const RuntimeKernel *rk, int n, MatchResult *m)
{
    memset(m, 0, sizeof *m);
    m->nkernels = part->nkernels;
    m->k = calloc((size_t)(m->nkernels ? m->nkernels : 1), sizeof *m->k);
    if (!m->k)
        return -1;
    int last = -1; /* last kernel matched by name, in execution order */
    for (int e = 0; e < n; e++) {
        const char *name = rk[e].name, *op = rk[e].op;
        double ms = rk[e].ms;
        if (!name || !op)
            continue;
        m->kernel_sum_ms += ms;
        m->events++;
        if (is_reorder(op)) {
            m->reorder_ms += ms;
            m->reorders++;
            continue;
        }
        int k = resolve(g, part, name);
        if (k == -2 || (k == -1 && free_op(rules, op))) {
            m->free_ms += ms;
            continue;
        }
        if (k >= 0) {
            m->k[k].events++;
            m->k[k].ms += ms;
            last = k;
            continue;
        }
        /* runtime-made: the next kernel in graph order with this shape */
        int cand = last + 1;
        while (cand < m->nkernels && m->k[cand].events > 0)
            cand++;
        if (cand < m->nkernels && part->kernels[cand].output >= 0 &&
            same_shape(&rk[e].output, &g->tensors[part->kernels[cand].output].shape)) {
            m->k[cand].split++;
            m->k[cand].ms += ms;
            continue;
        }
        m->theirs_only++;
        m->theirs_only_ms += ms;
        if (!m->first_problem[0])
            snprintf(m->first_problem, sizeof m->first_problem,
                     "runtime kernel '%.100s' (%.40s) matches no kernel of ours", name, op);
    }
    for (int i = 0; i < m->nkernels; i++) {
        const KernelTruth *t = &m->k[i];
        const Kernel *kk = &part->kernels[i];
        if (t->events == 1 || (t->events == 0 && t->split > 0)) {
            m->agree++;
        } else if (t->events == 0) {
            m->ours_only++;
            if (!m->first_problem[0])
                snprintf(m->first_problem, sizeof m->first_problem,
                         "our kernel '%.100s' (%.60s) has no runtime kernel: the runtime "
                         "fused it elsewhere", g->nodes[kk->anchor].name, kk->ops);
        } else {
            m->fused_more++;
            if (!m->first_problem[0])
                snprintf(m->first_problem, sizeof m->first_problem,
                         "our kernel '%.100s' (%.60s) ran as %d runtime kernels",
                         g->nodes[kk->anchor].name, kk->ops, t->events);
        }
    }
    return 0;
}

void match_free(MatchResult *m)
{
    free(m->k);
    m->k = NULL;
}
