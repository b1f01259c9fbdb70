/* filter.h -- the / filter: a PCRE2 regex over what names a kernel.
 *
 * A kernel matches when the regex finds a match in its type as the views
 * show it (the predictor key: conv, dwconv, fc, ...), its op chain, its
 * rule's name, or the name or op of any member ONNX node.  Smart case:
 * caseless unless the pattern has a capital letter.
 */
#ifndef NNM_FILTER_H
#define NNM_FILTER_H

#include <stddef.h>

#include "device.h" /* and, through rules.h, pcre2.h */

typedef struct {
    char pattern[512];          /* "" when off */
    pcre2_code *re;             /* NULL when off */
    pcre2_match_data *md;
} Filter;

/* Compiles pattern (an empty one turns the filter off).  On error returns
 * -1, keeps the old filter, and sets err and *col (1-based). */
int filter_set(Filter *f, const char *pattern, char *err, size_t errlen, int *col);
/* Checks a pattern without changing f. */
int filter_check(const char *pattern, char *err, size_t errlen, int *col);
int filter_on(const Filter *f);
int filter_text(const Filter *f, const char *s);
int filter_kernel(const Filter *f, const Graph *g, const DeviceView *v, int k);
void filter_free(Filter *f);

#endif
