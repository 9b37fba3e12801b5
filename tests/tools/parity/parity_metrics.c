/* Fixture kind "metrics" (tests/parity/make_metrics_fixtures.py): per-image
 * predictions and ground truths through yoloc's accumulator; per-prediction
 * matches, per-class AP, P, R, F1, the mean results, the curves, the confusion
 * matrix, the printed table and predictions.json against the reference's. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "parity.h"
#include "val_boxes.h"
#include "val_predjson.h"

#define TOL 1e-6

static void compare_text(ParityReport *r, const char *what, const char *got, const char *want) {
    ParityGroup *g = parity_group(r, "metrics.text", 0, PARITY_ABS);
    g->tensors++;
    if (strcmp(got, want) == 0) return;
    size_t i = 0;
    while (got[i] && got[i] == want[i]) i++;
    size_t from = i > 60 ? i - 60 : 0;
    parity_fail(r, "%s differs at byte %zu:\n    got:  ...%.120s\n    want: ...%.120s", what, i, got + from,
                want + from);
    g->worst = 1;
    snprintf(g->worst_tensor, sizeof g->worst_tensor, "%s", what);
}

/* Class names from the metadata's JSON list (NULL entries when absent). */
static char **load_names(const YcSafetensors *fx, int nc) {
    char **names = calloc((size_t)nc, sizeof *names);
    cJSON *list = cJSON_Parse(yc_st_meta(fx, "names") ? yc_st_meta(fx, "names") : "[]");
    for (int i = 0; names && i < nc; i++) {
        cJSON *item = cJSON_GetArrayItem(list, i);
        if (cJSON_IsString(item)) names[i] = strdup(item->valuestring);
    }
    cJSON_Delete(list);
    return names;
}

static void check_predictions_json(const YcSafetensors *fx, ParityReport *r, const float *pred, const int *pred_n,
                                   int images) {
    const char *spec_text = yc_st_meta(fx, "save_json"), *want = yc_st_meta(fx, "predictions_json");
    if (!spec_text || !*spec_text || !want) return;
    cJSON *spec = cJSON_Parse(spec_text);
    cJSON *files = cJSON_GetObjectItem(spec, "files"), *hw = cJSON_GetObjectItem(spec, "orig_hw");
    cJSON *pad = cJSON_GetObjectItem(spec, "pad");
    if (!spec || cJSON_GetArraySize(files) != images || cJSON_GetArraySize(hw) != 2) {
        parity_fail(r, "metadata save_json is malformed");
        cJSON_Delete(spec);
        return;
    }
    bool coco = cJSON_IsTrue(cJSON_GetObjectItem(spec, "coco"));
    double gain = cJSON_GetObjectItem(spec, "gain")->valuedouble;
    double pad_x = cJSON_GetArrayItem(pad, 0)->valuedouble, pad_y = cJSON_GetArrayItem(pad, 1)->valuedouble;
    int orig_h = cJSON_GetArrayItem(hw, 0)->valueint, orig_w = cJSON_GetArrayItem(hw, 1)->valueint;
    YcStr out;
    yc_str_init(&out);
    yc_str_append(&out, "[");
    bool first = true;
    size_t off = 0;
    for (int i = 0; i < images; i++) {
        float *rows = malloc((size_t)(pred_n[i] ? pred_n[i] : 1) * 6 * sizeof(float));
        memcpy(rows, pred + off * 6, (size_t)pred_n[i] * 6 * sizeof(float));
        yc_val_scale_boxes(rows, pred_n[i], 6, gain, pad_x, pad_y, orig_w, orig_h);
        YcErr err;
        if (yc_predjson_format(&out, &first, cJSON_GetArrayItem(files, i)->valuestring, rows, pred_n[i], coco, &err))
            parity_fail(r, "%s", err.msg);
        free(rows);
        off += (size_t)pred_n[i];
    }
    yc_str_append(&out, "]");
    compare_text(r, "predictions.json", yc_str_cstr(&out), want);
    yc_str_free(&out);
    cJSON_Delete(spec);
}

