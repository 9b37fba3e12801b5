/* amp= values and the start-up mixed-precision check (see gpu_amp.h). */
#include "gpu_amp.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int yc_precision_parse(const char *text, YcPrecision *out, YcErr *err) {
    static const struct {
        const char *name;
        YcPrecision p;
    } names[] = {
        {"false", YC_PREC_F32}, {"0", YC_PREC_F32},        {"fp32", YC_PREC_F32},    {"float32", YC_PREC_F32},
        {"true", YC_PREC_BF16}, {"1", YC_PREC_BF16},       {"bf16", YC_PREC_BF16},   {"bfloat16", YC_PREC_BF16},
        {"fp16", YC_PREC_F16},  {"float16", YC_PREC_F16}, {"half", YC_PREC_F16},
    };
    if (!text || !*text) {
        *out = YC_PREC_F32;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(text, names[i].name) == 0) {
            *out = names[i].p;
            return 0;
        }
    return yc_err(err, "amp=%s: expected true (bfloat16), fp16, bf16 or false", text);
}

const char *yc_precision_name(YcPrecision p) {
    switch (p) {
    case YC_PREC_F32: return "float32";
    case YC_PREC_BF16: return "bfloat16";
    case YC_PREC_F16: return "float16";
    }
    return "?";
}

/* bfloat16 keeps 8 bits of mantissa (relative rounding 2^-9 per operation),
 * float16 11; through some fifty layers of an untrained model the head
 * outputs drift by about a percent. A broken mixed-precision path (wrong
 * layout, overflow, NaN) is off by far more. */
double yc_amp_tolerance(YcPrecision p) { return p == YC_PREC_F16 ? 0.03 : p == YC_PREC_BF16 ? 0.08 : 0.0; }

bool yc_amp_outputs_agree(const float *ref, const float *amp, size_t n, double tol, double *rel_err) {
    double scale = 0, diff = 0;
    bool finite = true;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(amp[i]) || !isfinite(ref[i])) finite = false;
        double d = fabs((double)amp[i] - (double)ref[i]);
        if (d > diff) diff = d;
        if (fabs((double)ref[i]) > scale) scale = fabs((double)ref[i]);
    }
    double rel = finite ? diff / (scale > 1e-6 ? scale : 1e-6) : INFINITY;
    if (rel_err) *rel_err = rel;
    return finite && rel <= tol;
}

/* One evaluation forward; the head outputs concatenated into host memory. */
static int forward_levels(YcModel *m, const YcTensor *x, float *host, size_t cap, size_t *count, YcErr *err) {
    YcBackend *be = yc_model_backend(m);
    YcModelOutputs out;
    if (yc_model_forward(m, x, &out, err)) return -1;
    size_t at = 0;
    for (int l = 0; l < out.levels; l++) {
        size_t n = (size_t)yc_tensor_numel(&out.level[l]);
        if (at + n > cap) return yc_err(err, "amp check: head outputs larger than planned");
        be->download(be, host + at, out.level[l].data, n * sizeof(float));
        at += n;
    }
    *count = at;
    return be->sync(be, err);
}

int yc_amp_check(YcModel *m, YcPrecision want, int imgsz, char *msg, size_t cap, YcErr *err) {
    YcBackend *be = yc_model_backend(m);
    if (cap) msg[0] = 0;
    if (want == YC_PREC_F32) return be->set_precision(be, YC_PREC_F32, err) < 0 ? -1 : YC_PREC_F32;
    int got = be->set_precision(be, want, err);
    if (got < 0) return -1;
    if (got == YC_PREC_F32) return YC_PREC_F32; /* no mixed precision here (the reference's CPU case) */
    int stride = yc_model_max_stride(m), ch = yc_model_in_channels(m);
    if (imgsz < stride || imgsz % stride) return yc_err(err, "amp check: image size %d is not a multiple of %d", imgsz, stride);
    size_t in_count = (size_t)ch * imgsz * imgsz;
    /* head outputs: (4 reg_max + nc) channels over at most imgsz^2 / 8^2 * (1 + 1/4 + 1/16) anchors */
    size_t out_cap = (size_t)(yc_model_nc(m) + 64 + 64) * ((size_t)imgsz * imgsz / 64 * 2);
    float *input = malloc(in_count * sizeof *input);
    float *ref = malloc(out_cap * sizeof *ref), *amp = malloc(out_cap * sizeof *amp);
    float *dx = be->alloc(be, in_count * sizeof(float));
    bool was_train = yc_model_is_train(m);
    int rc = -1;
    if (!input || !ref || !amp || !dx) {
        yc_err(err, "amp check: out of memory");
        goto done;
    }
    uint64_t state = 0x9E3779B97F4A7C15ULL; /* xorshift: an image-like input in [0, 1] */
    for (size_t i = 0; i < in_count; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        input[i] = (float)(state >> 40) / (float)(1 << 24);
    }
    be->upload(be, dx, input, in_count * sizeof(float));
    int64_t shape[4] = {1, ch, imgsz, imgsz};
    YcTensor x = yc_tensor_f32(dx, 4, shape);
    x.mem = be->mem;
    x.device = be->device;
    yc_model_set_train(m, false);
    size_t n_ref = 0, n_amp = 0;
    if (be->set_precision(be, YC_PREC_F32, err) < 0 || forward_levels(m, &x, ref, out_cap, &n_ref, err) ||
        be->set_precision(be, want, err) < 0 || forward_levels(m, &x, amp, out_cap, &n_amp, err))
        goto done;
    double rel = 0, tol = yc_amp_tolerance(want);
    if (n_ref == n_amp && yc_amp_outputs_agree(ref, amp, n_ref, tol, &rel)) {
        snprintf(msg, cap, "AMP: checks passed (%s head outputs within %.2g%% of float32)", yc_precision_name(want),
                 100 * rel);
        rc = want;
    } else {
        if (be->set_precision(be, YC_PREC_F32, err) < 0) goto done;
        snprintf(msg, cap,
                 "AMP: checks failed: %s head outputs differ from float32 by %.3g%% (tolerance %.3g%%); "
                 "training in float32",
                 yc_precision_name(want), 100 * rel, 100 * tol);
        rc = YC_PREC_F32;
    }
done:
    yc_model_set_train(m, was_train);
    if (dx) be->free(be, dx);
    free(input);
    free(ref);
    free(amp);
    return rc;
}
