/* Comparing runs: each run's results.csv and run.json, its best epoch, the
 * overlaid curves (compare.png) and a table of the best epochs. Used by
 * `yoloc compare` and the kernel's `compare`. */
#ifndef YC_COMPARE_H
#define YC_COMPARE_H

#include <stdbool.h>

#include "error.h"
#include "plot.h"
#include "results_csv.h"
#include "runs_list.h"
#include "strbuf.h"

typedef struct YcCompareRun {
    char dir[4096];
    char label[256];           /* the run's name in the legend and table */
    YcResults results;         /* results.csv (no rows while it has none) */
    bool has_results;
    bool has_record;           /* run.json was read into info */
    YcRunInfo info;
    int best_row;              /* the best epoch's row of results, -1 when there is none */
} YcCompareRun;

/* Resolves each name (yc_run_resolve: a directory, or a name in project)
 * and reads the run's files. A run needs results.csv or run.json; a
 * broken one is an error naming it. Labels are the directories' base names,
 * or the names as given when two base names collide. */
int yc_compare_load(const char *const *names, int n, const char *project, YcCompareRun **runs, YcErr *err);
void yc_compare_free(YcCompareRun *runs, int n);

/* The best epoch: run.json's best_epoch when its row is in results.csv, else
 * the row with the highest mAP50-95 (the reference's fitness). */
int yc_compare_best_row(const YcResults *results, int best_epoch);

/* compare.png (yc_plot_compare). */
int yc_compare_plot(const YcCompareRun *runs, int n, YcPng *out, YcErr *err);

/* The table of best epochs: headers and one row's cells ("-" when unknown). */
#define YC_COMPARE_COLUMNS 12
extern const char *const yc_compare_headers[YC_COMPARE_COLUMNS];
void yc_compare_cells(const YcCompareRun *run, char cells[YC_COMPARE_COLUMNS][64]);
/* The runs, in the given order, as an aligned text table. */
void yc_compare_table(const YcCompareRun *runs, int n, YcStr *out);
/* The run with the highest best-epoch mAP50-95, -1 when none has one. */
int yc_compare_winner(const YcCompareRun *runs, int n);

#endif
