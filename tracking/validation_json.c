/* validation.json reading (see validation_json.h), on json_lite: numbers are
 * converted only for the parts asked for. */
#include "validation_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_lite.h"

void yc_validation_free(YcValidation *v) {
    free(v->names);
    free(v->per_class);
    free(v->x);
    free(v->pr);
    free(v->f1);
    free(v->p);
    free(v->r);
    free(v->tp);
    free(v->fp);
    free(v->matrix);
    memset(v, 0, sizeof *v);
}

static double number_or_nan(const YjNode *o, const char *key) { return yj_number(yj_get(o, key)); }

/* Copies a numeric array of exactly n items (null items read as NaN). */
static int read_array(const YjNode *arr, int n, double *out, const char *path, const char *key, YcErr *err) {
    if (!yj_is(arr, YJ_ARRAY)) return yc_err(err, "%s: '%s' must be an array", path, key);
    if (arr->count != n) return yc_err(err, "%s: '%s' has %d values, expected %d", path, key, arr->count, n);
    int i = 0;
    for (const YjNode *item = arr->child; item; item = item->next, i++) {
        if (item->type == YJ_NUMBER) out[i] = yj_number(item);
        else if (item->type == YJ_NULL) out[i] = NAN;
        else return yc_err(err, "%s: '%s'[%d] is not a number", path, key, i);
    }
    return 0;
}

/* rows x cols numbers from an array of arrays, into a malloc'd block. */
static int read_matrix(const YjNode *arr, int rows, int cols, double **out, const char *path, const char *key,
                       YcErr *err) {
    if (!yj_is(arr, YJ_ARRAY)) return yc_err(err, "%s: '%s' must be an array of arrays", path, key);
    if (arr->count != rows) return yc_err(err, "%s: '%s' has %d rows, expected %d", path, key, arr->count, rows);
    *out = malloc((size_t)(rows > 0 ? rows : 1) * (size_t)(cols > 0 ? cols : 1) * sizeof(double));
    if (!*out) return yc_err(err, "%s: out of memory", path);
    int i = 0;
    for (const YjNode *row = arr->child; row; row = row->next, i++) {
        char name[128];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        if (read_array(row, cols, *out + (size_t)i * (size_t)cols, path, name, err)) return -1;
    }
    return 0;
}

