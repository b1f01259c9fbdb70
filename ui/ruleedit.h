/* ruleedit.h -- changing a device's rule set in memory (the Rules view).
 *
 * New rules are written in the rule language itself, on one line:
 *     NAME [-> KERNEL] : PATTERN [; CLAUSE ...]
 * e.g. "conv_add -> conv : conv add ; side add same-shape", and parsed by
 * the real parser (rules_parse), so the Rules view accepts exactly what a
 * rule file accepts and reports errors with a column in what was typed.
 */
#ifndef NNM_RULEEDIT_H
#define NNM_RULEEDIT_H

#include <stddef.h>

#include "fusion/rules.h"

/* Appends the rule `line` defines.  0, or -1 with err and *col (1-based
 * in line) and rs unchanged. */
int ruleset_add(RuleSet *rs, const char *line, char *err, size_t errlen, int *col);
/* Removes rule i. */
void ruleset_delete(RuleSet *rs, int i);
/* Checks a pattern without changing any rule: 0, or -1 with err, *col. */
int rule_check_pattern(const char *pattern, char *err, size_t errlen, int *col);

#endif
