/* Importing datasets into the YOLO layout (dst/images/<split>/...,
 * dst/labels/<split>/<stem>.txt with `class cx cy w h` rows) plus a dataset
 * YAML, from Pascal VOC (XML per image, ImageSets/Main splits) or COCO
 * (instances JSON). Problems (degenerate boxes, unknown classes, missing
 * images) are reported by file and object and skipped; everything else is
 * kept. */
#ifndef YC_CONVERT_H
#define YC_CONVERT_H

#include <stdbool.h>

#include "error.h"

typedef struct YcConvertReport {
    int images;            /* images written */
    int boxes;             /* boxes written */
    int skipped_boxes;     /* reported and left out */
    int skipped_images;    /* reported and left out */
    int splits;            /* splits written */
    char split_names[8][32];
    int split_images[8];
    int nc;
    char yaml[4096];       /* the dataset YAML written */
    int message_count;
    char **messages;       /* one line per problem */
} YcConvertReport;

void yc_convert_report_free(YcConvertReport *r);

typedef struct YcConvertVocOptions {
    const char *src;       /* VOC root: Annotations/, JPEGImages/, ImageSets/Main/ */
    const char *dst;
    const char *yaml;      /* dataset YAML to write; NULL/"" = <dst>.yaml */
    const char *classes;   /* comma-separated class order; NULL/"" = sorted names found */
    bool keep_difficult;   /* the reference's VOC recipe drops difficult objects */
} YcConvertVocOptions;

/* Splits: train, val and test from ImageSets/Main/<split>.txt when present
 * (trainval is their union and is not written again); without ImageSets,
 * every annotation goes to train. Boxes follow the reference's VOC recipe:
 * centre = (min + max) / 2 - 1 (VOC pixels are 1-based), size = max - min,
 * normalised by the annotated image size. */
int yc_convert_voc(const YcConvertVocOptions *opt, YcConvertReport *report, YcErr *err);

typedef struct YcConvertCocoOptions {
    const char *src;       /* instances_<split>.json */
    const char *images;    /* directory the JSON's file_name entries are relative to */
    const char *dst;
    const char *split;     /* NULL/"" = from the JSON's name: contains "val" -> val, "test" -> test, else train */
    const char *yaml;      /* NULL/"" = <dst>.yaml */
} YcConvertCocoOptions;

/* Classes are the JSON's categories in id order (for COCO 2017: the 80
 * classes in the reference's order); crowd annotations are skipped, as the
 * reference skips them; images without boxes get an empty label file. The
 * YAML lists every split present under dst/images (val defaults to train). */
int yc_convert_coco(const YcConvertCocoOptions *opt, YcConvertReport *report, YcErr *err);

#endif
