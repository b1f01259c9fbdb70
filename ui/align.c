/* align.c -- kernel alignment across devices (see align.h). */
#include "align.h"

#include <stdlib.h>
#include <string.h>

static int find(int *parent, int x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void unite(int *parent, int a, int b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b; /* the root is the first node */
}

/* Union of every kernel's nodes, over all columns. */
static void join_kernels(int *parent, const Partition *const *parts, int ncols)
{
    for (int c = 0; c < ncols; c++)
        for (int k = 0; parts[c] && k < parts[c]->nkernels; k++) {
            const Kernel *kn = &parts[c]->kernels[k];
            for (int j = 1; j < kn->nnodes; j++)
                unite(parent, kn->nodes[0], kn->nodes[j]);
        }
}

/* Numbers the groups in graph order: gid[root] for roots of covered nodes. */
static int number_groups(const Graph *g, int *parent, const Partition *const *parts,
                         int ncols, int *gid)
{
    int n = 0;
    for (int i = 0; i < g->nnodes; i++)
        gid[i] = -1;
    for (int i = 0; i < g->nnodes; i++) {
        int covered = 0;
        for (int c = 0; c < ncols; c++)
            covered |= parts[c] && parts[c]->node_kernel[i] >= 0;
        int r = find(parent, i);
        if (covered && gid[r] < 0)
            gid[r] = n++;
    }
    return n;
}

static int group_of(int *parent, const int *gid, const Kernel *k)
{
    return gid[find(parent, k->nodes[0])];
}

static int fill(Alignment *a, int *parent, const int *gid, const Partition *const *parts)
{
    int total = 0;
    for (int c = 0; c < a->ncols; c++)
        for (int k = 0; parts[c] && k < parts[c]->nkernels; k++) {
            AlignGroup *gr = &a->groups[group_of(parent, gid, &parts[c]->kernels[k])];
            gr->n[c]++;
            total++;
        }
    a->members = malloc((size_t)(total ? total : 1) * sizeof *a->members);
    if (!a->members)
        return -1;
    int off = 0;
    for (int i = 0; i < a->ngroups; i++)
        for (int c = 0; c < a->ncols; c++) {
            a->groups[i].off[c] = off;
            off += a->groups[i].n[c];
            a->groups[i].n[c] = 0;
        }
    for (int c = 0; c < a->ncols; c++)
        for (int k = 0; parts[c] && k < parts[c]->nkernels; k++) {
            AlignGroup *gr = &a->groups[group_of(parent, gid, &parts[c]->kernels[k])];
            a->members[gr->off[c] + gr->n[c]++] = k;
        }
    return 0;
}

static void finish_groups(Alignment *a, const Partition *const *parts)
{
    for (int i = 0; i < a->ngroups; i++) {
        AlignGroup *gr = &a->groups[i];
        gr->lines = 1;
        gr->first_node = -1;
        for (int c = 0; c < a->ncols; c++) {
            if (gr->n[c] > gr->lines)
                gr->lines = gr->n[c];
            /* a group is connected: two kernels in one column mean another
             * column fused across them; none means the ops are free there */
            if (parts[c] && gr->n[c] != 1)
                gr->split = 1;
            if (gr->n[c] > 0) {
                int first = parts[c]->kernels[a->members[gr->off[c]]].nodes[0];
                if (gr->first_node < 0 || first < gr->first_node)
                    gr->first_node = first;
            }
        }
    }
}

int align_build(const Graph *g, const Partition *const *parts, int ncols, Alignment *out)
{
    memset(out, 0, sizeof *out);
    out->ncols = ncols > ALIGN_MAX_COLS ? ALIGN_MAX_COLS : ncols;
    int n = g->nnodes;
    int *parent = malloc((size_t)(n ? n : 1) * sizeof *parent);
    int *gid = malloc((size_t)(n ? n : 1) * sizeof *gid);
    int rc = -1;
    if (!parent || !gid)
        goto out;
    for (int i = 0; i < n; i++)
        parent[i] = i;
    join_kernels(parent, parts, out->ncols);
    out->ngroups = number_groups(g, parent, parts, out->ncols, gid);
    out->groups = calloc((size_t)(out->ngroups ? out->ngroups : 1), sizeof *out->groups);
    if (!out->groups || fill(out, parent, gid, parts))
        goto out;
    finish_groups(out, parts);
    rc = 0;
out:
    free(parent);
    free(gid);
    if (rc)
        align_free(out);
    return rc;
}

void align_free(Alignment *a)
{
    free(a->groups);
    free(a->members);
    memset(a, 0, sizeof *a);
}
