/* The CPU backend's operations against naive double-precision references:
 * forward values, and every backward against central finite differences of
 * the reference (L = sum r * y with a fixed random r, so dL/dy = r). Also
 * checks the accumulate flags and that NULL gradients are skipped. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "check.h"

static YcBackend *be;

/* ---- helpers ---- */

static uint64_t rng_state = 12345;
static double urand(double lo, double hi) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

static double *drand_array(size_t n, double lo, double hi) {
    double *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = urand(lo, hi);
    return a;
}

static float *to_float(const double *a, size_t n) {
    float *f = malloc((n ? n : 1) * sizeof *f);
    for (size_t i = 0; i < n; i++) f[i] = (float)a[i];
    return f;
}

/* Rounds the doubles to floats in place, so that reference and backend see the same inputs. */
static void round_to_float(double *a, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = (float)a[i];
}

/* max |got - want| / max(|want|, floor) */
static double rel_err(const float *got, const double *want, size_t n) {
    double e = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (d > e || isnan(d)) e = isnan(d) ? INFINITY : d;
        if (fabs(want[i]) > s) s = fabs(want[i]);
    }
    return e / (s > 1e-12 ? s : 1e-12);
}

typedef void (*RefFn)(void *ctx, double *out);

/* dL/dvar by central differences, L = sum r * f(ctx). var is perturbed in place. */
static void fd_grad(RefFn f, void *ctx, double *var, size_t nvar, const double *r, size_t nout, double *grad) {
    double *out = malloc(nout * sizeof *out);
    const double h = 1e-6;
    for (size_t i = 0; i < nvar; i++) {
        double keep = var[i];
        var[i] = keep + h;
        f(ctx, out);
        double lp = 0;
        for (size_t k = 0; k < nout; k++) lp += r[k] * out[k];
        var[i] = keep - h;
        f(ctx, out);
        double lm = 0;
        for (size_t k = 0; k < nout; k++) lm += r[k] * out[k];
        var[i] = keep;
        grad[i] = (lp - lm) / (2 * h);
    }
    free(out);
}

#define FWD_TOL 2e-6
#define BWD_TOL 2e-5

/* ---- conv2d ---- */

typedef struct ConvCase {
    YcConvShape s;
    double *x, *w, *b; /* b may be NULL */
} ConvCase;

static void conv_ref(void *ctx, double *y) {
    ConvCase *c = ctx;
    const YcConvShape *s = &c->s;
    int cin_g = s->c_in / s->groups, cout_g = s->c_out / s->groups;
    for (int n = 0; n < s->batch; n++)
        for (int co = 0; co < s->c_out; co++) {
            int g = co / cout_g;
            for (int oh = 0; oh < s->h_out; oh++)
                for (int ow = 0; ow < s->w_out; ow++) {
                    double acc = c->b ? c->b[co] : 0;
                    for (int ci = 0; ci < cin_g; ci++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int ih = oh * s->stride_h - s->pad_h + i, iw = ow * s->stride_w - s->pad_w + j;
                                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in) continue;
                                int cin = g * cin_g + ci;
                                acc += c->w[((co * cin_g + ci) * s->kh + i) * s->kw + j] *
                                       c->x[((n * s->c_in + cin) * s->h_in + ih) * s->w_in + iw];
                            }
                    y[((n * s->c_out + co) * s->h_out + oh) * s->w_out + ow] = acc;
                }
        }
}

