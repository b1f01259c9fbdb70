/* ruleedit.c -- in-memory rule edits (see ruleedit.h). */
#include "ruleedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 16

/* Builds "device x\nrule PART0\n    PART1\n..." from the typed line,
 * recording where each part starts in the line and its prefix length. */
static char *to_text(const char *line, int *start, int *prefix, int *nparts)
{
    size_t cap = strlen(line) + 32 + MAX_PARTS * 8;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    int off = snprintf(text, cap, "device x\n");
    const char *p = line;
    *nparts = 0;
    while (*nparts < MAX_PARTS) {
        size_t n = strcspn(p, ";");
        const char *pre = *nparts == 0 ? "rule " : "    ";
        start[*nparts] = (int)(p - line);
        prefix[*nparts] = (int)strlen(pre);
        off += snprintf(text + off, cap - (size_t)off, "%s%.*s\n", pre, (int)n, p);
        (*nparts)++;
        if (!p[n])
            break;
        p += n + 1;
    }
    return text;
}

/* "rule:LINE:COL: message" -> message and a column in the typed line. */
static void map_error(const char *perr, const int *start, const int *prefix, int nparts,
                      char *err, size_t errlen, int *col)
{
    int l = 0, c = 0, used = 0;
    if (sscanf(perr, "rule:%d:%d: %n", &l, &c, &used) < 2 || used == 0) {
        snprintf(err, errlen, "%s", perr);
        *col = 1;
        return;
    }
    int part = l - 2; /* line 1 is "device x" */
    if (part < 0 || part >= nparts)
        part = 0;
    *col = start[part] + c - prefix[part];
    if (*col < 1)
        *col = 1;
    snprintf(err, errlen, "%s", perr + used);
}

int ruleset_add(RuleSet *rs, const char *line, char *err, size_t errlen, int *col)
{
    int start[MAX_PARTS], prefix[MAX_PARTS], nparts;
    char *text = to_text(line, start, prefix, &nparts);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        *col = 1;
        return -1;
    }
    RuleSet one;
    char perr[1024];
    int rc = rules_parse(text, strlen(text), "rule", &one, perr, sizeof perr);
    free(text);
    if (rc) {
        map_error(perr, start, prefix, nparts, err, errlen, col);
        return -1;
    }
    if (one.nrules != 1) {
        snprintf(err, errlen, "expected NAME [-> KERNEL] : PATTERN");
        *col = 1;
        rules_free(&one);
        return -1;
    }
    for (int i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].name, one.rules[0].name) == 0) {
            snprintf(err, errlen, "a rule named '%s' exists already", one.rules[0].name);
            *col = 1;
            rules_free(&one);
            return -1;
        }
    Rule *nr = realloc(rs->rules, (size_t)(rs->nrules + 1) * sizeof *nr);
    if (!nr) {
        snprintf(err, errlen, "out of memory");
        *col = 1;
        rules_free(&one);
        return -1;
    }
    rs->rules = nr;
    rs->rules[rs->nrules] = one.rules[0]; /* takes over pattern and re */
    rs->rules[rs->nrules].line = 0;
    rs->nrules++;
    one.nrules = 0;
    rules_free(&one);
    return 0;
}

void ruleset_delete(RuleSet *rs, int i)
{
    if (i < 0 || i >= rs->nrules)
        return;
    pcre2_code_free(rs->rules[i].re);
    free(rs->rules[i].pattern);
    memmove(&rs->rules[i], &rs->rules[i + 1], (size_t)(rs->nrules - i - 1) * sizeof *rs->rules);
    rs->nrules--;
}

int rule_check_pattern(const char *pattern, char *err, size_t errlen, int *col)
{
    Rule tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc = rule_set_pattern(&tmp, pattern, err, errlen, col);
    pcre2_code_free(tmp.re);
    free(tmp.pattern);
    return rc;
}
