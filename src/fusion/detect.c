/* detect.c -- kernel detection (see detect.h). */
#include "detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const Graph *g;
    const NormGraph *ng;
    const RuleSet *rs;
    int *ncons;               /* per tensor: number of consuming units */
    int *sole;                /* per tensor: the consuming unit when exactly one */
    pcre2_match_data *md;
} Det;

/* The tensor that stands for t at run time: a duplicate node's output is
 * its twin's (the runtime merged them, so the twin's readers are the
 * duplicate's too). */
static int runtime_tensor(const Det *d, int t)
{
    int p = d->g->tensors[t].producer;
    int u = p >= 0 ? d->ng->node_unit[p] : -1;
    if (u < 0 || !d->ng->units[u].duplicate || d->ng->units[u].twin < 0)
        return t;
    const Node *twin = &d->g->nodes[d->ng->units[u].twin];
    return twin->noutputs > 0 && twin->outputs[0] >= 0 ? twin->outputs[0] : t;
}

static int build_consumers(Det *d)
{
    const Graph *g = d->g;
    d->ncons = calloc((size_t)g->ntensors + 1, sizeof *d->ncons);
    d->sole = malloc(((size_t)g->ntensors + 1) * sizeof *d->sole);
    if (!d->ncons || !d->sole)
        return -1;
    for (int t = 0; t < g->ntensors; t++)
        d->sole[t] = -1;
    /* Counted per unit, not per node: a composite reading its input in two
     * nodes (hswish's Add and Mul both read x) is still its only consumer.
     * Skipping a repeat of the last unit seen makes the count exactly 1
     * when one unit consumes t, and at least 2 otherwise. */
    for (int i = 0; i < g->nnodes; i++) {
        const Node *n = &g->nodes[i];
        int u = d->ng->node_unit[i];
        if (u >= 0 && !unit_runs(&d->ng->units[u]))
            continue; /* never runs (dead, or merged into its twin): reads nothing */
        for (int k = 0; k < n->ninputs; k++) {
            int t = n->inputs[k];
            if (t >= 0)
                t = runtime_tensor(d, t);
            if (t < 0 || d->sole[t] == u)
                continue; /* Mul(x, x) consumes x once */
            d->ncons[t]++;
            d->sole[t] = u;
        }
    }
    return 0;
}

/* The unit that alone consumes unit u's output, or -1. */
static int next_unit(const Det *d, int u)
{
    int t = d->ng->units[u].output;
    if (t < 0 || d->g->tensors[t].is_output || d->ncons[t] != 1)
        return -1;
    /* a unit with several outputs (Split) is a chain end */
    const Unit *un = &d->ng->units[u];
    if (d->g->nodes[un->nodes[un->nnodes - 1]].noutputs > 1) {
        const Node *n = &d->g->nodes[un->nodes[un->nnodes - 1]];
        for (int k = 1; k < n->noutputs; k++)
            if (n->outputs[k] >= 0 && d->ncons[n->outputs[k]] > 0)
                return -1;
    }
    return d->sole[t];
}

static SideKind side_kind(const Rule *r, const char *tok)
{
    for (int k = 0; k < r->nsides; k++)
        if (strcmp(r->sides[k].token, tok) == 0)
            return r->sides[k].kind;
    return SIDE_CONST;
}

static int same_shape(const Shape *a, const Shape *b)
{
    if (a->ndim < 0 || a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] < 0 || a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

static int in_unit(const Unit *u, int node)
{
    for (int k = 0; k < u->nnodes; k++)
        if (u->nodes[k] == node)
            return 1;
    return 0;
}

/* Do the inputs unit `u` takes from outside the chain (other than `from`,
 * the previous unit's output) satisfy rule r? */
static int sides_ok(const Det *d, const Rule *r, int u, int from)
{
    const Graph *g = d->g;
    const Unit *un = &d->ng->units[u];
    SideKind kind = side_kind(r, un->token);
    for (int k = 0; k < un->nnodes; k++) {
        const Node *n = &g->nodes[un->nodes[k]];
        for (int i = 0; i < n->ninputs; i++) {
            int t = n->inputs[i];
            if (t < 0 || runtime_tensor(d, t) == from)
                continue;
            const Tensor *tt = &g->tensors[t];
            if (tt->producer >= 0 && in_unit(un, tt->producer))
                continue; /* internal to a composite */
            if (tt->is_const || tt->is_initializer)
                continue; /* weights and biases are always fine */
            if (kind == SIDE_ANY)
                continue;
            if (kind == SIDE_SAME_SHAPE && same_shape(&tt->shape, &g->tensors[from].shape))
                continue;
            return 0;
        }
    }
    return 1;
}

/* Full match of the whole subject. */
static int full_match(Det *d, const Rule *r, const char *s, size_t len)
{
    return pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                       d->md, NULL) >= 0;
}

/* Could a longer subject still match? */
static int can_extend(Det *d, const Rule *r, const char *s, size_t len)
{
    int rc = pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, PCRE2_ANCHORED | PCRE2_PARTIAL_HARD,
                         d->md, NULL);
    return rc == PCRE2_ERROR_PARTIAL;
}

