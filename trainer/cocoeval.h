/* COCO box evaluation computed the way pycocotools' COCOeval (iouType
 * "bbox", default parameters) computes it: per image and category, detections
 * sorted by score (at most 100), greedy matching at IoU 0.50:0.05:0.95 against
 * ground truths sorted with the ignored ones last, crowd boxes matched by
 * intersection over the detection's area and never used up, area ranges
 * all/small/medium/large on the annotation's "area", maxDets 1/10/100, the
 * precision envelope read at 101 recall thresholds, -1 where undefined.
 *
 * Where pycocotools would crash, yoloc explains instead: a results file naming
 * an image absent from the ground truth is an error (pycocotools asserts), an
 * empty results list evaluates to zeros (pycocotools fails on it), mixed
 * numeric and text image ids are an error. Ground-truth annotations without
 * "iscrowd" count as not crowd, without "area" use the box's w * h. */
#ifndef YC_COCOEVAL_H
#define YC_COCOEVAL_H

#include "error.h"
#include "strbuf.h"

#define YC_COCO_STATS 12

/* "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl". */
extern const char *const yc_coco_stat_names[YC_COCO_STATS];

typedef struct YcCocoGt YcCocoGt;
typedef struct YcCocoDets YcCocoDets;

/* instances.json: "images" [{id}], "annotations" [{id, image_id, category_id,
 * bbox [x, y, w, h], area, iscrowd}], "categories" [{id}]. */
YcCocoGt *yc_coco_gt_load(const char *path, YcErr *err);
YcCocoGt *yc_coco_gt_parse(const char *json_text, const char *name, YcErr *err);
void yc_coco_gt_free(YcCocoGt *gt);

/* Results: [{image_id, category_id, bbox [x, y, w, h], score}, ...]. */
YcCocoDets *yc_coco_dets_load(const char *path, const YcCocoGt *gt, YcErr *err);
YcCocoDets *yc_coco_dets_parse(const char *json_text, const char *name, const YcCocoGt *gt, YcErr *err);
void yc_coco_dets_free(YcCocoDets *dt);

/* The twelve summary numbers, in yc_coco_stat_names order. */
int yc_cocoeval(const YcCocoGt *gt, const YcCocoDets *dt, double stats[YC_COCO_STATS], YcErr *err);

/* The twelve lines pycocotools' summarize() prints, e.g.
 * " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.373". */
void yc_cocoeval_summary(const double stats[YC_COCO_STATS], YcStr *out);

#endif
