/* Comparing runs (tracking/compare.h, plot_compare.c) and finding them
 * (run_find.h): best epochs, loading and its errors, labels, the table's
 * cells, compare.png's size and bounds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compare.h"
#include "fileio.h"
#include "plot.h"
#include "run_find.h"
#include "run_record.h"

static char tmp[64];

static void remove_tree(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "    could not remove %s\n", dir);
}

/* rows epochs with mAP50-95 from maps (NaN allowed) and P = epoch / 10. */
static void make_results(YcResults *r, int rows, const double *maps) {
    yc_results_init(r);
    YcErr err;
    for (int i = 0; i < rows; i++) {
        double row[YC_RESULTS_COLUMNS];
        for (int c = 0; c < YC_RESULTS_COLUMNS; c++) row[c] = 0.5;
        row[YC_COL_EPOCH] = i + 1;
        row[YC_COL_PRECISION] = (i + 1) / 10.0;
        row[YC_COL_MAP50_95] = maps[i];
        yc_results_put(r, row, &err);
    }
}

static void test_best_row(void) {
    YcResults r;
    const double maps[5] = {0.1, NAN, 0.4, 0.3, 0.4};
    make_results(&r, 5, maps);
    CHECK(yc_compare_best_row(&r, 0) == 2);    /* highest mAP50-95, first of equals, NaN skipped */
    CHECK(yc_compare_best_row(&r, 4) == 3);    /* run.json's best epoch */
    CHECK(yc_compare_best_row(&r, 9) == 2);    /* not in the file: the highest */
    yc_results_free(&r);
    const double none[2] = {NAN, NAN};
    make_results(&r, 2, none);
    CHECK(yc_compare_best_row(&r, 0) == -1);
    yc_results_free(&r);
}

static void test_plot_compare(void) {
    YcResults a, empty;
    const double maps[3] = {0.1, 0.2, 0.3};
    make_results(&a, 3, maps);
    yc_results_init(&empty);
    YcResultsSeries s[2] = {{"a", &a}, {"b", &empty}};
    YcPng png;
    YcErr err;
    int w = 0, h = 0;
    CHECK(yc_plot_compare(s, 2, &png, &err) == 0);
    CHECK(yc_png_size(png.data, png.size, &w, &h) == 0 && w == 1800 && h == 780);
    yc_png_free(&png);
    CHECK(yc_plot_compare(s, 0, &png, &err) == -1 && strstr(err.msg, "no runs"));
    YcResultsSeries many[YC_COMPARE_MAX_RUNS + 1];
    for (int i = 0; i <= YC_COMPARE_MAX_RUNS; i++) many[i] = (YcResultsSeries){"r", &a};
    CHECK(yc_plot_compare(many, YC_COMPARE_MAX_RUNS + 1, &png, &err) == -1 && strstr(err.msg, "at most"));
    CHECK(yc_plot_compare(many, YC_COMPARE_MAX_RUNS, &png, &err) == 0);
    yc_png_free(&png);
    yc_results_free(&a);
}

static void write_run(const char *dir, bool results, bool record) {
    YcErr err;
    char path[256];
    yc_mkdirs(dir, &err);
    if (results) {
        YcResults r;
        const double maps[3] = {0.2, 0.5, 0.3};
        make_results(&r, 3, maps);
        snprintf(path, sizeof path, "%s/results.csv", dir);
        CHECK(yc_results_write(path, &r, &err) == 0);
        yc_results_free(&r);
    }
    if (record) {
        YcRunRecord rec;
        yc_run_record_init(&rec);
        rec.status = YC_RUN_FINISHED;
        rec.start_time = 1000, rec.end_time = 1075;
        rec.epochs = 4, rec.epochs_done = 3, rec.best_epoch = 3;
        rec.best = (YcRunMetrics){0.7, 0.6, 0.5, 0.45, 0.45};
        snprintf(path, sizeof path, "%s/run.json", dir);
        CHECK(yc_run_record_write(path, &rec, &err) == 0);
    }
}

