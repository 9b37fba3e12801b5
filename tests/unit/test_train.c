/* The training and validation loops in-process (so that `make asan` covers
 * them): in-memory batches, input conversion and resizing, multi_scale
 * sizes, checkpoints, an interrupt inside an epoch resumed bit for bit, the
 * validation loop's events and predictions.json, device selection and resume
 * arguments. Parity with the reference: tests/bin/parity (kinds train, val). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "fileio.h"
#include "model.h"
#include "safetensors.h"
#include "train_checkpoint.h"
#include "train_input.h"
#include "train_loop.h"
#include "train_resume.h"
#include "train_source.h"
#include "val_loop.h"

#define MODEL "tests/fixtures/train/tiny-train.yaml"
#define SIZE 64
#define NB 3

static YcBackend *be;

/* NB batches of 2 images with painted boxes. */
static YcBatchSource *make_source(uint64_t seed, YcSourceImage *info) {
    static uint8_t img[NB][2 * 3 * SIZE * SIZE];
    static float tg[NB][4 * 6];
    YcSourceBatch b[NB];
    uint64_t s = seed;
    for (int k = 0; k < NB; k++) {
        for (size_t p = 0; p < sizeof img[k]; p++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            img[k][p] = (uint8_t)(s >> 58);
        }
        for (int t = 0; t < 4; t++) {
            float *r = tg[k] + t * 6;
            r[0] = (float)(t / 2);
            r[1] = (float)((k + t) % 3);
            r[2] = 0.3f + 0.1f * t;
            r[3] = 0.5f - 0.05f * k;
            r[4] = 0.3f;
            r[5] = 0.25f + 0.05f * t;
            int x0 = (int)((r[2] - r[4] / 2) * SIZE), x1 = (int)((r[2] + r[4] / 2) * SIZE);
            int y0 = (int)((r[3] - r[5] / 2) * SIZE), y1 = (int)((r[3] + r[5] / 2) * SIZE);
            for (int c = 0; c < 3; c++)
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) img[k][(((t / 2) * 3 + c) * SIZE + y) * SIZE + x] = (uint8_t)(90 + 70 * r[1]);
        }
        b[k] = (YcSourceBatch){.n = 2, .h = SIZE, .w = SIZE, .images = img[k], .targets = 4, .target = tg[k],
                               .info = info};
    }
    YcErr err;
    YcBatchSource *src = yc_source_mem_create(b, NB, 0, &err);
    CHECK(src != NULL);
    return src;
}

static void test_mem_source(void) {
    YcBatchSource *s = make_source(1, NULL);
    if (!s) return;
    YcErr err;
    CHECK(s->batches(s) == NB && s->images(s) == 2 * NB);
    YcSourceBatch b;
    CHECK(s->start_epoch(s, 0, 1, &err) == 0);
    CHECK(s->next(s, &b, &err) == 1 && b.n == 2 && b.targets == 4);
    CHECK(s->next(s, &b, &err) == 1);
    CHECK(s->next(s, &b, &err) == 0);
    CHECK(s->start_epoch(s, 1, NB + 1, &err) == -1 && strstr(err.msg, "cannot start at batch"));
    s->close_mosaic(s);
    CHECK(yc_source_mem_closed_mosaic(s) == 1);
    yc_source_destroy(s);
    YcSourceBatch bad = {.n = 0, .h = 1, .w = 1};
    CHECK(yc_source_mem_create(&bad, 1, 0, &err) == NULL && strstr(err.msg, "bad shape"));
}

