/* filter.c -- PCRE2 kernel filter (see filter.h). */
#include "filter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static pcre2_code *compile(const char *pattern, char *err, size_t errlen, int *col)
{
    uint32_t opts = 0;
    int caps = 0;
    for (const char *p = pattern; *p; p++)
        caps |= isupper((unsigned char)*p) && (p == pattern || p[-1] != '\\');
    if (!caps)
        opts |= PCRE2_CASELESS;
    int ecode;
    PCRE2_SIZE eoff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &ecode,
                                   &eoff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(err, errlen, "%s", (char *)msg);
        *col = (int)eoff + 1;
    }
    return re;
}

int filter_check(const char *pattern, char *err, size_t errlen, int *col)
{
    if (!pattern[0])
        return 0;
    pcre2_code *re = compile(pattern, err, errlen, col);
    pcre2_code_free(re);
    return re ? 0 : -1;
}

int filter_set(Filter *f, const char *pattern, char *err, size_t errlen, int *col)
{
    pcre2_code *re = NULL;
    pcre2_match_data *md = NULL;
    if (pattern[0]) {
        re = compile(pattern, err, errlen, col);
        if (!re)
            return -1;
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        md = pcre2_match_data_create_from_pattern(re, NULL);
        if (!md) {
            pcre2_code_free(re);
            snprintf(err, errlen, "out of memory");
            *col = 1;
            return -1;
        }
    }
    filter_free(f);
    snprintf(f->pattern, sizeof f->pattern, "%s", pattern);
    f->re = re;
    f->md = md;
    return 0;
}

int filter_on(const Filter *f)
{
    return f->re != NULL;
}

int filter_text(const Filter *f, const char *s)
{
    if (!f->re)
        return 1;
    return s && pcre2_match(f->re, (PCRE2_SPTR)s, strlen(s), 0, 0, f->md, NULL) >= 0;
}

int filter_kernel(const Filter *f, const Graph *g, const DeviceView *v, int k)
{
    if (!f->re)
        return 1;
    const Kernel *kn = &v->part.kernels[k];
    char key[32];
    kernel_key(&v->ng, kn, key);
    if (filter_text(f, key) || filter_text(f, kn->ops))
        return 1;
    if (kn->rule >= 0 && filter_text(f, v->dev->rules.rules[kn->rule].name))
        return 1;
    for (int i = 0; i < kn->nnodes; i++) {
        const Node *n = &g->nodes[kn->nodes[i]];
        if (filter_text(f, n->name) || filter_text(f, n->op))
            return 1;
    }
    return 0;
}

void filter_free(Filter *f)
{
    pcre2_match_data_free(f->md);
    pcre2_code_free(f->re);
    f->re = NULL;
    f->md = NULL;
    f->pattern[0] = 0;
}
