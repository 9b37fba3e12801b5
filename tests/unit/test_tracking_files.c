/* Run-directory files: results.csv formatting and round trip, run.json round
 * trip and errors, run-directory numbering, validation.json errors, PNG
 * encoding, tick choice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "json_lite.h"
#include "plot.h"
#include "plot_canvas.h"
#include "results_csv.h"
#include "run_dir.h"
#include "run_record.h"
#include "runs_list.h"
#include "validation_json.h"

static char tmp[64];

static void make_tmp(void) {
    snprintf(tmp, sizeof tmp, "/tmp/yc_track_unit_XXXXXX");
    if (!mkdtemp(tmp)) tmp[0] = '\0';
}

static void remove_tree(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "    could not remove %s\n", dir);
}

static void test_number_format(void) {
    char b[64];
    yc_results_format_number(1, b, sizeof b);
    CHECK_STR(b, "1");
    yc_results_format_number(0.000123456789, b, sizeof b);
    CHECK_STR(b, "0.000123457");
    yc_results_format_number(1234567.0, b, sizeof b);
    CHECK_STR(b, "1.23457e+06");
    yc_results_format_number(-NAN, b, sizeof b);
    CHECK_STR(b, "nan");
    yc_results_format_number(-INFINITY, b, sizeof b);
    CHECK_STR(b, "-inf");
}

/* Byte for byte what Ultralytics' BaseTrainer.save_metrics writes for the
 * same values (tests/parity/gen_results_csv_fixture.py). */
