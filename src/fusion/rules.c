/* rules.c -- parse, compile and save fusion rule files (see rules.h). */
#include "rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/graph.h"

typedef struct {
    const char *file;
    int line;
    char *err;
    size_t errlen;
} Parser;

static int perr(Parser *p, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int perr(Parser *p, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->file, p->line, col, msg);
    return -1;
}

/* ---- patterns ------------------------------------------------------------ */

/* Translate a token pattern into a PCRE2 pattern over "<tok><tok>..."
 * subjects.  map[i] = 1-based column in the source of output byte i. */
static char *translate(const char *src, int **map, char *err, size_t errlen, int *col)
{
    size_t n = strlen(src);
    size_t cap = n * 24 + 16;
    char *out = malloc(cap);
    int *m = malloc(cap * sizeof *m);
    if (!out || !m) {
        free(out);
        free(m);
        snprintf(err, errlen, "out of memory");
        *col = 1;
        return NULL;
    }
    size_t o = 0;
    int tokens = 0, in_brace = 0;
#define EMIT(ch, c0) (out[o] = (ch), m[o] = (c0), o++)
    for (size_t i = 0; i < n;) {
        int c0 = (int)i + 1;
        unsigned char ch = (unsigned char)src[i];
        if (isalpha(ch)) {
            size_t j = i;
            while (j < n && (isalnum((unsigned char)src[j]) || src[j] == '_'))
                j++;
            char tok[TOKEN_MAX + 8];
            size_t len = j - i;
            if (len >= TOKEN_MAX || (snprintf(tok, sizeof tok, "%.*s", (int)len, src + i),
                                     !token_known(tok))) {
                snprintf(err, errlen, "unknown op token '%.*s' (tokens are lowercase op "
                         "names such as conv, dwconv, bn, relu, add, fc, matmul)",
                         (int)(len > 40 ? 40 : len), src + i);
                *col = c0;
                free(out);
                free(m);
                return NULL;
            }
            /* grouped, so a quantifier after the token applies to all of
             * it ("bn?" -> "(<bn>)?", not "<bn>?") */
            EMIT('(', c0);
            EMIT('<', c0);
            for (size_t k = 0; k < len; k++)
                EMIT(tok[k], c0 + (int)k);
            EMIT('>', c0 + (int)len - 1);
            EMIT(')', c0 + (int)len - 1);
            tokens++;
            i = j;
            continue;
        }
        if (ch == '.') {
            const char *any = "(<[a-z0-9_]+>)";
            for (const char *a = any; *a; a++)
                EMIT(*a, c0);
            tokens++;
            i++;
            continue;
        }
        if (ch == '{')
            in_brace = 1;
        if (ch == '}')
            in_brace = 0;
        if (strchr("()|?*+{} \t", ch) || (in_brace && (isdigit(ch) || ch == ','))) {
            EMIT((char)ch, c0);
            i++;
            continue;
        }
        snprintf(err, errlen, "unexpected character '%c' in pattern (use op tokens, "
                 "'.', ( ) | ? * + {m,n})", isprint(ch) ? ch : '?');
        *col = c0;
        free(out);
        free(m);
        return NULL;
    }
#undef EMIT
    if (tokens == 0) {
        snprintf(err, errlen, "empty pattern: a rule needs at least one op token");
        *col = 1;
        free(out);
        free(m);
        return NULL;
    }
    out[o] = 0;
    m[o] = (int)n + 1;
    *map = m;
    return out;
}

int rule_set_pattern(Rule *r, const char *pattern, char *err, size_t errlen, int *col)
{
    int *map = NULL;
    *col = 0;
    char *re_src = translate(pattern, &map, err, errlen, col);
    if (!re_src)
        return -1;
    int ecode;
    PCRE2_SIZE eoff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)re_src, PCRE2_ZERO_TERMINATED,
                                   PCRE2_EXTENDED | PCRE2_NO_AUTO_CAPTURE, &ecode, &eoff,
                                   NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        size_t len = strlen(re_src);
        *col = map[eoff <= len ? eoff : len];
        snprintf(err, errlen, "bad pattern: %s", (char *)msg);
        free(re_src);
        free(map);
        return -1;
    }
    /* JIT makes matching a chain cost tens of nanoseconds; optional */
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
    free(re_src);
    free(map);
    char *copy = strdup(pattern);
    if (!copy) {
        pcre2_code_free(re);
        snprintf(err, errlen, "out of memory");
        *col = 1;
        return -1;
    }
    pcre2_code_free(r->re);
    free(r->pattern);
    r->re = re;
    r->pattern = copy;
    return 0;
}

