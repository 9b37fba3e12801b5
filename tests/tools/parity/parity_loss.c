/* Checker for fixtures of kind `loss`: the v8 detection loss and its
 * gradients against the reference's v8DetectionLoss + torch autograd
 * (tests/parity/make_loss_fixtures.py). Loss items within 1e-5 relative,
 * gradients within 1e-4 relative to each tensor's largest value; the
 * assignment (foreground mask, ground-truth index, target score) is compared too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loss_v8.h"
#include "parity.h"

#define LOSS_TOL 1e-5
#define GRAD_TOL 1e-4

static double meta_number(ParityReport *r, const YcSafetensors *fx, const char *key, double fallback) {
    const char *v = yc_st_meta(fx, key);
    if (!v) {
        if (isnan(fallback)) parity_fail(r, "fixture metadata has no '%s'", key);
        return fallback;
    }
    return atof(v);
}

int parity_check_loss(const YcSafetensors *fx, ParityReport *r) {
    int nc = (int)meta_number(r, fx, "nc", NAN);
    int batch = (int)meta_number(r, fx, "batch", NAN);
    double gains[3] = {meta_number(r, fx, "box", 7.5), meta_number(r, fx, "cls", 0.5), meta_number(r, fx, "dfl", 1.5)};
    float *imgsz = parity_load(r, fx, "imgsz", NULL);
    size_t ntv = 0;
    float *targets = parity_load(r, fx, "targets", &ntv);
    float *want_loss = parity_load(r, fx, "loss", NULL);
    float *pred[3] = {0}, *want_grad[3] = {0}, *grad[3] = {0};
    size_t count[3] = {0};
    YcDetLoss *ws = NULL;
    float *fg = NULL, *score = NULL, *gt = NULL, *want_fg = NULL, *want_score = NULL, *want_gt = NULL;
    if (r->failures || nc < 1 || batch < 1 || !imgsz || !targets || !want_loss) goto done;
    int imgh = (int)imgsz[0], imgw = (int)imgsz[1];
    for (int l = 0; l < 3; l++) {
        char name[64];
        snprintf(name, sizeof name, "pred/%d", l);
        pred[l] = parity_load(r, fx, name, &count[l]);
        snprintf(name, sizeof name, "grad/pred/%d", l);
        size_t n = 0;
        want_grad[l] = parity_load(r, fx, name, &n);
        if (!pred[l] || !want_grad[l]) goto done;
        int s = 8 << l;
        size_t expect = (size_t)batch * (YC_BOX_CHANNELS + nc) * (imgh / s) * (imgw / s);
        if (count[l] != expect || n != expect) {
            parity_fail(r, "pred/%d holds %zu values, grad %zu; batch %d, nc %d, %dx%d need %zu", l, count[l], n,
                        batch, nc, imgh, imgw, expect);
            goto done;
        }
        grad[l] = malloc(count[l] * sizeof(float));
        if (!grad[l]) {
            parity_fail(r, "out of memory");
            goto done;
        }
    }
    int ntargets = (int)(ntv / 6);
    YcErr err;
    ws = yc_det_loss_create(batch, imgh, imgw, nc, ntargets, &err);
    if (!ws) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    YcDetLossInput in = {.batch = batch, .imgh = imgh, .imgw = imgw, .targets = targets, .ntargets = ntargets,
                         .box_gain = gains[0], .cls_gain = gains[1], .dfl_gain = gains[2]};
    for (int l = 0; l < 3; l++) {
        in.pred[l] = pred[l];
        in.grad[l] = grad[l];
    }
    YcDetLossOutput out;
    if (yc_det_loss_compute(ws, &in, &out, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    static const char *item_names[3] = {"loss/box", "loss/cls", "loss/dfl"};
    for (int i = 0; i < 3; i++)
        parity_compare(r, "loss", item_names[i], &out.items[i], &want_loss[i], 1, LOSS_TOL, PARITY_SCALED);
    for (int l = 0; l < 3; l++) {
        char name[64];
        snprintf(name, sizeof name, "grad/pred/%d", l);
        parity_compare(r, "grad", name, grad[l], want_grad[l], count[l], GRAD_TOL, PARITY_SCALED);
    }

    /* The assignment, densely as the reference's fg_mask, target score sum and gt index. */
    YcAnchors anc;
    yc_anchors_init(&anc, imgh, imgw, &err);
    size_t dense = (size_t)batch * anc.na, n1 = 0, n2 = 0, n3 = 0;
    want_fg = parity_load(r, fx, "assign/fg", &n1);
    want_score = parity_load(r, fx, "assign/score", &n2);
    want_gt = parity_load(r, fx, "assign/gt", &n3);
    fg = calloc(dense, sizeof(float));
    score = calloc(dense, sizeof(float));
    gt = calloc(dense, sizeof(float));
    if (!want_fg || !want_score || !want_gt || !fg || !score || !gt) goto done;
    if (n1 != dense || n2 != dense || n3 != dense) {
        parity_fail(r, "assign/* hold %zu, %zu, %zu values, want %zu", n1, n2, n3, dense);
        goto done;
    }
    const YcDetFg *f;
    int nfg = yc_det_loss_assignment(ws, &f);
    for (int i = 0; i < nfg; i++) {
        size_t at = (size_t)f[i].image * anc.na + f[i].anchor;
        fg[at] = 1.0f;
        score[at] = f[i].score;
        gt[at] = (float)f[i].gt;
    }
    /* The gt index means something only on the foreground. */
    for (size_t i = 0; i < dense; i++)
        if (want_fg[i] == 0.0f) want_gt[i] = 0.0f;
    parity_compare(r, "assign", "assign/fg", fg, want_fg, dense, 0.0, PARITY_ABS);
    parity_compare(r, "assign", "assign/gt", gt, want_gt, dense, 0.0, PARITY_ABS);
    parity_compare(r, "score", "assign/score", score, want_score, dense, GRAD_TOL, PARITY_SCALED);

done:
    yc_det_loss_free(ws);
    for (int l = 0; l < 3; l++) {
        free(pred[l]);
        free(want_grad[l]);
        free(grad[l]);
    }
    free(imgsz);
    free(targets);
    free(want_loss);
    free(fg);
    free(score);
    free(gt);
    free(want_fg);
    free(want_score);
    free(want_gt);
    return r->failures ? -1 : 0;
}