static void test_results_match_reference(void) {
    YcErr err;
    char *input, *expected;
    size_t n;
    if (!CHECK(yc_read_file("tests/fixtures/results_csv/input.txt", &input, &n, &err) == 0)) return;
    if (!CHECK(yc_read_file("tests/fixtures/results_csv/expected.csv", &expected, &n, &err) == 0)) {
        free(input);
        return;
    }
    YcResults r;
    yc_results_init(&r);
    char *save = NULL;
    for (char *line = strtok_r(input, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        double row[YC_RESULTS_COLUMNS];
        char *p = line;
        for (int c = 0; c < YC_RESULTS_COLUMNS; c++) row[c] = strtod(p, &p);
        CHECK(yc_results_put(&r, row, &err) == 0);
    }
    YcStr csv;
    yc_str_init(&csv);
    yc_results_to_csv(&r, &csv);
    CHECK_STR(yc_str_cstr(&csv), expected);
    yc_str_free(&csv);
    yc_results_free(&r);
    free(input);
    free(expected);
}

static void test_results_round_trip(void) {
    make_tmp();
    YcResults r;
    yc_results_init(&r);
    YcErr err;
    for (int e = 1; e <= 3; e++) {
        double row[YC_RESULTS_COLUMNS];
        for (int c = 0; c < YC_RESULTS_COLUMNS; c++) row[c] = e * 100 + c + 0.25;
        row[0] = e;
        CHECK(yc_results_put(&r, row, &err) == 0);
    }
    /* a resumed run redoing epoch 2 drops rows 2 and 3 */
    double again[YC_RESULTS_COLUMNS] = {2, 9.5};
    CHECK(yc_results_put(&r, again, &err) == 0);
    CHECK(r.rows == 2 && r.v[1][1] == 9.5);
    char path[128];
    snprintf(path, sizeof path, "%s/results.csv", tmp);
    CHECK(yc_results_write(path, &r, &err) == 0);
    char *text;
    size_t size;
    CHECK(yc_read_file(path, &text, &size, &err) == 0);
    CHECK(strncmp(text, "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),", 77) == 0);
    CHECK(strstr(text, "\n1,101.25,102.25,") != NULL);
    free(text);
    YcResults back;
    CHECK(yc_results_read(path, &back, &err) == 0);
    CHECK(back.rows == 2 && back.v[0][YC_COL_LR2] == 114.25 && back.v[1][0] == 2);
    yc_results_free(&back);
    yc_results_free(&r);
    /* errors name the file and line */
    FILE *fp = fopen(path, "w");
    fputs("epoch,time\n1,abc\n", fp);
    fclose(fp);
    CHECK(yc_results_read(path, &back, &err) == -1);
    CHECK(strstr(err.msg, "results.csv:2: 'abc' is not a number") != NULL);
    fp = fopen(path, "w");
    fputs("a,b\n1,2\n", fp);
    fclose(fp);
    CHECK(yc_results_read(path, &back, &err) == -1 && strstr(err.msg, "no 'epoch' column"));
    remove_tree(tmp);
}

static void test_run_record_round_trip(void) {
    make_tmp();
    YcRunRecord rec, back;
    yc_run_record_init(&rec);
    snprintf(rec.name, sizeof rec.name, "train3");
    snprintf(rec.command, sizeof rec.command, "yoloc train \"quoted\"");
    rec.start_time = 1700000000.5;
    rec.epochs = 10;
    rec.epochs_done = 3;
    rec.best_epoch = 2;
    rec.best = (YcRunMetrics){0.5, 0.4, 0.3, 0.2, 0.21};
    rec.status = YC_RUN_INTERRUPTED;
    char path[128];
    snprintf(path, sizeof path, "%s/run.json", tmp);
    YcErr err;
    CHECK(yc_run_record_write(path, &rec, &err) == 0);
    CHECK(yc_run_record_read(path, &back, &err) == 0);
    CHECK_STR(back.name, "train3");
    CHECK_STR(back.command, "yoloc train \"quoted\"");
    CHECK(back.status == YC_RUN_INTERRUPTED && back.epochs == 10 && back.epochs_done == 3 && back.best_epoch == 2);
    CHECK(isnan(back.end_time));
    CHECK_NEAR(back.start_time, 1700000000.5, 0);
    CHECK_NEAR(back.best.fitness, 0.21, 0);
    FILE *fp = fopen(path, "w");
    fputs("{\"version\": 1, \"status\": \"sleeping\"}", fp);
    fclose(fp);
    CHECK(yc_run_record_read(path, &back, &err) == -1 && strstr(err.msg, "status 'sleeping'"));
    fp = fopen(path, "w");
    fputs("{\"version\": 1, \"status\": \"running\", \"epochs\": \"ten\"}", fp);
    fclose(fp);
    CHECK(yc_run_record_read(path, &back, &err) == -1 && strstr(err.msg, "'epochs' must be a number"));
    remove_tree(tmp);
}

static void test_run_dir_numbering(void) {
    make_tmp();
    char project[128], out[4096];
    snprintf(project, sizeof project, "%s/runs/detect", tmp);
    YcErr err;
    CHECK(yc_run_dir_create_at(project, "", false, out, sizeof out, &err) == 0);
    CHECK(strstr(out, "/runs/detect/train") && out[strlen(out) - 1] == 'n');
    CHECK(yc_run_dir_create_at(project, "", false, out, sizeof out, &err) == 0);
    CHECK(strcmp(out + strlen(out) - 6, "train2") == 0);
    /* a file named train3 also takes the name, as in the reference */
    char file[256];
    snprintf(file, sizeof file, "%s/train3", project);
    fclose(fopen(file, "w"));
    CHECK(yc_run_dir_create_at(project, "", false, out, sizeof out, &err) == 0);
    CHECK(strcmp(out + strlen(out) - 6, "train4") == 0);
    char weights[4200];
    snprintf(weights, sizeof weights, "%s/weights", out);
    CHECK(yc_dir_exists(weights));
    CHECK(yc_run_dir_create_at(project, "train2", true, out, sizeof out, &err) == 0);
    CHECK(strcmp(out + strlen(out) - 6, "train2") == 0);
    remove_tree(tmp);
}

static void test_runs_list_and_durations(void) {
    char b[32];
    yc_format_duration(42, b, sizeof b);
    CHECK_STR(b, "42s");
    yc_format_duration(192, b, sizeof b);
    CHECK_STR(b, "3m12s");
    yc_format_duration(7500, b, sizeof b);
    CHECK_STR(b, "2h05m");
    yc_format_duration(NAN, b, sizeof b);
    CHECK_STR(b, "-");
    make_tmp();
    YcErr err;
    char dir[128], path[160];
    YcRunRecord rec;
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/run%d", tmp, i);
        CHECK(yc_mkdirs(dir, &err) == 0);
        yc_run_record_init(&rec);
        rec.start_time = 1700000000 + (1 - i) * 100; /* run1 started first */
        rec.end_time = rec.start_time + 65;
        rec.status = YC_RUN_FINISHED;
        snprintf(path, sizeof path, "%s/run.json", dir);
        CHECK(yc_run_record_write(path, &rec, &err) == 0);
    }
    snprintf(dir, sizeof dir, "%s/broken", tmp);
    yc_mkdirs(dir, &err);
    snprintf(path, sizeof path, "%s/run.json", dir);
    fclose(fopen(path, "w"));
    YcRunInfo *runs;
    int count, skipped;
    CHECK(yc_runs_list(tmp, &runs, &count, &skipped, &err) == 0);
    CHECK(count == 2 && skipped == 1);
    if (count == 2) {
        CHECK(strstr(runs[0].dir, "run1") != NULL);
        CHECK_NEAR(runs[0].duration_s, 65, 1e-9);
        YcStr table;
        yc_str_init(&table);
        yc_runs_table(runs, count, tmp, &table);
        CHECK(strstr(yc_str_cstr(&table), "run1  finished") != NULL);
        CHECK(strstr(yc_str_cstr(&table), "1m05s") != NULL);
        yc_str_free(&table);
    }
    free(runs);
    remove_tree(tmp);
}

