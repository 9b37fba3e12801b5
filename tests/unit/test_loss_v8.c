/* The detection loss: gradients against finite differences (assignment held
 * fixed), the no-target case against a direct computation, bad and odd input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loss_v8.h"

enum { B = 2, H = 64, W = 64, NC = 3, C = YC_BOX_CHANNELS + NC };

static unsigned rng_state = 12345;
static float frand(void) { /* uniform in [0, 1) */
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 16777216.0f;
}
static float fnormal(void) {
    float u = frand() + 1e-7f, v = frand();
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

typedef struct Case {
    float *pred[3], *grad[3];
    size_t n[3];
} Case;

static void make_case(Case *c, int batch, int h, int w) {
    for (int l = 0; l < 3; l++) {
        int s = 8 << l;
        size_t hw = (size_t)(h / s) * (w / s);
        c->n[l] = (size_t)batch * C * hw;
        c->pred[l] = malloc(c->n[l] * sizeof(float));
        c->grad[l] = malloc(c->n[l] * sizeof(float));
        for (size_t i = 0; i < c->n[l]; i++) {
            size_t ch = (i / hw) % C;
            c->pred[l][i] = ch < YC_BOX_CHANNELS ? 1.5f * fnormal() : fnormal() - 2.0f;
        }
    }
}

static void free_case(Case *c) {
    for (int l = 0; l < 3; l++) {
        free(c->pred[l]);
        free(c->grad[l]);
    }
}

static YcDetLossInput input(Case *c, int batch, const float *targets, int nt, bool grads) {
    YcDetLossInput in = {.batch = batch, .imgh = H, .imgw = W, .targets = targets, .ntargets = nt,
                         .box_gain = 7.5, .cls_gain = 0.5, .dfl_gain = 1.5};
    for (int l = 0; l < 3; l++) {
        in.pred[l] = c->pred[l];
        in.grad[l] = grads ? c->grad[l] : NULL;
    }
    return in;
}

static const float targets4[4][6] = {
    {0, 1, 0.40f, 0.45f, 0.50f, 0.40f},
    {0, 2, 0.55f, 0.50f, 0.30f, 0.60f},
    {1, 0, 0.30f, 0.30f, 0.35f, 0.25f},
    {1, 1, 0.70f, 0.65f, 0.45f, 0.50f},
};

/* d total / d pred by central differences with the assignment fixed. */
static double numeric(YcDetLoss *ws, Case *c, int l, size_t i) {
    YcDetLossInput in = input(c, B, &targets4[0][0], 4, false);
    in.keep_assignment = true;
    YcDetLossOutput o;
    YcErr err;
    float save = c->pred[l][i];
    const float h = 1.0f / 512;
    c->pred[l][i] = save + h;
    yc_det_loss_compute(ws, &in, &o, &err);
    double up = o.total;
    c->pred[l][i] = save - h;
    yc_det_loss_compute(ws, &in, &o, &err);
    double down = o.total;
    c->pred[l][i] = save;
    return (up - down) / (2.0 * h);
}

static void test_gradient_fd(void) {
    Case c;
    make_case(&c, B, H, W);
    YcErr err;
    YcDetLoss *ws = yc_det_loss_create(B, H, W, NC, 8, &err);
    if (!CHECK(ws)) return;
    YcDetLossInput in = input(&c, B, &targets4[0][0], 4, true);
    YcDetLossOutput o;
    if (!CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0)) fprintf(stderr, "    %s\n", err.msg);
    CHECK(o.foreground > 10);
    CHECK(isfinite(o.total) && o.total > 0);
    CHECK_NEAR(o.total, ((double)o.items[0] + o.items[1] + o.items[2]) * B, 1e-4 * o.total);
    const YcDetFg *fg;
    int nfg = yc_det_loss_assignment(ws, &fg);
    CHECK(nfg == o.foreground);
    YcAnchors anc;
    yc_anchors_init(&anc, H, W, &err);
    int checked = 0, bad = 0;
    /* Every box channel and the class channels of the foreground anchors. */
    for (int f = 0; f < nfg; f++) {
        int l, x, y;
        yc_anchor_cell(&anc, fg[f].anchor, &l, &x, &y);
        size_t hw = (size_t)anc.h[l] * anc.w[l];
        for (int ch = 0; ch < C; ch++) {
            size_t i = ((size_t)fg[f].image * C + ch) * hw + (size_t)y * anc.w[l] + x;
            double want = numeric(ws, &c, l, i), got = c.grad[l][i];
            checked++;
            if (fabs(got - want) > 2e-3 + 2e-2 * fabs(want) && bad++ < 5)
                fprintf(stderr, "    level %d image %d anchor %d channel %d: analytic %.6g, numeric %.6g\n", l,
                        fg[f].image, fg[f].anchor, ch, got, want);
        }
    }
    /* A sample of all other values (background anchors: box gradient 0). */
    for (int k = 0; k < 300; k++) {
        int l = k % 3;
        size_t i = (size_t)(frand() * (float)c.n[l]);
        double want = numeric(ws, &c, l, i), got = c.grad[l][i];
        checked++;
        if (fabs(got - want) > 2e-3 + 2e-2 * fabs(want) && bad++ < 10)
            fprintf(stderr, "    level %d index %zu: analytic %.6g, numeric %.6g\n", l, i, got, want);
    }
    CHECK(bad == 0);
    CHECK(checked > 1000);
    yc_det_loss_free(ws);
    free_case(&c);
}

