/* linfit.c -- small weighted least-squares fits (see linfit.h). */
#include "linfit.h"

#include <math.h>

/* Least squares y = a + b*x1 + c*x2 on the models (3x3 normal equations),
 * each row weighted by 1/w: with w the measured latency, the fit
 * minimises relative error, which is what ±10% accuracy asks for (an
 * unweighted fit lets the big models push small ones off by half). */
int fit3(const FitRow *rows, int n, double out[3])
{
    double A[3][4] = {{0}};
    for (int i = 0; i < n; i++) {
        const FitRow *q = &rows[i];
        double s = q->w > 0 ? 1.0 / q->w : 1.0;
        double r[3] = {s, s * q->x1, s * q->x2};
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++)
                A[a][b] += r[a] * r[b];
            A[a][3] += r[a] * s * q->y;
        }
    }
    for (int c = 0; c < 3; c++) {
        int p = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(A[r][c]) > fabs(A[p][c]))
                p = r;
        if (fabs(A[p][c]) < 1e-12)
            return -1;
        for (int k = 0; k < 4; k++) {
            double t = A[c][k];
            A[c][k] = A[p][k];
            A[p][k] = t;
        }
        for (int r = 0; r < 3; r++) {
            if (r == c)
                continue;
            double f = A[r][c] / A[c][c];
            for (int k = 0; k < 4; k++)
                A[r][k] -= f * A[c][k];
        }
    }
    for (int c = 0; c < 3; c++)
        out[c] = A[c][3] / A[c][c];
    return 0;
}

/* Least squares y = b*x1 + c*x2 (no intercept), rows weighted by 1/w as
 * in fit3, leaving out row `skip` (-1: none). */
int fit2_skip(const FitRow *rows, int n, int skip, double out[2])
{
    double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    for (int i = 0; i < n; i++) {
        if (i == skip)
            continue;
        const FitRow *q = &rows[i];
        double s = q->w > 0 ? 1.0 / (q->w * q->w) : 1.0;
        a11 += s * q->x1 * q->x1;
        a12 += s * q->x1 * q->x2;
        a22 += s * q->x2 * q->x2;
        b1 += s * q->x1 * q->y;
        b2 += s * q->x2 * q->y;
    }
    double det = a11 * a22 - a12 * a12;
    if (fabs(det) < 1e-12 * (a11 * a22 + 1e-300))
        return -1;
    out[0] = (b1 * a22 - b2 * a12) / det;
    out[1] = (a11 * b2 - a12 * b1) / det;
    return 0;
}

int fit2(const FitRow *rows, int n, double out[2])
{
    return fit2_skip(rows, n, -1, out);
}

double fit2_loo_error(const FitRow *rows, int n, int i)
{
    double c[2];
    if (fit2_skip(rows, n, i, c))
        return 1;
    return fabs(c[0] * rows[i].x1 + c[1] * rows[i].x2 - rows[i].y) / rows[i].w;
}
