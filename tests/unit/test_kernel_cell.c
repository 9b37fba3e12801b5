/* The cell language (parsing, completeness), completion, inspection,
 * history, the image sniffer and the progress display. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plot_png.h"
#include "kernel.h"
#include "kernel_cell.h"
#include "kernel_complete.h"
#include "kernel_history.h"
#include "kernel_inspect.h"
#include "kernel_progress.h"
#include "fileio.h"

static int parse(const char *code, YcCell *cell) {
    YcErr err;
    return yc_cell_parse(code, strlen(code), cell, &err);
}

static void test_commands_words_and_comments(void) {
    YcCell c;
    CHECK(parse("# a comment\ntrain epochs=3  imgsz=320 # trailing\n\n  help epochs\n", &c) == YC_CELL_COMPLETE);
    CHECK(c.count == 2);
    CHECK(c.commands[0].argc == 3 && c.commands[0].line == 2);
    CHECK_STR(c.commands[0].argv[0], "train");
    CHECK_STR(c.commands[0].argv[2], "imgsz=320");
    CHECK(c.commands[0].argv[3] == NULL);
    CHECK(c.commands[1].line == 4 && c.commands[1].argc == 2);
    yc_cell_free(&c);
}

static void test_quotes_brackets_and_continuations(void) {
    YcCell c;
    CHECK(parse("predict source=\"my dir/a b.jpg\" name='x y' imgsz=[640, 480] \\\n  conf=0.5 e=a\\ b", &c) ==
          YC_CELL_COMPLETE);
    CHECK(c.count == 1 && c.commands[0].argc == 6);
    CHECK_STR(c.commands[0].argv[1], "source=my dir/a b.jpg");
    CHECK_STR(c.commands[0].argv[2], "name=x y");
    CHECK_STR(c.commands[0].argv[3], "imgsz=[640, 480]");
    CHECK_STR(c.commands[0].argv[4], "conf=0.5");
    CHECK_STR(c.commands[0].argv[5], "e=a b");
    /* spans point at the raw words */
    CHECK(c.commands[0].words[1].start == 8);
    yc_cell_free(&c);
    CHECK(parse("echo \"a \\\"quoted\\\" word\" '#not a comment' x#y", &c) == YC_CELL_COMPLETE);
    CHECK_STR(c.commands[0].argv[1], "a \"quoted\" word");
    CHECK_STR(c.commands[0].argv[2], "#not a comment");
    CHECK_STR(c.commands[0].argv[3], "x#y");
    yc_cell_free(&c);
    CHECK(parse("echo \"\" x", &c) == YC_CELL_COMPLETE);
    CHECK(c.commands[0].argc == 3 && c.commands[0].argv[1][0] == '\0');
    yc_cell_free(&c);
}

static void test_incomplete_cells(void) {
    YcCell c;
    YcErr err;
    const char *incomplete[] = {"train epochs=3 \\", "echo 'open", "train imgsz=[640,", "echo \"a\nb"};
    for (int i = 0; i < 4; i++) {
        CHECK(yc_cell_parse(incomplete[i], strlen(incomplete[i]), &c, &err) == YC_CELL_INCOMPLETE);
        yc_cell_free(&c);
    }
    CHECK(yc_cell_parse("echo 'open", 10, &c, &err) == YC_CELL_INCOMPLETE);
    CHECK(strstr(err.msg, "quote") != NULL);
    CHECK(c.count == 1 && c.commands[0].argc == 2); /* the unfinished word is there */
    yc_cell_free(&c);
}

static void test_is_complete_and_check(void) {
    const char *names[YC_MAX_COMMANDS];
    int n = yc_command_names(names, YC_MAX_COMMANDS);
    CHECK(yc_cell_is_complete("help", names, n) == YC_CELL_COMPLETE);
    CHECK(yc_cell_is_complete("", names, n) == YC_CELL_COMPLETE);
    CHECK(yc_cell_is_complete("# nothing", names, n) == YC_CELL_COMPLETE);
    CHECK(yc_cell_is_complete("train epochs=3 \\", names, n) == YC_CELL_INCOMPLETE);
    CHECK(yc_cell_is_complete("trian epochs=3", names, n) == YC_CELL_INVALID);
    CHECK(yc_cell_is_complete("help =3", names, n) == YC_CELL_INVALID);
    YcCell c;
    YcErr err;
    parse("trian epochs=3", &c);
    CHECK(yc_cell_check(&c, names, n, &err) == YC_CELL_INVALID);
    CHECK_STR(err.msg, "unknown command 'trian' (did you mean 'train'?)");
    yc_cell_free(&c);
    parse("help\nepochs=3", &c);
    CHECK(yc_cell_check(&c, names, n, &err) == YC_CELL_INVALID);
    CHECK(strstr(err.msg, "line 2: 'epochs=3' is not a command") == err.msg);
    yc_cell_free(&c);
}