/* No targets: box = dfl = 0, cls = sum softplus(x) * 0.5 (S = 1), gradients sigmoid(x) * 0.5 * B. */
static void test_no_targets(void) {
    Case c;
    make_case(&c, B, H, W);
    YcErr err;
    YcDetLoss *ws = yc_det_loss_create(B, H, W, NC, 0, &err);
    if (!CHECK(ws)) return;
    YcDetLossInput in = input(&c, B, NULL, 0, true);
    YcDetLossOutput o;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0);
    CHECK(o.foreground == 0);
    CHECK(o.items[0] == 0.0f && o.items[2] == 0.0f);
    CHECK(o.target_score_sum == 1.0);
    double sum = 0, worst = 0;
    for (int l = 0; l < 3; l++) {
        int s = 8 << l;
        size_t hw = (size_t)(H / s) * (W / s);
        for (size_t i = 0; i < c.n[l]; i++) {
            size_t ch = (i / hw) % C;
            double x = c.pred[l][i];
            double want = 0;
            if (ch >= YC_BOX_CHANNELS) {
                sum += log1p(exp(-fabs(x))) + (x > 0 ? x : 0);
                want = 0.5 * B / (1.0 + exp(-x));
            }
            double e = fabs(c.grad[l][i] - want);
            if (e > worst) worst = e;
        }
    }
    CHECK_NEAR(o.items[1], sum * 0.5, 1e-5 * sum);
    CHECK(worst < 1e-6);
    yc_det_loss_free(ws);
    free_case(&c);
}

/* Degenerate boxes and boxes partly or wholly outside the image: finite, no crash. */
static void test_odd_boxes(void) {
    Case c;
    make_case(&c, B, H, W);
    float t[][6] = {
        {0, 0, 0.5f, 0.5f, 0.0f, 0.3f},   /* zero width */
        {0, 1, 0.5f, 0.5f, 0.0f, 0.0f},   /* a point */
        {0, 2, 0.0f, 0.0f, 0.0f, 0.0f},   /* all zero: masked like padding */
        {1, 0, -0.2f, 0.5f, 0.5f, 0.5f},  /* leaves on the left */
        {1, 1, 1.5f, 1.5f, 0.3f, 0.3f},   /* wholly outside */
        {1, 2, 0.5f, 0.5f, 3.0f, 3.0f},   /* far larger than the image */
        {1, 2, -0.5f, -0.5f, 0.2f, 0.2f}, /* negative coordinates: masked */
        {0, 1, 0.5f, 0.5f, -0.2f, 0.3f},  /* negative width */
    };
    int nt = (int)(sizeof t / sizeof t[0]);
    YcErr err;
    YcDetLoss *ws = yc_det_loss_create(B, H, W, NC, nt, &err);
    YcDetLossInput in = input(&c, B, &t[0][0], nt, true);
    YcDetLossOutput o;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0);
    CHECK(isfinite(o.total));
    for (int i = 0; i < 3; i++) CHECK(isfinite(o.items[i]));
    int nonfinite = 0;
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < c.n[l]; i++) nonfinite += !isfinite(c.grad[l][i]);
    CHECK(nonfinite == 0);
    const YcDetFg *fg;
    int n = yc_det_loss_assignment(ws, &fg);
    CHECK(n > 0);
    /* Only image 1's box leaving on the left (0) and the oversized box (2) contain anchor centres. */
    for (int i = 0; i < n; i++) CHECK(fg[i].image == 1 && (fg[i].gt == 0 || fg[i].gt == 2));
    yc_det_loss_free(ws);
    free_case(&c);
}

