/* linfit.h -- the small weighted least-squares fits the builder makes on
 * measured models: train's runtime overhead (a cost per run, per kernel,
 * per MB) and match's profiler cost per kernel.  Normal equations: the fits
 * have two or three parameters and a few hundred rows. */
#ifndef NNM_LINFIT_H
#define NNM_LINFIT_H

/* One model's row in a least-squares fit of y on x1 and x2, weighted by
 * 1/w (w: the measured latency, see fit3). */
typedef struct {
    double x1, x2, y, w;
} FitRow;

/* y = a + b*x1 + c*x2, rows weighted by 1/w; 0, or -1 when singular. */
int fit3(const FitRow *rows, int n, double out[3]);
/* y = b*x1 + c*x2 (no intercept), leaving out row skip (-1: none). */
int fit2_skip(const FitRow *rows, int n, int skip, double out[2]);
int fit2(const FitRow *rows, int n, double out[2]);
/* Row i's relative error |fit - y| / w under the fit2 of the other rows
 * (1 when they are singular): a leave-one-out judge of the two-column form. */
double fit2_loo_error(const FitRow *rows, int n, int i);

#endif