static void check_conv(int batch, int cin, int h, int w, int cout, int k, int stride, int pad, int groups, bool bias) {
    ConvCase c = {.s = {batch, cin, h, w, cout, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1, k, k,
                        stride, stride, pad, pad, groups}};
    const YcConvShape *s = &c.s;
    size_t nx = (size_t)batch * cin * h * w, nw = (size_t)cout * (cin / groups) * k * k;
    size_t ny = (size_t)batch * cout * s->h_out * s->w_out;
    c.x = drand_array(nx, -1, 1);
    c.w = drand_array(nw, -0.5, 0.5);
    c.b = bias ? drand_array((size_t)cout, -0.5, 0.5) : NULL;
    round_to_float(c.x, nx);
    round_to_float(c.w, nw);
    if (bias) round_to_float(c.b, (size_t)cout);
    double *r = drand_array(ny, -1, 1);
    round_to_float(r, ny);
    float *fx = to_float(c.x, nx), *fw = to_float(c.w, nw), *fb = bias ? to_float(c.b, (size_t)cout) : NULL;
    float *fr = to_float(r, ny), *fy = malloc(ny * sizeof *fy);
    size_t ws_bytes = be->conv2d_workspace(be, s);
    void *ws = be->alloc(be, ws_bytes ? ws_bytes : 4);
    double *ry = malloc(ny * sizeof *ry);
    conv_ref(&c, ry);
    be->conv2d_forward(be, s, fx, fw, fb, fy, ws);
    double e = rel_err(fy, ry, ny);
    if (!CHECK(e < FWD_TOL))
        fprintf(stderr, "    conv fwd b%d c%d %dx%d -> c%d k%d s%d p%d g%d: err %.3g\n", batch, cin, h, w, cout, k, stride,
                pad, groups, e);

    /* backward: dx overwrite (dx pre-filled with garbage), dw and dbias accumulate onto 0.25 */
    float *fdx = malloc(nx * sizeof *fdx), *fdw = malloc(nw * sizeof *fdw), *fdb = malloc((size_t)cout * sizeof *fdb);
    for (size_t i = 0; i < nx; i++) fdx[i] = 1e6f;
    for (size_t i = 0; i < nw; i++) fdw[i] = 0.25f;
    for (int i = 0; i < cout; i++) fdb[i] = 0.25f;
    be->conv2d_backward(be, s, fx, fw, fr, fdx, false, fdw, bias ? fdb : NULL, ws);
    double *gx = malloc(nx * sizeof *gx), *gw = malloc(nw * sizeof *gw), *gb = malloc((size_t)cout * sizeof *gb);
    fd_grad(conv_ref, &c, c.x, nx, r, ny, gx);
    fd_grad(conv_ref, &c, c.w, nw, r, ny, gw);
    for (size_t i = 0; i < nw; i++) fdw[i] -= 0.25f;
    double ex = rel_err(fdx, gx, nx), ew = rel_err(fdw, gw, nw), eb = 0;
    if (bias) {
        fd_grad(conv_ref, &c, c.b, (size_t)cout, r, ny, gb);
        for (int i = 0; i < cout; i++) fdb[i] -= 0.25f;
        eb = rel_err(fdb, gb, (size_t)cout);
    }
    if (!CHECK(ex < BWD_TOL && ew < BWD_TOL && eb < BWD_TOL))
        fprintf(stderr, "    conv bwd b%d c%d %dx%d -> c%d k%d s%d p%d g%d: dx %.3g dw %.3g db %.3g\n", batch, cin, h, w,
                cout, k, stride, pad, groups, ex, ew, eb);

    /* accumulate: dx += on top of ones, and dx only (dw NULL) leaves dw alone */
    for (size_t i = 0; i < nx; i++) fdx[i] = 1.0f;
    be->conv2d_backward(be, s, fx, fw, fr, fdx, true, NULL, NULL, ws);
    for (size_t i = 0; i < nx; i++) fdx[i] -= 1.0f;
    CHECK(rel_err(fdx, gx, nx) < BWD_TOL);

    be->free(be, ws);
    free(c.x), free(c.w), free(c.b), free(r), free(fx), free(fw), free(fb), free(fr), free(fy), free(ry);
    free(fdx), free(fdw), free(fdb), free(gx), free(gw), free(gb);
}

static void test_conv2d(void) {
    check_conv(2, 3, 7, 6, 4, 1, 1, 0, 1, false); /* pointwise */
    check_conv(2, 3, 7, 6, 5, 3, 1, 1, 1, false); /* 3x3 same */
    check_conv(2, 4, 8, 7, 6, 3, 2, 1, 1, true);  /* 3x3 stride 2, bias */
    check_conv(1, 4, 6, 6, 6, 3, 1, 1, 2, false); /* grouped */
    check_conv(2, 5, 6, 7, 5, 3, 1, 1, 5, false); /* depthwise */
    check_conv(2, 4, 7, 7, 4, 3, 2, 1, 4, true);  /* depthwise stride 2, bias */
    check_conv(1, 3, 9, 9, 2, 5, 1, 2, 1, false); /* 5x5 */
    check_conv(1, 2, 5, 5, 3, 1, 2, 0, 1, true);  /* 1x1 stride 2 */
}

/* ---- gemm ---- */

