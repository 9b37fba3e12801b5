/* The metrics accumulator's contract (errors, merging, counts), the numeric
 * helpers, validation.json, the table and predictions.json. The reference
 * numbers themselves are checked by the parity fixtures (kind "metrics"). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "metrics.h"
#include "metrics_np.h"
#include "val_boxes.h"
#include "val_predjson.h"

static void test_repr_like_python(void) {
    struct {
        double v;
        const char *want;
    } cases[] = {{0.1, "0.1"},       {258.0, "258.0"},   {1e-05, "1e-05"},   {0.0001, "0.0001"},
                 {1e16, "1e+16"},    {1e15, "1000000000000000.0"}, {-0.0, "-0.0"}, {0.0, "0.0"},
                 {1.5e-7, "1.5e-07"}, {123456.789, "123456.789"}, {-2.5, "-2.5"}, {1.0 / 3, "0.3333333333333333"},
                 {NAN, "nan"},       {INFINITY, "inf"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[40];
        yc_repr_double(cases[i].v, buf, sizeof buf);
        CHECK_STR(buf, cases[i].want);
    }
}

static void test_interp_like_numpy(void) {
    const double xp[] = {0, 1, 1, 2}, fp[] = {0, 10, 20, 30};
    CHECK_NEAR(yc_np_interp(-1, xp, fp, 4, -5, 99), -5, 0);   /* left */
    CHECK_NEAR(yc_np_interp(3, xp, fp, 4, -5, 99), 99, 0);    /* right */
    CHECK_NEAR(yc_np_interp(1, xp, fp, 4, -5, 99), 20, 0);    /* a repeated xp: the last one */
    CHECK_NEAR(yc_np_interp(1.5, xp, fp, 4, -5, 99), 25, 0);
    CHECK_NEAR(yc_np_interp(2, xp, fp, 4, -5, 99), 30, 0);
    double x[5];
    yc_np_linspace(0, 1, 5, x);
    CHECK(x[0] == 0 && x[1] == 0.25 && x[4] == 1);
    double y[200];
    for (int i = 0; i < 200; i++) y[i] = 0.1 * i;
    double s = 0;
    for (int i = 0; i < 200; i++) s += y[i];
    CHECK_NEAR(yc_np_sum(y, 200, 1), s, 1e-9);
    static double f[1000], sm[1000];
    f[500] = 1; /* the reference's smooth(y, 0.1) on 1000 points: a 101-wide box filter */
    yc_np_smooth(f, 1000, 0.1, sm);
    CHECK(yc_np_argmax(sm, 1000) == 450);
    CHECK_NEAR(sm[450], 1.0 / 101, 1e-15);
    CHECK_NEAR(sm[550], 1.0 / 101, 1e-15);
    CHECK(sm[449] == 0 && sm[551] == 0);
}

static const char *const names3[] = {"cat", "dog", "bird"};

static void test_bad_input_is_refused(void) {
    YcErr err;
    CHECK(yc_metrics_begin(0, NULL, NAN, &err) == NULL);
    CHECK(strstr(err.msg, "number of classes") != NULL);
    CHECK(yc_metrics_begin(3, names3, 2.0, &err) == NULL);
    YcMetrics *m = yc_metrics_begin(3, names3, NAN, &err);
    CHECK(m != NULL);
    float pred[6] = {0, 0, 10, 10, 0.9f, 3};
    CHECK(yc_metrics_add_image(m, pred, 1, NULL, 0, &err) == -1);
    CHECK(strstr(err.msg, "prediction 0 has class 3, outside 0..2") != NULL);
    pred[5] = 1.5f;
    CHECK(yc_metrics_add_image(m, pred, 1, NULL, 0, &err) == -1);
    pred[5] = 1;
    pred[4] = NAN;
    CHECK(yc_metrics_add_image(m, pred, 1, NULL, 0, &err) == -1);
    float gt[5] = {-1, 0, 0, 5, 5};
    CHECK(yc_metrics_add_image(m, NULL, 0, gt, 1, &err) == -1);
    CHECK(strstr(err.msg, "ground truth 0 has class -1") != NULL);
    YcMetricsResult r;
    CHECK(yc_metrics_finish(m, &r, &err) == 0);
    CHECK(r.images == 0 && r.k == 0 && r.precision == 0 && r.map50_95 == 0); /* nothing was kept */
    yc_metrics_result_free(&r);
    yc_metrics_free(m);
}

