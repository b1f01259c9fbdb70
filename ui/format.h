/* format.h -- numbers and names as the views print them.
 *
 * Short, fixed-width-friendly renderings: FLOPs and bytes with SI suffixes
 * (56.8M), milliseconds with three significant digits, and ONNX op chains
 * with the long op names abbreviated (Conv+BN+Relu).
 */
#ifndef NNM_FORMAT_H
#define NNM_FORMAT_H

#include <stddef.h>

/* 1234567 -> "1.23M"; values under 1000 as integers. */
void fmt_si(double v, char *buf, size_t len);
/* 0.01234 -> "0.0123", 12.345 -> "12.35", 1234.5 -> "1235" (at most 6 columns). */
void fmt_ms(double ms, char *buf, size_t len);
/* "Conv+BatchNormalization+Relu" -> "Conv+BN+Relu". */
void fmt_ops(const char *ops, char *buf, size_t len);

#endif
