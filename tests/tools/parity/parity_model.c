/* Fixtures of kind "model": builds the model the fixture names (model, nc),
 * loads weights/<name>, runs the forward in the fixture's mode on `input`, and
 * compares output/<level> and (eval) decoded within 1e-4 of their scale; in
 * train mode feeds upstream/<level> back, and compares grad/<parameter> and
 * grad/input within 1e-3 of their scale, and running/<buffer> (the batch-norm
 * running statistics after the step) within 1e-4.
 *
 * Some gradients are zero in exact arithmetic: the biases of batch norms whose
 * output reaches the loss only through 1x1 convolutions followed by training-
 * mode batch norms, which cancel any per-channel shift. The reference's values
 * for them are rounding noise, 1e-6 of the other gradients, and relative to
 * their own scale two implementations disagree completely. A gradient tensor
 * whose scale is below NOISE_FRACTION of the median gradient scale is checked
 * in the group "grad~0" against an absolute tolerance of NOISE_FRACTION times
 * that median: it must be noise for us too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "fileio.h"
#include "model.h"
#include "parity.h"

#define OUTPUT_TOL 1e-4
#define GRAD_TOL 1e-3
#define RUNNING_TOL 1e-4
#define NOISE_FRACTION 1e-4

/* The model named by the fixture: a YAML path relative to the fixture's
 * directory when one is there, else a name share/models resolves. */
