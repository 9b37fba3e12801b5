/* build/gpu/tests/gpu_check: every entry of the CUDA backend against the CPU
 * backend (the reference implementation) on random inputs and a spread of
 * shapes, in float32 and in the mixed precisions; then a training step of a
 * small model on both. Prints one line per check and "N passed, N failed".
 * Exit status 0 when all pass, 1 when any fails, 77 with
 * "skipped: no CUDA device" when there is no GPU.
 *
 *   gpu_check [-v] [--precision f32|bf16|fp16|all] [--model YAML]
 *
 * --against-cpu puts a second CPU backend in the device's place (precision
 * switches then do nothing): a check of this harness itself that needs no
 * GPU, and with --inject-fault silu|conv one of its entries is perturbed so
 * that the harness must report failures (tests/py/test_gpu.py runs both). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_cuda.h"
#include "clip.h"
#include "cuda_device.h"
#include "ema.h"
#include "gpu_fused.h"
#include "model.h"
#include "optim.h"

typedef struct Ctx {
    YcBackend *cpu, *gpu;
    uint64_t rng;
    int passed, failed;
    bool verbose;
    YcPrecision precision;
} Ctx;

/* Host copies on the CPU backend (c) and device copies (g) of the same values. */
typedef struct Pair {
    size_t n;
    float *c, *g;
} Pair;

static float rnd(Ctx *x, float lo, float hi) {
    x->rng ^= x->rng << 13;
    x->rng ^= x->rng >> 7;
    x->rng ^= x->rng << 17;
    return lo + (hi - lo) * (float)((x->rng >> 11) * (1.0 / 9007199254740992.0));
}

static Pair pair_from(Ctx *x, const float *host, size_t n) {
    Pair p = {n, x->cpu->alloc(x->cpu, (n ? n : 1) * 4), x->gpu->alloc(x->gpu, (n ? n : 1) * 4)};
    if (!p.c || !p.g) {
        fprintf(stderr, "gpu_check: out of memory for %zu values\n", n);
        exit(1);
    }
    memcpy(p.c, host, n * 4);
    x->gpu->upload(x->gpu, p.g, host, n * 4);
    return p;
}

static Pair pair_random(Ctx *x, size_t n, float lo, float hi) {
    float *h = malloc((n ? n : 1) * 4);
    for (size_t i = 0; i < n; i++) h[i] = rnd(x, lo, hi);
    Pair p = pair_from(x, h, n);
    free(h);
    return p;
}

static Pair pair_fill(Ctx *x, size_t n, float v) {
    float *h = malloc((n ? n : 1) * 4);
    for (size_t i = 0; i < n; i++) h[i] = v;
    Pair p = pair_from(x, h, n);
    free(h);
    return p;
}

static void pair_free(Ctx *x, Pair *p) {
    if (p->c) x->cpu->free(x->cpu, p->c);
    if (p->g) x->gpu->free(x->gpu, p->g);
    p->c = p->g = NULL;
}

static void verdict(Ctx *x, const char *what, double err, double tol, const char *note) {
    bool ok = err <= tol; /* NaN fails */
    if (ok) x->passed++;
    else x->failed++;
    if (!ok || x->verbose)
        printf("%s %s: error %.3g (tolerance %.3g)%s%s\n", ok ? "ok  " : "FAIL", what, err, tol, note ? " " : "",
               note ? note : "");
    fflush(stdout);
}

/* max |gpu - cpu| / max |cpu| (absolute when the scale is below 1e-30). */
static double pair_error(Ctx *x, const Pair *p) {
    YcErr err;
    if (x->gpu->sync(x->gpu, &err)) {
        printf("     device error: %s\n", err.msg);
        return INFINITY;
    }
    float *g = malloc((p->n ? p->n : 1) * 4);
    x->gpu->download(x->gpu, g, p->g, p->n * 4);
    double diff = 0, scale = 0;
    bool finite = true;
    for (size_t i = 0; i < p->n; i++) {
        if (isfinite(p->c[i]) != isfinite(g[i])) finite = false;
        double d = fabs((double)g[i] - (double)p->c[i]);
        if (d > diff) diff = d;
        if (fabs(p->c[i]) > scale) scale = fabs(p->c[i]);
    }
    free(g);
    if (!finite) return INFINITY;
    return scale > 1e-30 ? diff / scale : diff;
}

static void check_pair(Ctx *x, const char *what, const Pair *p, double tol) { verdict(x, what, pair_error(x, p), tol, NULL); }

/* Tolerance of the convolutions and products: float32, or the precision's rounding. */
static double conv_tol(YcPrecision p) { return p == YC_PREC_BF16 ? 3e-2 : p == YC_PREC_F16 ? 1e-2 : 1e-4; }
static const char *prec_name(YcPrecision p) { return p == YC_PREC_BF16 ? "bf16" : p == YC_PREC_F16 ? "fp16" : "f32"; }

/* ---- vector primitives ---- */

