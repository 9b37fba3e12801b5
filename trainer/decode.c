#include "decode.h"

#include <math.h>
#include <stddef.h>

int yc_decode_anchor_count(const YcHeadLevel *levels, int nl) {
    int n = 0;
    for (int l = 0; l < nl; l++) n += levels[l].h * levels[l].w;
    return n;
}

int yc_decode_head(const YcHeadLevel *levels, int nl, int batch, int nc, int reg_max, bool xyxy, float *out,
                   YcErr *err) {
    if (nl < 1 || batch < 1 || nc < 1 || reg_max < 1 || reg_max > 64)
        return yc_err(err, "decode: bad arguments (levels %d, batch %d, nc %d, reg_max %d)", nl, batch, nc, reg_max);
    for (int l = 0; l < nl; l++)
        if (!levels[l].data || levels[l].h < 1 || levels[l].w < 1 || !(levels[l].stride > 0))
            return yc_err(err, "decode: level %d has no data or a bad shape (%d x %d, stride %g)", l, levels[l].h,
                          levels[l].w, (double)levels[l].stride);
    const size_t A = (size_t)yc_decode_anchor_count(levels, nl);
    const size_t channels = (size_t)(4 * reg_max + nc);
    for (int b = 0; b < batch; b++) {
        float *ob = out + (size_t)b * (size_t)(4 + nc) * A;
        size_t a0 = 0;
        for (int l = 0; l < nl; l++) {
            const size_t hw = (size_t)levels[l].h * (size_t)levels[l].w;
            const float *in = levels[l].data + (size_t)b * channels * hw;
            const float stride = levels[l].stride;
            for (size_t p = 0; p < hw; p++) {
                float dist[4];
                for (int s = 0; s < 4; s++) {
                    const float *v = in + (size_t)s * (size_t)reg_max * hw + p;
                    float m = v[0];
                    for (int k = 1; k < reg_max; k++)
                        if (v[(size_t)k * hw] > m) m = v[(size_t)k * hw];
                    float e[64], sum = 0;
                    for (int k = 0; k < reg_max; k++) {
                        e[k] = expf(v[(size_t)k * hw] - m);
                        sum += e[k];
                    }
                    float inv = 1.0f / sum, d = 0;
                    for (int k = 0; k < reg_max; k++) d += (float)k * (e[k] * inv);
                    dist[s] = d;
                }
                float ax = (float)(p % (size_t)levels[l].w) + 0.5f, ay = (float)(p / (size_t)levels[l].w) + 0.5f;
                float x1 = ax - dist[0], y1 = ay - dist[1], x2 = ax + dist[2], y2 = ay + dist[3];
                size_t a = a0 + p;
                if (xyxy) {
                    ob[a] = x1 * stride;
                    ob[A + a] = y1 * stride;
                    ob[2 * A + a] = x2 * stride;
                    ob[3 * A + a] = y2 * stride;
                } else {
                    ob[a] = (x1 + x2) / 2 * stride;
                    ob[A + a] = (y1 + y2) / 2 * stride;
                    ob[2 * A + a] = (x2 - x1) * stride;
                    ob[3 * A + a] = (y2 - y1) * stride;
                }
            }
            for (int c = 0; c < nc; c++) {
                const float *v = in + (size_t)(4 * reg_max + c) * hw;
                float *o = ob + (size_t)(4 + c) * A + a0;
                for (size_t p = 0; p < hw; p++) o[p] = 1.0f / (1.0f + expf(-v[p]));
            }
            a0 += hw;
        }
    }
    return 0;
}
