/* Reading validation.json (docs/ARCHITECTURE.md, "validation.json (version 1)"),
 * which the validator writes; the curve plots, confusion matrices and PR-curve
 * summaries render from it. Every array is checked for its length, so a
 * malformed file gives an error naming the key, never a wrong plot. */
#ifndef YC_VALIDATION_JSON_H
#define YC_VALIDATION_JSON_H

#include "error.h"

typedef struct YcValClass {
    int cls;
    char name[128];
    int images, instances;
    double precision, recall, ap50, ap50_95;
} YcValClass;

typedef struct YcValidation {
    int nc;                    /* len(names) */
    char (*names)[128];
    int images, instances;
    double precision, recall, map50, map50_95, fitness;
    int nrows;                 /* classes with ground truth (per_class) */
    YcValClass *per_class;
    int npoints;               /* curve points (x), 0 when there are no curves */
    double *x;                 /* [npoints] */
    double *pr, *f1, *p, *r;   /* [nrows][npoints] */
    int thresholds;            /* pr_counts, 0 when absent */
    double *tp, *fp;           /* [nrows][thresholds] */
    int matrix_n;              /* nc + 1 when a confusion matrix is present, else 0 */
    double *matrix;            /* [pred][true], matrix_n x matrix_n */
    double conf, iou;          /* of the confusion matrix */
} YcValidation;

/* Reads everything. */
int yc_validation_read(const char *path, YcValidation *v, YcErr *err);

/* Reads the header, per_class and only the listed parts (others stay NULL):
 * a plot converts only the numbers it draws. */
enum {
    YC_VAL_PR = 1, YC_VAL_F1 = 2, YC_VAL_P = 4, YC_VAL_R = 8, /* curves.x comes with any of these */
    YC_VAL_COUNTS = 16,                                      /* pr_counts */
    YC_VAL_CONFUSION = 32,
    YC_VAL_ALL = 63,
};
int yc_validation_read_parts(const char *path, unsigned parts, YcValidation *v, YcErr *err);
void yc_validation_free(YcValidation *v);

#endif
