/* Times results.png and PR_curve.png from a run's files: read results.csv /
 * validation.json, render with cairo, encode the PNG in memory. Used by
 * tools/bench/plot.sh, which times matplotlib on the same files.
 *
 *   tests/bin/plot_bench run=DIR [reps=20]
 * Prints "results_ms=<mean> pr_ms=<mean>" (one warm-up run each, not counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plot.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double time_plot(const char *run, YcPlotKind kind, int reps, size_t *bytes) {
    YcErr err;
    YcPng png;
    double total = 0;
    for (int i = -1; i < reps; i++) {
        double t0 = now_ms();
        if (yc_plot_render(run, kind, &png, &err)) {
            fprintf(stderr, "plot_bench: %s\n", err.msg);
            exit(1);
        }
        double dt = now_ms() - t0;
        *bytes = png.size;
        yc_png_free(&png);
        if (i >= 0) total += dt;
    }
    return total / reps;
}

int main(int argc, char **argv) {
    const char *run = NULL;
    int reps = 20;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "run=", 4) == 0) run = argv[i] + 4;
        else if (strncmp(argv[i], "reps=", 5) == 0) reps = atoi(argv[i] + 5);
    }
    if (!run || reps < 1) {
        fprintf(stderr, "usage: plot_bench run=DIR [reps=N]\n");
        return 2;
    }
    size_t results_bytes, pr_bytes;
    double results_ms = time_plot(run, YC_PLOT_RESULTS, reps, &results_bytes);
    double pr_ms = time_plot(run, YC_PLOT_PR, reps, &pr_bytes);
    printf("results_ms=%.2f pr_ms=%.2f results_bytes=%zu pr_bytes=%zu\n", results_ms, pr_ms, results_bytes, pr_bytes);
    return 0;
}
