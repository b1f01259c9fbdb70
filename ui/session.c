/* session.c -- the model, its devices and their views (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "report/report.h"

int slot_latency(const Slot *sl)
{
    return sl->has_view && sl->view.pred != NULL;
}

static void model_totals(Session *s)
{
    for (int i = 0; i < s->g->nnodes; i++) {
        const Cost *c = &s->g->nodes[i].cost;
        s->flops += c->flops;
        s->bytes += (double)(c->bytes_read + c->bytes_written);
        s->params += c->params;
    }
}

/* Per-kernel FLOPs and display values of a fresh view. */
static int fill_values(const Session *s, Slot *sl)
{
    int n = sl->view.part.nkernels;
    sl->flops = calloc((size_t)(n ? n : 1), sizeof *sl->flops);
    sl->value = calloc((size_t)(n ? n : 1), sizeof *sl->value);
    if (!sl->flops || !sl->value)
        return -1;
    double sum = 0, max = 0;
    for (int k = 0; k < n; k++) {
        sl->flops[k] = kernel_cost(s->g, &sl->view.part.kernels[k]).flops;
        sl->value[k] = sl->view.pred ? sl->view.pred[k].ms : sl->flops[k];
        sum += sl->value[k];
        max = sl->value[k] > max ? sl->value[k] : max;
    }
    sl->total_value = sl->view.pred ? sl->view.total_ms : sum;
    sl->sum_value = sum;
    sl->max_value = max;
    return 0;
}

static void drop_view(Slot *sl)
{
    if (sl->has_view)
        device_view_free(&sl->view);
    sl->has_view = 0;
    free(sl->flops);
    free(sl->value);
    sl->flops = sl->value = NULL;
}

static int rules_differ(const Slot *sl)
{
    char *now = rules_format(&sl->dev.rules);
    int differ = !now || !sl->saved || strcmp(now, sl->saved) != 0;
    free(now);
    return differ;
}

/* An ONNX Runtime profile belongs to the devices ONNX Runtime runs. */
static int profiled(const Session *s, const Slot *sl)
{
    return s->profile_path[0] && sl->ok && sl->base < 0 && sl->dev.rules.measured &&
           strcasestr(sl->dev.rules.runtime, "onnxruntime");
}

static int overlay(Session *s, Slot *sl)
{
    if (!profiled(s, sl))
        return 0;
    return device_view_overlay(s->g, &sl->view, &s->profile, s->profile_path);
}

int session_update(Session *s, int i)
{
    Slot *sl = &s->slots[i];
    drop_view(sl);
    if (!sl->ok || !s->g)
        return 0;
    if (device_view(s->g, &sl->dev, &sl->view)) {
        snprintf(sl->error, sizeof sl->error, "out of memory while detecting kernels");
        return -1;
    }
    sl->has_view = 1;
    if (overlay(s, sl) || fill_values(s, sl)) {
        drop_view(sl);
        snprintf(sl->error, sizeof sl->error, "out of memory");
        return -1;
    }
    sl->dirty = sl->base < 0 && rules_differ(sl);
    return 0;
}

/* The current rules become the saved ones (after a load, save, revert). */
static void mark_saved(Slot *sl)
{
    free(sl->saved);
    sl->saved = rules_format(&sl->dev.rules);
    sl->saved_kernels = sl->has_view ? sl->view.part.nkernels : 0;
    sl->saved_total = sl->has_view ? sl->total_value : 0;
    sl->dirty = 0;
}

static int load_slot(Session *s, int i, const char *name)
{
    Slot *sl = &s->slots[i];
    sl->base = -1;
    if (device_load(name, &sl->dev, sl->error, sizeof sl->error))
        return 0; /* shown in the UI */
    sl->ok = 1;
    int rc = session_update(s, i);
    mark_saved(sl);
    return rc;
}

int session_open(Session *s, const char *model, const InputSpec *specs, int nspecs,
                 char (*names)[64], int nnames)
{
    memset(s, 0, sizeof *s);
    snprintf(s->model, sizeof s->model, "%s", model);
    s->slots = calloc(SESSION_MAX_SLOTS, sizeof *s->slots);
    if (!s->slots)
        return -1;
    int code;
    s->g = model_open(model, specs, nspecs, s->error, sizeof s->error, &code);
    if (s->g)
        model_totals(s);
    int rc = 0;
    for (int i = 0; i < nnames && i < DEVICE_MAX; i++) {
        rc |= load_slot(s, i, names[i]);
        s->nslots++;
    }
    s->ndevices = s->nslots;
    return rc;
}

int session_set_profile(Session *s, const char *path, char *err, size_t errlen)
{
    if (profile_read_ort(path, &s->profile, err, errlen))
        return -1;
    snprintf(s->profile_path, sizeof s->profile_path, "%s", path);
    int rc = 0;
    for (int i = 0; i < s->nslots; i++)
        if (profiled(s, &s->slots[i]))
            rc |= session_update(s, i);
    return rc;
}

void session_close(Session *s)
{
    for (int i = 0; s->slots && i < s->nslots; i++) {
        Slot *sl = &s->slots[i];
        drop_view(sl);
        free(sl->saved);
        if (sl->base >= 0)
            rules_free(&sl->dev.rules); /* the predictor is the base's */
        else
            device_free(&sl->dev);
    }
    free(s->slots);
    if (s->profile_path[0])
        profile_free(&s->profile);
    graph_free(s->g);
    memset(s, 0, sizeof *s);
}