static void test_gemm(void) {
    int m = 5, n = 4, k = 3, batch = 2;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double *a = drand_array((size_t)batch * m * k, -1, 1), *b = drand_array((size_t)batch * k * n, -1, 1);
            double *c = drand_array((size_t)batch * m * n, -1, 1);
            round_to_float(a, (size_t)batch * m * k), round_to_float(b, (size_t)batch * k * n);
            round_to_float(c, (size_t)batch * m * n);
            float *fa = to_float(a, (size_t)batch * m * k), *fb = to_float(b, (size_t)batch * k * n);
            float *fc = to_float(c, (size_t)batch * m * n);
            double *want = malloc((size_t)batch * m * n * sizeof *want);
            int lda = ta ? m : k, ldb = tb ? k : n;
            for (int q = 0; q < batch; q++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int l = 0; l < k; l++) {
                            double av = ta ? a[q * m * k + l * lda + i] : a[q * m * k + i * lda + l];
                            double bv = tb ? b[q * k * n + j * ldb + l] : b[q * k * n + l * ldb + j];
                            s += av * bv;
                        }
                        want[q * m * n + i * n + j] = 0.5 * s + 2.0 * c[q * m * n + i * n + j];
                    }
            be->gemm(be, ta, tb, m, n, k, 0.5f, fa, lda, m * k, fb, ldb, k * n, 2.0f, fc, n, m * n, batch);
            CHECK(rel_err(fc, want, (size_t)batch * m * n) < FWD_TOL);
            free(a), free(b), free(c), free(fa), free(fb), free(fc), free(want);
        }
}

/* ---- batch norm ---- */

typedef struct BnCase {
    YcBnShape s;
    double *x, *gamma, *beta;
} BnCase;

static void bn_ref(void *ctx, double *y) {
    BnCase *c = ctx;
    const YcBnShape *s = &c->s;
    int64_t hw = s->spatial, n = (int64_t)s->batch * hw;
    for (int ch = 0; ch < s->channels; ch++) {
        double mean = 0, var = 0;
        for (int b = 0; b < s->batch; b++)
            for (int64_t i = 0; i < hw; i++) mean += c->x[(b * s->channels + ch) * hw + i];
        mean /= (double)n;
        for (int b = 0; b < s->batch; b++)
            for (int64_t i = 0; i < hw; i++) {
                double d = c->x[(b * s->channels + ch) * hw + i] - mean;
                var += d * d;
            }
        var /= (double)n;
        for (int b = 0; b < s->batch; b++)
            for (int64_t i = 0; i < hw; i++) {
                int64_t o = (b * s->channels + ch) * hw + i;
                y[o] = (c->x[o] - mean) / sqrt(var + s->eps) * c->gamma[ch] + c->beta[ch];
            }
    }
}

