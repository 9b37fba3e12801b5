/* Prediction (trainer/predict.h) and its drawing (tracking's
 * yc_plot_detections, yc_jpeg_save_rgb): the letterbox's minimum rectangle,
 * the sources, the summary and .txt formats, the annotated pixels, and the
 * predictor end to end on the val fixture's model (what the reference found
 * there: tests/fixtures/predict/predict_tiny_coco8.json). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "check.h"
#include "fileio.h"
#include "image.h"
#include "model.h"
#include "plot.h"
#include "predict.h"

static char tmp[64];

static void remove_tree(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "    could not remove %s\n", dir);
}

static void test_letterbox(void) {
    YcLetterbox lb;
    /* the reference's shapes (predict_tiny_coco8.json): 480x640 at 224 -> 192x224, 425x640 at 160 -> 128x160 */
    yc_predict_letterbox_plan(480, 640, 224, 224, 32, &lb);
    CHECK(lb.unpad_w == 224 && lb.unpad_h == 168);
    CHECK(lb.top + lb.unpad_h + lb.bottom == 192 && lb.left == 0 && lb.right == 0 && lb.top == 12 && lb.bottom == 12);
    yc_predict_letterbox_plan(425, 640, 160, 160, 32, &lb);
    CHECK(lb.unpad_w == 160 && lb.unpad_h == 106 && lb.top + lb.unpad_h + lb.bottom == 128);
    CHECK(lb.top == 11 && lb.bottom == 11);
    /* a pad of 1 goes to the bottom (round(0.4) = 0, round(0.6) = 1) */
    yc_predict_letterbox_plan(63, 64, 64, 64, 32, &lb);
    CHECK(lb.unpad_h == 63 && lb.top == 0 && lb.bottom == 1);
    /* portrait into a rectangle [128, 192]: height limits */
    yc_predict_letterbox_plan(640, 480, 128, 192, 32, &lb);
    CHECK(lb.unpad_h == 128 && lb.unpad_w == 96 && lb.left == 0 && lb.right == 0);
    int fixed;
    CHECK(yc_predict_check_imgsz(150, 32, &fixed) && fixed == 160);
    CHECK(!yc_predict_check_imgsz(640, 32, &fixed) && fixed == 640);
    CHECK(yc_predict_check_imgsz(1, 32, &fixed) && fixed == 32);
}

static void test_summary_and_txt(void) {
    const char *names[] = {"person", "bus", "tie"};
    float rows[4 * 6] = {10, 20, 110, 70, 0.87654321f, 2, 0, 0, 5, 5, 0.5f, 0, 1, 1, 2, 2, 0.4f, 0, 3, 3, 4, 4, 0.3f, 7};
    YcStr s;
    yc_str_init(&s);
    yc_predict_summary(rows, 4, names, 3, &s);
    CHECK_STR(yc_str_cstr(&s), "2 persons, 1 tie, 1 class7, ");
    yc_str_clear(&s);
    yc_predict_summary(rows, 0, names, 3, &s);
    CHECK_STR(yc_str_cstr(&s), "(no detections), ");
    yc_str_free(&s);

    snprintf(tmp, sizeof tmp, "/tmp/yc_predict_unit_XXXXXX");
    if (!CHECK(mkdtemp(tmp) != NULL)) return;
    char path[128];
    snprintf(path, sizeof path, "%s/labels.txt", tmp);
    YcErr err;
    CHECK(yc_predict_append_txt(path, rows, 1, 200, 100, true, &err) == 0);
    CHECK(yc_predict_append_txt(path, rows + 6, 1, 200, 100, false, &err) == 0); /* appended, as the reference */
    CHECK(yc_predict_append_txt(path, rows, 0, 200, 100, false, &err) == 0);
    char *text = NULL;
    size_t size = 0;
    CHECK(yc_read_file(path, &text, &size, &err) == 0);
    /* Python's "%g" of the float32 values: cx = 60 / 200, ... */
    CHECK_STR(text, "2 0.3 0.45 0.5 0.5 0.876543\n0 0.0125 0.025 0.025 0.05\n");
    free(text);
    snprintf(path, sizeof path, "%s/none.txt", tmp);
    CHECK(yc_predict_append_txt(path, rows, 0, 200, 100, true, &err) == 0 && !yc_file_exists(path));
    snprintf(path, sizeof path, "%s/no/such/dir/x.txt", tmp);
    CHECK(yc_predict_append_txt(path, rows, 1, 200, 100, true, &err) == -1 && strstr(err.msg, "x.txt"));
    remove_tree(tmp);
}