static void test_validation_errors(void) {
    make_tmp();
    char path[128];
    snprintf(path, sizeof path, "%s/validation.json", tmp);
    YcErr err;
    YcValidation v;
    const char *bad[][2] = {
        {"{\"version\": 2}", "'version' must be 1"},
        {"{\"version\": 1, \"names\": 3}", "'names' must be an array"},
        {"{\"version\": 1, \"names\": [\"a\"], \"per_class\": [{\"class\": 5}]}", "per_class[0].class"},
        {"{\"version\": 1, \"names\": [\"a\"], \"per_class\": [{\"class\": 0}], \"curves\": {\"x\": [0, 1], "
         "\"pr\": [[1]], \"f1\": [[1, 1]], \"p\": [[1, 1]], \"r\": [[1, 1]]}}",
         "'curves.pr[0]' has 1 values, expected 2"},
        {"{\"version\": 1, \"names\": [\"a\"], \"per_class\": [], \"pr_counts\": {\"thresholds\": 1}}",
         "'pr_counts.thresholds' must be a count >= 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *fp = fopen(path, "w");
        fputs(bad[i][0], fp);
        fclose(fp);
        if (!CHECK(yc_validation_read(path, &v, &err) == -1)) continue;
        if (!CHECK(strstr(err.msg, bad[i][1]) != NULL)) fprintf(stderr, "    got: %s\n", err.msg);
    }
    remove_tree(tmp);
}

static void test_png_encoding(void) {
    uint8_t rgb[4 * 3 * 3];
    for (int i = 0; i < 36; i++) rgb[i] = (uint8_t)(i * 7);
    YcPng png;
    YcErr err;
    CHECK(yc_png_encode_rgb(rgb, 4, 3, 12, &png, &err) == 0);
    int w, h;
    CHECK(yc_png_size(png.data, png.size, &w, &h) == 0 && w == 4 && h == 3);
    yc_png_free(&png);
    CHECK(yc_png_encode_rgb(rgb, 0, 3, 12, &png, &err) == -1);
}

static void test_nice_ticks(void) {
    double t[32];
    int dec;
    int n = yc_nice_ticks(0, 1, 5, t, 32, &dec);
    CHECK(n == 6 && t[5] == 1.0 && dec == 1);
    n = yc_nice_ticks(0.05, 0.38, 5, t, 32, &dec);
    CHECK(n >= 4 && n <= 8 && t[0] >= 0.05 && t[n - 1] <= 0.38 && dec == 2);
    n = yc_nice_ticks(1, 30, 5, t, 32, &dec);
    CHECK(dec == 0 && t[0] == 5 && t[n - 1] == 30);
    n = yc_nice_ticks(0, 14, 5, t, 32, &dec);
    CHECK(dec == 1 && t[1] == 2.5);
}

/* The plots' smoothing against scipy's gaussian_filter1d and Ultralytics'
 * smooth() (tests/parity/gen_smoothing_fixture.py). */
static void test_smoothing_matches_reference(void) {
    YjDoc doc;
    YcErr err;
    if (!CHECK(yj_parse_file(&doc, "tests/fixtures/smoothing.json", &err) == 0)) return;
    int cases = 0;
    for (const YjNode *c = doc.root->child; c; c = c->next, cases++) {
        char kind[16];
        yj_string(yj_get(c, "kind"), kind, sizeof kind);
        const YjNode *y = yj_get(c, "y"), *want = yj_get(c, "out");
        int n = y->count;
        double *in = malloc(sizeof(double) * (size_t)n * 2), *got = in + n;
        int i = 0;
        for (const YjNode *v = y->child; v; v = v->next) in[i++] = yj_number(v);
        if (strcmp(kind, "gaussian") == 0) yc_smooth_gaussian(in, n, yj_number(yj_get(c, "param")), got);
        else yc_smooth_box(in, n, yj_number(yj_get(c, "param")), got);
        i = 0;
        for (const YjNode *v = want->child; v && i < n; v = v->next, i++) /* an even box window gives n + 1 */
            if (!CHECK_NEAR(got[i], yj_number(v), 1e-12)) {
                fprintf(stderr, "    %s n=%d at %d\n", kind, n, i);
                break;
            }
        free(in);
    }
    CHECK(cases == 10);
    yj_free(&doc);
}

static void test_json_lite(void) {
    YjDoc doc;
    YcErr err;
    const char *text = "{\"a\": [1, -2.5e3, 0.125, null], \"s\": \"x\\\"y\\u00e9\\ud83d\\ude00\\n\", \"t\": true}";
    if (!CHECK(yj_parse(&doc, text, strlen(text), "t.json", &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    const YjNode *a = yj_get(doc.root, "a");
    CHECK(yj_is(a, YJ_ARRAY) && a->count == 4);
    CHECK_NEAR(yj_number(a->child->next), -2500, 0);
    CHECK_NEAR(yj_number(a->child->next->next), 0.125, 0);
    CHECK(a->child->next->next->next->type == YJ_NULL);
    char s[64];
    CHECK(yj_string(yj_get(doc.root, "s"), s, sizeof s));
    CHECK_STR(s, "x\"y\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK(yj_get(doc.root, "t")->type == YJ_TRUE && yj_get(doc.root, "missing") == NULL);
    yj_free(&doc);
    const char *bad[][2] = {
        {"{\"a\": [1, 2,]}", "t.json:1:13: invalid JSON: unexpected character"},
        {"{\"a\": 01}", "expected ',' or '}'"},
        {"[1] 2", "text after the value"},
        {"{\"a\": \"unterminated}", "unterminated string"},
        {"{\"a\":\n tru}", "t.json:2:2: invalid JSON: unexpected character"},
        {"[-]", "bad number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!CHECK(yj_parse(&doc, bad[i][0], strlen(bad[i][0]), "t.json", &err) == -1)) continue;
        if (!CHECK(strstr(err.msg, bad[i][1]) != NULL)) fprintf(stderr, "    got: %s\n", err.msg);
    }
}

int main(void) {
    static const CheckCase cases[] = {
        {"number_format", test_number_format},
        {"results_match_reference", test_results_match_reference},
        {"results_round_trip", test_results_round_trip},
        {"run_record_round_trip", test_run_record_round_trip},
        {"run_dir_numbering", test_run_dir_numbering},
        {"runs_list_and_durations", test_runs_list_and_durations},
        {"validation_errors", test_validation_errors},
        {"png_encoding", test_png_encoding},
        {"nice_ticks", test_nice_ticks},
        {"json_lite", test_json_lite},
        {"smoothing_matches_reference", test_smoothing_matches_reference},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