/* The base's rule set without rules: same composites and free ops. */
static int copy_nofusion(const Device *b, Device *d)
{
    char name[64];
    memcpy(name, b->name, sizeof name);
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%.50s (no fusion)", name);
    const RuleSet *src = &b->rules;
    RuleSet *rs = &d->rules;
    snprintf(rs->path, sizeof rs->path, "(none: every op its own kernel)");
    memcpy(rs->device, src->device, sizeof rs->device);
    memcpy(rs->runtime, src->runtime, sizeof rs->runtime);
    memcpy(rs->source, src->source, sizeof rs->source);
    rs->measured = src->measured;
    rs->composites = src->composites;
    rs->keep_duplicates = src->keep_duplicates;
    if (src->nfree) {
        rs->free_tokens = malloc((size_t)src->nfree * sizeof *rs->free_tokens);
        if (!rs->free_tokens)
            return -1;
        memcpy(rs->free_tokens, src->free_tokens, (size_t)src->nfree * sizeof *rs->free_tokens);
        rs->nfree = src->nfree;
    }
    d->pred = b->pred;
    return 0;
}

int session_nofusion(Session *s, int i)
{
    if (s->slots[i].base >= 0)
        return i;
    if (!s->slots[i].ok)
        return -1;
    for (int j = 0; j < s->nslots; j++)
        if (s->slots[j].base == i)
            return j;
    if (s->nslots >= SESSION_MAX_SLOTS)
        return -1;
    Slot *v = &s->slots[s->nslots];
    if (copy_nofusion(&s->slots[i].dev, &v->dev))
        return -1;
    v->ok = 1;
    v->base = i;
    int j = s->nslots++;
    session_update(s, j);
    mark_saved(v);
    return j;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

int session_save(Session *s, int i, char *msg, size_t len)
{
    Slot *sl = &s->slots[i];
    if (sl->base >= 0 || !sl->ok) {
        snprintf(msg, len, "%s has no rules to save", sl->dev.name);
        return -1;
    }
    char dir[600], err[1024];
    device_user_dir(dir, sizeof dir);
    if (make_dirs(dir)) {
        snprintf(msg, len, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (rules_save(&sl->dev.rules, sl->dev.user_path, err, sizeof err)) {
        snprintf(msg, len, "%s", err);
        return -1;
    }
    sl->dev.user_copy = 1;
    snprintf(sl->dev.rules.path, sizeof sl->dev.rules.path, "%.511s", sl->dev.user_path);
    mark_saved(sl);
    snprintf(msg, len, "saved %s", sl->dev.user_path);
    return 0;
}

/* Replaces slot i's rules with rs (taking it over) and re-runs the view. */
static int replace_rules(Session *s, int i, RuleSet *rs)
{
    Slot *sl = &s->slots[i];
    rules_free(&sl->dev.rules);
    sl->dev.rules = *rs;
    memset(rs, 0, sizeof *rs);
    return session_update(s, i);
}

int session_revert(Session *s, int i, char *msg, size_t len)
{
    Slot *sl = &s->slots[i];
    if (!sl->ok || !sl->saved || sl->base >= 0) {
        snprintf(msg, len, "nothing to revert");
        return -1;
    }
    RuleSet rs;
    char err[1024];
    if (rules_parse(sl->saved, strlen(sl->saved), sl->dev.rules.path, &rs, err, sizeof err)) {
        snprintf(msg, len, "cannot revert: %s", err);
        return -1;
    }
    int rc = replace_rules(s, i, &rs);
    mark_saved(sl);
    snprintf(msg, len, "reverted to the saved rules");
    return rc;
}

int session_reset(Session *s, int i, char *msg, size_t len)
{
    Slot *sl = &s->slots[i];
    if (sl->base >= 0) {
        snprintf(msg, len, "%s has no rules", sl->dev.name);
        return -1;
    }
    char bak[700], err[1024];
    snprintf(bak, sizeof bak, "%s~", sl->dev.user_path);
    int moved = access(sl->dev.user_path, F_OK) == 0;
    if (moved && rename(sl->dev.user_path, bak)) {
        snprintf(msg, len, "cannot move %s aside: %s", sl->dev.user_path, strerror(errno));
        return -1;
    }
    RuleSet rs;
    if (rules_load(sl->dev.shipped_path, &rs, err, sizeof err)) {
        snprintf(msg, len, "%s", err);
        return -1;
    }
    sl->dev.user_copy = 0;
    if (!sl->ok) { /* the user copy was broken: this device starts now */
        sl->ok = 1;
        sl->dev.pred = predictor_load(sl->dev.name, sl->dev.pred_error,
                                      sizeof sl->dev.pred_error);
    }
    sl->error[0] = 0;
    int rc = replace_rules(s, i, &rs);
    mark_saved(sl);
    if (moved)
        snprintf(msg, len, "shipped rules loaded; your copy is now %s", bak);
    else
        snprintf(msg, len, "shipped rules loaded (you had no saved copy)");
    return rc;
}