static void test_load_and_cells(void) {
    snprintf(tmp, sizeof tmp, "/tmp/yc_compare_unit_XXXXXX");
    if (!CHECK(mkdtemp(tmp) != NULL)) return;
    char proj[128], a[160], b[160], other[160], empty[160];
    snprintf(proj, sizeof proj, "%s/proj", tmp);
    snprintf(a, sizeof a, "%s/a", proj);
    snprintf(b, sizeof b, "%s/b", proj);
    snprintf(other, sizeof other, "%s/elsewhere/a", tmp);
    snprintf(empty, sizeof empty, "%s/empty", tmp);
    write_run(a, true, false);    /* results.csv only (as Ultralytics leaves it) */
    write_run(b, false, true);    /* run.json only (no epoch finished yet... but a best) */
    write_run(other, true, true);
    YcErr err;
    yc_mkdirs(empty, &err);

    YcCompareRun *runs;
    const char *names[3] = {"a", "b", other};
    if (!CHECK(yc_compare_load(names, 3, proj, &runs, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    /* two base names "a": both labelled as given */
    CHECK_STR(runs[0].label, "a");
    CHECK_STR(runs[1].label, "b");
    CHECK_STR(runs[2].label, other);
    CHECK(runs[0].has_results && !runs[0].has_record && runs[0].best_row == 1);
    CHECK(!runs[1].has_results && runs[1].has_record && runs[1].best_row == -1);
    CHECK(runs[2].best_row == 2); /* run.json's best epoch 3 although epoch 2 scored higher */
    char cells[YC_COMPARE_COLUMNS][64];
    yc_compare_cells(&runs[0], cells);
    CHECK_STR(cells[1], "-");
    CHECK_STR(cells[2], "3");
    CHECK_STR(cells[3], "2");
    CHECK_STR(cells[4], "0.2000");  /* P of epoch 2 */
    CHECK_STR(cells[7], "0.5000");
    CHECK_STR(cells[11], "-");
    yc_compare_cells(&runs[1], cells);
    CHECK_STR(cells[1], "finished");
    CHECK_STR(cells[2], "3/4");
    CHECK_STR(cells[3], "3");
    CHECK_STR(cells[4], "0.7000");  /* run.json's best metrics */
    CHECK_STR(cells[7], "0.4500");
    CHECK_STR(cells[8], "-");       /* no losses without results.csv */
    CHECK_STR(cells[11], "1m15s");
    CHECK(yc_compare_winner(runs, 3) == 0);
    YcStr table;
    yc_str_init(&table);
    yc_compare_table(runs, 3, &table);
    CHECK(strncmp(yc_str_cstr(&table), "run", 3) == 0);
    int lines = 0;
    for (const char *p = yc_str_cstr(&table); *p; p++) lines += *p == '\n';
    CHECK(lines == 4);
    yc_str_free(&table);
    YcPng png;
    CHECK(yc_compare_plot(runs, 3, &png, &err) == 0);
    yc_png_free(&png);
    yc_compare_free(runs, 3);

    const char *missing[2] = {"a", "zzz"};
    CHECK(yc_compare_load(missing, 2, proj, &runs, &err) == -1 && strstr(err.msg, "no run 'zzz'"));
    const char *notrun[2] = {"a", empty};
    CHECK(yc_compare_load(notrun, 2, proj, &runs, &err) == -1 && strstr(err.msg, "neither results.csv nor run.json"));
    char path[256];
    snprintf(path, sizeof path, "%s/run.json", empty);
    yc_write_file_atomic(path, "{\"version\": 1", 13, &err);
    CHECK(yc_compare_load(notrun, 2, proj, &runs, &err) == -1 && strstr(err.msg, "run.json"));

    /* finding runs */
    char dir[4096];
    CHECK(yc_run_resolve("b", proj, dir, sizeof dir, &err) == 0 && strcmp(dir, b) == 0);
    CHECK(yc_run_resolve(other, proj, dir, sizeof dir, &err) == 0 && strcmp(dir, other) == 0);
    CHECK(yc_run_resolve("", proj, dir, sizeof dir, &err) == 0 && yc_is_run_dir(dir));
    CHECK(yc_run_resolve("", empty, dir, sizeof dir, &err) == -1 && strstr(err.msg, "no runs in"));
    CHECK(yc_is_run_dir(a) && !yc_is_run_dir(proj));
    remove_tree(tmp);
}

int main(void) {
    static const CheckCase cases[] = {
        {"best_row", test_best_row},
        {"plot_compare", test_plot_compare},
        {"load_and_cells", test_load_and_cells},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