static void check_vector(Ctx *x) {
    YcBackend *c = x->cpu, *g = x->gpu;
    size_t n = 1000003;
    Pair a = pair_random(x, n, -3, 3), b = pair_random(x, n, -3, 3), y = pair_fill(x, n, 7.0f);
    c->fill(c, y.c, n, 0.5f);
    g->fill(g, y.g, n, 0.5f);
    check_pair(x, "fill", &y, 0);
    c->fill(c, y.c, n, 0.0f);
    g->fill(g, y.g, n, 0.0f);
    check_pair(x, "fill 0", &y, 0);
    c->scale(c, a.c, n, 1.7f);
    g->scale(g, a.g, n, 1.7f);
    check_pair(x, "scale", &a, 0);
    c->axpy(c, n, -0.3f, b.c, a.c);
    g->axpy(g, n, -0.3f, b.g, a.g);
    check_pair(x, "axpy", &a, 0);
    c->add(c, n, a.c, b.c, y.c);
    g->add(g, n, a.g, b.g, y.g);
    check_pair(x, "add", &y, 0);
    g->add(g, n, y.g, b.g, y.g); /* aliasing output */
    c->add(c, n, y.c, b.c, y.c);
    check_pair(x, "add in place", &y, 0);
    double sc = c->sumsq(c, a.c, n), sg = g->sumsq(g, a.g, n);
    verdict(x, "sumsq", fabs(sg - sc) / sc, 1e-12, NULL);
    /* block copies: concat-like strided, contiguous, single long block, accumulate */
    struct {
        int64_t ds, ss, len, count;
        bool acc;
    } cases[] = {{300, 100, 100, 50, false}, {100, 300, 100, 50, false}, {64, 64, 64, 100, false},
                 {0, 0, 5000, 1, false},     {300, 100, 100, 50, true},  {0, 0, 5000, 1, true},
                 {17, 13, 13, 3000, true}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t dn = (size_t)(cases[k].ds ? cases[k].ds * cases[k].count : cases[k].len);
        size_t sn = (size_t)(cases[k].ss ? cases[k].ss * cases[k].count : cases[k].len);
        Pair d = pair_random(x, dn, -1, 1), s = pair_random(x, sn, -1, 1);
        c->copy_blocks(c, d.c, cases[k].ds, s.c, cases[k].ss, cases[k].len, cases[k].count, cases[k].acc);
        g->copy_blocks(g, d.g, cases[k].ds, s.g, cases[k].ss, cases[k].len, cases[k].count, cases[k].acc);
        char what[128];
        snprintf(what, sizeof what, "copy_blocks dst %lld src %lld len %lld x%lld%s", (long long)cases[k].ds,
                 (long long)cases[k].ss, (long long)cases[k].len, (long long)cases[k].count, cases[k].acc ? " +=" : "");
        check_pair(x, what, &d, 0);
        pair_free(x, &d);
        pair_free(x, &s);
    }
    /* uint8 input, from page-locked and from ordinary memory */
    size_t m = 3 * 640 * 480 + 7;
    uint8_t *pinned = g->host_alloc(g, m), *plain = malloc(m);
    for (size_t i = 0; i < m; i++) pinned[i] = plain[i] = (uint8_t)(i * 131 + i / 977);
    Pair u = pair_fill(x, m, 0), v = pair_fill(x, m, 0);
    c->upload_u8(c, u.c, plain, m, 255.0f);
    g->upload_u8(g, u.g, pinned, m, 255.0f);
    c->upload_u8(c, v.c, plain, m, 255.0f);
    g->upload_u8(g, v.g, plain, m, 255.0f);
    check_pair(x, "upload_u8 (pinned)", &u, 0);
    check_pair(x, "upload_u8 (pageable)", &v, 0);
    g->host_free(g, pinned);
    free(plain);
    pair_free(x, &u);
    pair_free(x, &v);
    pair_free(x, &a);
    pair_free(x, &b);
    pair_free(x, &y);
}

/* ---- products and convolutions ---- */

static void check_gemm(Ctx *x) {
    int m = 37, n = 53, k = 29;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int batch = 1; batch <= 3; batch += 2)
                for (int acc = 0; acc < 2; acc++) {
                    int lda = ta ? m + 3 : k + 2, ldb = tb ? k + 1 : n + 4, ldc = n + 5;
                    int64_t sa = (int64_t)lda * (ta ? k : m) + 11, sb = (int64_t)ldb * (tb ? n : k) + 5, sc = (int64_t)ldc * m + 3;
                    Pair a = pair_random(x, (size_t)(sa * batch), -1, 1), b = pair_random(x, (size_t)(sb * batch), -1, 1);
                    Pair cc = pair_random(x, (size_t)(sc * batch), -1, 1);
                    if (!acc) { /* beta 0 must ignore NaNs in C */
                        float nan = NAN;
                        memcpy(cc.c, &nan, 4);
                        x->gpu->upload(x->gpu, cc.g, &nan, 4);
                    }
                    float beta = acc ? 0.5f : 0.0f;
                    x->cpu->gemm(x->cpu, ta, tb, m, n, k, 1.3f, a.c, lda, sa, b.c, ldb, sb, beta, cc.c, ldc, sc, batch);
                    x->gpu->gemm(x->gpu, ta, tb, m, n, k, 1.3f, a.g, lda, sa, b.g, ldb, sb, beta, cc.g, ldc, sc, batch);
                    char what[96];
                    snprintf(what, sizeof what, "gemm %s ta %d tb %d batch %d beta %g", prec_name(x->precision), ta, tb, batch, beta);
                    check_pair(x, what, &cc, conv_tol(x->precision));
                    pair_free(x, &a);
                    pair_free(x, &b);
                    pair_free(x, &cc);
                }
}

