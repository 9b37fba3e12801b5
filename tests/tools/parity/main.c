/* tests/bin/parity FILE...: see parity.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

/* The checkers, one per fixture kind. */
static const struct {
    const char *kind;
    ParityChecker check;
} checkers[] = {
    {"selftest", NULL}, /* fixtures of kind selftest only exercise the comparison code */
    {"loss", parity_check_loss},
    {"optim", parity_check_optim},
    {"metrics", parity_check_metrics},
    {"nms", parity_check_nms},
    {"decode", parity_check_decode},
    {"model", parity_check_model},
    {"train", parity_check_train},
    {"val", parity_check_val},
};

ParityGroup *parity_group(ParityReport *r, const char *name, double tolerance, ParityTolMode mode) {
    for (int i = 0; i < r->group_count; i++)
        if (strcmp(r->groups[i].name, name) == 0) return &r->groups[i];
    if (r->group_count == (int)(sizeof r->groups / sizeof r->groups[0])) return &r->groups[r->group_count - 1];
    ParityGroup *g = &r->groups[r->group_count++];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->tolerance = tolerance;
    g->mode = mode;
    return g;
}

int parity_compare(ParityReport *r, const char *group, const char *tensor, const float *got, const float *want,
                   size_t count, double tolerance, ParityTolMode mode) {
    double max_err = 0, scale = 0;
    bool finite = true;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(got[i]) || !isfinite(want[i])) finite = finite && (isfinite(got[i]) == isfinite(want[i]));
        double e = fabs((double)got[i] - (double)want[i]);
        if (e > max_err) max_err = e;
        if (fabs(want[i]) > scale) scale = fabs(want[i]);
    }
    double err = mode == PARITY_SCALED ? (scale > 0 ? max_err / scale : max_err) : max_err;
    if (!finite) err = INFINITY;
    ParityGroup *g = parity_group(r, group, tolerance, mode);
    g->tensors++;
    if (err > g->worst || g->tensors == 1) {
        if (err >= g->worst) {
            g->worst = err;
            snprintf(g->worst_tensor, sizeof g->worst_tensor, "%s", tensor);
        }
    }
    bool ok = err <= tolerance;
    if (!ok) {
        r->failures++;
        if (r->verbose || r->failures <= 20)
            printf("  FAIL %s %s: error %.3g > %.3g (max |diff| %.3g, scale %.3g)\n", group, tensor, err, tolerance,
                   max_err, scale);
    }
    return ok ? 0 : -1;
}

void parity_fail(ParityReport *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("  FAIL ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    r->failures++;
}

float *parity_load(ParityReport *r, const YcSafetensors *fx, const char *name, size_t *count) {
    const YcStTensor *t = yc_st_find(fx, name);
    if (!t) {
        parity_fail(r, "fixture has no tensor '%s'", name);
        return NULL;
    }
    size_t n = (size_t)yc_st_numel(t);
    float *buf = malloc((n ? n : 1) * sizeof(float));
    YcErr err;
    if (!buf || yc_st_read_f32(fx, name, buf, n, &err)) {
        parity_fail(r, "%s", buf ? err.msg : "out of memory");
        free(buf);
        return NULL;
    }
    if (count) *count = n;
    return buf;
}

static int check_file(const char *path, bool verbose, const char *device) {
    YcSafetensors fx;
    YcErr err;
    if (yc_st_load(path, &fx, &err)) {
        printf("%s: %s\n", path, err.msg);
        return 1;
    }
    const char *kind = yc_st_meta(&fx, "kind");
    ParityReport report = {.fixture = path, .verbose = verbose, .device = device};
    ParityChecker check = NULL;
    bool known = false;
    for (size_t i = 0; i < sizeof checkers / sizeof checkers[0]; i++)
        if (kind && strcmp(kind, checkers[i].kind) == 0) {
            check = checkers[i].check;
            known = true;
        }
    printf("%s (kind %s)%s%s\n", path, kind ? kind : "missing", device ? " on " : "", device ? device : "");
    if (!known) {
        parity_fail(&report, "unknown fixture kind '%s'", kind ? kind : "(none)");
    } else if (check) {
        check(&fx, &report);
    } else { /* selftest: want/<name> against got/<name>, scaled tolerance from metadata */
        const char *tol_text = yc_st_meta(&fx, "tolerance");
        double tol = tol_text ? atof(tol_text) : 1e-6;
        for (int i = 0; i < fx.count; i++) {
            if (strncmp(fx.tensors[i].name, "want/", 5) != 0) continue;
            char got_name[200];
            snprintf(got_name, sizeof got_name, "got/%s", fx.tensors[i].name + 5);
            size_t n1 = 0, n2 = 0;
            float *want = parity_load(&report, &fx, fx.tensors[i].name, &n1);
            float *got = parity_load(&report, &fx, got_name, &n2);
            if (want && got && n1 == n2) parity_compare(&report, "selftest", got_name, got, want, n1, tol, PARITY_SCALED);
            else if (want && got) parity_fail(&report, "%s: %zu values, want %zu", got_name, n2, n1);
            free(want);
            free(got);
        }
    }
    for (int i = 0; i < report.group_count; i++) {
        const ParityGroup *g = &report.groups[i];
        printf("  %-4s %-12s %4d tensors, worst %s error %.3g (tolerance %.3g) in %s\n",
               g->worst <= g->tolerance ? "ok" : "FAIL", g->name, g->tensors,
               g->mode == PARITY_SCALED ? "scaled" : "absolute", g->worst, g->tolerance, g->worst_tensor);
    }
    printf("  %s\n", report.failures ? "FAILED" : "passed");
    yc_st_free(&fx);
    return report.failures ? 1 : 0;
}

int main(int argc, char **argv) {
    bool verbose = false;
    const char *device = NULL;
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-v") == 0) {
            verbose = true;
            first++;
        } else if (strcmp(argv[first], "--device") == 0 && first + 1 < argc) {
            device = argv[first + 1];
            first += 2;
        } else {
            break;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: parity [-v] [--device cpu|cuda:N] FIXTURE.safetensors ...\n"
                        "  --device: run the model on that backend, and the optimiser fixtures also through\n"
                        "            its fused updates (cuda:N needs the GPU build, build/gpu/tests/parity)\n");
        return 2;
    }
    int failed = 0;
    for (int i = first; i < argc; i++) failed += check_file(argv[i], verbose, device);
    printf("%d passed, %d failed\n", argc - first - failed, failed);
    return failed ? 1 : 0;
}
