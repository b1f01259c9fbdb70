/* format.c -- number and name formatting (see format.h). */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_si(double v, char *buf, size_t len)
{
    static const char suffix[] = " KMGTP";
    double a = fabs(v);
    int i = 0;
    while (a >= 999.5 && i < 5) {
        a /= 1000;
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, a < 9.995 ? "%.2f%c" : a < 99.95 ? "%.1f%c" : "%.0f%c", v,
                 suffix[i]);
}

void fmt_ms(double ms, char *buf, size_t len)
{
    double a = fabs(ms);
    /* a kernel of a few ns (a 1x64 Flatten on XNNPACK: 12 ns) is not free:
     * "0" would read as a kernel that costs nothing, as free ops do.  Below
     * a picosecond it is rounding (a delta of the same sums), shown as 0. */
    if (a < 1e-9) {
        snprintf(buf, len, "0");
        return;
    }
    if (a < 0.00005) {
        snprintf(buf, len, ms < 0 ? ">-0.0001" : "<0.0001");
        return;
    }
    const char *f = a >= 999.5 ? "%.0f" : a >= 99.95 ? "%.1f" : a >= 9.995 ? "%.2f"
                  : a >= 0.9995 ? "%.3f" : "%.4f";
    snprintf(buf, len, f, ms);
}

static const struct {
    const char *op, *abbrev;
} abbrevs[] = {
    {"BatchNormalization", "BN"}, {"InstanceNormalization", "IN"},
    {"LayerNormalization", "LN"}, {"GlobalAveragePool", "GAP"},
    {"GlobalMaxPool", "GMP"}, {"HardSwish", "HSwish"}, {"HardSigmoid", "HSigmoid"},
    {"ConvTranspose", "ConvT"}, {"AveragePool", "AvgPool"}, {"LeakyRelu", "LReLU"},
    {"ReduceMean", "RMean"}, {"layernorm", "LN"},
};

void fmt_ops(const char *ops, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    const char *p = ops;
    while (*p && off + 1 < len) {
        size_t n = strcspn(p, "+");
        const char *name = NULL;
        for (size_t i = 0; i < sizeof abbrevs / sizeof *abbrevs && !name; i++)
            if (strlen(abbrevs[i].op) == n && strncmp(abbrevs[i].op, p, n) == 0)
                name = abbrevs[i].abbrev;
        int w = name ? snprintf(buf + off, len - off, "%s", name)
                     : snprintf(buf + off, len - off, "%.*s", (int)n, p);
        off += w > 0 ? (size_t)w : 0;
        p += n;
        if (*p == '+' && off + 1 < len) {
            buf[off++] = '+';
            buf[off] = 0;
            p++;
        }
    }
}