/* Two images: a perfect cat, a dog found twice (one duplicate), a missed bird, a false positive. */
static void add_two_images(YcMetrics *m) {
    YcErr err;
    float gt1[] = {0, 10, 10, 50, 50, 1, 100, 100, 150, 160};
    float pred1[] = {10, 10, 50, 50, 0.9f, 0, 100, 100, 150, 160, 0.8f, 1, 101, 100, 150, 160, 0.7f, 1};
    float gt2[] = {2, 0, 0, 20, 20};
    float pred2[] = {200, 200, 220, 220, 0.6f, 0};
    CHECK(yc_metrics_add_image(m, pred1, 3, gt1, 2, &err) == 0);
    CHECK(yc_metrics_add_image(m, pred2, 1, gt2, 1, &err) == 0);
}

static void test_counts_and_confusion(void) {
    YcErr err;
    YcMetrics *m = yc_metrics_begin(3, names3, NAN, &err);
    add_two_images(m);
    YcMetricsResult r;
    CHECK(yc_metrics_finish(m, &r, &err) == 0);
    CHECK(r.images == 2 && r.instances == 3 && r.predictions == 4 && r.k == 3);
    CHECK(r.class_index[0] == 0 && r.class_index[2] == 2);
    CHECK(r.class_predictions[0] == 2 && r.class_predictions[1] == 2 && r.class_predictions[2] == 0);
    CHECK_NEAR(r.ap[0], 0.995, 1e-12);        /* cat: 1 TP then 1 FP: the 101-point integral of 1.0 */
    CHECK_NEAR(r.ap[20], 0, 0);               /* bird: no predictions */
    CHECK_NEAR(r.confusion_conf, 0.25, 0);
    /* [predicted][true], 4 x 4: cat->cat, dog->dog, dog duplicate -> background row? no: FP column */
    const double *c = r.confusion;
    CHECK(c[0 * 4 + 0] == 1 && c[1 * 4 + 1] == 1 && c[1 * 4 + 3] == 1 && c[3 * 4 + 2] == 1 && c[0 * 4 + 3] == 1);
    /* pr_counts at IoU 0.5: cat has 1 TP (0.9) and 1 FP (0.6) */
    long *tp = r.pr_tp, *fp = r.pr_fp;
    CHECK(tp[0] == 1 && fp[0] == 1 && tp[120] == 1 && fp[120] == 1 && tp[121] == 1 && fp[121] == 0);
    CHECK(tp[181] == 0 && fp[200] == 0);
    CHECK(r.maps[0] == r.ap50_95[0]);
    CHECK_NEAR(r.fitness, r.map50_95, 0);
    yc_metrics_result_free(&r);
    yc_metrics_free(m);
}

static void test_merge_equals_one_pass(void) {
    YcErr err;
    YcMetrics *a = yc_metrics_begin(3, names3, NAN, &err), *b = yc_metrics_begin(3, names3, NAN, &err);
    YcMetrics *both = yc_metrics_begin(3, names3, NAN, &err);
    add_two_images(a);
    add_two_images(b);
    add_two_images(both);
    add_two_images(both);
    CHECK(yc_metrics_merge(a, b, &err) == 0);
    YcMetricsResult r1, r2;
    CHECK(yc_metrics_finish(a, &r1, &err) == 0);
    CHECK(yc_metrics_finish(both, &r2, &err) == 0);
    CHECK(r1.images == 4 && r1.images == r2.images && r1.instances == r2.instances);
    CHECK(memcmp(r1.ap, r2.ap, sizeof(double) * 30) == 0);
    CHECK(memcmp(r1.confusion, r2.confusion, sizeof(double) * 16) == 0);
    CHECK(r1.precision == r2.precision && r1.recall == r2.recall && r1.best_index == r2.best_index);
    YcMetrics *other = yc_metrics_begin(4, NULL, NAN, &err);
    CHECK(yc_metrics_merge(a, other, &err) == -1);
    yc_metrics_result_free(&r1);
    yc_metrics_result_free(&r2);
    yc_metrics_free(a);
    yc_metrics_free(b);
    yc_metrics_free(both);
    yc_metrics_free(other);
}

