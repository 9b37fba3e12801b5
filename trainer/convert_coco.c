/* COCO instances JSON -> YOLO layout (see convert.h). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"
#include "data_files.h"
#include "fileio.h"

typedef struct CocoImage {
    double id;
    const char *file;
    double width, height;
    YcStr rows;
    int nrows;
} CocoImage;

typedef struct CocoCat {
    double id;
    const char *name;
} CocoCat;

static int cmp_cat(const void *a, const void *b) {
    double x = ((const CocoCat *)a)->id, y = ((const CocoCat *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_img(const void *a, const void *b) {
    double x = ((const CocoImage *)a)->id, y = ((const CocoImage *)b)->id;
    return x < y ? -1 : x > y;
}

static CocoImage *find_image(CocoImage *imgs, int n, double id) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (imgs[mid].id == id) return &imgs[mid];
        if (imgs[mid].id < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

static int find_cat(const CocoCat *cats, int n, double id) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cats[mid].id == id) return mid;
        if (cats[mid].id < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static bool number(const cJSON *o, const char *key, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return false;
    *out = v->valuedouble;
    return true;
}

static const char *string(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *split_from_name(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strstr(base, "val")) return "val";
    if (strstr(base, "test")) return "test";
    return "train";
}

int yc_convert_coco(const YcConvertCocoOptions *opt, YcConvertReport *r, YcErr *err) {
    memset(r, 0, sizeof *r);
    if (!opt->images || !*opt->images) return yc_err(err, "images: the directory holding the images is required (images=DIR)");
    if (!yc_dir_exists(opt->images)) return yc_err(err, "images: %s is not a directory", opt->images);
    const char *split = opt->split && *opt->split ? opt->split : split_from_name(opt->src);
    if (strcmp(split, "train") && strcmp(split, "val") && strcmp(split, "test"))
        return yc_err(err, "split: expected train, val or test, got '%s'", split);
    char *text = NULL;
    size_t size = 0;
    if (yc_read_file(opt->src, &text, &size, err)) return yc_err_prefix(err, "src");
    cJSON *root = cJSON_ParseWithLength(text, size);
    free(text);
    if (!root) return yc_err(err, "src: %s is not valid JSON", opt->src);
    int rc = 0;
    CocoCat *cats = NULL;
    CocoImage *imgs = NULL;
    char **names = NULL;
    int ncat = 0, nimg = 0;
    const cJSON *jcats = cJSON_GetObjectItemCaseSensitive(root, "categories");
    const cJSON *jimgs = cJSON_GetObjectItemCaseSensitive(root, "images");
    const cJSON *janns = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    if (!cJSON_IsArray(jcats) || !cJSON_IsArray(jimgs) || (janns && !cJSON_IsArray(janns))) {
        rc = yc_err(err, "src: %s lacks the COCO 'categories', 'images' and 'annotations' arrays", opt->src);
        goto done;
    }
    int n = cJSON_GetArraySize(jcats);
    cats = calloc((size_t)(n > 0 ? n : 1), sizeof *cats);
    if (!cats) {
        rc = yc_err(err, "out of memory");
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, jcats) {
        double id;
        const char *name = string(it, "name");
        if (!number(it, "id", &id) || !name) {
            yc_convert_note(r, "%s: a category without a numeric id and a name (skipped)", opt->src);
            continue;
        }
        cats[ncat].id = id;
        cats[ncat].name = name;
        ncat++;
    }
    qsort(cats, (size_t)ncat, sizeof *cats, cmp_cat);
    for (int i = 1; i < ncat; i++)
        if (cats[i].id == cats[i - 1].id) {
            rc = yc_err(err, "src: category id %g appears twice", cats[i].id);
            goto done;
        }
    if (ncat == 0) {
        rc = yc_err(err, "src: %s has no categories", opt->src);
        goto done;
    }
    n = cJSON_GetArraySize(jimgs);
    imgs = calloc((size_t)(n > 0 ? n : 1), sizeof *imgs);
    if (!imgs) {
        rc = yc_err(err, "out of memory");
        goto done;
    }
    cJSON_ArrayForEach(it, jimgs) {
        CocoImage *im = &imgs[nimg];
        const char *file = string(it, "file_name");
        if (!number(it, "id", &im->id) || !file || !number(it, "width", &im->width) || !number(it, "height", &im->height) ||
            im->width <= 0 || im->height <= 0) {
            yc_convert_note(r, "%s: image entry %s lacks id, file_name, width or height (skipped)", opt->src, file ? file : "?");
            r->skipped_images++;
            continue;
        }
        im->file = file;
        yc_str_init(&im->rows);
        nimg++;
    }
    qsort(imgs, (size_t)nimg, sizeof *imgs, cmp_img);
    int idx = 0, crowd = 0;
    cJSON_ArrayForEach(it, janns) {
        idx++;
        double image_id, cat_id, id = -1;
        number(it, "id", &id);
        const cJSON *bbox = cJSON_GetObjectItemCaseSensitive(it, "bbox");
        if (!number(it, "image_id", &image_id) || !number(it, "category_id", &cat_id) || !cJSON_IsArray(bbox) ||
            cJSON_GetArraySize(bbox) != 4) {
            yc_convert_note(r, "%s: annotation %d (id %g): missing image_id, category_id or a 4-number bbox (skipped)", opt->src,
                            idx, id);
            r->skipped_boxes++;
            continue;
        }
        const cJSON *crowd_flag = cJSON_GetObjectItemCaseSensitive(it, "iscrowd");
        if (crowd_flag && ((cJSON_IsNumber(crowd_flag) && crowd_flag->valuedouble != 0) || cJSON_IsTrue(crowd_flag))) {
            crowd++;
            continue;
        }
        CocoImage *im = find_image(imgs, nimg, image_id);
        int cls = find_cat(cats, ncat, cat_id);
        if (!im || cls < 0) {
            yc_convert_note(r, "%s: annotation %d (id %g): unknown %s %g (skipped)", opt->src, idx, id, im ? "category_id" : "image_id",
                            im ? cat_id : image_id);
            r->skipped_boxes++;
            continue;
        }
        double b[4];
        bool ok = true;
        for (int k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetArrayItem(bbox, k);
            ok = ok && cJSON_IsNumber(v) && isfinite(v->valuedouble);
            b[k] = ok ? v->valuedouble : 0;
        }
        if (!ok || b[2] <= 0 || b[3] <= 0) {
            yc_convert_note(r, "%s: annotation %d (id %g) of %s: degenerate bbox [%g, %g, %g, %g] (skipped)", opt->src, idx, id,
                            im->file, b[0], b[1], b[2], b[3]);
            r->skipped_boxes++;
            continue;
        }
        /* top-left corner + size -> centre, normalised (as the reference converts) */
        YcStr row;
        yc_str_init(&row);
        yc_convert_row(&row, cls, (b[0] + b[2] / 2) / im->width, (b[1] + b[3] / 2) / im->height, b[2] / im->width,
                       b[3] / im->height);
        const char *have = yc_str_cstr(&im->rows), *line = yc_str_cstr(&row);
        bool dup = false;
        for (const char *p = strstr(have, line); p && !dup; p = strstr(p + 1, line)) dup = p == have || p[-1] == '\n';
        if (dup) {
            yc_convert_note(r, "%s: annotation %d (id %g) of %s: duplicate box (skipped)", opt->src, idx, id, im->file);
            r->skipped_boxes++;
        } else {
            yc_str_append(&im->rows, line);
            im->nrows++;
        }
        yc_str_free(&row);
    }
    if (crowd) yc_convert_note(r, "%d crowd annotations left out (iscrowd), as the reference leaves them out", crowd);
    names = calloc((size_t)ncat, sizeof(char *));
    if (!names) {
        rc = yc_err(err, "out of memory");
        goto done;
    }
    for (int i = 0; i < ncat; i++) names[i] = (char *)cats[i].name;
    r->nc = ncat;
    char d1[4300], d2[4300];
    snprintf(d1, sizeof d1, "%s/images/%s", opt->dst, split);
    snprintf(d2, sizeof d2, "%s/labels/%s", opt->dst, split);
    if (yc_mkdirs(d1, err) || yc_mkdirs(d2, err)) {
        rc = -1;
        goto done;
    }
    for (int i = 0; i < nimg; i++) {
        CocoImage *im = &imgs[i];
        char src_img[4300], dst_img[4300], dst_lab[4300], stem[1024];
        snprintf(src_img, sizeof src_img, "%s/%s", opt->images, im->file);
        const char *base = strrchr(im->file, '/');
        base = base ? base + 1 : im->file;
        if (!yc_file_exists(src_img)) {
            yc_convert_note(r, "%s: image %s not found (image and its %d boxes skipped)", opt->src, src_img, im->nrows);
            r->skipped_images++;
            r->skipped_boxes += im->nrows;
            continue;
        }
        yc_convert_stem(base, stem, sizeof stem);
        snprintf(dst_img, sizeof dst_img, "%s/%s", d1, base);
        snprintf(dst_lab, sizeof dst_lab, "%s/%s.txt", d2, stem);
        if (im->rows.failed) {
            rc = yc_err(err, "out of memory");
            goto done;
        }
        if (yc_convert_copy(src_img, dst_img, err) ||
            yc_write_file_atomic(dst_lab, im->rows.data ? im->rows.data : "", im->rows.len, err)) {
            rc = -1;
            goto done;
        }
        r->images++;
        r->boxes += im->nrows;
    }
    yc_convert_record_split(r, split, r->images);
    char yaml[4300], source[4400];
    if (opt->yaml && *opt->yaml) snprintf(yaml, sizeof yaml, "%s", opt->yaml);
    else yc_convert_default_yaml(opt->dst, yaml, sizeof yaml);
    snprintf(source, sizeof source, "COCO (%s)", opt->src);
    rc = yc_convert_write_yaml(yaml, opt->dst, names, ncat, source, r, err);
done:
    for (int i = 0; i < nimg; i++) yc_str_free(&imgs[i].rows);
    free(imgs);
    free(cats);
    free(names);
    cJSON_Delete(root);
    return rc;
}