static void test_bad_input(void) {
    Case c;
    make_case(&c, B, H, W);
    YcErr err;
    YcDetLoss *ws = yc_det_loss_create(B, H, W, NC, 2, &err);
    YcDetLossOutput o;
    float t[2][6] = {{0, 1, 0.5f, 0.5f, 0.2f, 0.2f}, {0, 1, 0.5f, 0.5f, 0.2f, 0.2f}};
    YcDetLossInput in = input(&c, B, &t[0][0], 2, true);
    t[1][0] = 2; /* image index beyond the batch */
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "targets row 1: image index 2") != NULL);
    t[1][0] = 1;
    t[1][1] = 3; /* class beyond nc */
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "targets row 1: class 3") != NULL);
    t[1][1] = 0.5f; /* not an integer */
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    t[1][1] = 1;
    t[1][3] = NAN;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "not finite") != NULL);
    in.keep_assignment = true; /* a failed call leaves no assignment to reuse */
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "without a previous assignment") != NULL);
    in.keep_assignment = false;
    t[1][3] = 0.5f;
    in.ntargets = 3; /* more than the workspace holds ... */
    float t3[3][6] = {{0, 1, 0.5f, 0.5f, 0.2f, 0.2f}, {1, 1, 0.5f, 0.5f, 0.2f, 0.2f}, {1, 0, 0.3f, 0.3f, 0.4f, 0.4f}};
    in.targets = &t3[0][0];
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "3 targets, the workspace holds 2") != NULL);
    CHECK(yc_det_loss_reserve(ws, 1, &err) == 0); /* ... until it grows */
    CHECK(yc_det_loss_reserve(ws, 40, &err) == 0);
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0 && o.foreground > 0);
    in.targets = &t[0][0];
    in.ntargets = 2;
    in.batch = 3;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    in.batch = B;
    in.imgh = 96; /* more anchors than the workspace */
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    in.imgh = 60;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "multiples of 32") != NULL);
    in.imgh = H;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0);
    in.keep_assignment = true; /* reusing an assignment needs the same batch and size */
    in.batch = 1;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == -1);
    CHECK(strstr(err.msg, "keep_assignment") != NULL);
    in.batch = B;
    in.keep_assignment = false;
    CHECK(!yc_det_loss_create(0, H, W, NC, 2, &err));
    CHECK(!yc_det_loss_create(B, 65, W, NC, 2, &err));
    /* Non-finite predictions: non-finite loss, no crash. */
    c.pred[0][5] = NAN;
    c.pred[1][YC_BOX_CHANNELS * 16 + 3] = INFINITY;
    CHECK(yc_det_loss_compute(ws, &in, &o, &err) == 0);
    CHECK(!isfinite(o.total));
    yc_det_loss_free(ws);
    free_case(&c);
}

/* A smaller batch in a larger workspace gives what a workspace of its own size gives;
 * gains scale the items linearly. */
static void test_partial_batch_and_gains(void) {
    Case c;
    make_case(&c, B, H, W);
    YcErr err;
    YcDetLoss *big = yc_det_loss_create(4, 128, 128, NC, 16, &err);
    YcDetLoss *own = yc_det_loss_create(B, H, W, NC, 4, &err);
    YcDetLossInput in = input(&c, B, &targets4[0][0], 4, false);
    YcDetLossOutput a, b;
    CHECK(yc_det_loss_compute(big, &in, &a, &err) == 0);
    CHECK(yc_det_loss_compute(own, &in, &b, &err) == 0);
    for (int i = 0; i < 3; i++) CHECK(a.items[i] == b.items[i]);
    CHECK(a.foreground == b.foreground);
    in.box_gain *= 2;
    in.cls_gain *= 3;
    in.dfl_gain = 0;
    CHECK(yc_det_loss_compute(own, &in, &a, &err) == 0);
    CHECK_NEAR(a.items[0], 2.0 * b.items[0], 1e-6 * b.items[0]);
    CHECK_NEAR(a.items[1], 3.0 * b.items[1], 1e-6 * b.items[1]);
    CHECK(a.items[2] == 0.0f);
    yc_det_loss_free(big);
    yc_det_loss_free(own);
    free_case(&c);
}

int main(void) {
    const CheckCase cases[] = {
        {"loss_gradient_finite_differences", test_gradient_fd},
        {"loss_no_targets", test_no_targets},
        {"loss_odd_boxes", test_odd_boxes},
        {"loss_bad_input", test_bad_input},
        {"loss_partial_batch_and_gains", test_partial_batch_and_gains},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