/* Is rule r valid for the chain units[0..n): full match + side inputs? */
static int rule_fits(Det *d, const Rule *r, const int *chain, int n, const char *s,
                     size_t len)
{
    if (!r->enabled || !r->re || !full_match(d, r, s, len))
        return 0;
    for (int k = 1; k < n; k++)
        if (!sides_ok(d, r, chain[k], d->ng->units[chain[k - 1]].output))
            return 0;
    if (r->dtype) {
        int t = d->ng->units[chain[n - 1]].output;
        if (t < 0 || d->g->tensors[t].dtype != r->dtype)
            return 0;
    }
    if (r->align) {
        /* every unit's output channels: blocked layouts (ORT's NCHWc) need them */
        for (int k = 0; k < n; k++) {
            int t = d->ng->units[chain[k]].output;
            const Shape *s = t >= 0 ? &d->g->tensors[t].shape : NULL;
            if (!s || s->ndim < 2 || s->dims[1] <= 0 || s->dims[1] % r->align)
                return 0;
        }
    }
    return 1;
}

static void kernel_ops(const Graph *g, const NormGraph *ng, Kernel *k)
{
    size_t off = 0;
    k->ops[0] = 0;
    for (int i = 0; i < k->nunits && off < sizeof k->ops; i++) {
        const Unit *u = &ng->units[k->units[i]];
        const char *name = u->nnodes > 1 ? u->token : g->nodes[u->anchor].op;
        int w = snprintf(k->ops + off, sizeof k->ops - off, "%s%s", i ? "+" : "", name);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static int add_kernel(Det *d, Partition *p, int *cap, const int *chain, int n, int rule)
{
    if (p->nkernels >= *cap) {
        int nc = *cap ? *cap * 2 : 64;
        Kernel *nk = realloc(p->kernels, (size_t)nc * sizeof *nk);
        if (!nk)
            return -1;
        p->kernels = nk;
        *cap = nc;
    }
    Kernel *k = &p->kernels[p->nkernels];
    memset(k, 0, sizeof *k);
    const NormGraph *ng = d->ng;
    int total = 0;
    for (int i = 0; i < n; i++)
        total += ng->units[chain[i]].nnodes;
    k->nodes = malloc((size_t)total * sizeof *k->nodes);
    if (!k->nodes)
        return -1;
    for (int i = 0; i < n; i++) {
        k->units[i] = chain[i];
        const Unit *u = &ng->units[chain[i]];
        for (int j = 0; j < u->nnodes; j++) {
            k->nodes[k->nnodes++] = u->nodes[j];
            p->node_kernel[u->nodes[j]] = p->nkernels;
        }
    }
    qsort(k->nodes, (size_t)k->nnodes, sizeof *k->nodes, cmp_int);
    k->nunits = n;
    k->rule = rule;
    snprintf(k->type, sizeof k->type, "%s",
             rule >= 0 ? d->rs->rules[rule].kernel : ng->units[chain[0]].token);
    k->anchor = ng->units[chain[0]].anchor;
    k->output = ng->units[chain[n - 1]].output;
    kernel_ops(d->g, ng, k);
    p->nkernels++;
    return 0;
}

/* Grow the chain from unit u; returns its length and the rule (or -1). */
static int best_chain(Det *d, int u, const int *taken, int *chain, int *rule_out)
{
    const RuleSet *rs = d->rs;
    char subject[KERNEL_MAX_UNITS * (TOKEN_MAX + 2) + 1];
    size_t len = 0;
    int n = 0, best_n = 1, best_rule = -1;
    int cur = u;
    while (cur >= 0 && n < KERNEL_MAX_UNITS) {
        const Unit *un = &d->ng->units[cur];
        if (n > 0 && (taken[cur] || un->free))
            break;
        len += (size_t)snprintf(subject + len, sizeof subject - len, "<%s>", un->token);
        chain[n++] = cur;
        int extend = 0;
        for (int r = 0; r < rs->nrules; r++) {
            const Rule *rl = &rs->rules[r];
            if (!rl->enabled || !rl->re)
                continue;
            /* longest chain wins; among equals, the first rule */
            if ((n > best_n || best_rule < 0) && rule_fits(d, rl, chain, n, subject, len)) {
                best_n = n;
                best_rule = r;
            }
            if (!extend && can_extend(d, rl, subject, len))
                extend = 1;
        }
        if (!extend)
            break;
        cur = next_unit(d, cur);
    }
    *rule_out = best_rule;
    return best_n;
}

int detect_kernels(const Graph *g, const NormGraph *ng, const RuleSet *rs, Partition *out)
{
    memset(out, 0, sizeof *out);
    Det d = {.g = g, .ng = ng, .rs = rs};
    int *taken = calloc((size_t)ng->nunits + 1, sizeof *taken);
    out->node_kernel = malloc(((size_t)g->nnodes + 1) * sizeof *out->node_kernel);
    d.md = pcre2_match_data_create(4, NULL);
    int rc = -1;
    if (!taken || !out->node_kernel || !d.md || build_consumers(&d))
        goto done;
    out->nnodes = g->nnodes;
    for (int i = 0; i < g->nnodes; i++)
        out->node_kernel[i] = -1;
    int cap = 0;
    for (int u = 0; u < ng->nunits; u++) {
        if (taken[u])
            continue;
        if (ng->units[u].free) {
            taken[u] = 1;
            out->nfree += ng->units[u].nnodes;
            continue;
        }
        int chain[KERNEL_MAX_UNITS], rule;
        int n = best_chain(&d, u, taken, chain, &rule);
        if (add_kernel(&d, out, &cap, chain, n, rule))
            goto done;
        for (int i = 0; i < n; i++)
            taken[chain[i]] = 1;
    }
    rc = 0;
done:
    if (rc)
        partition_free(out);
    pcre2_match_data_free(d.md);
    free(d.ncons);
    free(d.sole);
    free(taken);
    return rc;
}

void partition_free(Partition *p)
{
    for (int i = 0; i < p->nkernels; i++)
        free(p->kernels[i].nodes);
    free(p->kernels);
    free(p->node_kernel);
    memset(p, 0, sizeof *p);
}
