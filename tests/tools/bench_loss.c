/* tests/bin/bench_loss INPUT.safetensors [REPEATS]: times the detection loss
 * with gradients (and the loss alone) on the head outputs and targets of a
 * file in the `loss` fixture layout (tools/bench/loss.sh writes one). Prints
 * "loss+grad <best ms> ms" and "loss <best ms> ms". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "loss_v8.h"
#include "safetensors.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static float *read_all(const YcSafetensors *st, const char *name, size_t *n) {
    const YcStTensor *t = yc_st_find(st, name);
    if (!t) return NULL;
    *n = (size_t)yc_st_numel(t);
    float *buf = malloc((*n ? *n : 1) * sizeof(float));
    YcErr err;
    if (buf && yc_st_read_f32(st, name, buf, *n, &err)) {
        fprintf(stderr, "bench_loss: %s\n", err.msg);
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_loss INPUT.safetensors [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    YcSafetensors st;
    YcErr err;
    if (yc_st_load(argv[1], &st, &err)) {
        fprintf(stderr, "bench_loss: %s\n", err.msg);
        return 1;
    }
    size_t n = 0, nt = 0, sz = 0;
    float *pred[3], *grad[3], *targets = read_all(&st, "targets", &nt), *imgsz = read_all(&st, "imgsz", &sz);
    const char *nc_text = yc_st_meta(&st, "nc"), *batch_text = yc_st_meta(&st, "batch");
    if (!targets || !imgsz || sz != 2 || !nc_text || !batch_text) {
        fprintf(stderr, "bench_loss: %s lacks targets, imgsz or nc/batch metadata\n", argv[1]);
        return 1;
    }
    YcDetLossInput in = {.batch = atoi(batch_text), .imgh = (int)imgsz[0], .imgw = (int)imgsz[1],
                         .targets = targets, .ntargets = (int)(nt / 6), .box_gain = 7.5, .cls_gain = 0.5,
                         .dfl_gain = 1.5};
    for (int l = 0; l < 3; l++) {
        char name[32];
        snprintf(name, sizeof name, "pred/%d", l);
        pred[l] = read_all(&st, name, &n);
        grad[l] = malloc(n * sizeof(float));
        if (!pred[l] || !grad[l]) {
            fprintf(stderr, "bench_loss: %s lacks %s\n", argv[1], name);
            return 1;
        }
        in.pred[l] = pred[l];
        in.grad[l] = grad[l];
    }
    YcDetLoss *ws = yc_det_loss_create(in.batch, in.imgh, in.imgw, atoi(nc_text), in.ntargets, &err);
    if (!ws) {
        fprintf(stderr, "bench_loss: %s\n", err.msg);
        return 1;
    }
    YcDetLossOutput out;
    for (int pass = 0; pass < 2; pass++) {
        double best = 1e30;
        for (int r = 0; r < repeats; r++) {
            double t0 = now();
            if (yc_det_loss_compute(ws, &in, &out, &err)) {
                fprintf(stderr, "bench_loss: %s\n", err.msg);
                return 1;
            }
            double dt = now() - t0;
            if (dt < best) best = dt;
        }
        printf("%s %.1f ms (items %.6g %.6g %.6g, %d foreground)\n", pass ? "loss" : "loss+grad", best * 1e3,
               out.items[0], out.items[1], out.items[2], out.foreground);
        for (int l = 0; l < 3; l++) in.grad[l] = NULL;
    }
    yc_det_loss_free(ws);
    for (int l = 0; l < 3; l++) {
        free(pred[l]);
        free(grad[l]);
    }
    free(targets);
    free(imgsz);
    yc_st_free(&st);
    return 0;
}
