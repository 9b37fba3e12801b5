/* validation.json reading (see validation_json.h). */
#include "validation_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

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

static double number_or_nan(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Copies a numeric array of exactly n items (null items read as NaN). */
static int read_array(const cJSON *arr, int n, double *out, const char *path, const char *key, YcErr *err) {
    if (!cJSON_IsArray(arr)) return yc_err(err, "%s: '%s' must be an array", path, key);
    int len = cJSON_GetArraySize(arr);
    if (len != n) return yc_err(err, "%s: '%s' has %d values, expected %d", path, key, len, n);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr) {
        if (cJSON_IsNumber(item)) out[i] = item->valuedouble;
        else if (cJSON_IsNull(item)) out[i] = NAN;
        else return yc_err(err, "%s: '%s'[%d] is not a number", path, key, i);
        i++;
    }
    return 0;
}

/* rows x cols numbers from an array of arrays, into a malloc'd block. */
static int read_matrix(const cJSON *arr, int rows, int cols, double **out, const char *path, const char *key,
                       YcErr *err) {
    if (!cJSON_IsArray(arr)) return yc_err(err, "%s: '%s' must be an array of arrays", path, key);
    if (cJSON_GetArraySize(arr) != rows)
        return yc_err(err, "%s: '%s' has %d rows, expected %d", path, key, cJSON_GetArraySize(arr), rows);
    *out = malloc((size_t)(rows > 0 ? rows : 1) * (size_t)(cols > 0 ? cols : 1) * sizeof(double));
    if (!*out) return yc_err(err, "%s: out of memory", path);
    int i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, arr) {
        char name[128];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        if (read_array(row, cols, *out + (size_t)i * (size_t)cols, path, name, err)) return -1;
        i++;
    }
    return 0;
}

static int parse(const cJSON *o, const char *path, YcValidation *v, YcErr *err) {
    if (number_or_nan(o, "version") != 1) return yc_err(err, "%s: 'version' must be 1", path);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(o, "names");
    if (!cJSON_IsArray(names)) return yc_err(err, "%s: 'names' must be an array of class names", path);
    v->nc = cJSON_GetArraySize(names);
    v->names = calloc((size_t)(v->nc ? v->nc : 1), sizeof *v->names);
    if (!v->names) return yc_err(err, "%s: out of memory", path);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, names) {
        if (!cJSON_IsString(item)) return yc_err(err, "%s: names[%d] is not a string", path, i);
        snprintf(v->names[i++], sizeof v->names[0], "%s", item->valuestring);
    }
    v->images = (int)number_or_nan(o, "images");
    v->instances = (int)number_or_nan(o, "instances");
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(o, "all");
    v->precision = number_or_nan(all, "precision");
    v->recall = number_or_nan(all, "recall");
    v->map50 = number_or_nan(all, "map50");
    v->map50_95 = number_or_nan(all, "map50_95");
    v->fitness = number_or_nan(all, "fitness");

    const cJSON *per_class = cJSON_GetObjectItemCaseSensitive(o, "per_class");
    if (!cJSON_IsArray(per_class)) return yc_err(err, "%s: 'per_class' must be an array", path);
    v->nrows = cJSON_GetArraySize(per_class);
    v->per_class = calloc((size_t)(v->nrows ? v->nrows : 1), sizeof *v->per_class);
    if (!v->per_class) return yc_err(err, "%s: out of memory", path);
    i = 0;
    cJSON_ArrayForEach(item, per_class) {
        YcValClass *c = &v->per_class[i];
        double cls = number_or_nan(item, "class");
        if (!(cls >= 0 && cls < v->nc)) return yc_err(err, "%s: per_class[%d].class is not a class index", path, i);
        c->cls = (int)cls;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        snprintf(c->name, sizeof c->name, "%s", cJSON_IsString(name) ? name->valuestring : v->names[c->cls]);
        c->images = (int)number_or_nan(item, "images");
        c->instances = (int)number_or_nan(item, "instances");
        c->precision = number_or_nan(item, "precision");
        c->recall = number_or_nan(item, "recall");
        c->ap50 = number_or_nan(item, "ap50");
        c->ap50_95 = number_or_nan(item, "ap50_95");
        i++;
    }

    const cJSON *curves = cJSON_GetObjectItemCaseSensitive(o, "curves");
    if (curves) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(curves, "x");
        if (!cJSON_IsArray(x)) return yc_err(err, "%s: 'curves.x' must be an array", path);
        v->npoints = cJSON_GetArraySize(x);
        v->x = malloc((size_t)(v->npoints ? v->npoints : 1) * sizeof(double));
        if (!v->x) return yc_err(err, "%s: out of memory", path);
        if (read_array(x, v->npoints, v->x, path, "curves.x", err)) return -1;
        const char *keys[4] = {"pr", "f1", "p", "r"};
        double **dst[4] = {&v->pr, &v->f1, &v->p, &v->r};
        for (int k = 0; k < 4; k++) {
            char key[32];
            snprintf(key, sizeof key, "curves.%s", keys[k]);
            if (read_matrix(cJSON_GetObjectItemCaseSensitive(curves, keys[k]), v->nrows, v->npoints, dst[k], path,
                            key, err))
                return -1;
        }
    }

    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "pr_counts");
    if (counts) {
        double t = number_or_nan(counts, "thresholds");
        if (!(t >= 2 && t <= 100000)) return yc_err(err, "%s: 'pr_counts.thresholds' must be a count >= 2", path);
        v->thresholds = (int)t;
        if (read_matrix(cJSON_GetObjectItemCaseSensitive(counts, "tp"), v->nrows, v->thresholds, &v->tp, path,
                        "pr_counts.tp", err) ||
            read_matrix(cJSON_GetObjectItemCaseSensitive(counts, "fp"), v->nrows, v->thresholds, &v->fp, path,
                        "pr_counts.fp", err))
            return -1;
    }

    const cJSON *confusion = cJSON_GetObjectItemCaseSensitive(o, "confusion");
    if (confusion) {
        v->matrix_n = v->nc + 1;
        v->conf = number_or_nan(confusion, "conf");
        v->iou = number_or_nan(confusion, "iou");
        if (read_matrix(cJSON_GetObjectItemCaseSensitive(confusion, "matrix"), v->matrix_n, v->matrix_n, &v->matrix,
                        path, "confusion.matrix", err))
            return -1;
    }
    return 0;
}

int yc_validation_read(const char *path, YcValidation *v, YcErr *err) {
    memset(v, 0, sizeof *v);
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return -1;
    cJSON *o = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return yc_err(err, "%s: not a JSON object", path);
    }
    int rc = parse(o, path, v, err);
    cJSON_Delete(o);
    if (rc) yc_validation_free(v);
    return rc;
}
