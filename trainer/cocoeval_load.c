/* Reading COCO ground truth and detection results (cJSON), with errors that
 * name the file, the list index and the key. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cocoeval_data.h"
#include "fileio.h"

static int id_compare(const YcCocoImageId *a, const YcCocoImageId *b) {
    if (a->is_text) return strcmp(a->text, b->text); /* UTF-8 byte order is code point order */
    return a->num < b->num ? -1 : a->num > b->num;
}

static int id_qsort(const void *a, const void *b) { return id_compare(a, b); }

static int ll_qsort(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* An integral JSON number (1 and 1.0 alike, as Python's dict keys). */
static bool integral(const cJSON *v, long long *out) {
    if (!cJSON_IsNumber(v)) return false;
    double d = v->valuedouble;
    if (!(fabs(d) < 9007199254740992.0) || d != floor(d)) return false;
    *out = (long long)d;
    return true;
}

/* An image id as a key; -1 with err when it is neither an integer nor a string. */
static int read_image_id(const cJSON *v, YcCocoImageId *id, const char *where, YcErr *err) {
    memset(id, 0, sizeof *id);
    if (cJSON_IsString(v)) {
        id->is_text = true;
        id->text = v->valuestring;
        return 0;
    }
    if (integral(v, &id->num)) return 0;
    return yc_err(err, "%s: image_id must be an integer or a string", where);
}

static int find_image(const YcCocoGt *gt, const YcCocoImageId *id) {
    if (id->is_text != gt->text_ids) return -1;
    int lo = 0, hi = gt->n_images - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = id_compare(&gt->images[mid], id);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int find_cat(const YcCocoGt *gt, long long cat) {
    int lo = 0, hi = gt->n_cats - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (gt->cats[mid] == cat) return mid;
        if (gt->cats[mid] < cat) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int read_bbox(const cJSON *obj, double bbox[4], const char *where, YcErr *err) {
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, "bbox");
    if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 4)
        return yc_err(err, "%s: bbox must be a list of 4 numbers [x, y, w, h]", where);
    int i = 0;
    for (const cJSON *v = b->child; v; v = v->next, i++) {
        if (!cJSON_IsNumber(v)) return yc_err(err, "%s: bbox must be a list of 4 numbers [x, y, w, h]", where);
        bbox[i] = v->valuedouble;
    }
    return 0;
}

void yc_coco_gt_free(YcCocoGt *gt) {
    if (!gt) return;
    for (int i = 0; i < gt->n_images; i++) free(gt->images[i].text);
    free(gt->images);
    free(gt->cats);
    free(gt->anns);
    free(gt);
}

static YcCocoGt *gt_fail(YcCocoGt *gt, cJSON *root) {
    cJSON_Delete(root);
    yc_coco_gt_free(gt);
    return NULL;
}

YcCocoGt *yc_coco_gt_parse(const char *json_text, const char *name, YcErr *err) {
    cJSON *root = cJSON_Parse(json_text);
    YcCocoGt *gt = calloc(1, sizeof *gt);
    char where[512];
    if (!gt) {
        yc_err(err, "%s: out of memory", name);
        return gt_fail(gt, root);
    }
    if (!root) {
        yc_err(err, "%s: not valid JSON", name);
        return gt_fail(gt, root);
    }
    if (!cJSON_IsObject(root)) {
        yc_err(err, "%s: not a COCO ground-truth file (a JSON object with images, annotations, categories)", name);
        return gt_fail(gt, root);
    }
    const cJSON *images = cJSON_GetObjectItemCaseSensitive(root, "images");
    const cJSON *anns = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(root, "categories");
    const char *missing = !cJSON_IsArray(images) ? "images" : !cJSON_IsArray(anns) ? "annotations"
                          : !cJSON_IsArray(cats) ? "categories" : NULL;
    if (missing) {
        yc_err(err, "%s: the key \"%s\" must hold a list", name, missing);
        return gt_fail(gt, root);
    }

    int n = cJSON_GetArraySize(images), i = 0;
    gt->images = calloc((size_t)(n ? n : 1), sizeof *gt->images);
    if (!gt->images) {
        yc_err(err, "%s: out of memory", name);
        return gt_fail(gt, root);
    }
    for (const cJSON *im = images->child; im; im = im->next, i++) {
        snprintf(where, sizeof where, "%s: images[%d]", name, i);
        YcCocoImageId id;
        if (read_image_id(cJSON_GetObjectItemCaseSensitive(im, "id"), &id, where, err)) {
            if (!cJSON_GetObjectItemCaseSensitive(im, "id")) yc_err(err, "%s: has no id", where);
            return gt_fail(gt, root);
        }
        if (i > 0 && id.is_text != gt->text_ids) {
            yc_err(err, "%s: image ids mix numbers and strings", where);
            return gt_fail(gt, root);
        }
        gt->text_ids = id.is_text;
        if (id.is_text && !(id.text = strdup(id.text))) {
            yc_err(err, "%s: out of memory", name);
            return gt_fail(gt, root);
        }
        gt->images[gt->n_images++] = id;
    }
    qsort(gt->images, (size_t)gt->n_images, sizeof *gt->images, id_qsort);
    int u = 0;
    for (int j = 0; j < gt->n_images; j++) {
        if (u > 0 && id_compare(&gt->images[u - 1], &gt->images[j]) == 0) {
            free(gt->images[j].text);
            continue;
        }
        gt->images[u++] = gt->images[j];
    }
    gt->n_images = u;

    n = cJSON_GetArraySize(cats);
    gt->cats = calloc((size_t)(n ? n : 1), sizeof *gt->cats);
    if (!gt->cats) {
        yc_err(err, "%s: out of memory", name);
        return gt_fail(gt, root);
    }
    i = 0;
    for (const cJSON *c = cats->child; c; c = c->next, i++) {
        long long id;
        if (!integral(cJSON_GetObjectItemCaseSensitive(c, "id"), &id)) {
            yc_err(err, "%s: categories[%d]: id must be an integer", name, i);
            return gt_fail(gt, root);
        }
        gt->cats[gt->n_cats++] = id;
    }
    qsort(gt->cats, (size_t)gt->n_cats, sizeof *gt->cats, ll_qsort);
    u = 0;
    for (int j = 0; j < gt->n_cats; j++)
        if (u == 0 || gt->cats[u - 1] != gt->cats[j]) gt->cats[u++] = gt->cats[j];
    gt->n_cats = u;

    n = cJSON_GetArraySize(anns);
    gt->anns = calloc((size_t)(n ? n : 1), sizeof *gt->anns);
    if (!gt->anns) {
        yc_err(err, "%s: out of memory", name);
        return gt_fail(gt, root);
    }
    i = 0;
    for (const cJSON *a = anns->child; a; a = a->next, i++) {
        snprintf(where, sizeof where, "%s: annotations[%d]", name, i);
        YcCocoBox box = {0};
        YcCocoImageId img;
        long long cat, id;
        const cJSON *img_v = cJSON_GetObjectItemCaseSensitive(a, "image_id");
        if (!img_v) {
            yc_err(err, "%s: has no image_id", where);
            return gt_fail(gt, root);
        }
        if (read_image_id(img_v, &img, where, err)) return gt_fail(gt, root);
        if (!integral(cJSON_GetObjectItemCaseSensitive(a, "category_id"), &cat)) {
            yc_err(err, "%s: category_id must be an integer", where);
            return gt_fail(gt, root);
        }
        if (!integral(cJSON_GetObjectItemCaseSensitive(a, "id"), &id)) {
            yc_err(err, "%s: id must be an integer", where);
            return gt_fail(gt, root);
        }
        if (read_bbox(a, box.bbox, where, err)) return gt_fail(gt, root);
        const cJSON *area = cJSON_GetObjectItemCaseSensitive(a, "area");
        const cJSON *crowd = cJSON_GetObjectItemCaseSensitive(a, "iscrowd");
        if (area && !cJSON_IsNumber(area)) {
            yc_err(err, "%s: area must be a number", where);
            return gt_fail(gt, root);
        }
        if (crowd && !cJSON_IsNumber(crowd) && !cJSON_IsBool(crowd)) {
            yc_err(err, "%s: iscrowd must be 0 or 1", where);
            return gt_fail(gt, root);
        }
        box.area = area ? area->valuedouble : box.bbox[2] * box.bbox[3];
        box.crowd = crowd && (cJSON_IsTrue(crowd) || (cJSON_IsNumber(crowd) && crowd->valuedouble != 0));
        box.id_is_zero = id == 0;
        box.image = find_image(gt, &img);
        box.cat = find_cat(gt, cat);
        if (box.image < 0 || box.cat < 0) continue; /* pycocotools evaluates only listed images and categories */
        gt->anns[gt->n_anns++] = box;
    }
    cJSON_Delete(root);
    return gt;
}

YcCocoGt *yc_coco_gt_load(const char *path, YcErr *err) {
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return NULL;
    YcCocoGt *gt = yc_coco_gt_parse(text, path, err);
    free(text);
    return gt;
}

void yc_coco_dets_free(YcCocoDets *dt) {
    if (!dt) return;
    free(dt->dets);
    free(dt);
}

YcCocoDets *yc_coco_dets_parse(const char *json_text, const char *name, const YcCocoGt *gt, YcErr *err) {
    cJSON *root = cJSON_Parse(json_text);
    YcCocoDets *dt = calloc(1, sizeof *dt);
    char where[512];
    if (!dt || !cJSON_IsArray(root)) {
        if (dt && !root) yc_err(err, "%s: not valid JSON", name);
        else if (dt) yc_err(err, "%s: not a COCO results file (a JSON list of {image_id, category_id, bbox, score})", name);
        else yc_err(err, "%s: out of memory", name);
        cJSON_Delete(root);
        yc_coco_dets_free(dt);
        return NULL;
    }
    int n = cJSON_GetArraySize(root), i = 0;
    dt->dets = calloc((size_t)(n ? n : 1), sizeof *dt->dets);
    if (!dt->dets) {
        yc_err(err, "%s: out of memory", name);
        goto fail;
    }
    for (const cJSON *d = root->child; d; d = d->next, i++) {
        snprintf(where, sizeof where, "%s: [%d]", name, i);
        YcCocoBox box = {0};
        YcCocoImageId img;
        long long cat;
        const cJSON *img_v = cJSON_GetObjectItemCaseSensitive(d, "image_id");
        const cJSON *score = cJSON_GetObjectItemCaseSensitive(d, "score");
        if (!cJSON_IsObject(d)) {
            yc_err(err, "%s: is not an object", where);
            goto fail;
        }
        if (!img_v) {
            yc_err(err, "%s: has no image_id", where);
            goto fail;
        }
        if (read_image_id(img_v, &img, where, err)) goto fail;
        if (!integral(cJSON_GetObjectItemCaseSensitive(d, "category_id"), &cat)) {
            yc_err(err, "%s: category_id must be an integer", where);
            goto fail;
        }
        if (read_bbox(d, box.bbox, where, err)) goto fail;
        if (!cJSON_IsNumber(score)) {
            yc_err(err, "%s: score must be a number", where);
            goto fail;
        }
        box.score = score->valuedouble;
        box.area = box.bbox[2] * box.bbox[3];
        box.image = find_image(gt, &img);
        if (box.image < 0) {
            if (img.is_text) yc_err(err, "%s: image_id \"%s\" is not an image of the ground truth", where, img.text);
            else yc_err(err, "%s: image_id %lld is not an image of the ground truth", where, img.num);
            goto fail;
        }
        box.cat = find_cat(gt, cat);
        if (box.cat < 0) continue; /* categories absent from the ground truth are not evaluated */
        dt->dets[dt->n++] = box;
    }
    cJSON_Delete(root);
    return dt;
fail:
    cJSON_Delete(root);
    yc_coco_dets_free(dt);
    return NULL;
}

YcCocoDets *yc_coco_dets_load(const char *path, const YcCocoGt *gt, YcErr *err) {
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return NULL;
    YcCocoDets *dt = yc_coco_dets_parse(text, path, gt, err);
    free(text);
    return dt;
}
