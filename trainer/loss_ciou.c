/* CIoU forward (float32, reference operation order) and its gradient. */
#include "loss_ciou.h"

#include <math.h>

#define CIOU_EPS 1e-7f
/* 4 / pi^2 as the reference's float32 scalar. */
#define CIOU_V_SCALE ((float)(4.0 / (3.14159265358979323846 * 3.14159265358979323846)))
/* (1 + eps) evaluated in double by the reference, then used as a float32 scalar. */
#define CIOU_ONE_EPS ((float)(1.0 + 1e-7))

float yc_ciou(const float a[4], const float b[4], YcCiou *st) {
    YcCiou s;
    s.w1 = a[2] - a[0];
    s.h1 = (a[3] - a[1]) + CIOU_EPS;
    s.w2 = b[2] - b[0];
    s.h2 = (b[3] - b[1]) + CIOU_EPS;
    s.iw_raw = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
    s.ih_raw = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
    float iw = s.iw_raw > 0.0f ? s.iw_raw : 0.0f;
    float ih = s.ih_raw > 0.0f ? s.ih_raw : 0.0f;
    s.inter = iw * ih;
    float area1 = s.w1 * s.h1, area2 = s.w2 * s.h2;
    s.uni = ((area1 + area2) - s.inter) + CIOU_EPS;
    s.iou = s.inter / s.uni;
    s.cw = fmaxf(a[2], b[2]) - fminf(a[0], b[0]);
    s.ch = fmaxf(a[3], b[3]) - fminf(a[1], b[1]);
    s.c2 = (s.cw * s.cw + s.ch * s.ch) + CIOU_EPS;
    float dx = ((b[0] + b[2]) - a[0]) - a[2];
    float dy = ((b[1] + b[3]) - a[1]) - a[3];
    s.rho2 = (dx * dx + dy * dy) / 4.0f;
    float dat = atanf(s.w2 / s.h2) - atanf(s.w1 / s.h1);
    s.v = CIOU_V_SCALE * (dat * dat);
    s.alpha = s.v / ((s.v - s.iou) + CIOU_ONE_EPS);
    s.ciou = s.iou - (s.rho2 / s.c2 + s.v * s.alpha);
    if (st) *st = s;
    return s.ciou;
}

/* Share of the gradient of min(x, y) (or max with `is_max`) that goes to x. */
static double minmax_share(float x, float y, int is_max) {
    if (x == y) return 0.5;
    return (is_max ? x > y : x < y) ? 1.0 : 0.0;
}

void yc_ciou_grad_a(const float a[4], const float b[4], const YcCiou *s, double g[4]) {
    g[0] = g[1] = g[2] = g[3] = 0.0;
    double uni = s->uni, inter = s->inter;
    /* ciou = iou - rho2 / c2 - v * alpha (alpha constant) */
    double g_iou = 1.0;
    double g_rho2 = -1.0 / s->c2;
    double g_c2 = (double)s->rho2 / ((double)s->c2 * s->c2);
    double g_v = -(double)s->alpha;

    /* iou = inter / uni; uni = w1 h1 + w2 h2 - inter + eps */
    double g_inter = g_iou / uni;
    double g_uni = -g_iou * inter / (uni * uni);
    g_inter -= g_uni;
    double g_w1 = g_uni * s->h1, g_h1 = g_uni * s->w1;

    /* inter = clamp(iw_raw, 0) * clamp(ih_raw, 0); clamp passes the gradient at >= 0 */
    double iw = s->iw_raw > 0 ? s->iw_raw : 0, ih = s->ih_raw > 0 ? s->ih_raw : 0;
    double g_iw = s->iw_raw >= 0 ? g_inter * ih : 0.0;
    double g_ih = s->ih_raw >= 0 ? g_inter * iw : 0.0;
    /* iw_raw = min(a2, b2) - max(a0, b0) */
    g[2] += g_iw * minmax_share(a[2], b[2], 0);
    g[0] -= g_iw * minmax_share(a[0], b[0], 1);
    g[3] += g_ih * minmax_share(a[3], b[3], 0);
    g[1] -= g_ih * minmax_share(a[1], b[1], 1);

    /* c2 = cw^2 + ch^2 + eps; cw = max(a2, b2) - min(a0, b0) */
    double g_cw = g_c2 * 2.0 * s->cw, g_ch = g_c2 * 2.0 * s->ch;
    g[2] += g_cw * minmax_share(a[2], b[2], 1);
    g[0] -= g_cw * minmax_share(a[0], b[0], 0);
    g[3] += g_ch * minmax_share(a[3], b[3], 1);
    g[1] -= g_ch * minmax_share(a[1], b[1], 0);

    /* rho2 = (dx^2 + dy^2) / 4, dx = b0 + b2 - a0 - a2 */
    double dx = ((double)b[0] + b[2]) - a[0] - a[2];
    double dy = ((double)b[1] + b[3]) - a[1] - a[3];
    double g_dx = g_rho2 * dx / 2.0, g_dy = g_rho2 * dy / 2.0;
    g[0] -= g_dx;
    g[2] -= g_dx;
    g[1] -= g_dy;
    g[3] -= g_dy;

    /* v = k (atan(w2 / h2) - atan(w1 / h1))^2 */
    double r1 = (double)s->w1 / s->h1;
    double dat = atan((double)s->w2 / s->h2) - atan(r1);
    double g_dat = g_v * (double)CIOU_V_SCALE * 2.0 * dat;
    double g_r1 = -g_dat / (1.0 + r1 * r1);
    g_w1 += g_r1 / s->h1;
    g_h1 -= g_r1 * r1 / s->h1;

    /* w1 = a2 - a0; h1 = a3 - a1 + eps */
    g[2] += g_w1;
    g[0] -= g_w1;
    g[3] += g_h1;
    g[1] -= g_h1;
}