static int parse(const YjNode *o, const char *path, unsigned parts, YcValidation *v, YcErr *err) {
    if (!yj_is(o, YJ_OBJECT)) return yc_err(err, "%s: not a JSON object", path);
    if (number_or_nan(o, "version") != 1) return yc_err(err, "%s: 'version' must be 1", path);
    const YjNode *names = yj_get(o, "names");
    if (!yj_is(names, YJ_ARRAY)) return yc_err(err, "%s: 'names' must be an array of class names", path);
    v->nc = names->count;
    v->names = calloc((size_t)(v->nc ? v->nc : 1), sizeof *v->names);
    if (!v->names) return yc_err(err, "%s: out of memory", path);
    int i = 0;
    for (const YjNode *item = names->child; item; item = item->next, i++)
        if (!yj_string(item, v->names[i], sizeof v->names[i])) return yc_err(err, "%s: names[%d] is not a string", path, i);
    v->images = (int)number_or_nan(o, "images");
    v->instances = (int)number_or_nan(o, "instances");
    const YjNode *all = yj_get(o, "all");
    v->precision = number_or_nan(all, "precision");
    v->recall = number_or_nan(all, "recall");
    v->map50 = number_or_nan(all, "map50");
    v->map50_95 = number_or_nan(all, "map50_95");
    v->fitness = number_or_nan(all, "fitness");

    const YjNode *per_class = yj_get(o, "per_class");
    if (!yj_is(per_class, YJ_ARRAY)) return yc_err(err, "%s: 'per_class' must be an array", path);
    v->nrows = per_class->count;
    v->per_class = calloc((size_t)(v->nrows ? v->nrows : 1), sizeof *v->per_class);
    if (!v->per_class) return yc_err(err, "%s: out of memory", path);
    i = 0;
    for (const YjNode *item = per_class->child; item; item = item->next, i++) {
        YcValClass *c = &v->per_class[i];
        double cls = number_or_nan(item, "class");
        if (!(cls >= 0 && cls < v->nc)) return yc_err(err, "%s: per_class[%d].class is not a class index", path, i);
        c->cls = (int)cls;
        if (!yj_string(yj_get(item, "name"), c->name, sizeof c->name))
            snprintf(c->name, sizeof c->name, "%s", v->names[c->cls]);
        c->images = (int)number_or_nan(item, "images");
        c->instances = (int)number_or_nan(item, "instances");
        c->precision = number_or_nan(item, "precision");
        c->recall = number_or_nan(item, "recall");
        c->ap50 = number_or_nan(item, "ap50");
        c->ap50_95 = number_or_nan(item, "ap50_95");
    }

    const YjNode *curves = yj_get(o, "curves");
    if (curves && (parts & (YC_VAL_PR | YC_VAL_F1 | YC_VAL_P | YC_VAL_R))) {
        const YjNode *x = yj_get(curves, "x");
        if (!yj_is(x, YJ_ARRAY)) return yc_err(err, "%s: 'curves.x' must be an array", path);
        v->npoints = x->count;
        v->x = malloc((size_t)(v->npoints ? v->npoints : 1) * sizeof(double));
        if (!v->x) return yc_err(err, "%s: out of memory", path);
        if (read_array(x, v->npoints, v->x, path, "curves.x", err)) return -1;
        const char *keys[4] = {"pr", "f1", "p", "r"};
        const unsigned bits[4] = {YC_VAL_PR, YC_VAL_F1, YC_VAL_P, YC_VAL_R};
        double **dst[4] = {&v->pr, &v->f1, &v->p, &v->r};
        for (int k = 0; k < 4; k++) {
            if (!(parts & bits[k])) continue;
            char key[32];
            snprintf(key, sizeof key, "curves.%s", keys[k]);
            if (read_matrix(yj_get(curves, keys[k]), v->nrows, v->npoints, dst[k], path, key, err)) return -1;
        }
    }

    const YjNode *counts = yj_get(o, "pr_counts");
    if (counts && (parts & YC_VAL_COUNTS)) {
        double t = number_or_nan(counts, "thresholds");
        if (!(t >= 2 && t <= 100000)) return yc_err(err, "%s: 'pr_counts.thresholds' must be a count >= 2", path);
        v->thresholds = (int)t;
        if (read_matrix(yj_get(counts, "tp"), v->nrows, v->thresholds, &v->tp, path, "pr_counts.tp", err) ||
            read_matrix(yj_get(counts, "fp"), v->nrows, v->thresholds, &v->fp, path, "pr_counts.fp", err))
            return -1;
    }

    const YjNode *confusion = yj_get(o, "confusion");
    if (confusion && (parts & YC_VAL_CONFUSION)) {
        v->matrix_n = v->nc + 1;
        v->conf = number_or_nan(confusion, "conf");
        v->iou = number_or_nan(confusion, "iou");
        if (read_matrix(yj_get(confusion, "matrix"), v->matrix_n, v->matrix_n, &v->matrix, path, "confusion.matrix",
                        err))
            return -1;
    }
    return 0;
}

int yc_validation_read_parts(const char *path, unsigned parts, YcValidation *v, YcErr *err) {
    memset(v, 0, sizeof *v);
    YjDoc doc;
    if (yj_parse_file(&doc, path, err)) return -1;
    int rc = parse(doc.root, path, parts, v, err);
    yj_free(&doc);
    if (rc) yc_validation_free(v);
    return rc;
}

int yc_validation_read(const char *path, YcValidation *v, YcErr *err) {
    return yc_validation_read_parts(path, YC_VAL_ALL, v, err);
}