static void test_table_layout(void) {
    YcErr err;
    YcMetrics *m = yc_metrics_begin(3, names3, NAN, &err);
    add_two_images(m);
    YcMetricsResult r;
    CHECK(yc_metrics_finish(m, &r, &err) == 0);
    YcStr s;
    yc_str_init(&s);
    yc_metrics_table_header(&s);
    CHECK_STR(yc_str_cstr(&s),
              "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)\n");
    yc_str_clear(&s);
    yc_metrics_table_rows(&r, true, &s);
    const char *text = yc_str_cstr(&s);
    const char *all = "                   all          2          3";
    CHECK(strncmp(text, all, strlen(all)) == 0);
    CHECK(strstr(text, "\n                   cat          1          1") != NULL);
    CHECK(strstr(text, "\n                  bird          1          1          0          0          0          0\n"));
    yc_str_clear(&s);
    yc_metrics_table_rows(&r, false, &s);
    CHECK(strchr(yc_str_cstr(&s), '\n') == yc_str_cstr(&s) + s.len - 1); /* one line */
    yc_str_clear(&s);
    yc_metrics_speed_line(&(YcValSpeed){0.04, 12.345, 0, 1.25}, &s);
    CHECK_STR(yc_str_cstr(&s), "Speed: 0.0ms preprocess, 12.3ms inference, 0.0ms loss, 1.2ms postprocess per image\n");
    yc_str_free(&s);
    yc_metrics_result_free(&r);
    yc_metrics_free(m);
}