static void touch(const char *dir, const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    YcErr err;
    yc_write_file_atomic(path, "x", 1, &err);
}

static void test_sources(void) {
    snprintf(tmp, sizeof tmp, "/tmp/yc_predict_unit_XXXXXX");
    if (!CHECK(mkdtemp(tmp) != NULL)) return;
    char dir[128], sub[160];
    snprintf(dir, sizeof dir, "%s/imgs", tmp);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    YcErr err;
    yc_mkdirs(sub, &err);
    const char *files[] = {"b.jpg", "a.PNG", ".hidden.jpg", "noext", "c.txt", "clip.mp4", "sub/deep.jpg", "Z.jpeg"};
    for (int i = 0; i < 8; i++) touch(dir, files[i]);
    YcPredictSources s;
    CHECK(yc_predict_sources(dir, &s, &err) == 0);
    if (CHECK(s.count == 3)) { /* sorted by bytes, not recursive, hidden and extension-less names left out */
        char want[256];
        snprintf(want, sizeof want, "%s/Z.jpeg", dir);
        CHECK_STR(s.paths[0], want);
        snprintf(want, sizeof want, "%s/a.PNG", dir);
        CHECK_STR(s.paths[1], want);
        snprintf(want, sizeof want, "%s/b.jpg", dir);
        CHECK_STR(s.paths[2], want);
    }
    CHECK(s.videos == 1);
    yc_predict_sources_free(&s);
    /* a list: sorted, relative lines against the list's directory, blank lines skipped */
    char list[160];
    snprintf(list, sizeof list, "%s/list.txt", tmp);
    const char *lines = "imgs/b.jpg\n\n  imgs/a.PNG  \n";
    yc_write_file_atomic(list, lines, strlen(lines), &err);
    CHECK(yc_predict_sources(list, &s, &err) == 0 && s.count == 2 && strstr(s.paths[0], "/imgs/a.PNG"));
    yc_predict_sources_free(&s);
    snprintf(list, sizeof list, "%s/list.csv", tmp);
    lines = "imgs/b.jpg,imgs/Z.jpeg";
    yc_write_file_atomic(list, lines, strlen(lines), &err);
    CHECK(yc_predict_sources(list, &s, &err) == 0 && s.count == 2 && strstr(s.paths[1], "/imgs/b.jpg"));
    yc_predict_sources_free(&s);
    char pattern[200];
    snprintf(pattern, sizeof pattern, "%s/*.jp*", dir);
    CHECK(yc_predict_sources(pattern, &s, &err) == 0 && s.count == 2);
    yc_predict_sources_free(&s);
    snprintf(list, sizeof list, "%s/missing.jpg", tmp);
    CHECK(yc_predict_sources(list, &s, &err) == -1 && strstr(err.msg, "does not exist"));
    CHECK(yc_predict_sources("", &s, &err) == -1 && strstr(err.msg, "source= is required"));
    CHECK(yc_predict_sources(sub, &s, &err) == 0 && s.count == 1); /* sub/deep.jpg */
    yc_predict_sources_free(&s);
    char only_text[160];
    snprintf(only_text, sizeof only_text, "%s/text", tmp);
    yc_mkdirs(only_text, &err);
    touch(only_text, "notes.md");
    touch(only_text, "clip.avi");
    CHECK(yc_predict_sources(only_text, &s, &err) == -1 && strstr(err.msg, "no images found") &&
          strstr(err.msg, "videos are not supported"));
    snprintf(list, sizeof list, "%s/bad.txt", tmp);
    yc_write_file_atomic(list, "nothing/here.jpg\n", 17, &err);
    CHECK(yc_predict_sources(list, &s, &err) == -1 && strstr(err.msg, "nothing/here.jpg does not exist"));
    remove_tree(tmp);
}