static YcConvShape conv_shape(int b, int ci, int h, int w, int co, int k, int stride, int pad, int groups) {
    YcConvShape s = {b, ci, h, w, co, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1,
                     k, k, stride, stride, pad, pad, groups};
    return s;
}

static void check_conv_shape(Ctx *x, const YcConvShape *s, bool bias) {
    YcBackend *c = x->cpu, *g = x->gpu;
    size_t nx = (size_t)s->batch * s->c_in * s->h_in * s->w_in, ny = (size_t)s->batch * s->c_out * s->h_out * s->w_out;
    size_t nw = (size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw;
    size_t wsc = c->conv2d_workspace(c, s), wsg = g->conv2d_workspace(g, s);
    void *wc = c->alloc(c, wsc ? wsc : 1), *wg = g->alloc(g, wsg ? wsg : 1);
    Pair in = pair_random(x, nx, -1, 1), w = pair_random(x, nw, -0.5f, 0.5f), b = pair_random(x, (size_t)s->c_out, -1, 1);
    Pair y = pair_fill(x, ny, NAN), dy = pair_random(x, ny, -1, 1);
    Pair dx = pair_random(x, nx, -1, 1), dw = pair_random(x, nw, -1, 1), db = pair_random(x, (size_t)s->c_out, -1, 1);
    char shape[160], what[200];
    snprintf(shape, sizeof shape, "%s %dx%dx%dx%d -> %d k%d s%d p%d g%d%s", prec_name(x->precision), s->batch, s->c_in,
             s->h_in, s->w_in, s->c_out, s->kh, s->stride_h, s->pad_h, s->groups, bias ? " bias" : "");
    c->conv2d_forward(c, s, in.c, w.c, bias ? b.c : NULL, y.c, wc);
    g->conv2d_forward(g, s, in.g, w.g, bias ? b.g : NULL, y.g, wg);
    snprintf(what, sizeof what, "conv2d_forward %s", shape);
    check_pair(x, what, &y, conv_tol(x->precision));
    for (int acc = 0; acc < 2; acc++) {
        c->conv2d_backward(c, s, in.c, w.c, dy.c, dx.c, acc, dw.c, bias ? db.c : NULL, wc);
        g->conv2d_backward(g, s, in.g, w.g, dy.g, dx.g, acc, dw.g, bias ? db.g : NULL, wg);
        snprintf(what, sizeof what, "conv2d_backward dx%s %s", acc ? " +=" : "", shape);
        check_pair(x, what, &dx, conv_tol(x->precision));
        snprintf(what, sizeof what, "conv2d_backward dw (accumulated x%d) %s", acc + 1, shape);
        check_pair(x, what, &dw, conv_tol(x->precision));
        if (bias) {
            snprintf(what, sizeof what, "conv2d_backward dbias (accumulated x%d) %s", acc + 1, shape);
            check_pair(x, what, &db, 1e-4);
        }
    }
    /* only dw (frozen input), only dx */
    c->conv2d_backward(c, s, in.c, w.c, dy.c, NULL, false, dw.c, NULL, wc);
    g->conv2d_backward(g, s, in.g, w.g, dy.g, NULL, false, dw.g, NULL, wg);
    snprintf(what, sizeof what, "conv2d_backward dw only %s", shape);
    check_pair(x, what, &dw, conv_tol(x->precision));
    c->conv2d_backward(c, s, in.c, w.c, dy.c, dx.c, false, NULL, NULL, wc);
    g->conv2d_backward(g, s, in.g, w.g, dy.g, dx.g, false, NULL, NULL, wg);
    snprintf(what, sizeof what, "conv2d_backward dx only %s", shape);
    check_pair(x, what, &dx, conv_tol(x->precision));
    Pair *all[] = {&in, &w, &b, &y, &dy, &dx, &dw, &db};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pair_free(x, all[i]);
    c->free(c, wc);
    g->free(g, wg);
}

static void check_conv(Ctx *x) {
    YcConvShape shapes[] = {
        conv_shape(2, 3, 33, 31, 16, 3, 2, 1, 1),   /* the stem: 3 channels, stride 2 */
        conv_shape(2, 16, 20, 20, 32, 1, 1, 0, 1),  /* pointwise */
        conv_shape(3, 32, 17, 19, 32, 3, 1, 1, 1),
        conv_shape(2, 24, 16, 16, 24, 3, 1, 1, 24), /* depthwise (YOLO11's DWConv) */
        conv_shape(2, 32, 16, 16, 64, 3, 2, 1, 2),  /* grouped */
        conv_shape(1, 8, 7, 5, 4, 5, 1, 2, 1),
        conv_shape(2, 64, 40, 40, 144, 1, 1, 0, 1), /* a head's last 1x1 */
        conv_shape(8, 128, 20, 20, 256, 3, 2, 1, 1),
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int bias = 0; bias < 2; bias++) check_conv_shape(x, &shapes[i], bias);
}

/* ---- normalisation, activations, resampling, softmax, detection head ---- */

static void check_bn(Ctx *x) {
    YcBackend *c = x->cpu, *g = x->gpu;
    struct {
        int b, ch;
        int64_t hw;
    } shapes[] = {{2, 16, 400}, {4, 3, 1}, {1, 8, 25600}, {3, 33, 37}, {16, 64, 1600}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        YcBnShape s = {shapes[k].b, shapes[k].ch, shapes[k].hw, 1e-3f, 0.03f};
        size_t n = (size_t)s.batch * s.channels * s.spatial, C = (size_t)s.channels;
        Pair in = pair_random(x, n, -2, 5), gam = pair_random(x, C, 0.5f, 1.5f), bet = pair_random(x, C, -1, 1);
        Pair y = pair_fill(x, n, NAN), mean = pair_fill(x, C, NAN), inv = pair_fill(x, C, NAN);
        Pair rm = pair_random(x, C, -1, 1), rv = pair_random(x, C, 0.5f, 2);
        Pair dy = pair_random(x, n, -1, 1), dx = pair_random(x, n, -1, 1), dg = pair_random(x, C, -1, 1), db = pair_random(x, C, -1, 1);
        char what[128];
        c->bn_forward_train(c, &s, in.c, gam.c, bet.c, y.c, mean.c, inv.c, rm.c, rv.c);
        g->bn_forward_train(g, &s, in.g, gam.g, bet.g, y.g, mean.g, inv.g, rm.g, rv.g);
        snprintf(what, sizeof what, "bn_forward_train %dx%dx%lld", s.batch, s.channels, (long long)s.spatial);
        check_pair(x, what, &y, 1e-5);
        check_pair(x, "  save_mean", &mean, 1e-6);
        check_pair(x, "  save_invstd", &inv, 1e-6);
        check_pair(x, "  running_mean", &rm, 1e-6);
        check_pair(x, "  running_var", &rv, 1e-6);
        c->bn_forward_eval(c, &s, in.c, gam.c, bet.c, rm.c, rv.c, y.c);
        g->bn_forward_eval(g, &s, in.g, gam.g, bet.g, rm.g, rv.g, y.g);
        snprintf(what, sizeof what, "bn_forward_eval %dx%dx%lld", s.batch, s.channels, (long long)s.spatial);
        check_pair(x, what, &y, 1e-6);
        for (int acc = 0; acc < 2; acc++) {
            c->bn_backward(c, &s, in.c, dy.c, gam.c, mean.c, inv.c, dx.c, acc, dg.c, db.c);
            g->bn_backward(g, &s, in.g, dy.g, gam.g, mean.g, inv.g, dx.g, acc, dg.g, db.g);
            snprintf(what, sizeof what, "bn_backward%s %dx%dx%lld", acc ? " +=" : "", s.batch, s.channels, (long long)s.spatial);
            check_pair(x, what, &dx, 1e-4);
            check_pair(x, "  dgamma", &dg, 1e-5);
            check_pair(x, "  dbeta", &db, 1e-5);
        }
        c->bn_backward(c, &s, in.c, dy.c, gam.c, mean.c, inv.c, NULL, false, dg.c, db.c);
        g->bn_backward(g, &s, in.g, dy.g, gam.g, mean.g, inv.g, NULL, false, dg.g, db.g);
        check_pair(x, "bn_backward without dx: dgamma", &dg, 1e-5);
        check_pair(x, "bn_backward without dx: dbeta", &db, 1e-5);
        Pair *all[] = {&in, &gam, &bet, &y, &mean, &inv, &rm, &rv, &dy, &dx, &dg, &db};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pair_free(x, all[i]);
    }
}

static void check_activations(Ctx *x) {
    YcBackend *c = x->cpu, *g = x->gpu;
    size_t n = 300007;
    Pair in = pair_random(x, n, -12, 12), y = pair_fill(x, n, NAN), dy = pair_random(x, n, -1, 1), dx = pair_random(x, n, -1, 1);
    c->silu_forward(c, n, in.c, y.c);
    g->silu_forward(g, n, in.g, y.g);
    check_pair(x, "silu_forward", &y, 1e-6);
    for (int acc = 0; acc < 2; acc++) {
        c->silu_backward(c, n, in.c, dy.c, dx.c, acc);
        g->silu_backward(g, n, in.g, dy.g, dx.g, acc);
        check_pair(x, acc ? "silu_backward +=" : "silu_backward", &dx, 1e-6);
    }
    c->sigmoid_forward(c, n, in.c, y.c);
    g->sigmoid_forward(g, n, in.g, y.g);
    check_pair(x, "sigmoid_forward", &y, 1e-6);
    c->silu_forward(c, n, in.c, in.c); /* in place */
    g->silu_forward(g, n, in.g, in.g);
    check_pair(x, "silu_forward in place", &in, 1e-6);
    Pair *all[] = {&in, &y, &dy, &dx};
    for (size_t i = 0; i < 4; i++) pair_free(x, all[i]);
    int cols[] = {1, 7, 64, 400, 1500};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        int64_t rows = 513;
        size_t m = (size_t)rows * cols[k];
        Pair s = pair_random(x, m, -8, 8), p = pair_fill(x, m, NAN), g2 = pair_random(x, m, -1, 1), d = pair_random(x, m, -1, 1);
        char what[64];
        c->softmax_forward(c, rows, cols[k], s.c, p.c);
        g->softmax_forward(g, rows, cols[k], s.g, p.g);
        snprintf(what, sizeof what, "softmax_forward cols %d", cols[k]);
        check_pair(x, what, &p, 1e-5);
        for (int acc = 0; acc < 2; acc++) {
            c->softmax_backward(c, rows, cols[k], p.c, g2.c, d.c, acc);
            g->softmax_backward(g, rows, cols[k], p.g, g2.g, d.g, acc);
            snprintf(what, sizeof what, "softmax_backward%s cols %d", acc ? " +=" : "", cols[k]);
            check_pair(x, what, &d, 1e-5);
        }
        c->softmax_forward(c, rows, cols[k], s.c, s.c);
        g->softmax_forward(g, rows, cols[k], s.g, s.g);
        snprintf(what, sizeof what, "softmax_forward in place cols %d", cols[k]);
        check_pair(x, what, &s, 1e-5);
        pair_free(x, &s);
        pair_free(x, &p);
        pair_free(x, &g2);
        pair_free(x, &d);
    }
}