static void test_validation_json_schema(void) {
    YcErr err;
    YcMetrics *m = yc_metrics_begin(3, (const char *const[]){"cat", "d\"og", "v\xc3\xa9lo"}, NAN, &err);
    add_two_images(m);
    YcMetricsResult r;
    CHECK(yc_metrics_finish(m, &r, &err) == 0);
    char path[] = "/tmp/yc_valjson_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    YcValSpeed speed = {0.1, 10, 0, 1.5};
    CHECK(yc_metrics_write_json(&r, &speed, path, &err) == 0);
    char *text;
    size_t size;
    CHECK(yc_read_file(path, &text, &size, &err) == 0);
    unlink(path);
    cJSON *j = cJSON_Parse(text);
    CHECK(j != NULL);
    CHECK(cJSON_GetObjectItem(j, "version")->valueint == 1);
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "names"), 1)->valuestring, "d\"og");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "names"), 2)->valuestring, "v\xc3\xa9lo");
    CHECK(strstr(text, "\"v\\u00e9lo\"") != NULL);
    CHECK(cJSON_GetObjectItem(j, "images")->valueint == 2 && cJSON_GetObjectItem(j, "instances")->valueint == 3);
    CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "speed_ms"), "postprocess")->valuedouble, 1.5, 0);
    cJSON *all = cJSON_GetObjectItem(j, "all");
    CHECK_NEAR(cJSON_GetObjectItem(all, "map50_95")->valuedouble, r.map50_95, 0);
    CHECK_NEAR(cJSON_GetObjectItem(all, "fitness")->valuedouble, r.fitness, 0);
    cJSON *pc = cJSON_GetObjectItem(j, "per_class");
    CHECK(cJSON_GetArraySize(pc) == 3);
    cJSON *c0 = cJSON_GetArrayItem(pc, 0);
    CHECK(cJSON_GetObjectItem(c0, "class")->valueint == 0 && cJSON_GetArraySize(cJSON_GetObjectItem(c0, "ap")) == 10);
    CHECK_NEAR(cJSON_GetObjectItem(c0, "ap50")->valuedouble, r.ap50[0], 0);
    CHECK(cJSON_GetObjectItem(c0, "predictions")->valueint == 2);
    cJSON *curves = cJSON_GetObjectItem(j, "curves");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(curves, "x")) == 1000);
    const char *keys[] = {"pr", "f1", "p", "r"};
    for (int i = 0; i < 4; i++) {
        cJSON *rows = cJSON_GetObjectItem(curves, keys[i]);
        CHECK(cJSON_GetArraySize(rows) == 3 && cJSON_GetArraySize(cJSON_GetArrayItem(rows, 2)) == 1000);
    }
    cJSON *prc = cJSON_GetObjectItem(j, "pr_counts");
    CHECK(cJSON_GetObjectItem(prc, "thresholds")->valueint == 201);
    CHECK(cJSON_GetArraySize(cJSON_GetArrayItem(cJSON_GetObjectItem(prc, "tp"), 0)) == 201);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(prc, "fp"), 0), 0)->valueint == 1);
    cJSON *conf = cJSON_GetObjectItem(j, "confusion");
    CHECK_NEAR(cJSON_GetObjectItem(conf, "iou")->valuedouble, 0.45, 0);
    cJSON *matrix = cJSON_GetObjectItem(conf, "matrix");
    CHECK(cJSON_GetArraySize(matrix) == 4 && cJSON_GetArraySize(cJSON_GetArrayItem(matrix, 3)) == 4);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(matrix, 3), 2)->valueint == 1); /* the missed bird */
    cJSON_Delete(j);
    free(text);
    CHECK(yc_metrics_write_json(&r, NULL, "/nonexistent-dir/validation.json", &err) == -1);
    CHECK(strstr(err.msg, "/nonexistent-dir/validation.json") != NULL);
    yc_metrics_result_free(&r);
    yc_metrics_free(m);
}

static void test_predictions_json(void) {
    YcErr err;
    YcStr s;
    yc_str_init(&s);
    bool first = true;
    float rows[] = {10, 20, 30.5f, 60, 0.123456f, 0};
    CHECK(yc_predjson_format(&s, &first, "data/images/000000397133.jpg", rows, 1, false, &err) == 0);
    CHECK_STR(yc_str_cstr(&s), "{\"image_id\": 397133, \"file_name\": \"000000397133.jpg\", \"category_id\": 1, "
                               "\"bbox\": [10.0, 20.0, 20.5, 40.0], \"score\": 0.12346}");
    struct {
        const char *file, *id;
    } ids[] = {{"a/b.c.jpg", "\"b.c\""}, {".hidden", "\".hidden\""}, {"x/name.", "\"name.\""},
               {"dir/007", "7"},        {"0.jpg", "0"},              {"12a.jpg", "\"12a\""}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        yc_str_clear(&s);
        first = true;
        CHECK(yc_predjson_format(&s, &first, ids[i].file, rows, 1, false, &err) == 0);
        char want[64];
        snprintf(want, sizeof want, "{\"image_id\": %s,", ids[i].id);
        CHECK(strncmp(yc_str_cstr(&s), want, strlen(want)) == 0);
    }
    rows[5] = 11; /* COCO class 11 is category 13 */
    yc_str_clear(&s);
    first = true;
    CHECK(yc_predjson_format(&s, &first, "1.jpg", rows, 1, true, &err) == 0);
    CHECK(strstr(yc_str_cstr(&s), "\"category_id\": 13") != NULL);
    rows[5] = 80;
    CHECK(yc_predjson_format(&s, &first, "1.jpg", rows, 1, true, &err) == -1);
    CHECK(strstr(err.msg, "class 80 has no COCO category") != NULL);
    yc_str_free(&s);

    char dir[] = "/tmp/yc_predjson_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/predictions.json", dir);
    rows[5] = 2;
    YcPredJson *w = yc_predjson_open(path, false, &err);
    CHECK(w != NULL);
    CHECK(yc_predjson_add(w, "1.jpg", rows, 1, &err) == 0);
    CHECK(yc_predjson_add(w, "2.jpg", NULL, 0, &err) == 0);
    CHECK(yc_predjson_add(w, "3.jpg", rows, 1, &err) == 0);
    CHECK(!yc_file_exists(path)); /* appears only when complete */
    CHECK(yc_predjson_close(w, &err) == 0);
    char *text;
    size_t size;
    CHECK(yc_read_file(path, &text, &size, &err) == 0);
    CHECK(text[0] == '[' && text[size - 1] == ']' && strstr(text, "}, {\"image_id\": 3") != NULL);
    cJSON *j = cJSON_Parse(text);
    CHECK(cJSON_GetArraySize(j) == 2);
    cJSON_Delete(j);
    free(text);
    unlink(path);
    w = yc_predjson_open(path, false, &err);
    CHECK(yc_predjson_add(w, "1.jpg", rows, 1, &err) == 0);
    CHECK(yc_predjson_count(w) == 1);
    yc_predjson_abort(w);
    CHECK(!yc_file_exists(path));
    w = yc_predjson_open(path, false, &err); /* no detections: no file, as the reference */
    CHECK(yc_predjson_add(w, "1.jpg", NULL, 0, &err) == 0);
    CHECK(yc_predjson_close(w, &err) == 0);
    CHECK(!yc_file_exists(path));
    CHECK(yc_predjson_open("/nonexistent-dir/p.json", false, &err) == NULL);
    rmdir(dir);
}

