/* tests/bin/loader_bench: images per second of the data loader.
 *   loader_bench data=bccd.yaml [imgsz=640] [batch=16] [workers=1] [batches=40]
 *                [warmup=4] [split=train] [cache=false] [mode=train|val] [digest=false]
 * Opens the split, builds the training (or validation) loader with the
 * reference's default hyperparameters, skips `warmup` batches, then times
 * `batches` batches (crossing epochs as needed). Prints one line:
 *   loader images/s: <wall rate> wall, <rate> per CPU-second (...)
 * Images per CPU-second (all threads' CPU time) is the per-core figure that
 * survives a shared, busy machine; the wall rate is what a trainer sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "data_config.h"
#include "data_dataset.h"
#include "loader.h"

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const char *data = "bccd.yaml", *split = "train", *cache = "false", *mode = "train";
    int imgsz = 640, batch = 16, workers = 1, batches = 40, warmup = 4, digest = 0;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "loader_bench: expected key=value, got '%s'\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "data")) data = v;
        else if (!strcmp(k, "imgsz")) imgsz = atoi(v);
        else if (!strcmp(k, "batch")) batch = atoi(v);
        else if (!strcmp(k, "workers")) workers = atoi(v);
        else if (!strcmp(k, "batches")) batches = atoi(v);
        else if (!strcmp(k, "warmup")) warmup = atoi(v);
        else if (!strcmp(k, "split")) split = v;
        else if (!strcmp(k, "cache")) cache = v;
        else if (!strcmp(k, "mode")) mode = v;
        else if (!strcmp(k, "digest")) digest = !strcmp(v, "true");
        else {
            fprintf(stderr, "loader_bench: unknown key '%s'\n", k);
            return 2;
        }
    }
    YcErr err;
    YcDataConfig cfg;
    if (yc_data_config_load(data, &cfg, &err)) {
        fprintf(stderr, "loader_bench: %s\n", err.msg);
        return 1;
    }
    YcDatasetOptions dopt;
    yc_dataset_options_default(&dopt, split);
    YcDataset ds;
    if (yc_dataset_open(&ds, &cfg, &dopt, &err)) {
        fprintf(stderr, "loader_bench: %s\n", err.msg);
        yc_data_config_free(&cfg);
        return 1;
    }
    YcArgs args;
    yc_args_defaults(&args);
    args.imgsz.h = args.imgsz.w = imgsz;
    args.batch = batch;
    args.workers = workers;
    snprintf(args.cache, sizeof args.cache, "%s", cache);
    YcLoaderOptions o;
    yc_loader_options_from_args(&args, strcmp(mode, "val") != 0, &o);
    YcLoader *l;
    if (yc_loader_create(&l, &ds, &o, &err)) {
        fprintf(stderr, "loader_bench: %s\n", err.msg);
        return 1;
    }
    int epoch = 0, images = 0, done = 0;
    unsigned long long hash = 1469598103934665603ULL;
    double t0 = 0, c0 = 0;
    yc_loader_start_epoch(l, epoch, &err);
    while (done < warmup + batches) {
        const YcBatch *b;
        int rc = yc_loader_next(l, &b, &err);
        if (rc < 0) {
            fprintf(stderr, "loader_bench: %s\n", err.msg);
            return 1;
        }
        if (rc == 0) {
            yc_loader_start_epoch(l, ++epoch, &err);
            continue;
        }
        if (done == warmup) {
            t0 = clock_s(CLOCK_MONOTONIC);
            c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        }
        if (done >= warmup) images += b->n;
        if (digest) {
            size_t n = (size_t)b->n * 3 * b->h * b->w;
            for (size_t i = 0; i < n; i++) hash = (hash ^ b->images[i]) * 1099511628211ULL;
            const unsigned char *t = (const unsigned char *)b->target;
            for (size_t i = 0; i < (size_t)b->targets * 6 * sizeof(float); i++) hash = (hash ^ t[i]) * 1099511628211ULL;
        }
        done++;
    }
    double dt = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("loader images/s: %.1f wall, %.1f per CPU-second (%d images in %.2f s wall, %.2f s CPU, workers=%d)\n",
           images / dt, images / cpu, images, dt, cpu, workers);
    if (digest) printf("digest %016llx\n", hash);
    for (int i = 0; i < yc_loader_warning_count(l) && i < 5; i++) {
        char w[1200];
        if (yc_loader_warning(l, i, w, sizeof w) == 0) fprintf(stderr, "warning: %s\n", w);
    }
    yc_loader_free(l);
    yc_dataset_free(&ds);
    yc_data_config_free(&cfg);
    return 0;
}