/* ---- lines --------------------------------------------------------------- */

static char *skip_ws(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Next whitespace-separated word; NUL-terminates it; *rest after it. */
static char *word(char **s)
{
    char *w = skip_ws(*s);
    if (!*w)
        return NULL;
    char *e = w;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (*e)
        *e++ = 0;
    *s = e;
    return w;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
}

static int valid_name(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static int parse_rule(Parser *p, RuleSet *rs, char *line, char *rest)
{
    /* rule NAME [-> KERNEL] : PATTERN */
    char *colon = strchr(rest, ':');
    if (!colon)
        return perr(p, (int)(rest - line) + 1, "expected 'rule NAME [-> KERNEL] : PATTERN'");
    *colon = 0;
    char *head = rest;
    char *name = word(&head);
    if (!name || !valid_name(name) || strlen(name) >= sizeof rs->rules[0].name)
        return perr(p, (int)(rest - line) + 1, "a rule needs a name (letters, digits, _ or -)");
    char kernel[64];
    snprintf(kernel, sizeof kernel, "%s", name);
    char *arrow = word(&head);
    if (arrow) {
        char *k = word(&head);
        if (strcmp(arrow, "->") != 0 || !k || !valid_name(k) || word(&head))
            return perr(p, (int)(arrow - line) + 1,
                        "expected '-> KERNEL_TYPE' or ':' after the rule name");
        snprintf(kernel, sizeof kernel, "%s", k);
    }
    for (int i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].name, name) == 0)
            return perr(p, (int)(name - line) + 1,
                        "duplicate rule name '%s' (first defined on line %d)", name,
                        rs->rules[i].line);
    Rule *nr = realloc(rs->rules, (size_t)(rs->nrules + 1) * sizeof *nr);
    if (!nr)
        return perr(p, 1, "out of memory");
    rs->rules = nr;
    Rule *r = &rs->rules[rs->nrules];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->kernel, sizeof r->kernel, "%s", kernel);
    r->line = p->line;
    r->enabled = 1;
    char *pat = skip_ws(colon + 1);
    rtrim(pat);
    char msg[300];
    int col;
    if (rule_set_pattern(r, pat, msg, sizeof msg, &col)) {
        pcre2_code_free(r->re);
        free(r->pattern);
        return perr(p, (int)(pat - line) + col, "%s", msg);
    }
    rs->nrules++;
    return 0;
}

static int parse_side(Parser *p, Rule *r, char *line, char *rest)
{
    char *tok = word(&rest);
    char *kind = word(&rest);
    if (!tok || !kind || word(&rest))
        return perr(p, 1, "expected 'side TOKEN const|same-shape|any'");
    if (!token_known(tok))
        return perr(p, (int)(tok - line) + 1, "unknown op token '%s'", tok);
    static const struct { const char *name; SideKind kind; } kinds[] = {
        {"const", SIDE_CONST}, {"same-shape", SIDE_SAME_SHAPE}, {"any", SIDE_ANY}};
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(kinds[i].name, kind) == 0)
            k = i;
    if (k < 0)
        return perr(p, (int)(kind - line) + 1, "side must be const, same-shape or any, not '%s'",
                    kind);
    if (r->nsides >= RULE_MAX_SIDES)
        return perr(p, 1, "more than %d side clauses in one rule", RULE_MAX_SIDES);
    snprintf(r->sides[r->nsides].token, TOKEN_MAX, "%s", tok);
    r->sides[r->nsides++].kind = kinds[k].kind;
    return 0;
}

static int parse_dtype(Parser *p, Rule *r, char *line, char *rest)
{
    char *t = word(&rest);
    if (!t)
        return perr(p, 1, "expected 'dtype TYPE' (float, float16, int8, uint8, ...)");
    for (int d = 1; d <= DT_BFLOAT16; d++)
        if (strcmp(dtype_name(d), t) == 0) {
            r->dtype = d;
            return 0;
        }
    return perr(p, (int)(t - line) + 1, "unknown dtype '%s'", t);
}