/* The matches of a completion request, as one comma-separated string. */
static char *complete(const char *code, long cursor, long *start, long *end) {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "code", code);
    if (cursor >= 0) cJSON_AddNumberToObject(req, "cursor_pos", (double)cursor);
    cJSON *reply = yc_complete_reply(req, NULL);
    static char out[4096];
    out[0] = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(reply, "matches")) {
        if (out[0]) strcat(out, ",");
        strncat(out, m->valuestring, sizeof out - strlen(out) - 2);
    }
    *start = (long)cJSON_GetObjectItem(reply, "cursor_start")->valuedouble;
    *end = (long)cJSON_GetObjectItem(reply, "cursor_end")->valuedouble;
    cJSON_Delete(req);
    cJSON_Delete(reply);
    return out;
}

static void test_completion(void) {
    long s, e;
    CHECK_STR(complete("tr", -1, &s, &e), "train");
    CHECK(s == 0 && e == 2);
    CHECK_STR(complete("train epo", -1, &s, &e), "epochs=");
    CHECK(s == 6 && e == 9);
    CHECK_STR(complete("train optimizer=Ad", -1, &s, &e), "optimizer=Adam,optimizer=AdamW");
    CHECK_STR(complete("train cos_lr=t", -1, &s, &e), "cos_lr=true");
    CHECK_STR(complete("train epochs=3 epo", -1, &s, &e), ""); /* already given */
    CHECK_STR(complete("train back", -1, &s, &e), "background=");
    CHECK_STR(complete("plot conf", -1, &s, &e), "confusion,confusion_normalized");
    CHECK_STR(complete("help trai", -1, &s, &e), "train");
    CHECK_STR(complete("help\nst", -1, &s, &e), "stop");
    /* the cursor inside the code, counted in code points (é is 2 bytes) */
    CHECK_STR(complete("echo é\ntra\nhelp", 10, &s, &e), "train");
    CHECK(s == 7 && e == 10);
    /* the middle of a line: the word before the cursor */
    CHECK_STR(complete("train imgs epochs=3", 10, &s, &e), "imgsz=");
    CHECK(s == 6 && e == 10);
}

static void test_inspect(void) {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "code", "train lr0=0.01");
    cJSON_AddNumberToObject(req, "cursor_pos", 8);
    cJSON *reply = yc_inspect_reply(req);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(reply, "found")));
    const char *text = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "data"), "text/plain")->valuestring;
    CHECK(strstr(text, "lr0=0.01") == text && strstr(text, "default") != NULL);
    cJSON_Delete(reply);
    cJSON_ReplaceItemInObject(req, "code", cJSON_CreateString("nonsense"));
    reply = yc_inspect_reply(req);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(reply, "found")));
    cJSON_Delete(reply);
    cJSON_Delete(req);
}

static cJSON *hist(YcHistory *h, const char *json) {
    cJSON *req = cJSON_Parse(json);
    cJSON *reply = yc_history_reply(h, req);
    cJSON_Delete(req);
    return reply;
}

static int hist_count(cJSON *reply) { return cJSON_GetArraySize(cJSON_GetObjectItem(reply, "history")); }

static void test_history(void) {
    YcHistory h;
    yc_history_init(&h);
    yc_history_add(&h, 1, "help", NULL);
    yc_history_add(&h, 2, "cfg epochs=3", "epochs: 3");
    yc_history_add(&h, 3, "help", NULL);
    yc_history_add(&h, 4, "cfg epochs=3", "epochs: 3");
    cJSON *r = hist(&h, "{\"hist_access_type\":\"tail\",\"n\":2,\"output\":true}");
    CHECK(hist_count(r) == 2);
    cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "history"), 1);
    CHECK(cJSON_GetArrayItem(last, 1)->valueint == 4);
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(last, 2), 1)->valuestring, "epochs: 3");
    cJSON_Delete(r);
    r = hist(&h, "{\"hist_access_type\":\"range\",\"session\":1,\"start\":2,\"stop\":4}");
    CHECK(hist_count(r) == 2);
    cJSON_Delete(r);
    r = hist(&h, "{\"hist_access_type\":\"range\",\"session\":-1,\"start\":1}");
    CHECK(hist_count(r) == 0); /* earlier sessions are not kept */
    cJSON_Delete(r);
    r = hist(&h, "{\"hist_access_type\":\"search\",\"pattern\":\"cfg*\"}");
    CHECK(hist_count(r) == 2);
    cJSON_Delete(r);
    r = hist(&h, "{\"hist_access_type\":\"search\",\"pattern\":\"*\",\"unique\":true}");
    CHECK(hist_count(r) == 2);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "history"), 0);
    CHECK(cJSON_GetArrayItem(first, 1)->valueint == 3); /* the last occurrence of each */
    cJSON_Delete(r);
    r = hist(&h, "{\"hist_access_type\":\"search\",\"pattern\":\"*\",\"n\":3}");
    CHECK(hist_count(r) == 3);
    cJSON_Delete(r);
    yc_history_free(&h);
}

