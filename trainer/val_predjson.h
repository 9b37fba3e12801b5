/* predictions.json in COCO results format, written as the reference's
 * save_json does: one object per detection
 *   {"image_id": 42, "file_name": "42.jpg", "category_id": 18,
 *    "bbox": [258.15, 41.29, 348.26, 243.78], "score": 0.236}
 * with image_id = int(file stem) when the stem is all digits, else the stem;
 * category_id = class + 1, or the COCO 91-id category when the dataset is
 * COCO; bbox [x, y, w, h] in original-image pixels rounded to 3 decimals;
 * score rounded to 5. The file is written atomically when closed. */
#ifndef YC_VAL_PREDJSON_H
#define YC_VAL_PREDJSON_H

#include <stdbool.h>

#include "error.h"
#include "strbuf.h"

typedef struct YcPredJson YcPredJson;

/* coco91: map class indices with yc_coco80_to_91 (the dataset is COCO). */
YcPredJson *yc_predjson_open(const char *path, bool coco91, YcErr *err);

/* One image's detections: rows of 6 floats (x1 y1 x2 y2 conf cls) already
 * scaled to the original image (yc_val_scale_boxes). im_file: the image path. */
int yc_predjson_add(YcPredJson *w, const char *im_file, const float *rows, int n, YcErr *err);

/* Detections written so far. */
long yc_predjson_count(const YcPredJson *w);

/* Finishes the list and commits the file; frees w either way. With no
 * detections at all no file is written (the reference writes none then). */
int yc_predjson_close(YcPredJson *w, YcErr *err);

/* Drops the unfinished file and frees w. */
void yc_predjson_abort(YcPredJson *w);

/* The text of one image's objects, each preceded by ", " unless *first (then
 * *first becomes false). Returns -1 for a class without a category id. */
int yc_predjson_format(YcStr *out, bool *first, const char *im_file, const float *rows, int n, bool coco91,
                       YcErr *err);

#endif