static void test_batchnorm(void) {
    BnCase c = {.s = {.batch = 3, .channels = 4, .spatial = 10, .eps = 1e-3f, .momentum = 0.03f}};
    size_t n = 3 * 4 * 10, ch = 4;
    c.x = drand_array(n, -2, 3);
    c.gamma = drand_array(ch, 0.5, 1.5);
    c.beta = drand_array(ch, -0.5, 0.5);
    round_to_float(c.x, n), round_to_float(c.gamma, ch), round_to_float(c.beta, ch);
    double *r = drand_array(n, -1, 1);
    round_to_float(r, n);
    float *fx = to_float(c.x, n), *fg = to_float(c.gamma, ch), *fbeta = to_float(c.beta, ch), *fr = to_float(r, n);
    float fy[120], mean[4], invstd[4], rm[4] = {0.1f, 0.2f, 0.3f, 0.4f}, rv[4] = {1, 2, 3, 4};
    double want[120];
    bn_ref(&c, want);
    be->bn_forward_train(be, &c.s, fx, fg, fbeta, fy, mean, invstd, rm, rv);
    CHECK(rel_err(fy, want, n) < FWD_TOL);
    /* running statistics: momentum 0.03, unbiased variance */
    for (int k = 0; k < 4; k++) {
        double m = 0, v = 0;
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 10; i++) m += c.x[(b * 4 + k) * 10 + i];
        m /= 30;
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 10; i++) v += pow(c.x[(b * 4 + k) * 10 + i] - m, 2);
        CHECK_NEAR(rm[k], 0.97 * (0.1 * (k + 1)) + 0.03 * m, 1e-6);
        CHECK_NEAR(rv[k], 0.97 * (k + 1) + 0.03 * v / 29, 1e-5);
        CHECK_NEAR(mean[k], m, 1e-6);
        CHECK_NEAR(invstd[k], 1 / sqrt(v / 30 + 1e-3), 1e-5);
    }
    /* backward */
    float fdx[120], fdg[4] = {0}, fdb[4] = {0};
    be->bn_backward(be, &c.s, fx, fr, fg, mean, invstd, fdx, false, fdg, fdb);
    double gx[120], gg[4], gb[4];
    fd_grad(bn_ref, &c, c.x, n, r, n, gx);
    fd_grad(bn_ref, &c, c.gamma, ch, r, n, gg);
    fd_grad(bn_ref, &c, c.beta, ch, r, n, gb);
    CHECK(rel_err(fdx, gx, n) < BWD_TOL);
    CHECK(rel_err(fdg, gg, ch) < BWD_TOL);
    CHECK(rel_err(fdb, gb, ch) < BWD_TOL);
    /* accumulate */
    for (size_t i = 0; i < n; i++) fdx[i] = 2.0f;
    be->bn_backward(be, &c.s, fx, fr, fg, mean, invstd, fdx, true, NULL, NULL);
    for (size_t i = 0; i < n; i++) fdx[i] -= 2.0f;
    CHECK(rel_err(fdx, gx, n) < BWD_TOL);
    /* eval: running statistics */
    float rm2[4] = {0.5f, -0.5f, 1.0f, 0.0f}, rv2[4] = {0.5f, 2.0f, 1.5f, 0.8f};
    be->bn_forward_eval(be, &c.s, fx, fg, fbeta, rm2, rv2, fy);
    for (size_t i = 0; i < n; i++) {
        int k = (int)((i / 10) % 4);
        want[i] = (c.x[i] - rm2[k]) / sqrt((double)rv2[k] + 1e-3) * c.gamma[k] + c.beta[k];
    }
    CHECK(rel_err(fy, want, n) < FWD_TOL);
    free(c.x), free(c.gamma), free(c.beta), free(r), free(fx), free(fg), free(fbeta), free(fr);
}

/* ---- elementwise ---- */

typedef struct VecCase {
    double *x;
    size_t n;
    int cols; /* softmax rows of this length */
} VecCase;

static void silu_ref(void *ctx, double *y) {
    VecCase *c = ctx;
    for (size_t i = 0; i < c->n; i++) y[i] = c->x[i] / (1 + exp(-c->x[i]));
}

static void softmax_ref(void *ctx, double *y) {
    VecCase *c = ctx;
    for (size_t r = 0; r < c->n / (size_t)c->cols; r++) {
        double m = -INFINITY, s = 0;
        for (int i = 0; i < c->cols; i++) m = fmax(m, c->x[r * c->cols + i]);
        for (int i = 0; i < c->cols; i++) s += exp(c->x[r * c->cols + i] - m);
        for (int i = 0; i < c->cols; i++) y[r * c->cols + i] = exp(c->x[r * c->cols + i] - m) / s;
    }
}

static void test_silu_sigmoid(void) {
    VecCase c = {.n = 200};
    c.x = drand_array(c.n, -8, 8);
    round_to_float(c.x, c.n);
    double *r = drand_array(c.n, -1, 1), want[200], g[200];
    round_to_float(r, c.n);
    float *fx = to_float(c.x, c.n), *fr = to_float(r, c.n), fy[200], fdx[200];
    silu_ref(&c, want);
    be->silu_forward(be, c.n, fx, fy);
    CHECK(rel_err(fy, want, c.n) < FWD_TOL);
    be->silu_backward(be, c.n, fx, fr, fdx, false);
    fd_grad(silu_ref, &c, c.x, c.n, r, c.n, g);
    CHECK(rel_err(fdx, g, c.n) < BWD_TOL);
    for (size_t i = 0; i < c.n; i++) fdx[i] = -1.0f;
    be->silu_backward(be, c.n, fx, fr, fdx, true);
    for (size_t i = 0; i < c.n; i++) fdx[i] += 1.0f;
    CHECK(rel_err(fdx, g, c.n) < BWD_TOL);
    be->sigmoid_forward(be, c.n, fx, fy);
    for (size_t i = 0; i < c.n; i++) want[i] = 1 / (1 + exp(-c.x[i]));
    CHECK(rel_err(fy, want, c.n) < FWD_TOL);
    free(c.x), free(r), free(fx), free(fr);
}