int parity_check_metrics(const YcSafetensors *fx, ParityReport *r) {
    const char *nc_text = yc_st_meta(fx, "nc"), *imgsz = yc_st_meta(fx, "imgsz");
    int nc = nc_text ? atoi(nc_text) : 0, in_h = 0, in_w = 0;
    if (nc < 1 || !imgsz || sscanf(imgsz, "%d,%d", &in_h, &in_w) != 2) {
        parity_fail(r, "metadata needs nc and imgsz");
        return -1;
    }
    double conf = yc_st_meta(fx, "conf") ? atof(yc_st_meta(fx, "conf")) : 0.001;
    bool verbose = yc_st_meta(fx, "verbose") && strcmp(yc_st_meta(fx, "verbose"), "1") == 0;
    size_t n_pred_vals = 0, n_gt_vals = 0, n_images = 0, n_images2 = 0, n_xywh = 0;
    float *pred = parity_load(r, fx, "pred", &n_pred_vals);
    float *gt = parity_load(r, fx, "gt", &n_gt_vals);
    float *xywhn = parity_load(r, fx, "gt_xywhn", &n_xywh);
    double *pred_count = parity_load_f64(r, fx, "pred_count", &n_images);
    double *gt_count = parity_load_f64(r, fx, "gt_count", &n_images2);
    char **names = load_names(fx, nc);
    YcMetrics *m = NULL;
    YcMetricsResult res = {0};
    int *pred_n = NULL, *gt_n = NULL;
    if (!pred || !gt || !xywhn || !pred_count || !gt_count || n_images != n_images2 || !names) {
        parity_fail(r, "fixture tensors missing or inconsistent");
        goto done;
    }
    int images = (int)n_images;
    pred_n = malloc(n_images * sizeof(int) + 1);
    gt_n = malloc(n_images * sizeof(int) + 1);
    size_t total_pred = 0, total_gt = 0;
    for (int i = 0; i < images; i++) {
        pred_n[i] = (int)pred_count[i];
        gt_n[i] = (int)gt_count[i];
        total_pred += (size_t)pred_n[i];
        total_gt += (size_t)gt_n[i];
    }
    if (total_pred * 6 != n_pred_vals || total_gt * 5 != n_gt_vals || total_gt * 4 != n_xywh) {
        parity_fail(r, "pred/gt sizes do not match their counts");
        goto done;
    }

    /* Ground truth in input pixels, as the reference's _prepare_batch. */
    {
        float *cls = malloc((total_gt + 1) * sizeof(float)), *rows = malloc((total_gt + 1) * 5 * sizeof(float));
        for (size_t i = 0; i < total_gt; i++) cls[i] = gt[i * 5];
        yc_val_gt_rows(cls, xywhn, (int)total_gt, in_w, in_h, rows);
        double *a = malloc((total_gt * 5 + 1) * sizeof(double)), *b = malloc((total_gt * 5 + 1) * sizeof(double));
        for (size_t i = 0; i < total_gt * 5; i++) {
            a[i] = rows[i];
            b[i] = gt[i];
        }
        parity_compare_f64(r, "metrics.gt_rows", "gt", a, b, total_gt * 5, 0, PARITY_ABS);
        free(cls);
        free(rows);
        free(a);
        free(b);
    }

    /* Per-prediction matches at the ten thresholds. */
    {
        double *got = malloc((total_pred * 10 + 1) * sizeof(double));
        uint16_t *bits = malloc((total_pred + 1) * sizeof(uint16_t));
        size_t po = 0, go = 0;
        for (int i = 0; i < images; i++) {
            void *scratch = malloc(yc_metrics_match_scratch_bytes(pred_n[i], gt_n[i]));
            yc_metrics_match(pred + po * 6, pred_n[i], gt + go * 5, gt_n[i], scratch, bits + po);
            free(scratch);
            po += (size_t)pred_n[i];
            go += (size_t)gt_n[i];
        }
        for (size_t j = 0; j < total_pred; j++)
            for (int t = 0; t < 10; t++) got[j * 10 + (size_t)t] = (bits[j] >> t) & 1;
        size_t n = 0;
        double *want = parity_load_f64(r, fx, "want/tp", &n);
        if (want && n == total_pred * 10) parity_compare_f64(r, "metrics.tp", "tp", got, want, n, 0, PARITY_ABS);
        else if (want) parity_fail(r, "want/tp has %zu values, want %zu", n, total_pred * 10);
        free(want);
        free(got);
        free(bits);
    }

    YcErr err;
    m = yc_metrics_begin(nc, (const char *const *)names, conf, &err);
    if (!m) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }
    size_t po = 0, go = 0;
    for (int i = 0; i < images; i++) {
        if (yc_metrics_add_image(m, pred + po * 6, pred_n[i], gt + go * 5, gt_n[i], &err)) {
            parity_fail(r, "%s", err.msg);
            goto done;
        }
        po += (size_t)pred_n[i];
        go += (size_t)gt_n[i];
    }
    if (yc_metrics_finish(m, &res, &err)) {
        parity_fail(r, "%s", err.msg);
        goto done;
    }

    size_t k = 0;
    double *want_index = parity_load_f64(r, fx, "want/class_index", &k);
    if (want_index && (int)k != res.k) {
        parity_fail(r, "%d classes with labels, want %zu", res.k, k);
    } else if (want_index) {
        double *got = malloc((size_t)(res.k + 1) * 10 * sizeof(double));
        for (int i = 0; i < res.k; i++) got[i] = res.class_index[i];
        parity_compare_f64(r, "metrics.counts", "class_index", got, want_index, k, 0, PARITY_ABS);
        struct {
            const char *name;
            const double *values;
            size_t per_row;
            const char *group;
        } rows[] = {
            {"want/ap", res.ap, 10, "metrics.ap"},
            {"want/p", res.p, 1, "metrics.p_r_f1"},
            {"want/r", res.r, 1, "metrics.p_r_f1"},
            {"want/f1", res.f1, 1, "metrics.p_r_f1"},
            {"want/p_curve", res.p_curve, 1000, "metrics.curves"},
            {"want/r_curve", res.r_curve, 1000, "metrics.curves"},
            {"want/f1_curve", res.f1_curve, 1000, "metrics.curves"},
        };
        for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++) {
            size_t n = 0;
            double *want = parity_load_f64(r, fx, rows[t].name, &n);
            if (want && n == k * rows[t].per_row)
                parity_compare_f64(r, rows[t].group, rows[t].name + 5, rows[t].values, want, n, TOL, PARITY_ABS);
            else if (want) parity_fail(r, "%s has %zu values, want %zu", rows[t].name, n, k * rows[t].per_row);
            free(want);
        }
        /* the reference keeps PR rows only for classes with predictions */
        size_t kp = 0, n = 0;
        double *prec_class = parity_load_f64(r, fx, "want/prec_class", &kp);
        double *prec = parity_load_f64(r, fx, "want/prec_values", &n);
        if (prec && prec_class && n == (kp ? kp : 1) * 1000) {
            int ci = 0;
            for (size_t j = 0; j < kp; j++) {
                while (ci < res.k && res.class_index[ci] != (int)prec_class[j]) ci++;
                if (ci == res.k) {
                    parity_fail(r, "prec_values class %g is not a class with labels", prec_class[j]);
                    break;
                }
                parity_compare_f64(r, "metrics.curves", "prec_values", res.pr_curve + (size_t)ci * 1000,
                                   prec + j * 1000, 1000, TOL, PARITY_ABS);
            }
        } else if (prec && prec_class) {
            parity_fail(r, "prec_values has %zu values for %zu classes", n, kp);
        }
        free(prec_class);
        free(prec);
        free(got);
    }
    free(want_index);
    {
        double got[5] = {res.precision, res.recall, res.map50, res.map50_95, res.fitness};
        size_t n = 0;
        double *want = parity_load_f64(r, fx, "want/mean", &n);
        if (want && n == 5) parity_compare_f64(r, "metrics.mean", "mp_mr_map50_map_fitness", got, want, 5, TOL, PARITY_ABS);
        free(want);
        double *px = parity_load_f64(r, fx, "want/px", &n);
        if (px && n == 1000) parity_compare_f64(r, "metrics.curves", "px", res.curve_x, px, 1000, 0, PARITY_ABS);
        free(px);
    }
    {
        double *nt_class = calloc((size_t)nc, sizeof(double)), *nt_image = calloc((size_t)nc, sizeof(double));
        for (int i = 0; i < res.k; i++) {
            nt_class[res.class_index[i]] = (double)res.class_instances[i];
            nt_image[res.class_index[i]] = (double)res.class_images[i];
        }
        size_t n1 = 0, n2 = 0, n3 = 0;
        double *w1 = parity_load_f64(r, fx, "want/nt_per_class", &n1);
        double *w2 = parity_load_f64(r, fx, "want/nt_per_image", &n2);
        double *w3 = parity_load_f64(r, fx, "want/confusion", &n3);
        if (w1 && n1 == (size_t)nc) parity_compare_f64(r, "metrics.counts", "nt_per_class", nt_class, w1, n1, 0, PARITY_ABS);
        if (w2 && n2 == (size_t)nc) parity_compare_f64(r, "metrics.counts", "nt_per_image", nt_image, w2, n2, 0, PARITY_ABS);
        if (w3 && n3 == (size_t)(nc + 1) * (nc + 1))
            parity_compare_f64(r, "metrics.confusion", "confusion", res.confusion, w3, n3, 0, PARITY_ABS);
        else if (w3) parity_fail(r, "want/confusion has %zu values", n3);
        free(w1);
        free(w2);
        free(w3);
        free(nt_class);
        free(nt_image);
    }
    {
        const char *want = yc_st_meta(fx, "table");
        YcStr table;
        yc_str_init(&table);
        yc_metrics_table_header(&table);
        yc_metrics_table_rows(&res, verbose && nc > 1, &table);
        if (want) compare_text(r, "table", yc_str_cstr(&table), want);
        yc_str_free(&table);
    }
    check_predictions_json(fx, r, pred, pred_n, images);

done:
    yc_metrics_result_free(&res);
    yc_metrics_free(m);
    if (names)
        for (int i = 0; i < nc; i++) free(names[i]);
    free(names);
    free(pred);
    free(gt);
    free(xywhn);
    free(pred_count);
    free(gt_count);
    free(pred_n);
    free(gt_n);
    return r->failures ? -1 : 0;
}
