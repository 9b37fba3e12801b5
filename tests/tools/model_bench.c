/* tests/bin/model_bench MODEL IMGSZ BATCH ITERS [THREADS]: times training
 * steps of the model on the CPU backend (forward + backward with a fixed
 * upstream gradient, after one warm-up step) and prints one line:
 *   model_bench yolov8n.yaml imgsz 320 batch 8 threads 2: 123.4 ms/image (fwd 40.1, bwd 83.3), arena 512.3 MB
 * With YOLOC_BENCH_PROFILE=1 it also prints the time per operation kind. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backend.h"
#include "model.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: model_bench MODEL IMGSZ BATCH ITERS [THREADS]\n");
        return 2;
    }
    const char *name = argv[1];
    int imgsz = atoi(argv[2]), batch = atoi(argv[3]), iters = atoi(argv[4]);
    int threads = argc > 5 ? atoi(argv[5]) : 0;
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(threads, &err);
    YcModel *m = be ? yc_model_build(name, 80, be, &err) : NULL;
    if (!m) {
        fprintf(stderr, "model_bench: %s\n", err.msg);
        return 1;
    }
    size_t n = (size_t)batch * 3 * imgsz * imgsz;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 2654435761u) % 256) / 255.0f;
    int64_t shape[4] = {batch, 3, imgsz, imgsz};
    YcTensor input = yc_tensor_f32(x, 4, shape);
    double fwd = 0, bwd = 0;
    const char *prof = getenv("YOLOC_BENCH_PROFILE");
    bool profile = prof && atoi(prof) > 0;
    for (int it = 0; it <= iters; it++) {
        if (it == 1 && profile) yc_model_set_profiling(m, true);
        YcModelOutputs out;
        double t0 = now();
        if (yc_model_forward(m, &input, &out, &err)) {
            fprintf(stderr, "model_bench: %s\n", err.msg);
            return 1;
        }
        for (int l = 0; l < out.levels; l++) {
            YcTensor g = yc_model_output_grad(m, l);
            be->fill(be, g.data, (size_t)yc_tensor_numel(&g), 1e-3f);
        }
        double t1 = now();
        if (yc_model_backward(m, NULL, NULL, &err)) {
            fprintf(stderr, "model_bench: %s\n", err.msg);
            return 1;
        }
        double t2 = now();
        if (it > 0) { /* the first step plans the arena */
            fwd += t1 - t0;
            bwd += t2 - t1;
        }
    }
    double per = 1000.0 / (iters * (double)batch);
    printf("model_bench %s imgsz %d batch %d threads %d: %.1f ms/image (fwd %.1f, bwd %.1f), arena %.1f MB\n", name,
           imgsz, batch, be->threads, (fwd + bwd) * per, fwd * per, bwd * per, yc_model_arena_bytes(m) / 1e6);
    if (profile) {
        char report[2048];
        yc_model_profile_report(m, report, sizeof report);
        printf("%s", report);
    }
    free(x);
    yc_model_free(m);
    yc_backend_destroy(be);
    return 0;
}