static void check_resample(Ctx *x) {
    YcBackend *c = x->cpu, *g = x->gpu;
    for (int ties = 0; ties < 2; ties++) {
        YcPoolShape s = {6, 13, 11, 5, 2};
        size_t n = (size_t)s.planes * s.h * s.w;
        float *h = malloc(n * 4);
        for (size_t i = 0; i < n; i++) h[i] = ties ? (float)(int)rnd(x, 0, 4) : rnd(x, -1, 1); /* many equal maxima */
        Pair in = pair_from(x, h, n), y = pair_fill(x, n, NAN), dy = pair_random(x, n, -1, 1), dx = pair_random(x, n, -1, 1);
        free(h);
        c->maxpool_forward(c, &s, in.c, y.c);
        g->maxpool_forward(g, &s, in.g, y.g);
        check_pair(x, ties ? "maxpool_forward (ties)" : "maxpool_forward", &y, 0);
        for (int acc = 0; acc < 2; acc++) {
            c->maxpool_backward(c, &s, in.c, y.c, dy.c, dx.c, acc);
            g->maxpool_backward(g, &s, in.g, y.g, dy.g, dx.g, acc);
            char what[64];
            snprintf(what, sizeof what, "maxpool_backward%s%s", acc ? " +=" : "", ties ? " (ties: first maximum)" : "");
            check_pair(x, what, &dx, 0); /* same additions in the same order */
        }
        pair_free(x, &in);
        pair_free(x, &y);
        pair_free(x, &dy);
        pair_free(x, &dx);
    }
    int64_t planes = 37;
    int h = 9, w = 14;
    size_t n = (size_t)planes * h * w;
    Pair in = pair_random(x, n, -1, 1), y = pair_fill(x, 4 * n, NAN), dy = pair_random(x, 4 * n, -1, 1), dx = pair_random(x, n, -1, 1);
    c->upsample2x_forward(c, planes, h, w, in.c, y.c);
    g->upsample2x_forward(g, planes, h, w, in.g, y.g);
    check_pair(x, "upsample2x_forward", &y, 0);
    for (int acc = 0; acc < 2; acc++) {
        c->upsample2x_backward(c, planes, h, w, dy.c, dx.c, acc);
        g->upsample2x_backward(g, planes, h, w, dy.g, dx.g, acc);
        check_pair(x, acc ? "upsample2x_backward +=" : "upsample2x_backward", &dx, 0);
    }
    pair_free(x, &in);
    pair_free(x, &y);
    pair_free(x, &dy);
    pair_free(x, &dx);
}

