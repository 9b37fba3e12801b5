/* Mixed precision: the amp= argument's values, and the start-up check the
 * reference runs (check_amp): one evaluation forward of the model in float32
 * and in the mixed precision asked for; when they disagree (or the mixed one is
 * not finite) training falls back to float32 with a message. */
#ifndef YC_GPU_AMP_H
#define YC_GPU_AMP_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "error.h"
#include "model.h"

/* false/False/0/fp32/float32 (and NULL or "") -> float32; true/True/1/bf16/bfloat16
 * -> bfloat16; fp16/float16/half -> float16. 0, or -1 with err naming the value. */
int yc_precision_parse(const char *text, YcPrecision *out, YcErr *err);
/* "float32", "bfloat16", "float16". */
const char *yc_precision_name(YcPrecision p);

/* The check's tolerance on max |amp - fp32| / max |fp32| over the head outputs. */
double yc_amp_tolerance(YcPrecision p);
/* True when every amp value is finite and max |amp - ref| <= tol * max |ref|
 * (*rel_err gets max |amp - ref| / max |ref|, infinity when not finite). */
bool yc_amp_outputs_agree(const float *ref, const float *amp, size_t n, double tol, double *rel_err);

/* Runs the check on m's backend for `want`, on a fixed pseudo-random
 * [1, channels, imgsz, imgsz] input (imgsz a multiple of the model's stride), leaving the
 * backend in the precision returned: `want` when it agrees, else float32 (also when the
 * backend has no mixed precision, as the reference on the CPU). msg gets one line to print
 * (empty when there is nothing to say). The model's mode is restored; its weights and
 * statistics are unchanged. -1 with err for failures other than disagreement. */
int yc_amp_check(YcModel *m, YcPrecision want, int imgsz, char *msg, size_t cap, YcErr *err);

#endif
