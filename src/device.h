/* device.h -- a device: its fusion rules (and, later, its predictors).
 *
 * Devices are found by name in the data directory (rules/NAME.rules); a
 * user's edited copy under $XDG_CONFIG_HOME/nnmeter/rules/NAME.rules (or
 * ~/.config/...) takes precedence over the shipped file, which is never
 * modified.
 */
#ifndef NNM_DEVICE_H
#define NNM_DEVICE_H

#include "fusion/detect.h"
#include "fusion/normalize.h"
#include "fusion/rules.h"
#include "graph/graph.h"
#include "predict/predict.h"

#define DEVICE_MAX 64

typedef struct {
    char name[64];
    char shipped_path[600];   /* rules file in the data directory */
    char user_path[600];      /* the user's copy (may not exist) */
    int user_copy;            /* the rules came from user_path */
    RuleSet rules;
    Predictor *pred;          /* NULL: rules-only device, or pred_error says why */
    char pred_error[512];     /* a predictor that failed to load */
} Device;

/* Names of all devices (shipped and user), sorted; returns the count. */
int device_names(char names[][64], int max);

/* Loads a device's rules.  0, or -1 with err ("unknown device ...", or the
 * rule file's file:line:col message). */
int device_load(const char *name, Device *d, char *err, size_t errlen);
void device_free(Device *d);

/* Directory for the user's rule copies (created on demand by the caller). */
void device_user_dir(char *buf, size_t len);

/* The graph as this device runs it: units and kernels. */
typedef struct {
    Device *dev;
    NormGraph ng;
    Partition part;
    Prediction *pred;         /* per kernel; NULL when the device has no predictors */
    double total_ms;          /* sum of kernels + runtime overhead */
    double total_lo, total_hi;
    int nfallback;            /* kernels predicted by the fallback */
    /* A runtime profile laid over the kernels (overlay.c); NULL without one. */
    double *measured_ms;      /* per kernel: its runtime kernels' time, NAN when none */
    const char *measured_from;    /* the profile file (not owned) */
    double measured_sum_ms;   /* all runtime kernels of the profile */
    double measured_other_ms; /* of which on no kernel: layout, free ops, unmatched */
    int measured_unmatched;   /* runtime kernels that match no kernel of ours */
    int measured_runs;
} DeviceView;

/* Normalizes, detects kernels and predicts them; 0 or -1 (out of memory).
 * Re-running it after a rule change is the TUI's live update. */
int device_view(const Graph *g, Device *d, DeviceView *v);
void device_view_free(DeviceView *v);

#endif