static void check_detect(Ctx *x) {
    YcBackend *c = x->cpu, *g = x->gpu;
    int regs[] = {16, 8};
    int ncs[] = {3, 80};
    for (int r = 0; r < 2; r++)
        for (int q = 0; q < 2; q++) {
            int B = 2, reg = regs[r], nc = ncs[q], ch = 4 * reg + nc;
            int64_t anchors = 8400 / (r + 1) + 3;
            size_t n = (size_t)B * ch * anchors;
            Pair in = pair_random(x, n, -6, 6), out = pair_fill(x, (size_t)B * 4 * anchors, NAN);
            Pair dout = pair_random(x, (size_t)B * 4 * anchors, -1, 1), dx = pair_random(x, n, -1, 1);
            char what[96];
            c->dfl_forward(c, B, ch, anchors, reg, in.c, out.c);
            g->dfl_forward(g, B, ch, anchors, reg, in.g, out.g);
            snprintf(what, sizeof what, "dfl_forward reg_max %d nc %d", reg, nc);
            check_pair(x, what, &out, 1e-5);
            for (int acc = 0; acc < 2; acc++) {
                c->dfl_backward(c, B, ch, anchors, reg, in.c, dout.c, dx.c, acc);
                g->dfl_backward(g, B, ch, anchors, reg, in.g, dout.g, dx.g, acc);
                snprintf(what, sizeof what, "dfl_backward%s reg_max %d nc %d (class channels untouched)", acc ? " +=" : "", reg, nc);
                check_pair(x, what, &dx, 1e-5);
            }
            float *axy = malloc((size_t)anchors * 3 * 4);
            for (int64_t a = 0; a < anchors; a++) {
                axy[a] = (float)(a % 80) + 0.5f;
                axy[anchors + a] = (float)(a / 80) + 0.5f;
                axy[2 * anchors + a] = (float)(8 << (a % 3));
            }
            Pair anc = pair_from(x, axy, (size_t)anchors * 2), st = pair_from(x, axy + 2 * anchors, (size_t)anchors);
            Pair dec = pair_fill(x, (size_t)B * (4 + nc) * anchors, NAN);
            free(axy);
            c->detect_decode(c, B, nc, reg, anchors, in.c, anc.c, st.c, dec.c);
            g->detect_decode(g, B, nc, reg, anchors, in.g, anc.g, st.g, dec.g);
            snprintf(what, sizeof what, "detect_decode reg_max %d nc %d", reg, nc);
            check_pair(x, what, &dec, 1e-5);
            Pair *all[] = {&in, &out, &dout, &dx, &anc, &st, &dec};
            for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pair_free(x, all[i]);
        }
}