static void test_input_and_resize(void) {
    float src[4] = {0, 1, 2, 3}, dst[16];
    yc_resize_bilinear(src, 1, 2, 2, dst, 4, 4);
    /* torch.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False) */
    const float want[16] = {0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f, 2.75f, 3};
    bool same = true;
    for (int i = 0; i < 16; i++) same = same && fabsf(dst[i] - want[i]) < 1e-6f;
    CHECK(same);
    uint8_t px[2 * 3 * 32 * 32];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)i;
    YcSourceBatch b = {.n = 2, .h = 32, .w = 32, .images = px};
    YcInput in;
    yc_input_init(&in, be);
    YcTensor x;
    YcErr err;
    CHECK(yc_input_prepare(&in, &b, 32, 32, &x, &err) == 0);
    CHECK(x.shape[0] == 2 && x.shape[2] == 32 && ((float *)x.data)[255] == 255.0f / 255.0f &&
          ((float *)x.data)[7] == 7.0f / 255.0f);
    CHECK(yc_input_prepare(&in, &b, 64, 96, &x, &err) == 0);
    CHECK(x.shape[2] == 64 && x.shape[3] == 96);
    yc_input_free(&in);
    /* multi_scale: stride multiples in [imgsz/2, 1.5 imgsz + stride), the same for the same (seed, iteration) */
    bool ok = true, varied = false;
    int first = -1;
    for (long it = 0; it < 200; it++) {
        int oh, ow;
        yc_multiscale_size(7, it, 320, 32, 320, 320, &oh, &ow);
        ok = ok && oh == ow && oh % 32 == 0 && oh >= 160 && oh < 512;
        if (first < 0) first = oh;
        varied = varied || oh != first;
        int oh2, ow2;
        yc_multiscale_size(7, it, 320, 32, 320, 320, &oh2, &ow2);
        ok = ok && oh2 == oh && ow2 == ow;
    }
    CHECK(ok && varied);
}

/* ---- training in-process ---- */

typedef struct Stopper {
    volatile sig_atomic_t flag;
    int at_batch, at_epoch;
    int epoch_ends, batch_ends, checkpoints, interrupted, finished;
} Stopper;

static void on_event(const YcEvent *e, void *user) {
    Stopper *s = user;
    if (e->type == YC_EVENT_BATCH_END) {
        s->batch_ends++;
        if (e->epoch == s->at_epoch && e->batch == s->at_batch) s->flag = 1;
    }
    if (e->type == YC_EVENT_EPOCH_END) s->epoch_ends++;
    if (e->type == YC_EVENT_CHECKPOINT) s->checkpoints++;
    if (e->type == YC_EVENT_INTERRUPTED) s->interrupted++;
    if (e->type == YC_EVENT_FINISHED) s->finished++;
}

