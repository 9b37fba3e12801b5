/* results.csv: one row per epoch with exactly the reference's columns
 * (epoch, time, train losses, metrics, val losses, learning rates) and its
 * number format (printf %.6g; non-finite values as nan/inf). The file is
 * rewritten whole (temp file, fsync, rename) at each epoch, so a kill leaves
 * the previous complete table. Reading maps columns by name, so files written
 * by Ultralytics (whose older versions pad names with spaces) read too. */
#ifndef YC_RESULTS_CSV_H
#define YC_RESULTS_CSV_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

enum {
    YC_COL_EPOCH, YC_COL_TIME,
    YC_COL_TRAIN_BOX, YC_COL_TRAIN_CLS, YC_COL_TRAIN_DFL,
    YC_COL_PRECISION, YC_COL_RECALL, YC_COL_MAP50, YC_COL_MAP50_95,
    YC_COL_VAL_BOX, YC_COL_VAL_CLS, YC_COL_VAL_DFL,
    YC_COL_LR0, YC_COL_LR1, YC_COL_LR2,
    YC_RESULTS_COLUMNS
};

/* The column names, in file order. */
extern const char *const yc_results_columns[YC_RESULTS_COLUMNS];

typedef struct YcResults {
    int rows;
    int cap;
    double (*v)[YC_RESULTS_COLUMNS];   /* v[row][column] */
} YcResults;

void yc_results_init(YcResults *r);
void yc_results_free(YcResults *r);

/* Appends a row; rows whose epoch is >= the new row's epoch are dropped first
 * (a resumed run redoes the epochs after its checkpoint). */
int yc_results_put(YcResults *r, const double row[YC_RESULTS_COLUMNS], YcErr *err);

/* The CSV text (header and rows). */
void yc_results_to_csv(const YcResults *r, YcStr *out);

/* Writes the table atomically. */
int yc_results_write(const char *path, const YcResults *r, YcErr *err);

/* Reads a results.csv; a missing file is an error naming it. Columns not
 * listed above are ignored; a missing one reads as NaN. */
int yc_results_read(const char *path, YcResults *r, YcErr *err);

/* One number the way the reference writes it: %.6g, "nan", "inf", "-inf". */
void yc_results_format_number(double v, char *buf, size_t cap);

#endif