/* ---- fused updates: bit for bit ---- */

#define NT 5
static void check_fused(Ctx *x) {
    static const size_t counts[NT] = {70000, 131, 64, 9, 200003};
    for (int kind = YC_OPTIM_SGD; kind <= YC_OPTIM_ADAMW; kind++) {
        YcParam pc[NT], pg[NT];
        Pair val[NT], grad[NT];
        memset(pc, 0, sizeof pc);
        for (int i = 0; i < NT; i++) {
            snprintf(pc[i].name, sizeof pc[i].name, "p%d", i);
            pc[i].count = counts[i];
            pc[i].group = (YcParamGroup)(i % 3);
            pc[i].is_buffer = i == 3;
            val[i] = pair_random(x, counts[i], -1, 1);
            grad[i] = pair_fill(x, counts[i], 0);
            pc[i].value = val[i].c;
            pc[i].grad = pc[i].is_buffer ? NULL : grad[i].c;
            pg[i] = pc[i];
            pg[i].value = val[i].g;
            pg[i].grad = pc[i].is_buffer ? NULL : grad[i].g;
        }
        YcOptim oc, og;
        YcEma ec, eg;
        YcErr err;
        yc_optim_init(&oc, (YcOptimKind)kind, 0.01, 0.9, 0.05, pc, NT, &err);
        yc_optim_init(&og, (YcOptimKind)kind, 0.01, 0.9, 0.05, pg, NT, &err);
        yc_ema_init(&ec, pc, NT, 0, &err);
        yc_ema_init(&eg, pc, NT, 0, &err); /* host values: the same */
        YcFused *fc = yc_fused_create(x->cpu, pc, NT, &oc, &ec, &err), *fg = yc_fused_create(x->gpu, pg, NT, &og, &eg, &err);
        if (!fc || !fg) {
            printf("FAIL fused updates: %s\n", err.msg);
            x->failed++;
            return;
        }
        double worst_norm = 0;
        for (int step = 0; step < 6; step++) {
            for (int i = 0; i < NT; i++) {
                if (!pc[i].grad) continue;
                float *h = malloc(counts[i] * 4);
                for (size_t k = 0; k < counts[i]; k++) h[k] = rnd(x, -1, 1) * (step == 2 ? 50.0f : 0.1f);
                memcpy(grad[i].c, h, counts[i] * 4);
                x->gpu->upload(x->gpu, grad[i].g, h, counts[i] * 4);
                free(h);
            }
            double nc = yc_fused_clip(fc, 10.0), ng = yc_fused_clip(fg, 10.0);
            if (fabs(nc - ng) / nc > worst_norm) worst_norm = fabs(nc - ng) / nc;
            yc_fused_optim_step(fc, &oc);
            yc_fused_optim_step(fg, &og);
            yc_fused_ema_update(fc, &ec);
            yc_fused_ema_update(fg, &eg);
        }
        const char *name = yc_optim_name((YcOptimKind)kind);
        char what[96];
        snprintf(what, sizeof what, "fused clip norms (%s run)", name);
        verdict(x, what, worst_norm, 1e-6, NULL);
        double worst = 0, worst_ema = 0, worst_state = 0;
        YcOptim hc = oc; /* host copies of the device state */
        yc_fused_download(fg, &og, &eg, &err);
        for (int i = 0; i < NT; i++) {
            double e = pair_error(x, &val[i]);
            worst = e > worst ? e : worst;
            for (size_t k = 0; k < counts[i]; k++) {
                double d = fabs((double)ec.value[i][k] - eg.value[i][k]);
                worst_ema = d > worst_ema ? d : worst_ema;
                if (hc.buf1[i]) {
                    d = fabs((double)hc.buf1[i][k] - og.buf1[i][k]);
                    worst_state = d > worst_state ? d : worst_state;
                }
            }
        }
        /* identical float32 arithmetic: bit for bit (the clip coefficient may differ in its last bit
           when the double sums of squares round differently; then values differ by an ulp) */
        snprintf(what, sizeof what, "fused %s step x6 with clipping: parameters", name);
        verdict(x, what, worst, 1e-6, worst == 0 ? "(bit for bit)" : NULL);
        snprintf(what, sizeof what, "fused %s: optimiser state (max abs diff)", name);
        verdict(x, what, worst_state, 1e-6, worst_state == 0 ? "(bit for bit)" : NULL);
        snprintf(what, sizeof what, "fused EMA (%s run, max abs diff)", name);
        verdict(x, what, worst_ema, 1e-6, worst_ema == 0 ? "(bit for bit)" : NULL);
        /* unscale */
        bool fin_c = yc_fused_unscale(fc, 0.25f), fin_g = yc_fused_unscale(fg, 0.25f);
        verdict(x, "fused unscale finite", fin_c == fin_g && fin_g ? 0 : 1, 0, NULL);
        float inf = INFINITY;
        x->gpu->upload(x->gpu, grad[1].g + 7, &inf, 4);
        verdict(x, "fused unscale sees an inf", yc_fused_unscale(fg, 0.5f) ? 1 : 0, 0, NULL);
        yc_fused_free(fc);
        yc_fused_free(fg);
        yc_optim_free(&oc);
        yc_optim_free(&og);
        yc_ema_free(&ec);
        yc_ema_free(&eg);
        for (int i = 0; i < NT; i++) {
            pair_free(x, &val[i]);
            pair_free(x, &grad[i]);
        }
    }
}