static void test_softmax(void) {
    VecCase c = {.n = 6 * 9, .cols = 9};
    c.x = drand_array(c.n, -4, 4);
    round_to_float(c.x, c.n);
    double *r = drand_array(c.n, -1, 1), want[54], g[54];
    round_to_float(r, c.n);
    float *fx = to_float(c.x, c.n), *fr = to_float(r, c.n), fy[54], fdx[54];
    softmax_ref(&c, want);
    be->softmax_forward(be, 6, 9, fx, fy);
    CHECK(rel_err(fy, want, c.n) < FWD_TOL);
    be->softmax_backward(be, 6, 9, fy, fr, fdx, false);
    fd_grad(softmax_ref, &c, c.x, c.n, r, c.n, g);
    CHECK(rel_err(fdx, g, c.n) < BWD_TOL);
    for (size_t i = 0; i < c.n; i++) fdx[i] = 3.0f;
    be->softmax_backward(be, 6, 9, fy, fr, fdx, true);
    for (size_t i = 0; i < c.n; i++) fdx[i] -= 3.0f;
    CHECK(rel_err(fdx, g, c.n) < 1e-4);
    free(c.x), free(r), free(fx), free(fr);
}

static void test_vector_primitives(void) {
    float x[100], y[100];
    for (int i = 0; i < 100; i++) x[i] = (float)i, y[i] = 1.0f;
    be->axpy(be, 100, 0.5f, x, y);
    CHECK_NEAR(y[10], 6.0, 0);
    be->scale(be, y, 100, 2.0f);
    CHECK_NEAR(y[10], 12.0, 0);
    CHECK_NEAR(be->sumsq(be, x, 100), 328350.0, 0);
    be->fill(be, y, 100, 0.0f);
    CHECK_NEAR(y[99], 0.0, 0);
    be->add(be, 100, x, x, y);
    CHECK_NEAR(y[7], 14.0, 0);
    /* blocks: gather the second half of 4 rows of 10, then accumulate them back */
    float dst[20];
    be->copy_blocks(be, dst, 5, x + 5, 10, 5, 4, false);
    CHECK_NEAR(dst[0], 5.0, 0);
    CHECK_NEAR(dst[19], 39.0, 0);
    be->copy_blocks(be, dst, 5, x, 10, 5, 4, true);
    CHECK_NEAR(dst[5], 5.0 + 10.0 + 10.0, 0);
}

/* ---- max pool, upsample ---- */

typedef struct PoolCase {
    YcPoolShape s;
    double *x;
} PoolCase;

static void maxpool_ref(void *ctx, double *y) {
    PoolCase *c = ctx;
    const YcPoolShape *s = &c->s;
    for (int64_t p = 0; p < s->planes; p++)
        for (int oh = 0; oh < s->h; oh++)
            for (int ow = 0; ow < s->w; ow++) {
                double m = -INFINITY;
                for (int i = 0; i < s->k; i++)
                    for (int j = 0; j < s->k; j++) {
                        int ih = oh - s->pad + i, iw = ow - s->pad + j;
                        if (ih >= 0 && ih < s->h && iw >= 0 && iw < s->w) m = fmax(m, c->x[(p * s->h + ih) * s->w + iw]);
                    }
                y[(p * s->h + oh) * s->w + ow] = m;
            }
}

