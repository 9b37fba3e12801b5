/* tests/bin/bench_nms FILE.safetensors [repeats]: runs yc_nms_image with the
 * validation defaults over every image of pred [B, 4+nc, A] and prints
 * "nms_us_per_image <best of repeats> ..."; then feeds the kept rows of the
 * images, repeated to 5000 images, to the metrics accumulator (ground truth:
 * each image's 20 best rows, shifted a little) and prints the seconds that
 * adding and finishing took (tools/bench/metrics.sh). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"
#include "nms.h"
#include "safetensors.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_nms FILE.safetensors [repeats]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    YcSafetensors st;
    YcErr err;
    if (yc_st_load(argv[1], &st, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const YcStTensor *t = yc_st_find(&st, "pred");
    if (!t || t->ndim != 3) {
        fprintf(stderr, "%s: needs pred [B, 4+nc, A]\n", argv[1]);
        return 1;
    }
    int batch = (int)t->shape[0], nc = (int)t->shape[1] - 4, anchors = (int)t->shape[2];
    size_t n = (size_t)yc_st_numel(t);
    float *pred = malloc(n * sizeof(float));
    if (!pred || yc_st_read_f32(&st, "pred", pred, n, &err)) {
        fprintf(stderr, "%s\n", pred ? err.msg : "out of memory");
        return 1;
    }
    YcNmsOpts o;
    yc_nms_opts_val(&o);
    YcNms *w = yc_nms_new();
    float *out = malloc((size_t)o.max_det * 6 * sizeof(float) * (size_t)batch);
    int *kept_n = calloc((size_t)batch, sizeof(int));
    long kept = 0;
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        kept = 0;
        for (int b = 0; b < batch; b++) {
            int k = yc_nms_image(w, pred + (size_t)b * (size_t)(4 + nc) * (size_t)anchors, nc, anchors, &o,
                                 out + (size_t)b * (size_t)o.max_det * 6, NULL, &err);
            if (k < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            kept += k;
            kept_n[b] = k;
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    printf("nms_us_per_image %.1f kept_per_image %.1f images %d\n", best / batch * 1e6, (double)kept / batch, batch);

    float gt[20 * 5];
    double t0 = now();
    YcMetrics *m = yc_metrics_begin(nc, NULL, NAN, &err);
    for (int i = 0; m && i < 5000; i++) {
        int b = i % batch, g = kept_n[b] < 20 ? kept_n[b] : 20;
        const float *rows = out + (size_t)b * (size_t)o.max_det * 6;
        for (int j = 0; j < g; j++) {
            gt[j * 5] = rows[j * 6 + 5];
            for (int k = 0; k < 4; k++) gt[j * 5 + 1 + k] = rows[j * 6 + k] + (float)((i + j + k) % 7);
        }
        if (yc_metrics_add_image(m, rows, kept_n[b], gt, g, &err)) break;
    }
    YcMetricsResult res;
    double t1 = now();
    if (!m || yc_metrics_finish(m, &res, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t2 = now();
    printf("metrics_5000_images add_s %.3f finish_s %.3f map50_95 %.4f\n", t1 - t0, t2 - t1, res.map50_95);
    yc_metrics_result_free(&res);
    yc_metrics_free(m);
    free(kept_n);
    yc_nms_free(w);
    free(out);
    free(pred);
    yc_st_free(&st);
    return 0;
}
