/* Fixture kind "decode": raw head outputs through the reference's
 * Detect._inference; decoded boxes (xywh and xyxy) and scores within float32
 * rounding of the reference (its DFL is a softmax then a 1x1 convolution). */
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "parity.h"

int parity_check_decode(const YcSafetensors *fx, ParityReport *r) {
    const YcStTensor *t0 = yc_st_find(fx, "x0"), *t1 = yc_st_find(fx, "x1"), *t2 = yc_st_find(fx, "x2");
    const YcStTensor *tw = yc_st_find(fx, "want/xywh");
    if (!t0 || !t1 || !t2 || !tw || t0->ndim != 4 || tw->ndim != 3) {
        parity_fail(r, "decode fixture needs x0, x1, x2 [B, C, H, W] and want/xywh [B, 4+nc, A]");
        return -1;
    }
    int batch = (int)t0->shape[0], nc = (int)tw->shape[1] - 4, anchors = (int)tw->shape[2];
    float *x[3] = {parity_load(r, fx, "x0", NULL), parity_load(r, fx, "x1", NULL), parity_load(r, fx, "x2", NULL)};
    const YcStTensor *ts[3] = {t0, t1, t2};
    const float strides[3] = {8, 16, 32};
    YcHeadLevel levels[3];
    for (int l = 0; l < 3; l++)
        levels[l] = (YcHeadLevel){.data = x[l], .h = (int)ts[l]->shape[2], .w = (int)ts[l]->shape[3], .stride = strides[l]};
    size_t total = (size_t)batch * (size_t)(4 + nc) * (size_t)anchors;
    float *got = malloc(total * sizeof(float));
    for (int variant = 0; variant < 2 && x[0] && x[1] && x[2]; variant++) {
        const char *name = variant ? "want/xyxy" : "want/xywh";
        YcErr err;
        if (yc_decode_anchor_count(levels, 3) != anchors ||
            yc_decode_head(levels, 3, batch, nc, 16, variant == 1, got, &err)) {
            parity_fail(r, "decode: %s", yc_decode_anchor_count(levels, 3) != anchors ? "anchor count differs" : err.msg);
            break;
        }
        size_t n = 0;
        float *want = parity_load(r, fx, name, &n);
        if (want && n == total) {
            for (int b = 0; b < batch; b++) {
                size_t base = (size_t)b * (size_t)(4 + nc) * (size_t)anchors;
                char tname[64];
                snprintf(tname, sizeof tname, "%s[%d]/boxes", name + 5, b);
                parity_compare(r, "decode.boxes", tname, got + base, want + base, 4 * (size_t)anchors, 1e-6,
                               PARITY_SCALED);
                snprintf(tname, sizeof tname, "%s[%d]/scores", name + 5, b);
                parity_compare(r, "decode.scores", tname, got + base + 4 * (size_t)anchors,
                               want + base + 4 * (size_t)anchors, (size_t)nc * (size_t)anchors, 1e-6, PARITY_ABS);
            }
        }
        free(want);
    }
    free(got);
    for (int l = 0; l < 3; l++) free(x[l]);
    return r->failures ? -1 : 0;
}
