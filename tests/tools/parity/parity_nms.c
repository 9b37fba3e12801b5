/* Fixture kind "nms": the reference's non_max_suppression on generated head
 * outputs, several option sets per input (metadata "cases"); kept rows and
 * their anchor indices must be identical. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nms.h"
#include "parity.h"

static void check_case(const YcSafetensors *fx, ParityReport *r, const cJSON *c, const float *pred, int batch,
                       int nc, int anchors) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    YcNmsOpts o;
    yc_nms_opts_val(&o);
    o.conf = cJSON_GetObjectItem(c, "conf")->valuedouble;
    o.iou = cJSON_GetObjectItem(c, "iou")->valuedouble;
    o.multi_label = cJSON_IsTrue(cJSON_GetObjectItem(c, "multi_label"));
    o.agnostic = cJSON_IsTrue(cJSON_GetObjectItem(c, "agnostic"));
    o.max_det = cJSON_GetObjectItem(c, "max_det")->valueint;
    o.max_nms = cJSON_GetObjectItem(c, "max_nms")->valueint;
    const cJSON *classes = cJSON_GetObjectItem(c, "classes");
    int class_list[256], n_classes = 0;
    for (const cJSON *it = classes ? classes->child : NULL; it && n_classes < 256; it = it->next)
        class_list[n_classes++] = it->valueint;
    if (n_classes) {
        o.classes = class_list;
        o.n_classes = n_classes;
    }
    char tname[200];
    size_t n_count = 0, n_rows = 0, n_index = 0;
    snprintf(tname, sizeof tname, "want/%s/count", name);
    double *want_count = parity_load_f64(r, fx, tname, &n_count);
    snprintf(tname, sizeof tname, "want/%s/rows", name);
    double *want_rows = parity_load_f64(r, fx, tname, &n_rows);
    snprintf(tname, sizeof tname, "want/%s/index", name);
    double *want_index = parity_load_f64(r, fx, tname, &n_index);
    YcNms *w = yc_nms_new();
    float *out = malloc((size_t)o.max_det * 6 * sizeof(float));
    int *idx = malloc((size_t)o.max_det * sizeof(int));
    double *got_rows = malloc(((size_t)batch * (size_t)o.max_det * 6 + 1) * sizeof(double));
    double *got_index = malloc(((size_t)batch * (size_t)o.max_det + 1) * sizeof(double));
    double *got_count = malloc(((size_t)batch + 1) * sizeof(double));
    size_t total = 0;
    if (!want_count || !want_rows || !want_index || n_count != (size_t)batch) {
        parity_fail(r, "case %s: expected tensors missing", name);
        goto done;
    }
    for (int b = 0; b < batch; b++) {
        YcErr err;
        int kept = yc_nms_image(w, pred + (size_t)b * (size_t)(4 + nc) * (size_t)anchors, nc, anchors, &o, out, idx,
                                &err);
        if (kept < 0) {
            parity_fail(r, "case %s: %s", name, err.msg);
            goto done;
        }
        got_count[b] = kept;
        for (int i = 0; i < kept; i++) {
            for (int k = 0; k < 6; k++) got_rows[(total + (size_t)i) * 6 + (size_t)k] = out[(size_t)i * 6 + (size_t)k];
            got_index[total + (size_t)i] = idx[i];
        }
        total += (size_t)kept;
    }
    snprintf(tname, sizeof tname, "%s/count", name);
    parity_compare_f64(r, "nms.count", tname, got_count, want_count, (size_t)batch, 0, PARITY_ABS);
    if (total * 6 != n_rows || total != n_index) {
        parity_fail(r, "case %s: kept %zu rows in all, want %zu", name, total, n_index);
    } else {
        snprintf(tname, sizeof tname, "%s/index", name);
        parity_compare_f64(r, "nms.index", tname, got_index, want_index, total, 0, PARITY_ABS);
        snprintf(tname, sizeof tname, "%s/rows", name);
        parity_compare_f64(r, "nms.rows", tname, got_rows, want_rows, total * 6, 0, PARITY_ABS);
    }
done:
    yc_nms_free(w);
    free(out);
    free(idx);
    free(got_rows);
    free(got_index);
    free(got_count);
    free(want_count);
    free(want_rows);
    free(want_index);
}

int parity_check_nms(const YcSafetensors *fx, ParityReport *r) {
    const YcStTensor *t = yc_st_find(fx, "pred");
    const char *cases_text = yc_st_meta(fx, "cases");
    if (!t || t->ndim != 3 || !cases_text) {
        parity_fail(r, "nms fixture needs pred [B, 4+nc, A] and metadata cases");
        return -1;
    }
    int batch = (int)t->shape[0], nc = (int)t->shape[1] - 4, anchors = (int)t->shape[2];
    float *pred = parity_load(r, fx, "pred", NULL);
    cJSON *cases = cJSON_Parse(cases_text);
    if (!pred || !cJSON_IsArray(cases)) parity_fail(r, "nms fixture: unreadable pred or cases");
    else
        for (const cJSON *c = cases->child; c; c = c->next) check_case(fx, r, c, pred, batch, nc, anchors);
    cJSON_Delete(cases);
    free(pred);
    return r->failures ? -1 : 0;
}