static int parse_tokens(Parser *p, RuleSet *rs, char *line, char *rest, int composite)
{
    char *w;
    int any = 0;
    while ((w = word(&rest))) {
        any = 1;
        if (composite) {
            unsigned f = composite_flag(w);
            if (!f)
                return perr(p, (int)(w - line) + 1, "unknown composite '%s' (known: hswish "
                            "hsigmoid swish gelu layernorm se shuffle)", w);
            rs->composites |= f;
            continue;
        }
        if (!token_known(w))
            return perr(p, (int)(w - line) + 1, "unknown op token '%s'", w);
        char(*nf)[TOKEN_MAX] = realloc(rs->free_tokens, (size_t)(rs->nfree + 1) * TOKEN_MAX);
        if (!nf)
            return perr(p, 1, "out of memory");
        rs->free_tokens = nf;
        snprintf(nf[rs->nfree++], TOKEN_MAX, "%s", w);
    }
    if (!any)
        return perr(p, 1, "'%s' needs at least one token", composite ? "composite" : "free");
    return 0;
}

static int parse_line(Parser *p, RuleSet *rs, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    rtrim(line);
    char *s = skip_ws(line);
    if (!*s)
        return 0;
    int indented = s != line;
    char *rest = s;
    char *kw = word(&rest);
    int kwcol = (int)(kw - line) + 1;
    if (indented) {
        if (rs->nrules == 0)
            return perr(p, kwcol, "indented line outside a rule");
        Rule *r = &rs->rules[rs->nrules - 1];
        if (strcmp(kw, "side") == 0)
            return parse_side(p, r, line, rest);
        if (strcmp(kw, "dtype") == 0)
            return parse_dtype(p, r, line, rest);
        if (strcmp(kw, "align") == 0) {
            char *v = word(&rest);
            char *end = NULL;
            long a = v ? strtol(v, &end, 10) : 0;
            if (!v || *end || a < 1 || a > 4096 || word(&rest))
                return perr(p, kwcol, "expected 'align N' with N in 1..4096 (channel multiple)");
            r->align = (int)a;
            return 0;
        }
        if (strcmp(kw, "off") == 0) {
            r->enabled = 0;
            return 0;
        }
        return perr(p, kwcol, "unknown rule clause '%s' (side, dtype, align, off)", kw);
    }
    if (strcmp(kw, "rule") == 0)
        return parse_rule(p, rs, line, rest);
    if (strcmp(kw, "composite") == 0)
        return parse_tokens(p, rs, line, rest, 1);
    if (strcmp(kw, "free") == 0)
        return parse_tokens(p, rs, line, rest, 0);
    char *val = skip_ws(rest);
    if (strcmp(kw, "device") == 0) {
        if (!valid_name(val) || strlen(val) >= sizeof rs->device)
            return perr(p, (int)(val - line) + 1, "device needs a name (letters, digits, _ or -)");
        snprintf(rs->device, sizeof rs->device, "%s", val);
        return 0;
    }
    /* rtrim again: a long value cut at the field size may end in a blank,
     * which would not survive a save and reload */
    if (strcmp(kw, "runtime") == 0) {
        snprintf(rs->runtime, sizeof rs->runtime, "%s", val);
        rtrim(rs->runtime);
        return 0;
    }
    if (strcmp(kw, "source") == 0) {
        snprintf(rs->source, sizeof rs->source, "%s", val);
        rtrim(rs->source);
        return 0;
    }
    if (strcmp(kw, "cse") == 0) {
        if (strcmp(val, "yes") && strcmp(val, "no"))
            return perr(p, (int)(val - line) + 1,
                        "cse must be yes (the runtime merges repeated computations) or no");
        rs->keep_duplicates = strcmp(val, "no") == 0;
        return 0;
    }
    if (strcmp(kw, "measured") == 0) {
        if (strcmp(val, "yes") && strcmp(val, "no"))
            return perr(p, (int)(val - line) + 1, "measured must be yes or no");
        rs->measured = strcmp(val, "yes") == 0;
        return 0;
    }
    return perr(p, kwcol, "unknown keyword '%s' (device, runtime, source, measured, "
                "composite, free, cse, rule)", kw);
}

