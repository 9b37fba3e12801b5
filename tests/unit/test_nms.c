/* NMS, head decode and the COCO summary text on small inputs whose answer is
 * plain; the reference parity is in the fixtures (kinds nms, decode). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cocoeval.h"
#include "decode.h"
#include "nms.h"

/* pred [4 + nc][A] from boxes (xywh) and scores [A][nc]. */
static float *make_pred(int nc, int A, const float *xywh, const float *scores) {
    float *p = calloc((size_t)(4 + nc) * (size_t)A, sizeof(float));
    for (int a = 0; a < A; a++) {
        for (int k = 0; k < 4; k++) p[(size_t)k * (size_t)A + (size_t)a] = xywh[a * 4 + k];
        for (int c = 0; c < nc; c++) p[(size_t)(4 + c) * (size_t)A + (size_t)a] = scores[a * nc + c];
    }
    return p;
}

static void test_nms_basics(void) {
    /* anchors 0 and 1 overlap heavily (IoU 0.9), anchor 2 elsewhere, anchor 3 below conf */
    const float xywh[] = {50, 50, 20, 20, 51, 50, 20, 20, 200, 200, 30, 30, 300, 300, 10, 10};
    const float scores[] = {0.9f, 0.2f, 0.8f, 0.3f, 0.1f, 0.7f, 0.0005f, 0.0f};
    float *pred = make_pred(2, 4, xywh, scores);
    YcNms *w = yc_nms_new();
    YcNmsOpts o;
    yc_nms_opts_val(&o);
    float out[300 * 6];
    int idx[300];
    YcErr err;
    int n = yc_nms_image(w, pred, 2, 4, &o, out, idx, &err);
    /* multi-label: (0,c0) .9 kept; (1,c0) .8 suppressed by it; (2,c1) .7 kept; (1,c1) .3 kept; (0,c1) .2
     * suppressed by (1,c1); (2,c0) .1 kept */
    CHECK(n == 4);
    CHECK(idx[0] == 0 && out[5] == 0 && out[4] == 0.9f);
    CHECK(idx[1] == 2 && out[6 + 5] == 1);
    CHECK(idx[2] == 1 && out[12 + 5] == 1 && out[12 + 4] == 0.3f);
    CHECK(idx[3] == 2 && out[18 + 5] == 0);
    CHECK(out[0] == 40 && out[1] == 40 && out[2] == 60 && out[3] == 60);
    o.agnostic = true; /* now (1,c1) .3 is suppressed by (0,c0) .9 */
    n = yc_nms_image(w, pred, 2, 4, &o, out, idx, &err);
    CHECK(n == 2 && idx[0] == 0 && idx[1] == 2 && out[6 + 5] == 1);
    o.agnostic = false;
    o.multi_label = false; /* best class only: anchor 1 -> c0 .8 (suppressed), anchor 2 -> c1 */
    n = yc_nms_image(w, pred, 2, 4, &o, out, idx, &err);
    CHECK(n == 2 && idx[0] == 0 && idx[1] == 2);
    o.multi_label = true;
    int only1[] = {1};
    o.classes = only1;
    o.n_classes = 1;
    n = yc_nms_image(w, pred, 2, 4, &o, out, idx, &err);
    CHECK(n == 2 && out[5] == 1 && out[6 + 5] == 1);
    o.classes = NULL;
    o.n_classes = 0;
    o.max_det = 1;
    n = yc_nms_image(w, pred, 2, 4, &o, out, NULL, &err);
    CHECK(n == 1 && out[4] == 0.9f);
    o.max_det = 300;
    o.conf = 0.9; /* strictly above conf */
    CHECK(yc_nms_image(w, pred, 2, 4, &o, out, idx, &err) == 0);
    o.conf = 1.5;
    CHECK(yc_nms_image(w, pred, 2, 4, &o, out, idx, &err) == -1);
    CHECK(strstr(err.msg, "conf 1.5") != NULL);
    o.conf = 0.001;
    CHECK(yc_nms_image(w, pred, 0, 4, &o, out, idx, &err) == -1);
    CHECK(yc_nms_image(w, pred, 2, 0, &o, out, idx, &err) == 0);
    yc_nms_free(w);
    free(pred);
}

static void test_decode_uniform(void) {
    /* all-zero logits: each side's distance is the mean bin 7.5, scores 0.5 */
    const int nc = 2, C = 64 + nc;
    float *l0 = calloc((size_t)C * 4, sizeof(float)), *l1 = calloc((size_t)C, sizeof(float));
    YcHeadLevel levels[2] = {{l0, 2, 2, 8}, {l1, 1, 1, 16}};
    CHECK(yc_decode_anchor_count(levels, 2) == 5);
    float out[(4 + 2) * 5];
    YcErr err;
    CHECK(yc_decode_head(levels, 2, 1, nc, 16, false, out, &err) == 0);
    /* anchor 3: cell (1, 1) of level 0: centre (1.5, 1.5) * 8; width 15 * 8 */
    CHECK_NEAR(out[0 * 5 + 3], 12, 1e-5);
    CHECK_NEAR(out[1 * 5 + 3], 12, 1e-5);
    CHECK_NEAR(out[2 * 5 + 3], 120, 1e-4);
    CHECK_NEAR(out[2 * 5 + 4], 240, 1e-4); /* level 1, stride 16 */
    CHECK_NEAR(out[4 * 5 + 0], 0.5, 0);
    CHECK(yc_decode_head(levels, 2, 1, nc, 16, true, out, &err) == 0);
    CHECK_NEAR(out[0 * 5 + 3], 12 - 60, 1e-4);
    CHECK_NEAR(out[2 * 5 + 3], 12 + 60, 1e-4);
    levels[1].data = NULL;
    CHECK(yc_decode_head(levels, 2, 1, nc, 16, false, out, &err) == -1);
    CHECK(strstr(err.msg, "level 1") != NULL);
    free(l0);
    free(l1);
}

static void test_coco_summary_text(void) {
    double stats[YC_COCO_STATS];
    for (int i = 0; i < YC_COCO_STATS; i++) stats[i] = 0.1 * i;
    stats[5] = -1;
    YcStr s;
    yc_str_init(&s);
    yc_cocoeval_summary(stats, &s);
    const char *t = yc_str_cstr(&s);
    const char *first = " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.000\n";
    CHECK(strncmp(t, first, strlen(first)) == 0);
    CHECK(strstr(t, " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.200\n"));
    CHECK(strstr(t, " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000\n"));
    CHECK(strstr(t, " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.600\n"));
    CHECK(strstr(t, " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 1.000\n"));
    yc_str_free(&s);
}

int main(void) {
    static const CheckCase cases[] = {
        {"nms_basics", test_nms_basics},
        {"decode_uniform", test_decode_uniform},
        {"coco_summary_text", test_coco_summary_text},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
