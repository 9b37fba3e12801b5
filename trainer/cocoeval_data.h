/* What cocoeval_load.c reads and cocoeval.c evaluates (private to the two). */
#ifndef YC_COCOEVAL_DATA_H
#define YC_COCOEVAL_DATA_H

#include <stdbool.h>

#include "cocoeval.h"

typedef struct YcCocoImageId {
    bool is_text;
    long long num;
    char *text;
} YcCocoImageId;

typedef struct YcCocoBox {
    int image;       /* index into the sorted image ids */
    int cat;         /* index into the sorted category ids */
    double bbox[4];  /* x y w h */
    double area;
    double score;    /* detections */
    bool crowd;      /* ground truth */
    bool id_is_zero; /* ground truth: pycocotools counts a match with annotation id 0 as no match */
} YcCocoBox;

struct YcCocoGt {
    int n_images;
    YcCocoImageId *images; /* sorted, unique (numbers ascending, or text by code point) */
    bool text_ids;
    int n_cats;
    long long *cats;       /* sorted, unique */
    int n_anns;
    YcCocoBox *anns;       /* those of known images and categories, in file order */
};

struct YcCocoDets {
    int n;
    YcCocoBox *dets;       /* those of known categories, in file order */
};

#endif
