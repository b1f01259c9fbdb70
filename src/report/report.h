/* report.h -- the non-interactive output of nnmeter-tui (--report).
 *
 * Three renderings of one analysis: text for people, JSON for programs
 * (field names are a stable interface, see the man page), CSV for
 * spreadsheets.  Everything printed comes from the Graph; nothing is
 * computed here.
 */
#ifndef NNM_REPORT_H
#define NNM_REPORT_H

#include <stdio.h>
#include "device.h"
#include "graph/graph.h"

typedef enum { REPORT_TEXT, REPORT_JSON, REPORT_CSV } ReportFormat;

/* Parses "text" | "json" | "csv"; -1 when unknown. */
int report_format_parse(const char *s, ReportFormat *out);

/* Writes the report, with each device's kernels when views are given;
 * returns 0, or -1 when writing failed. */
int report_write(FILE *out, const Graph *g, const char *model, ReportFormat fmt,
                 const DeviceView *views, int nviews);

/* Sum of the member nodes' costs. */
Cost kernel_cost(const Graph *g, const Kernel *k);

#endif
