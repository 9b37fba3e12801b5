/* CIoU against values worked out by hand, and its gradient against finite differences. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "loss_ciou.h"

/* Identical boxes: iou ~ 1, no centre distance, no aspect difference. */
static void test_identical(void) {
    float a[4] = {10, 20, 50, 60};
    YcCiou st;
    float c = yc_ciou(a, a, &st);
    /* inter = 40 * 40 = 1600 (heights carry +1e-7 only in the areas); union = 1600 + eps-ish */
    CHECK_NEAR(st.inter, 1600.0, 1e-3);
    CHECK_NEAR(st.iou, 1.0, 1e-6);
    CHECK_NEAR(st.rho2, 0.0, 0.0);
    CHECK_NEAR(st.v, 0.0, 1e-12);
    CHECK_NEAR(c, 1.0, 1e-6);
}

/* Two unit-height boxes side by side with a half overlap:
 * a = (0,0,2,1), b = (1,0,3,1): inter 1, union 3, iou 1/3;
 * enclosing 3 x 1: c2 = 10; centres 1 apart: rho2 = 1; same aspect: v = 0;
 * ciou = 1/3 - 1/10. */
static void test_half_overlap(void) {
    float a[4] = {0, 0, 2, 1}, b[4] = {1, 0, 3, 1};
    YcCiou st;
    float c = yc_ciou(a, b, &st);
    CHECK_NEAR(st.iou, 1.0 / 3.0, 1e-6);
    CHECK_NEAR(st.c2, 10.0, 1e-5);
    CHECK_NEAR(st.rho2, 1.0, 1e-6);
    CHECK_NEAR(st.v, 0.0, 1e-12);
    CHECK_NEAR(c, 1.0 / 3.0 - 0.1, 1e-6);
}

/* Disjoint boxes with different aspect: a = (0,0,1,1) square, b = (3,0,5,4):
 * iou 0; enclosing 5 x 4: c2 = 41; centres (0.5,0.5) and (4,2): rho2 = 12.25 + 2.25 = 14.5;
 * v = 4/pi^2 (atan(2/4) - atan(1))^2; alpha = v / (v + 1); ciou = -(14.5/41 + v alpha). */
static void test_disjoint_aspect(void) {
    float a[4] = {0, 0, 1, 1}, b[4] = {3, 0, 5, 4};
    float c = yc_ciou(a, b, NULL);
    double v = 4.0 / (M_PI * M_PI) * pow(atan(0.5) - atan(1.0), 2);
    double want = -(14.5 / 41.0 + v * v / (v + 1.0));
    CHECK_NEAR(c, want, 1e-6);
    /* The other order gives the same value up to rounding. */
    CHECK_NEAR(yc_ciou(b, a, NULL), want, 1e-6);
}

/* Zero-width box: finite (the eps keeps every division finite). */
static void test_degenerate(void) {
    float a[4] = {5, 5, 5, 9}, b[4] = {4, 4, 8, 8}, z[4] = {0, 0, 0, 0};
    CHECK(isfinite(yc_ciou(a, b, NULL)));
    CHECK(isfinite(yc_ciou(z, z, NULL)));
    CHECK(isfinite(yc_ciou(b, z, NULL)));
    double g[4];
    YcCiou st;
    yc_ciou(z, b, &st);
    yc_ciou_grad_a(z, b, &st, g);
    for (int i = 0; i < 4; i++) CHECK(isfinite(g[i]));
}

/* Gradient w.r.t. box a by central differences (alpha held constant, as the
 * reference does): perturb a coordinate and recompute with alpha frozen. */
static double ciou_fixed_alpha(const float a[4], const float b[4], double alpha) {
    YcCiou st;
    yc_ciou(a, b, &st);
    return (double)st.iou - ((double)st.rho2 / st.c2 + (double)st.v * alpha);
}

static void check_grad(float a[4], const float b[4]) {
    YcCiou st;
    yc_ciou(a, b, &st);
    double g[4];
    yc_ciou_grad_a(a, b, &st, g);
    for (int i = 0; i < 4; i++) {
        const float h = 1e-2f;
        float save = a[i];
        a[i] = save + h;
        double up = ciou_fixed_alpha(a, b, st.alpha);
        a[i] = save - h;
        double down = ciou_fixed_alpha(a, b, st.alpha);
        a[i] = save;
        double fd = (up - down) / (2.0 * h);
        if (!CHECK_NEAR(g[i], fd, 2e-3 * (1.0 + fabs(fd))))
            fprintf(stderr, "    coordinate %d of (%g %g %g %g) vs (%g %g %g %g)\n", i, a[0], a[1], a[2], a[3], b[0],
                    b[1], b[2], b[3]);
    }
}

static void test_gradient(void) {
    float cases[][2][4] = {
        {{1.3f, 2.1f, 6.2f, 5.4f}, {2.0f, 1.5f, 7.1f, 6.3f}},   /* overlapping, b encloses on three sides */
        {{0.2f, 0.3f, 2.2f, 1.1f}, {4.0f, 3.0f, 6.5f, 9.0f}},   /* disjoint */
        {{3.0f, 3.0f, 9.0f, 8.0f}, {4.1f, 4.2f, 6.3f, 6.9f}},   /* a contains b */
        {{4.1f, 4.2f, 6.3f, 6.9f}, {3.0f, 3.0f, 9.0f, 8.0f}},   /* b contains a */
        {{10.f, 1.0f, 30.f, 3.0f}, {12.f, 0.5f, 14.f, 9.5f}},   /* very different aspect */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_grad(cases[i][0], cases[i][1]);
}

int main(void) {
    const CheckCase cases[] = {
        {"ciou_identical", test_identical},
        {"ciou_half_overlap", test_half_overlap},
        {"ciou_disjoint_aspect", test_disjoint_aspect},
        {"ciou_degenerate", test_degenerate},
        {"ciou_gradient", test_gradient},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
