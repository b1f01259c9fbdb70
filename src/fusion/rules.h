/* rules.h -- a device's fusion rules: which chains of ops run as one kernel.
 *
 * Rules are data (rules/NAME.rules), in a small line-based language a
 * person can read and edit (the TUI edits it live):
 *
 *     # ONNX Runtime on x86: NCHWc convolutions absorb BN, residual, act
 *     device    ort-cpu
 *     runtime   onnxruntime-node 1.30.0, CPU EP, 1 thread
 *     source    measured on this host (nnmeter-build detect-rules)
 *     measured  yes
 *     composite gelu layernorm          # exporter patterns run as one op
 *     free      reshape flatten squeeze  # ops the runtime elides
 *     cse       yes                      # repeated computations run once
 *
 *     rule conv_bn_act -> conv : (conv | dwconv) bn? add? (relu | relu6)?
 *         side add same-shape            # residual: any tensor, same shape
 *         dtype float
 *         align 8                        # only when channels % 8 == 0
 *
 * A pattern is a PCRE2 regular expression over op tokens: identifiers are
 * tokens, `.` is any token, and ( ) | ? * + {m,n} work as in regexes.  A
 * chain is a path of single-consumer ops; the longest chain some enabled
 * rule matches becomes one kernel.  Binary ops after the first take their
 * other operand from outside the chain only as `side` allows: const (the
 * default: a weight or bias), same-shape (a residual), or any.
 */
#ifndef NNM_RULES_H
#define NNM_RULES_H

#include <stddef.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "normalize.h"

typedef enum { SIDE_CONST = 0, SIDE_SAME_SHAPE, SIDE_ANY } SideKind;

#define RULE_MAX_SIDES 8

typedef struct {
    char name[64];
    char kernel[64];          /* kernel type; the rule name when not given */
    char *pattern;            /* as written */
    pcre2_code *re;
    int line;                 /* where it was defined (0: added in the TUI) */
    struct {
        char token[TOKEN_MAX];
        SideKind kind;
    } sides[RULE_MAX_SIDES];
    int nsides;
    int dtype;                /* DT_*; 0 = any */
    int align;                /* output channels (dim 1) must be a multiple; 0 = any */
    int enabled;
} Rule;

typedef struct {
    char path[512];           /* file it came from */
    char device[64];
    char runtime[160];
    char source[256];
    int measured;
    unsigned composites;      /* COMP_* */
    char (*free_tokens)[TOKEN_MAX];
    int nfree;
    int keep_duplicates;      /* `cse no`: the runtime runs a repeated node again */
    Rule *rules;
    int nrules;
} RuleSet;

/* Parses rule text; errors are "file:line:col: message".  0 or -1. */
int rules_parse(const char *text, size_t len, const char *filename, RuleSet *rs,
                char *err, size_t errlen);
int rules_load(const char *path, RuleSet *rs, char *err, size_t errlen);
void rules_free(RuleSet *rs);

/* Compiles `pattern` into r (replacing its pattern).  On error returns -1,
 * err says why and *col is the 1-based column in the pattern. */
int rule_set_pattern(Rule *r, const char *pattern, char *err, size_t errlen, int *col);

/* Renders the rule set as text in the same language (comments are not
 * kept).  Caller frees. */
char *rules_format(const RuleSet *rs);

/* Writes rules_format() to path atomically (temp file + rename), keeping
 * the previous file as path~.  0 or -1 with err. */
int rules_save(const RuleSet *rs, const char *path, char *err, size_t errlen);

/* The normalization settings the rule set implies. */
NormConfig rules_norm_config(const RuleSet *rs);

#endif
