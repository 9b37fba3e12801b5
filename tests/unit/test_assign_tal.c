/* The task-aligned assigner and torch.topk's tie order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assign_tal.h"
#include "assign_topk.h"
#include "check.h"

/* ---- top-k: index sets torch.topk returned on the CPU (torch 2.x, values with ties) ---- */

static void fill(float *v, int n, const int *at, const float *val, int m) {
    memset(v, 0, (size_t)n * sizeof *v);
    for (int i = 0; i < m; i++) v[at[i]] = val[i];
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void selected(const YcTopkItem *items, int k, int *out) {
    for (int i = 0; i < k; i++) out[i] = items[i].index;
    qsort(out, (size_t)k, sizeof *out, cmp_int);
}

static void test_topk_heap_ties(void) {
    enum { N = 700 };
    static const int at[] = {0, 3, 5, 38, 47, 50, 60, 71, 74, 92, 228, 331, 374, 404, 444, 519, 590};
    static const float val[] = {0.25f, 0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 0.5f, 0.25f, 0.5f,
                                0.75f, 0.5f, 0.25f, 0.5f, 0.5f, 0.75f, 0.25f, 0.75f};
    static const int want[10] = {38, 60, 71, 74, 92, 228, 374, 404, 444, 590}; /* from torch.topk */
    float v[N];
    fill(v, N, at, val, 17);
    CHECK(yc_topk_uses_heap(N, 10));
    YcTopkItem heap[10];
    for (int i = 0; i < 10; i++) heap[i] = (YcTopkItem){v[i], i};
    yc_topk_heap_make(heap, 10);
    for (int i = 10; i < N; i++) yc_topk_heap_offer(heap, 10, (YcTopkItem){v[i], i});
    int got[10];
    selected(heap, 10, got);
    for (int i = 0; i < 10; i++) CHECK(got[i] == want[i]);
}

static void test_topk_nth_ties(void) {
    enum { N = 50 };
    static const int at[] = {0, 3, 5, 6, 9, 15, 18, 23, 29, 31, 35, 36, 39, 49};
    static const float val[] = {0.25f, 0.25f, 0.25f, 0.25f, 0.5f, 0.25f, 0.75f,
                                0.5f, 0.75f, 0.75f, 0.5f, 0.5f, 0.25f, 0.5f};
    static const int want[10] = {0, 9, 18, 23, 29, 31, 35, 36, 39, 49}; /* from torch.topk */
    float v[N];
    fill(v, N, at, val, 14);
    CHECK(!yc_topk_uses_heap(N, 10));
    YcTopkItem items[N];
    for (int i = 0; i < N; i++) items[i] = (YcTopkItem){v[i], i};
    yc_topk_nth(items, N, 10);
    int got[10];
    selected(items, 10, got);
    for (int i = 0; i < 10; i++) CHECK(got[i] == want[i]);
}

/* Without ties both paths give the 10 largest. */
static void test_topk_distinct(void) {
    srand(3);
    for (int trial = 0; trial < 50; trial++) {
        int n = trial % 2 ? 900 : 300;
        YcTopkItem *items = malloc((size_t)n * sizeof *items);
        float *v = malloc((size_t)n * sizeof *v);
        for (int i = 0; i < n; i++) v[i] = (float)rand() / RAND_MAX + (float)i * 1e-7f;
        for (int i = 0; i < n; i++) items[i] = (YcTopkItem){v[i], i};
        if (yc_topk_uses_heap(n, 10)) {
            yc_topk_heap_make(items, 10);
            for (int i = 10; i < n; i++) yc_topk_heap_offer(items, 10, (YcTopkItem){v[i], i});
        } else {
            yc_topk_nth(items, n, 10);
        }
        /* every selected value >= every unselected one */
        float min_sel = INFINITY;
        char *sel = calloc((size_t)n, 1);
        for (int i = 0; i < 10; i++) {
            sel[items[i].index] = 1;
            if (v[items[i].index] < min_sel) min_sel = v[items[i].index];
        }
        int bad = 0;
        for (int i = 0; i < n; i++)
            if (!sel[i] && v[i] > min_sel) bad++;
        CHECK(bad == 0);
        free(sel);
        free(items);
        free(v);
    }
}

/* ---- the assigner on a 64x64 image (8x8 + 4x4 + 2x2 anchors) ---- */

typedef struct Preds {
    float box[84][4];
    float score[84][3];
} Preds;

static float score_of(void *ctx, int a, int c) { return ((Preds *)ctx)->score[a][c]; }
static const float *box_of(void *ctx, int a) { return ((Preds *)ctx)->box[a]; }

/* Every prediction: a small box at its anchor, low scores. */
static void base_preds(Preds *p, const YcAnchors *anc) {
    for (int a = 0; a < anc->na; a++) {
        int l, x, y;
        yc_anchor_cell(anc, a, &l, &x, &y);
        float cx = yc_anchor_centre_px(x, anc->stride[l]), cy = yc_anchor_centre_px(y, anc->stride[l]);
        float r = (float)anc->stride[l];
        p->box[a][0] = cx - r;
        p->box[a][1] = cy - r;
        p->box[a][2] = cx + r;
        p->box[a][3] = cy + r;
        for (int c = 0; c < 3; c++) p->score[a][c] = 0.05f;
    }
}

static void test_single_box(void) {
    YcAnchors anc;
    YcErr err;
    CHECK(yc_anchors_init(&anc, 64, 64, &err) == 0);
    CHECK(anc.na == 84);
    Preds p;
    base_preds(&p, &anc);
    /* gt covers level-0 cells x 1..4, y 1..4 (centres 12..36 inside 8..40) */
    YcTalGt gt = {{8.f, 8.f, 40.f, 40.f}, 1, true};
    /* anchor (2, 2) at level 0 predicts the box exactly with a high score */
    int best = 2 * 8 + 2;
    memcpy(p.box[best], gt.box, sizeof gt.box);
    p.score[best][1] = 0.9f;
    YcTal tal;
    CHECK(yc_tal_init(&tal, anc.na, 4, &err) == 0);
    YcTalPred pred = {&p, score_of, box_of};
    YcTalFg fg[84];
    int n = yc_tal_assign(&tal, &anc, &pred, &gt, 1, fg);
    /* 16 level-0 candidates, 1 level-1 candidate (centre 24,24) -> top 10 */
    CHECK(n == 10);
    int found = -1;
    for (int i = 0; i < n; i++) {
        CHECK(fg[i].gt == 0);
        if (i) CHECK(fg[i].anchor > fg[i - 1].anchor);
        if (fg[i].anchor == best) found = i;
        CHECK(fg[i].score >= 0.0f && fg[i].score <= 1.0f);
    }
    /* the best anchor's target score is its overlap (~1): the normalisation's maximum */
    if (CHECK(found >= 0)) CHECK_NEAR(fg[found].score, 1.0, 1e-5);
    /* every other score = its alignment / the best alignment * best overlap */
    for (int i = 0; i < n; i++) {
        if (i == found) continue;
        float ov, m, ovb, mb;
        yc_tal_metric(&anc, &pred, &gt, fg[i].anchor, &ov, &m);
        yc_tal_metric(&anc, &pred, &gt, best, &ovb, &mb);
        CHECK_NEAR(fg[i].score, m * ovb / (mb + 1e-9), 1e-6);
    }
    yc_tal_free(&tal);
}

static bool assigned(const YcTalFg *fg, int n, int anchor, int *gt) {
    for (int i = 0; i < n; i++)
        if (fg[i].anchor == anchor) {
            *gt = fg[i].gt;
            return true;
        }
    return false;
}

static void test_two_boxes_share_anchor(void) {
    YcAnchors anc;
    YcErr err;
    yc_anchors_init(&anc, 64, 64, &err);
    Preds p;
    base_preds(&p, &anc);
    /* Level-0 anchor (3, 3), centre (28, 28), lies in both boxes; its prediction
     * overlaps both, the second more (CIoU about 0.27 and 0.46). */
    YcTalGt gts[3] = {
        {{0.f, 0.f, 0.f, 0.f}, 0, false}, /* masked (all zero), keeps index 0 */
        {{18.f, 18.f, 34.f, 34.f}, 0, true},
        {{22.f, 22.f, 50.f, 50.f}, 2, true},
    };
    int a = 3 * 8 + 3;
    float pa[4] = {21.f, 21.f, 42.f, 42.f};
    memcpy(p.box[a], pa, sizeof pa);
    p.score[a][0] = 0.8f;
    p.score[a][2] = 0.8f;
    YcTal tal;
    yc_tal_init(&tal, anc.na, 3, &err);
    YcTalPred pred = {&p, score_of, box_of};
    YcTalFg fg[84];
    int g = -1;
    /* Each box alone keeps the anchor ... */
    int n = yc_tal_assign(&tal, &anc, &pred, &gts[1], 1, fg);
    CHECK(assigned(fg, n, a, &g) && g == 0);
    n = yc_tal_assign(&tal, &anc, &pred, &gts[2], 1, fg);
    CHECK(assigned(fg, n, a, &g) && g == 0);
    /* ... together the higher overlap wins; the masked box gets nothing. */
    n = yc_tal_assign(&tal, &anc, &pred, gts, 3, fg);
    CHECK(assigned(fg, n, a, &g) && g == 2);
    for (int i = 0; i < n; i++) CHECK(fg[i].gt != 0);
    /* The anchor's target score is normalised within box 2. */
    float ov, m;
    yc_tal_metric(&anc, &pred, &gts[2], a, &ov, &m);
    CHECK(m > 0.0f && ov > 0.4f);
    /* A box containing no anchor centre and an invalid box: nothing assigned. */
    YcTalGt none[2] = {{{1.f, 1.f, 3.f, 3.f}, 0, true}, {{-9.f, -9.f, -1.f, -1.f}, 1, false}};
    CHECK(yc_tal_assign(&tal, &anc, &pred, none, 2, fg) == 0);
    /* The per-anchor counters are back to zero: the same call gives the same result. */
    int n2 = yc_tal_assign(&tal, &anc, &pred, gts, 3, fg);
    CHECK(n2 == n);
    /* Capacity is enforced. */
    YcTalGt many[4] = {gts[1], gts[2], gts[1], gts[2]};
    CHECK(yc_tal_assign(&tal, &anc, &pred, many, 4, fg) == -1);
    yc_tal_free(&tal);
}

static void test_anchor_span(void) {
    int f, l;
    /* stride 8: centres 4, 12, 20, ... strictly inside (4, 20) is only 12 */
    CHECK(yc_anchor_span(8, 8, 4.f, 20.f, &f, &l) && f == 1 && l == 1);
    CHECK(yc_anchor_span(8, 8, -100.f, 1000.f, &f, &l) && f == 0 && l == 7);
    CHECK(!yc_anchor_span(8, 8, 5.f, 12.f, &f, &l));
    CHECK(!yc_anchor_span(8, 8, 70.f, 90.f, &f, &l));
    CHECK(!yc_anchor_span(8, 8, NAN, 90.f, &f, &l));
    CHECK(yc_anchor_span(8, 8, -1e30f, 1e30f, &f, &l) && f == 0 && l == 7);
    YcAnchors anc;
    YcErr err;
    CHECK(yc_anchors_init(&anc, 100, 64, &err) == -1);
    CHECK(strstr(err.msg, "multiples of 32") != NULL);
}

int main(void) {
    const CheckCase cases[] = {
        {"topk_heap_ties_as_torch", test_topk_heap_ties},
        {"topk_nth_ties_as_torch", test_topk_nth_ties},
        {"topk_distinct_values", test_topk_distinct},
        {"anchor_span", test_anchor_span},
        {"assign_single_box", test_single_box},
        {"assign_shared_anchor", test_two_boxes_share_anchor},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