/* ---- a training step of a model on both backends ---- */

static void check_model(Ctx *x, const char *yaml, int nc, int batch, int size) {
    YcErr err;
    YcModel *mc = yc_model_build(yaml, nc, x->cpu, &err), *mg = mc ? yc_model_build(yaml, nc, x->gpu, &err) : NULL;
    if (!mc || !mg) {
        printf("FAIL model %s: %s\n", yaml, err.msg);
        x->failed++;
        yc_model_free(mc);
        return;
    }
    size_t n = (size_t)batch * 3 * size * size;
    Pair in = pair_random(x, n, 0, 1);
    int64_t shape[4] = {batch, 3, size, size};
    YcTensor tc = yc_tensor_f32(in.c, 4, shape), tg = yc_tensor_f32(in.g, 4, shape);
    tg.mem = x->gpu->mem;
    YcModelOutputs oc, og;
    double out_tol = x->precision == YC_PREC_F32 ? 1e-4 : 0.1, grad_tol = x->precision == YC_PREC_F32 ? 1e-3 : 0.2;
    char what[200];
    if (yc_model_forward(mc, &tc, &oc, &err) || yc_model_forward(mg, &tg, &og, &err)) {
        printf("FAIL model %s forward: %s\n", yaml, err.msg);
        x->failed++;
        goto done;
    }
    for (int l = 0; l < oc.levels; l++) {
        Pair p = {(size_t)yc_tensor_numel(&oc.level[l]), oc.level[l].data, og.level[l].data};
        snprintf(what, sizeof what, "model %s %s train forward, level %d", yaml, prec_name(x->precision), l);
        check_pair(x, what, &p, out_tol);
        YcTensor gc = yc_model_output_grad(mc, l), gg = yc_model_output_grad(mg, l);
        float *h = malloc(p.n * 4);
        for (size_t i = 0; i < p.n; i++) h[i] = rnd(x, -1, 1) * 1e-3f;
        memcpy(gc.data, h, p.n * 4);
        x->gpu->upload(x->gpu, gg.data, h, p.n * 4);
        free(h);
    }
    yc_model_zero_grad(mc);
    yc_model_zero_grad(mg);
    if (yc_model_backward(mc, NULL, NULL, &err) || yc_model_backward(mg, NULL, NULL, &err)) {
        printf("FAIL model %s backward: %s\n", yaml, err.msg);
        x->failed++;
        goto done;
    }
    int count = 0;
    int count_g = 0;
    YcParam *pc = yc_model_params(mc, &count), *pg = yc_model_params(mg, &count_g);
    if (count != count_g) {
        printf("FAIL model %s: %d parameters on the CPU, %d on the device\n", yaml, count, count_g);
        x->failed++;
        goto done;
    }
    double worst = 0;
    const char *worst_name = "";
    for (int i = 0; i < count; i++) {
        Pair p = {pc[i].count, pc[i].grad ? pc[i].grad : pc[i].value, pg[i].grad ? pg[i].grad : pg[i].value};
        double e = pair_error(x, &p);
        if (e > worst || isnan(e)) {
            worst = e;
            worst_name = pc[i].name;
        }
    }
    snprintf(what, sizeof what, "model %s %s train backward: parameter gradients and running statistics", yaml,
             prec_name(x->precision));
    char note[200];
    snprintf(note, sizeof note, "(worst %s)", worst_name);
    verdict(x, what, worst, grad_tol, note);
done:
    pair_free(x, &in);
    yc_model_free(mc);
    yc_model_free(mg);
}