static void test_maxpool(void) {
    PoolCase c = {.s = {.planes = 3, .h = 7, .w = 6, .k = 5, .pad = 2}};
    size_t n = 3 * 7 * 6;
    c.x = drand_array(n, -3, 3);
    round_to_float(c.x, n);
    double *r = drand_array(n, -1, 1), *want = malloc(n * sizeof *want), *g = malloc(n * sizeof *g);
    round_to_float(r, n);
    float *fx = to_float(c.x, n), *fr = to_float(r, n), *fy = malloc(n * sizeof *fy), *fdx = malloc(n * sizeof *fdx);
    maxpool_ref(&c, want);
    be->maxpool_forward(be, &c.s, fx, fy);
    CHECK(rel_err(fy, want, n) < FWD_TOL);
    be->maxpool_backward(be, &c.s, fx, fy, fr, fdx, false);
    fd_grad(maxpool_ref, &c, c.x, n, r, n, g);
    CHECK(rel_err(fdx, g, n) < BWD_TOL);
    /* ties go to the first position of the window, as torch does */
    float flat[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, py[9], pg[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, pdx[9];
    YcPoolShape s3 = {.planes = 1, .h = 3, .w = 3, .k = 3, .pad = 1};
    be->maxpool_forward(be, &s3, flat, py);
    be->maxpool_backward(be, &s3, flat, py, pg, pdx, false);
    CHECK_NEAR(pdx[0], 4.0, 0); /* outputs (0,0),(0,1),(1,0),(1,1) all pick x[0] */
    CHECK_NEAR(pdx[1], 2.0, 0);
    CHECK_NEAR(pdx[4], 1.0, 0);
    CHECK_NEAR(pdx[8], 0.0, 0);
    free(c.x), free(r), free(want), free(g), free(fx), free(fr), free(fy), free(fdx);
}

typedef struct UpCase {
    int64_t planes;
    int h, w;
    double *x;
} UpCase;

static void upsample_ref(void *ctx, double *y) {
    UpCase *c = ctx;
    for (int64_t p = 0; p < c->planes; p++)
        for (int i = 0; i < 2 * c->h; i++)
            for (int j = 0; j < 2 * c->w; j++)
                y[(p * 2 * c->h + i) * 2 * c->w + j] = c->x[(p * c->h + i / 2) * c->w + j / 2];
}

static void test_upsample(void) {
    UpCase c = {.planes = 2, .h = 3, .w = 4};
    size_t n = 24, m = 96;
    c.x = drand_array(n, -1, 1);
    round_to_float(c.x, n);
    double *r = drand_array(m, -1, 1), want[96], g[24];
    round_to_float(r, m);
    float *fx = to_float(c.x, n), *fr = to_float(r, m), fy[96], fdx[24];
    upsample_ref(&c, want);
    be->upsample2x_forward(be, 2, 3, 4, fx, fy);
    CHECK(rel_err(fy, want, m) < FWD_TOL);
    be->upsample2x_backward(be, 2, 3, 4, fr, fdx, false);
    fd_grad(upsample_ref, &c, c.x, n, r, m, g);
    CHECK(rel_err(fdx, g, n) < BWD_TOL);
    for (size_t i = 0; i < n; i++) fdx[i] = 1.0f;
    be->upsample2x_backward(be, 2, 3, 4, fr, fdx, true);
    for (size_t i = 0; i < n; i++) fdx[i] -= 1.0f;
    CHECK(rel_err(fdx, g, n) < BWD_TOL);
    free(c.x), free(r), free(fx), free(fr);
}

/* ---- DFL and decode ---- */

typedef struct DflCase {
    int batch, channels, reg_max;
    int64_t anchors;
    double *x;
} DflCase;

static void dfl_ref(void *ctx, double *out) {
    DflCase *c = ctx;
    for (int b = 0; b < c->batch; b++)
        for (int side = 0; side < 4; side++)
            for (int64_t a = 0; a < c->anchors; a++) {
                double m = -INFINITY, s = 0, e = 0;
                for (int k = 0; k < c->reg_max; k++)
                    m = fmax(m, c->x[((int64_t)b * c->channels + side * c->reg_max + k) * c->anchors + a]);
                for (int k = 0; k < c->reg_max; k++) {
                    double p = exp(c->x[((int64_t)b * c->channels + side * c->reg_max + k) * c->anchors + a] - m);
                    s += p;
                    e += k * p;
                }
                out[((int64_t)b * 4 + side) * c->anchors + a] = e / s;
            }
}

static void test_dfl(void) {
    DflCase c = {.batch = 2, .channels = 4 * 16 + 3, .reg_max = 16, .anchors = 260}; /* > one block of 256 */
    size_t n = (size_t)c.batch * c.channels * c.anchors, m = (size_t)c.batch * 4 * c.anchors;
    c.x = drand_array(n, -3, 3);
    round_to_float(c.x, n);
    double *r = drand_array(m, -1, 1), *want = malloc(m * sizeof *want), *g = malloc(n * sizeof *g);
    round_to_float(r, m);
    float *fx = to_float(c.x, n), *fr = to_float(r, m), *fo = malloc(m * sizeof *fo), *fdx = malloc(n * sizeof *fdx);
    dfl_ref(&c, want);
    be->dfl_forward(be, c.batch, c.channels, c.anchors, c.reg_max, fx, fo);
    CHECK(rel_err(fo, want, m) < FWD_TOL);
    for (size_t i = 0; i < n; i++) fdx[i] = 7.0f; /* class channels must stay untouched */
    be->dfl_backward(be, c.batch, c.channels, c.anchors, c.reg_max, fx, fr, fdx, false);
    /* finite differences on a sample of the inputs (each one costs a full reference pass) */
    double e = 0, s = 0;
    double *out = malloc(m * sizeof *out);
    bool untouched = true;
    for (int b = 0; b < c.batch; b++)
        for (int ch = 0; ch < c.channels; ch++)
            for (int64_t a = 0; a < c.anchors; a++) {
                size_t i = ((size_t)b * c.channels + ch) * c.anchors + a;
                if (ch >= 64) {
                    untouched = untouched && fdx[i] == 7.0f;
                    continue;
                }
                if (i % 17 != 0) continue;
                double keep = c.x[i], lp = 0, lm = 0;
                c.x[i] = keep + 1e-6;
                dfl_ref(&c, out);
                for (size_t k = 0; k < m; k++) lp += r[k] * out[k];
                c.x[i] = keep - 1e-6;
                dfl_ref(&c, out);
                for (size_t k = 0; k < m; k++) lm += r[k] * out[k];
                c.x[i] = keep;
                g[i] = (lp - lm) / 2e-6;
                e = fmax(e, fabs(fdx[i] - g[i]));
                s = fmax(s, fabs(g[i]));
            }
    CHECK(untouched);
    CHECK(e / s < BWD_TOL);
    free(out);
    free(c.x), free(r), free(want), free(g), free(fx), free(fr), free(fo), free(fdx);
}

static void test_detect_decode(void) {
    int batch = 1, nc = 2, reg_max = 16;
    int64_t anchors = 3;
    int channels = 4 * reg_max + nc;
    float x[66 * 3], axy[6] = {0.5f, 1.5f, 2.5f, 0.5f, 0.5f, 3.5f}, stride[3] = {8, 8, 16}, out[6 * 3];
    /* every side's distribution is a point mass at bin 2 (anchor 0), 4 (anchor 1), 15 (anchor 2) */
    for (int i = 0; i < channels * 3; i++) x[i] = -100.0f;
    int peak[3] = {2, 4, 15};
    for (int side = 0; side < 4; side++)
        for (int a = 0; a < 3; a++) x[(side * reg_max + peak[a]) * anchors + a] = 100.0f;
    x[64 * 3 + 0] = 0.0f;
    x[65 * 3 + 2] = 2.0f;
    be->detect_decode(be, batch, nc, reg_max, anchors, x, axy, stride, out);
    /* anchor 0: centre (0.5, 0.5) * 8, w = h = 4 * 8 */
    CHECK_NEAR(out[0 * 3 + 0], 4.0, 1e-4);
    CHECK_NEAR(out[1 * 3 + 0], 4.0, 1e-4);
    CHECK_NEAR(out[2 * 3 + 0], 32.0, 1e-4);
    CHECK_NEAR(out[3 * 3 + 0], 32.0, 1e-4);
    /* anchor 2: centre (2.5, 3.5) * 16, w = 30 * 16 */
    CHECK_NEAR(out[0 * 3 + 2], 40.0, 1e-4);
    CHECK_NEAR(out[1 * 3 + 2], 56.0, 1e-4);
    CHECK_NEAR(out[2 * 3 + 2], 480.0, 1e-3);
    CHECK_NEAR(out[4 * 3 + 0], 0.5, 1e-6);
    CHECK_NEAR(out[5 * 3 + 2], 1 / (1 + exp(-2.0)), 1e-6);
    CHECK_NEAR(out[5 * 3 + 1], 0.0, 1e-30);
}

int main(void) {
    YcErr err;
    be = yc_backend_cpu_create(2, &err);
    if (!be) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    static const CheckCase cases[] = {
        {"gemm", test_gemm},
        {"conv2d forward and backward (pointwise, 3x3, strided, grouped, depthwise)", test_conv2d},
        {"batch norm train/eval forward, running statistics, backward", test_batchnorm},
        {"silu and sigmoid", test_silu_sigmoid},
        {"softmax", test_softmax},
        {"vector primitives and block copies", test_vector_primitives},
        {"max pool 5x5 and its tie rule", test_maxpool},
        {"nearest upsample x2", test_upsample},
        {"dfl expectation", test_dfl},
        {"detect decode", test_detect_decode},
    };
    int rc = check_run(cases, (int)(sizeof cases / sizeof cases[0]));
    yc_backend_destroy(be);
    return rc;
}