static void model_location(const YcSafetensors *fx, const char *model, char *out, size_t cap) {
    char dir[1024], candidate[2048];
    yc_path_dirname(dir, sizeof dir, fx->path);
    snprintf(candidate, sizeof candidate, "%s/%s", dir, model);
    snprintf(out, cap, "%s", yc_file_exists(candidate) ? candidate : model);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Compares `count` values in backend memory (`got`) with the fixture's tensor. */
static void compare_tensor(ParityReport *r, YcBackend *be, const YcSafetensors *fx, const char *group,
                           const char *name, const float *got, size_t count, double tol) {
    size_t n = 0;
    float *want = parity_load(r, fx, name, &n);
    float *host = malloc((count ? count : 1) * sizeof *host);
    if (want && host) {
        be->download(be, host, got, count * sizeof *host);
        if (n != count) parity_fail(r, "%s: %zu values in the fixture, the model has %zu", name, n, count);
        else parity_compare(r, group, name, host, want, n, tol, PARITY_SCALED);
    }
    free(host);
    free(want);
}

/* A backend copy of host data (NULL + parity_fail when out of memory). */
static float *to_backend(ParityReport *r, YcBackend *be, const float *host, size_t count) {
    float *d = be->alloc(be, (count ? count : 1) * sizeof *d);
    if (!d) parity_fail(r, "out of %s memory", be->name);
    else be->upload(be, d, host, count * sizeof *d);
    return d;
}

int parity_check_model(const YcSafetensors *fx, ParityReport *r) {
    const char *model_name = yc_st_meta(fx, "model"), *nc_text = yc_st_meta(fx, "nc"),
               *mode = yc_st_meta(fx, "mode");
    if (!model_name || !nc_text || !mode || (strcmp(mode, "train") && strcmp(mode, "eval"))) {
        parity_fail(r, "metadata needs model, nc and mode (train or eval)");
        return -1;
    }
    bool train = strcmp(mode, "train") == 0;
    YcErr err;
    YcBackend *be = parity_backend(r);
    if (!be) return -1;
    char path[2048];
    model_location(fx, model_name, path, sizeof path);
    YcModel *m = yc_model_build(path, atoi(nc_text), be, &err);
    float *input = NULL, *d_input = NULL, *d_grad_input = NULL, *upstream = NULL, *host = NULL;
    YcModelOutputs out = {0};
    if (!m) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    if (yc_model_load_st(m, fx, "weights/", true, NULL, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    const YcStTensor *in = yc_st_find(fx, "input");
    if (!in || in->ndim != 4) {
        parity_fail(r, "fixture has no 4-d tensor 'input'");
        goto done;
    }
    size_t in_count = 0;
    input = parity_load(r, fx, "input", &in_count);
    if (!input || !(d_input = to_backend(r, be, input, in_count))) goto done;
    YcTensor x = yc_tensor_f32(d_input, 4, in->shape);
    x.mem = be->mem;
    x.device = be->device;
    yc_model_set_train(m, train);
    if (yc_model_forward(m, &x, &out, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    for (int l = 0; l < out.levels; l++) {
        char name[32];
        snprintf(name, sizeof name, "output/%d", l);
        compare_tensor(r, be, fx, "output", name, out.level[l].data, (size_t)yc_tensor_numel(&out.level[l]),
                       OUTPUT_TOL);
    }
    if (!train) {
        compare_tensor(r, be, fx, "decoded", "decoded", out.decoded.data, (size_t)yc_tensor_numel(&out.decoded),
                       OUTPUT_TOL);
        goto done;
    }
    /* the upstream gradients go straight into the model's output-gradient buffers */
    for (int l = 0; l < out.levels; l++) {
        char name[32];
        snprintf(name, sizeof name, "upstream/%d", l);
        size_t n = 0;
        YcTensor g = yc_model_output_grad(m, l);
        upstream = parity_load(r, fx, name, &n);
        if (!upstream) goto done;
        if (n != (size_t)yc_tensor_numel(&g)) {
            parity_fail(r, "%s: %zu values, the output has %lld", name, n, (long long)yc_tensor_numel(&g));
            goto done;
        }
        be->upload(be, g.data, upstream, n * sizeof *upstream);
        free(upstream);
        upstream = NULL;
    }
    if (!(d_grad_input = be->alloc(be, in_count * sizeof *d_grad_input))) {
        parity_fail(r, "out of %s memory", be->name);
        goto done;
    }
    YcTensor gx = x;
    gx.data = d_grad_input;
    yc_model_zero_grad(m);
    if (yc_model_backward(m, NULL, &gx, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    int count = 0;
    YcParam *params = yc_model_params(m, &count);
    /* the median scale of the fixture's parameter gradients */
    double *scales = calloc((size_t)count + 1, sizeof *scales);
    int n_scales = 0;
    for (int i = 0; scales && i < count; i++) {
        if (params[i].is_buffer || !params[i].grad) continue;
        char name[200];
        snprintf(name, sizeof name, "grad/%s", params[i].name);
        size_t n = 0;
        float *want = yc_st_find(fx, name) ? parity_load(r, fx, name, &n) : NULL;
        double sc = 0;
        for (size_t k = 0; want && k < n; k++) sc = fabs(want[k]) > sc ? fabs(want[k]) : sc;
        free(want);
        scales[n_scales++] = sc;
    }
    qsort(scales, (size_t)n_scales, sizeof *scales, by_value);
    double median = n_scales ? scales[n_scales / 2] : 0;
    free(scales);
    int grads_seen = 0;
    for (int i = 0; i < count; i++) {
        const YcParam *p = &params[i];
        char name[200];
        if (p->is_buffer) {
            snprintf(name, sizeof name, "running/%s", p->name);
            compare_tensor(r, be, fx, "running", name, p->value, p->count, RUNNING_TOL);
        } else if (p->grad) {
            snprintf(name, sizeof name, "grad/%s", p->name);
            size_t n = 0;
            float *want = parity_load(r, fx, name, &n);
            grads_seen++;
            if (!want) continue;
            host = malloc(p->count * sizeof *host);
            if (host) be->download(be, host, p->grad, p->count * sizeof *host);
            double sc = 0;
            for (size_t k = 0; k < n; k++) sc = fabs(want[k]) > sc ? fabs(want[k]) : sc;
            if (!host)
                parity_fail(r, "out of memory");
            else if (n != p->count)
                parity_fail(r, "%s: %zu values in the fixture, the model has %zu", name, n, p->count);
            else if (sc < NOISE_FRACTION * median)
                parity_compare(r, "grad~0", name, host, want, n, NOISE_FRACTION * median, PARITY_ABS);
            else
                parity_compare(r, "grad", name, host, want, n, GRAD_TOL, PARITY_SCALED);
            free(host);
            host = NULL;
            free(want);
        }
    }
    for (int i = 0; i < fx->count; i++)
        if (strncmp(fx->tensors[i].name, "grad/", 5) == 0) grads_seen--;
    if (grads_seen != -1) /* the fixture's grad/ tensors: one per trained parameter, plus grad/input */
        parity_fail(r, "the fixture has %d more grad/ tensors than the model has trained parameters (+ input)",
                    -grads_seen - 1);
    compare_tensor(r, be, fx, "grad_input", "grad/input", d_grad_input, in_count, GRAD_TOL);
done:
    free(upstream);
    free(host);
    free(input);
    if (d_input) be->free(be, d_input);
    if (d_grad_input) be->free(be, d_grad_input);
    yc_model_free(m);
    yc_backend_destroy(be);
    return r->failures ? -1 : 0;
}