int rules_parse(const char *text, size_t len, const char *filename, RuleSet *rs, char *err,
                size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    snprintf(rs->path, sizeof rs->path, "%s", filename);
    Parser p = {.file = filename, .err = err, .errlen = errlen};
    size_t i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        p.line++;
        char *line = strndup(text + i, j - i);
        if (!line)
            return perr(&p, 1, "out of memory");
        if (memchr(text + i, 0, j - i))
            rc = perr(&p, 1, "NUL byte in a rule file");
        else
            rc = parse_line(&p, rs, line);
        free(line);
        i = j + 1;
    }
    if (rc == 0 && !rs->device[0]) {
        p.line = 1;
        rc = perr(&p, 1, "missing 'device NAME' line");
    }
    if (rc)
        rules_free(rs);
    return rc;
}

int rules_load(const char *path, RuleSet *rs, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open rule file '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            if (cap > (16u << 20)) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: rule file larger than 16 MB", path);
                return -1;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = rules_parse(buf, len, path, rs, err, errlen);
    free(buf);
    return rc;
}

void rules_free(RuleSet *rs)
{
    for (int i = 0; i < rs->nrules; i++) {
        pcre2_code_free(rs->rules[i].re);
        free(rs->rules[i].pattern);
    }
    free(rs->rules);
    free(rs->free_tokens);
    memset(rs, 0, sizeof *rs);
}

NormConfig rules_norm_config(const RuleSet *rs)
{
    NormConfig c = {rs->composites, rs->free_tokens, rs->nfree, rs->keep_duplicates};
    return c;
}

/* ---- writing --------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
} Buf;

static void bprintf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bprintf(Buf *b, const char *fmt, ...)
{
    if (!b->s && b->cap)
        return; /* an earlier allocation failed */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 1024) + (size_t)n;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            free(b->s);
            b->s = NULL;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *rules_format(const RuleSet *rs)
{
    Buf b = {0};
    bprintf(&b, "# nnmeter-tui fusion rules (language: man nnmeter-tui, RULES)\n");
    bprintf(&b, "device    %s\n", rs->device);
    if (rs->runtime[0])
        bprintf(&b, "runtime   %s\n", rs->runtime);
    if (rs->source[0])
        bprintf(&b, "source    %s\n", rs->source);
    bprintf(&b, "measured  %s\n", rs->measured ? "yes" : "no");
    if (rs->composites) {
        static const char *names[] = {"hswish", "hsigmoid", "swish", "gelu", "layernorm",
                                      "se", "shuffle"};
        bprintf(&b, "composite");
        for (int i = 0; i < 7; i++)
            if (rs->composites & composite_flag(names[i]))
                bprintf(&b, " %s", names[i]);
        bprintf(&b, "\n");
    }
    if (rs->nfree) {
        bprintf(&b, "free     ");
        for (int i = 0; i < rs->nfree; i++)
            bprintf(&b, " %s", rs->free_tokens[i]);
        bprintf(&b, "\n");
    }
    if (rs->keep_duplicates)
        bprintf(&b, "cse       no\n");
    static const char *side_names[] = {"const", "same-shape", "any"};
    for (int i = 0; i < rs->nrules; i++) {
        const Rule *r = &rs->rules[i];
        bprintf(&b, "\nrule %s", r->name);
        if (strcmp(r->kernel, r->name))
            bprintf(&b, " -> %s", r->kernel);
        bprintf(&b, " : %s\n", r->pattern);
        for (int k = 0; k < r->nsides; k++)
            bprintf(&b, "    side %s %s\n", r->sides[k].token, side_names[r->sides[k].kind]);
        if (r->dtype)
            bprintf(&b, "    dtype %s\n", dtype_name(r->dtype));
        if (r->align)
            bprintf(&b, "    align %d\n", r->align);
        if (!r->enabled)
            bprintf(&b, "    off\n");
    }
    return b.s;
}

int rules_save(const RuleSet *rs, const char *path, char *err, size_t errlen)
{
    char *text = rules_format(rs);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char tmp[1100], bak[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    snprintf(bak, sizeof bak, "%s~", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    size_t n = strlen(text);
    if (fwrite(text, 1, n, f) != n || fflush(f) || fsync(fileno(f))) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        goto out;
    }
    if (fclose(f)) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* keep the previous version: a hard link survives the rename below */
    if (access(path, F_OK) == 0) {
        unlink(bak);
        if (link(path, bak) != 0) {
            snprintf(err, errlen, "cannot keep a backup '%s': %s", bak, strerror(errno));
            unlink(tmp);
            goto out;
        }
    }
    if (rename(tmp, path)) {
        snprintf(err, errlen, "cannot replace '%s': %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}