static void test_boxes_and_coco(void) {
    double gain, px, py;
    yc_val_letterbox_params(640, 640, 1280, 720, &gain, &px, &py);
    CHECK_NEAR(gain, 0.5, 0);
    CHECK_NEAR(px, 0, 0);
    CHECK_NEAR(py, 140, 0);
    float rows[6] = {-10, 150, 700, 400, 0.5f, 1};
    yc_val_scale_boxes(rows, 1, 6, gain, px, py, 1280, 720);
    CHECK(rows[0] == 0 && rows[1] == 20 && rows[2] == 1280 && rows[3] == 520 && rows[4] == 0.5f);
    float cls[1] = {2}, xywhn[4] = {0.5f, 0.5f, 0.25f, 0.5f}, gt[5];
    yc_val_gt_rows(cls, xywhn, 1, 640, 480, gt);
    CHECK(gt[0] == 2 && gt[1] == 240 && gt[2] == 120 && gt[3] == 400 && gt[4] == 360);
    CHECK(yc_coco80_to_91(0) == 1 && yc_coco80_to_91(11) == 13 && yc_coco80_to_91(79) == 90);
    CHECK(yc_coco80_to_91(80) == -1 && yc_coco80_to_91(-1) == -1);
    CHECK(yc_val_is_coco("../datasets/coco/val2017.txt"));
    CHECK(yc_val_is_coco("/d/coco/test-dev2017.txt"));
    CHECK(!yc_val_is_coco("/d/coco8/images/val"));
    CHECK(!yc_val_is_coco("/d/mydata/val2017.txt"));
    CHECK(!yc_val_is_coco(NULL));
}

int main(void) {
    static const CheckCase cases[] = {
        {"repr_like_python", test_repr_like_python},
        {"interp_like_numpy", test_interp_like_numpy},
        {"bad_input_is_refused", test_bad_input_is_refused},
        {"counts_and_confusion", test_counts_and_confusion},
        {"merge_equals_one_pass", test_merge_equals_one_pass},
        {"table_layout", test_table_layout},
        {"validation_json_schema", test_validation_json_schema},
        {"predictions_json", test_predictions_json},
        {"boxes_and_coco", test_boxes_and_coco},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
