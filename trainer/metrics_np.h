/* Numeric building blocks that reproduce NumPy's results bit for bit where the
 * reference metrics use NumPy (linspace, interp, pairwise sums), so that our
 * mAP equals the reference's to the last bits rather than "about". Also the
 * shortest round-trip number text of Python's repr, for JSON files. */
#ifndef YC_METRICS_NP_H
#define YC_METRICS_NP_H

#include <stddef.h>

#include "strbuf.h"

/* x[i] = i * ((stop - start) / (n - 1)) + start, x[n-1] = stop (numpy.linspace). */
void yc_np_linspace(double start, double stop, int n, double *x);

/* numpy.interp(x, xp, fp, left, right) for one x: xp non-decreasing, n >= 1.
 * Picks the last xp[j] <= x as NumPy does, so repeated xp values behave alike. */
double yc_np_interp(double x, const double *xp, const double *fp, int n, double left, double right);

/* numpy's pairwise summation (add.reduce over a 1-D run), with a stride in elements. */
double yc_np_sum(const double *a, size_t n, size_t stride);

/* numpy.trapezoid(y, x). */
double yc_np_trapezoid(const double *y, const double *x, int n);

/* The reference's box filter (smooth(y, f)): pads with the end values and averages
 * round(n * f * 2) // 2 + 1 neighbours (an odd count for the 1000-point curves it
 * is used on; the reference returns one value more when that count is even).
 * out may not alias y. */
void yc_np_smooth(const double *y, int n, double f, double *out);

/* First index of the largest value (numpy.argmax; a NaN wins at its first place). */
int yc_np_argmax(const double *y, int n);

/* Python's repr(float): the shortest text that reads back to the same double
 * ("0.1", "258.0", "1e-05", "nan", "inf"). buf needs 32 bytes. */
void yc_repr_double(double v, char *buf, size_t cap);

/* A JSON string as Python's json.dumps writes it (ensure_ascii): non-ASCII as
 * \uXXXX, bytes that are not UTF-8 as \udcXX (Python's surrogateescape). */
void yc_json_string(YcStr *out, const char *text);

#endif
