/* session.h -- what the UI is looking at: one model and its devices.
 *
 * A slot is a device with its current view (kernels and predictions) and
 * the rules as last saved, so the Rules view can show what an edit changes
 * against them and revert to them.  Slots live in one array allocated once
 * (a DeviceView points at its Device, so slots must never move).  The
 * first ndevices slots are the devices given on the command line; "no
 * fusion" variants are appended after them on demand.
 *
 * With a runtime profile (--profile), measured devices also carry each
 * kernel's measured time (view.measured_ms), re-mapped after every edit.
 *
 * Loading errors never end the program: a model that does not open leaves
 * g NULL and the message in error; a device whose rule file is bad keeps
 * its name and paths, ok = 0 and the message in its error.
 */
#ifndef NNM_SESSION_H
#define NNM_SESSION_H

#include <stddef.h>

#include "device.h"
#include "graph/inputs.h"
#include "overlay.h"

#define SESSION_MAX_SLOTS (2 * DEVICE_MAX)

typedef struct {
    Device dev;
    int ok;                   /* rules loaded: dev and view are usable */
    int base;                 /* -1, or the slot a no-fusion variant copies */
    DeviceView view;
    int has_view;
    char error[1024];         /* why !ok (or why there is no view) */
    double *flops;            /* per kernel of view */
    double *value;            /* per kernel: predicted ms, or FLOPs without predictors */
    double total_value;       /* the model: predicted total (kernels + runtime
                               * overhead), or the FLOPs */
    double sum_value;         /* sum of the kernels' values: what shares (%) are of */
    double max_value;         /* largest kernel value (bar scale) */
    char *saved;              /* the rules as saved (rules_format text) */
    int saved_kernels;        /* kernel count and total with the saved rules */
    double saved_total;
    int dirty;                /* rules differ from saved */
} Slot;

typedef struct {
    char model[1024];         /* path as given */
    Graph *g;                 /* NULL when the model did not open */
    char error[1024];
    double flops;             /* model totals */
    double bytes;
    int64_t params;
    Slot *slots;              /* SESSION_MAX_SLOTS, allocated once */
    int nslots;
    int ndevices;
    Profile profile;          /* a runtime profile laid over measured devices */
    char profile_path[1024];  /* "" when none */
} Session;

/* Opens the model and loads the named devices.  0, or -1 when out of
 * memory (every other problem is kept in error fields). */
int session_open(Session *s, const char *model, const InputSpec *specs, int nspecs,
                 char (*names)[64], int nnames);
void session_close(Session *s);

/* Reads an ONNX Runtime profile and lays it over the kernels of every
 * measured device that ONNX Runtime runs (its rules' runtime line says
 * onnxruntime; not no-fusion variants, whose kernels are not the
 * runtime's): 0, or -1 with err. */
int session_set_profile(Session *s, const char *path, char *err, size_t errlen);

/* Latency is predicted (else values are FLOPs). */
int slot_latency(const Slot *sl);
/* Re-detects and re-predicts after a rule change: 0 or -1. */
int session_update(Session *s, int slot);
/* The slot of slot i's no-fusion variant (made on first use), or -1. */
int session_nofusion(Session *s, int i);
/* Saves slot i's rules to the user copy; message in msg. 0 or -1. */
int session_save(Session *s, int i, char *msg, size_t len);
/* Back to the saved rules.  0 or -1. */
int session_revert(Session *s, int i, char *msg, size_t len);
/* Moves the user copy aside (to PATH~) and loads the shipped rules. */
int session_reset(Session *s, int i, char *msg, size_t len);

#endif