static void test_draw_and_save(void) {
    int h = 60, w = 80;
    uint8_t *rgb = malloc((size_t)h * w * 3);
    if (!rgb) return;
    memset(rgb, 255, (size_t)h * w * 3);
    const char *names[] = {"a", "b"};
    float det[6] = {10, 20, 50, 50, 0.9f, 1};
    YcDetectionsImage d = {.rgb = rgb, .h = h, .w = w, .dets = det, .n = 1, .names = names, .nc = 2,
                           .line_width = 0, .boxes = true, .labels = false, .conf = true};
    YcErr err;
    CHECK(yc_detections_line_width(480, 640) == 2 && yc_detections_line_width(1080, 1920) == 5);
    CHECK(yc_plot_detections(&d, &err) == 0);
    /* class 1's palette colour 0x3CB44B on the box's edges, white inside and outside */
    const uint8_t *edge = rgb + ((size_t)20 * w + 30) * 3, *inside = rgb + ((size_t)35 * w + 30) * 3;
    CHECK(edge[0] == 0x3C && edge[1] == 0xB4 && edge[2] == 0x4B);
    CHECK(inside[0] == 255 && inside[1] == 255 && inside[2] == 255);
    CHECK(rgb[((size_t)5 * w + 70) * 3] == 255);
    CHECK(rgb[((size_t)23 * w + 30) * 3] == 255); /* 2 px line: row 23 untouched */
    memset(rgb, 255, (size_t)h * w * 3);
    d.line_width = 8; /* line_width=8: 4 px each side of the edge */
    CHECK(yc_plot_detections(&d, &err) == 0);
    CHECK(rgb[((size_t)23 * w + 30) * 3] == 0x3C && rgb[((size_t)25 * w + 30) * 3] == 255);
    d.line_width = 0;
    d.boxes = false; /* show_boxes=false: nothing drawn */
    memset(rgb, 255, (size_t)h * w * 3);
    CHECK(yc_plot_detections(&d, &err) == 0 && rgb[((size_t)20 * w + 30) * 3] == 255);
    d.boxes = d.labels = true;
    CHECK(yc_plot_detections(&d, &err) == 0);
    d.rgb = NULL;
    CHECK(yc_plot_detections(&d, &err) == -1);
    snprintf(tmp, sizeof tmp, "/tmp/yc_predict_unit_XXXXXX");
    if (CHECK(mkdtemp(tmp) != NULL)) {
        char path[128];
        snprintf(path, sizeof path, "%s/a.jpg", tmp);
        CHECK(yc_jpeg_save_rgb(rgb, h, w, 95, path, &err) == 0);
        YcImage back;
        if (CHECK(yc_image_read(path, &back, &err) == 0)) {
            CHECK(back.w == w && back.h == h && back.c == 3);
            yc_image_free(&back);
        }
        CHECK(yc_jpeg_save_rgb(rgb, h, w, 0, path, &err) == -1);
        remove_tree(tmp);
    }
    free(rgb);
}

static void test_predictor(void) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    if (!CHECK(be != NULL)) return;
    YcModel *m = yc_model_from_weights("tests/fixtures/val/val_tiny_coco8.safetensors", be, &err);
    if (!CHECK(m != NULL)) {
        fprintf(stderr, "    %s\n", err.msg);
        yc_backend_destroy(be);
        return;
    }
    YcPredictOptions o;
    yc_predict_options_defaults(&o);
    o.imgsz_h = o.imgsz_w = 150;
    CHECK(yc_predictor_new(m, &o, &err) == NULL && strstr(err.msg, "multiples"));
    o.imgsz_h = o.imgsz_w = 160;
    YcPredictor *p = yc_predictor_new(m, &o, &err);
    YcImage im;
    if (CHECK(p != NULL) && CHECK(yc_image_read("share/datasets/coco8/images/train/000000000009.jpg", &im, &err) == 0)) {
        YcPrediction r = {0};
        CHECK(yc_predictor_run(p, &im, &r, &err) == 0);
        /* the reference: 128x160, "3 bowls, 1 broccoli" at conf 0.25 */
        CHECK(r.input_h == 128 && r.input_w == 160 && r.n == 4);
        for (int i = 0; i < r.n; i++) {
            const float *row = r.rows + i * 6;
            CHECK(row[4] > 0.25f && (i == 0 || row[4] <= r.rows[(i - 1) * 6 + 4]));
            CHECK(row[0] >= 0 && row[2] <= im.w && row[1] >= 0 && row[3] <= im.h && row[0] <= row[2]);
        }
        YcImage gray = {0};
        CHECK(yc_predictor_run(p, &gray, &r, &err) == -1);
        yc_prediction_free(&r);
        yc_image_free(&im);
    }
    yc_predictor_free(p);
    yc_model_free(m);
    yc_backend_destroy(be);
}

int main(void) {
    static const CheckCase cases[] = {
        {"letterbox", test_letterbox},
        {"summary_and_txt", test_summary_and_txt},
        {"sources", test_sources},
        {"draw_and_save", test_draw_and_save},
        {"predictor", test_predictor},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