/* --inject-fault: perturbed entries of the stand-in backend */
static void (*plain_silu)(YcBackend *, size_t, const float *, float *);
static void faulty_silu(YcBackend *be, size_t n, const float *in, float *y) {
    plain_silu(be, n, in, y);
    if (n > 100) y[n / 2] += 1e-3f; /* one value off */
}
static void (*plain_conv)(YcBackend *, const YcConvShape *, const float *, const float *, const float *, float *, void *);
static void faulty_conv(YcBackend *be, const YcConvShape *s, const float *in, const float *w, const float *b, float *y,
                        void *ws) {
    plain_conv(be, s, in, w, b, y, ws);
    y[0] *= 1.01f;
}

int main(int argc, char **argv) {
    Ctx x = {.rng = 0x2545F4914F6CDD1DULL};
    const char *which = "all", *model = "tests/fixtures/model/tiny-v8.yaml", *fault = NULL;
    bool against_cpu = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) x.verbose = true;
        else if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) which = argv[++i];
        else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) model = argv[++i];
        else if (strcmp(argv[i], "--against-cpu") == 0) against_cpu = true;
        else if (strcmp(argv[i], "--inject-fault") == 0 && i + 1 < argc) fault = argv[++i];
        else {
            fprintf(stderr, "usage: gpu_check [-v] [--precision f32|bf16|fp16|all] [--model YAML]\n"
                            "                 [--against-cpu [--inject-fault silu|conv]]\n");
            return 2;
        }
    }
    if (!against_cpu && yc_cuda_device_count() == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
    YcErr err;
    x.cpu = yc_backend_cpu_create(0, &err);
    x.gpu = !x.cpu ? NULL : against_cpu ? yc_backend_cpu_create(1, &err) : yc_backend_cuda_create(0, "false", &err);
    if (!x.cpu || !x.gpu) {
        printf("FAIL backend: %s\n", err.msg);
        return 1;
    }
    if (against_cpu) {
        printf("gpu_check: a second CPU backend in the device's place (checks the harness, not a GPU)\n");
        if (fault && strcmp(fault, "silu") == 0) {
            plain_silu = x.gpu->silu_forward;
            x.gpu->silu_forward = faulty_silu;
        } else if (fault && strcmp(fault, "conv") == 0) {
            plain_conv = x.gpu->conv2d_forward;
            x.gpu->conv2d_forward = faulty_conv;
        } else if (fault) {
            fprintf(stderr, "gpu_check: --inject-fault silu or conv\n");
            return 2;
        }
    } else {
        char desc[256];
        yc_cuda_device_describe(0, desc, sizeof desc);
        printf("gpu_check on %s\n", desc);
    }
    YcPrecision precs[3] = {YC_PREC_F32, YC_PREC_BF16, YC_PREC_F16};
    for (int p = 0; p < 3; p++) {
        const char *name = p == 0 ? "f32" : p == 1 ? "bf16" : "fp16";
        if (strcmp(which, "all") != 0 && strcmp(which, name) != 0) continue;
        if (x.gpu->set_precision(x.gpu, precs[p], &err) < 0) {
            printf("FAIL set_precision %s: %s\n", name, err.msg);
            x.failed++;
            continue;
        }
        x.precision = (YcPrecision)x.gpu->get_precision(x.gpu);
        if (p == 0) { /* precision-independent entries once */
            check_vector(&x);
            check_bn(&x);
            check_activations(&x);
            check_resample(&x);
            check_detect(&x);
            check_fused(&x);
        }
        check_gemm(&x);
        check_conv(&x);
        check_model(&x, model, 3, 2, 64);
    }
    if (x.gpu->sync(x.gpu, &err)) {
        printf("FAIL device error at the end: %s\n", err.msg);
        x.failed++;
    }
    if (x.gpu->mem == YC_MEM_CUDA) {
        YcGpuCacheStats st;
        yc_backend_cuda_memory(x.gpu, &st);
        printf("device memory: %.1f MB in use, %.1f MB cached, peak %.1f MB, %llu cudaMalloc calls, %llu reuses\n",
               st.in_use / 1e6, st.cached / 1e6, st.peak_in_use / 1e6, (unsigned long long)st.raw_allocs,
               (unsigned long long)st.hits);
    }
    yc_backend_destroy(x.gpu);
    yc_backend_destroy(x.cpu);
    printf("%d passed, %d failed\n", x.passed, x.failed);
    return x.failed ? 1 : 0;
}