/* Inline images: mime type and size from the data pipeline's header reader. */
static void check_image(const void *bytes, size_t size, const char *mime, int w, int h) {
    cJSON *data = NULL, *meta = NULL;
    if (!CHECK(yc_mime_image(bytes, size, "x.img", &data, &meta) == 0)) return;
    CHECK(cJSON_IsString(cJSON_GetObjectItem(data, mime)));
    const cJSON *m = cJSON_GetObjectItem(meta, mime);
    CHECK(cJSON_GetObjectItem(m, "width")->valueint == w && cJSON_GetObjectItem(m, "height")->valueint == h);
    char plain[64];
    snprintf(plain, sizeof plain, "<x.img, %dx%d>", w, h);
    CHECK_STR(cJSON_GetObjectItem(data, "text/plain")->valuestring, plain);
    cJSON_Delete(data);
    cJSON_Delete(meta);
}

static void test_inline_images(void) {
    YcPng png;
    YcErr err;
    static const uint8_t rgb[3 * 8 * 5] = {0};
    CHECK(yc_png_encode_rgb(rgb, 8, 5, 8 * 3, &png, &err) == 0);
    check_image(png.data, png.size, "image/png", 8, 5);
    yc_png_free(&png);
    char *jpg = NULL;
    size_t size = 0;
    CHECK(yc_read_file("share/datasets/coco8/images/val/000000000036.jpg", &jpg, &size, &err) == 0);
    if (jpg) check_image(jpg, size, "image/jpeg", 481, 640);
    cJSON *data, *meta;
    CHECK(jpg && yc_mime_image(jpg, 100, "cut", &data, &meta) == -1); /* cut before the frame header */
    free(jpg);
    CHECK(yc_mime_image("GIF89a", 6, "gif", &data, &meta) == -1);
    CHECK(yc_mime_image("", 0, "empty", &data, &meta) == -1);
}

static void test_progress_bundle(void) {
    YcJob job;
    memset(&job, 0, sizeof job);
    job.id = 3;
    snprintf(job.mode, sizeof job.mode, "train");
    yc_str_init(&job.output);
    YcEvent e = {.type = YC_EVENT_BATCH_END, .epoch = 2, .epochs = 4, .batch = 5, .batches = 10,
                 .losses = {1.25, 2.5, 0.75}, .images_per_sec = 42.5, .eta_s = 125};
    yc_job_apply_event(&job, &e);
    YcEvent end = {.type = YC_EVENT_EPOCH_END, .epoch = 1, .epochs = 4, .losses = {1, 2, 3}, .map50_95 = 0.25,
                   .best_epoch = 1};
    yc_job_apply_event(&job, &end);
    cJSON *b = yc_progress_bundle(&job);
    const char *plain = cJSON_GetObjectItem(b, "text/plain")->valuestring;
    CHECK(strstr(plain, "train job 3") != NULL);
    CHECK(strstr(plain, " 38%") != NULL); /* (1 + 5/10) / 4 */
    CHECK(strstr(plain, "epoch 2/4  batch 5/10") != NULL);
    CHECK(strstr(plain, "box 1.25 cls 2.5 dfl 0.75") != NULL);
    CHECK(strstr(plain, "42.5 img/s") != NULL && strstr(plain, "2m05s left") != NULL);
    CHECK(strstr(plain, "0.250") != NULL); /* the epoch table */
    CHECK(strstr(cJSON_GetObjectItem(b, "text/html")->valuestring, "<table") != NULL);
    cJSON_Delete(b);
    free(job.rows);
    yc_str_free(&job.pending_log);
    yc_str_free(&job.val_table);
    yc_str_free(&job.end_message);
}

int main(void) {
    static const CheckCase cases[] = {
        {"commands_words_and_comments", test_commands_words_and_comments},
        {"quotes_brackets_and_continuations", test_quotes_brackets_and_continuations},
        {"incomplete_cells", test_incomplete_cells},
        {"is_complete_and_check", test_is_complete_and_check},
        {"completion", test_completion},
        {"inspect", test_inspect},
        {"history", test_history},
        {"inline_images", test_inline_images},
        {"progress_bundle", test_progress_bundle},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