static int train(const char *dir, const char *resume, int stop_epoch, int stop_batch, Stopper *st, YcTrainResult *r) {
    YcArgs args;
    yc_args_defaults(&args);
    YcErr err;
    const char *words[][2] = {{"epochs", "2"}, {"batch", "2"}, {"imgsz", "64"}, {"nbs", "4"}, {"plots", "false"},
                              {"warmup_epochs", "0.5"}, {"optimizer", "SGD"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) yc_args_set(&args, words[i][0], words[i][1], YC_SRC_CLI, &err);
    YcModel *m = yc_model_build(MODEL, 3, be, &err);
    YcBatchSource *tr = make_source(11, NULL), *va = make_source(22, NULL);
    memset(st, 0, sizeof *st);
    st->at_epoch = stop_epoch;
    st->at_batch = stop_batch;
    YcEventBus bus;
    yc_events_init(&bus);
    yc_events_subscribe(&bus, on_event, st);
    const char *names[3] = {"a", "b", "c"};
    YcTrainSetup s = {.args = &args, .batch = 2, .imgsz = 64, .model = m, .train = tr, .val = va, .names = names,
                      .run_dir = dir, .resume_path = resume, .bus = &bus, .stop = &st->flag};
    int rc = m && tr && va ? yc_train_run(&s, r) : -2;
    yc_source_destroy(tr);
    yc_source_destroy(va);
    yc_model_free(m);
    return rc;
}

static bool same_tensors(const char *a, const char *b) {
    YcSafetensors x, y;
    YcErr err;
    if (yc_st_load(a, &x, &err)) return false;
    if (yc_st_load(b, &y, &err)) {
        yc_st_free(&x);
        return false;
    }
    bool same = x.count == y.count;
    for (int i = 0; same && i < x.count; i++) {
        const YcStTensor *t = yc_st_find(&y, x.tensors[i].name);
        same = t && t->nbytes == x.tensors[i].nbytes &&
               memcmp(yc_st_data(&x, &x.tensors[i]), yc_st_data(&y, t), t->nbytes) == 0;
    }
    yc_st_free(&x);
    yc_st_free(&y);
    return same;
}

static void test_interrupt_and_resume(void) {
    char base[] = "/tmp/yc_test_train_XXXXXX";
    if (!CHECK(mkdtemp(base) != NULL)) return;
    char a[256], b[256], last_a[300], last_b[300], best_a[300], best_b[300];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    Stopper st;
    YcTrainResult r;
    CHECK(train(a, NULL, 0, 0, &st, &r) == 0);
    CHECK(r.status == YC_TRAIN_FINISHED && r.epochs_done == 2 && st.epoch_ends == 2 && st.finished == 1);
    CHECK(st.batch_ends == 2 * NB);
    /* stopped after batch 2 of epoch 1: a checkpoint inside the epoch, with pending gradients */
    CHECK(train(b, NULL, 1, 2, &st, &r) == 1);
    CHECK(r.status == YC_TRAIN_INTERRUPTED && st.interrupted == 1 && strstr(r.message, "resume with: yoloc train resume="));
    snprintf(last_b, sizeof last_b, "%s/weights/last.safetensors", b);
    YcSafetensors ck;
    YcErr err;
    if (CHECK(yc_st_load(last_b, &ck, &err) == 0)) {
        YcTrainState s;
        CHECK(yc_checkpoint_read_state(&ck, &s, &err) == 0);
        CHECK(s.next_epoch == 0 && s.next_batch == 2 && s.epoch == -1);
        CHECK(yc_st_find(&ck, "resume.model.model.0.conv.weight") && yc_st_find(&ck, "model.0.conv.weight"));
        YcOptimKind kind;
        CHECK(yc_checkpoint_optim_kind(&ck, &kind, &err) == 0 && kind == YC_OPTIM_SGD);
        int n = 0;
        char **names = yc_checkpoint_names(&ck, &n);
        CHECK(n == 3 && names && strcmp(names[2], "c") == 0);
        yc_names_free(names, n);
        yc_st_free(&ck);
    }
    CHECK(train(b, last_b, 0, 0, &st, &r) == 0 && r.status == YC_TRAIN_FINISHED);
    snprintf(last_a, sizeof last_a, "%s/weights/last.safetensors", a);
    snprintf(best_a, sizeof best_a, "%s/weights/best.safetensors", a);
    snprintf(best_b, sizeof best_b, "%s/weights/best.safetensors", b);
    CHECK(same_tensors(last_a, last_b));
    CHECK(same_tensors(best_a, best_b));
    /* the finished run's last is weights only: resuming it again is refused */
    CHECK(train(b, last_b, 0, 0, &st, &r) == -1 && strstr(r.message, "weights only"));
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    CHECK(system(cmd) == 0);
}

static void test_validation_loop(void) {
    char dir[] = "/tmp/yc_test_val_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    YcErr err;
    YcModel *m = yc_model_build(MODEL, 3, be, &err);
    YcSourceImage info[2] = {{.path = "/data/images/12.jpg", .h0 = 128, .w0 = 128, .gain = 0.5},
                             {.path = "/data/images/x.jpg", .h0 = 64, .w0 = 64, .gain = 1}};
    YcBatchSource *src = make_source(5, info);
    if (!CHECK(m && src)) return;
    /* class scores near 0.5: predictions above conf for sure */
    int n;
    YcParam *p = yc_model_params(m, &n);
    for (int i = 0; i < n; i++)
        if (strstr(p[i].name, ".cv3.") && strstr(p[i].name, ".2.bias")) be->fill(be, p[i].value, p[i].count, 0.0f);
    char json[300], preds[300];
    snprintf(json, sizeof json, "%s/validation.json", dir);
    snprintf(preds, sizeof preds, "%s/predictions.json", dir);
    YcValOptions o;
    yc_val_options_defaults(&o);
    o.compute_loss = true;
    o.json_path = json;
    o.predictions_path = preds;
    Stopper st;
    memset(&st, 0, sizeof st);
    YcEventBus bus;
    yc_events_init(&bus);
    yc_events_subscribe(&bus, on_event, &st);
    YcValResult r;
    CHECK(yc_val_run(m, src, &o, &bus, &r, &err) == 0);
    CHECK(r.metrics.images == 2 * NB && r.metrics.instances == 4 * NB && r.batches == NB);
    CHECK(r.loss[0] > 0 && r.loss[1] > 0 && r.loss[2] > 0 && r.table && strstr(r.table, "all"));
    CHECK(r.predictions_written > 0 && yc_file_exists(json) && yc_file_exists(preds));
    char *text = NULL;
    size_t size;
    if (CHECK(yc_read_file(preds, &text, &size, &err) == 0))
        CHECK(strstr(text, "\"image_id\": 12") && strstr(text, "\"image_id\": \"x\""));
    free(text);
    yc_val_result_free(&r);
    /* a stop request ends the loop early with nothing written */
    volatile sig_atomic_t stop = 1;
    o.stop = &stop;
    o.predictions_path = NULL;
    CHECK(yc_val_run(m, src, &o, NULL, &r, &err) == 1);
    yc_source_destroy(src);
    yc_model_free(m);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

static void test_device(void) {
    YcErr err;
    YcDevice cpu = {.kind = YC_DEVICE_CPU};
    char desc[256];
    YcBackend *b = yc_device_open(&cpu, "true", desc, sizeof desc, &err);
    CHECK(b != NULL && strncmp(desc, "CPU", 3) == 0);
    yc_backend_destroy(b);
    YcDevice two = {.kind = YC_DEVICE_CUDA, .count = 2, .ids = {0, 1}};
    CHECK(yc_device_open(&two, "true", NULL, 0, &err) == NULL && strstr(err.msg, "not built yet"));
    if (!yc_device_has_cuda()) {
        YcDevice one = {.kind = YC_DEVICE_CUDA, .count = 1, .ids = {0}};
        CHECK(yc_device_open(&one, "true", NULL, 0, &err) == NULL && strstr(err.msg, "no CUDA support"));
        YcDevice none = {.kind = YC_DEVICE_AUTO};
        b = yc_device_open(&none, "true", NULL, 0, &err);
        CHECK(b != NULL && b->mem == YC_MEM_HOST);
        yc_backend_destroy(b);
    }
}

static void test_resume_args(void) {
    YcArgs args;
    yc_args_defaults(&args);
    YcErr err;
    char ckpt[256], dir[256];
    yc_args_set(&args, "resume", "/nonexistent/last.safetensors", YC_SRC_CLI, &err);
    CHECK(yc_train_resume_args(&args, ckpt, sizeof ckpt, dir, sizeof dir, &err) == -1 && strstr(err.msg, "no such file"));
    yc_args_defaults(&args);
    yc_args_set(&args, "resume", "true", YC_SRC_CLI, &err);
    yc_args_set(&args, "project", "/nonexistent-project", YC_SRC_CLI, &err);
    CHECK(yc_train_resume_args(&args, ckpt, sizeof ckpt, dir, sizeof dir, &err) == -1 &&
          strstr(err.msg, "no weights/last.safetensors under /nonexistent-project"));
    /* a real checkpoint: the run's arguments, with the overridable ones from the command line */
    char base[] = "/tmp/yc_test_resume_XXXXXX";
    if (!CHECK(mkdtemp(base) != NULL)) return;
    char run[256], last[300];
    snprintf(run, sizeof run, "%s/r", base);
    Stopper st;
    YcTrainResult r;
    CHECK(train(run, NULL, 1, 1, &st, &r) == 1);
    snprintf(last, sizeof last, "%s/weights/last.safetensors", run);
    yc_args_defaults(&args);
    yc_args_set(&args, "resume", last, YC_SRC_CLI, &err);
    yc_args_set(&args, "patience", "7", YC_SRC_CLI, &err);
    yc_args_set(&args, "lr0", "0.5", YC_SRC_CLI, &err); /* not overridable: the run's value stays */
    CHECK(yc_train_resume_args(&args, ckpt, sizeof ckpt, dir, sizeof dir, &err) == 0);
    CHECK(args.patience == 7 && args.lr0 == 0.01 && args.epochs == 2 && strcmp(args.optimizer, "SGD") == 0);
    CHECK(args.resume.on && strcmp(args.resume.path, last) == 0 && strcmp(dir, run) == 0);
    char found[300];
    CHECK(yc_train_latest_last(base, found, sizeof found, &err) == 0 && strcmp(found, last) == 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    CHECK(system(cmd) == 0);
}

int main(void) {
    YcErr err;
    be = yc_backend_cpu_create(2, &err);
    if (!be) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    static const CheckCase cases[] = {
        {"in-memory batch source", test_mem_source},
        {"input conversion, bilinear resize, multi_scale sizes", test_input_and_resize},
        {"interrupt inside an epoch, resume bit for bit", test_interrupt_and_resume},
        {"validation loop: metrics, losses, events, predictions.json, stop", test_validation_loop},
        {"device selection", test_device},
        {"resume arguments", test_resume_args},
    };
    int rc = check_run(cases, (int)(sizeof cases / sizeof cases[0]));
    yc_backend_destroy(be);
    return rc;
}
