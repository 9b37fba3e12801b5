/* Drives the real tracker (tracking/tracker.h) with a scripted training run,
 * so that tests can read what a run leaves behind without a trainer.
 *
 *   tests/bin/track_script [tool keys] [yoloc arguments: project= name= epochs= data= ...]
 *
 * Tool keys:
 *   batches=N          batches per epoch (default 5)
 *   validation=FILE    copied into the run as validation.json at every epoch
 *                      and after the last (the validator's job in a real run)
 *   log=FILE           every emitted event as one JSON line (yc_event_to_json)
 *   resume=RUN_DIR     continue that run after its last results.csv row
 *   kill_after=E       after epoch E's events, die at once (no close): a killed run
 *   end=finished|failed|interrupted   how the run ends (default finished)
 *   images=0|1         also log labels, train/val batches, histograms (default 1)
 * Prints the run directory on stdout. Values are deterministic functions of
 * (epoch, batch) so tests can recompute them. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "events.h"
#include "fileio.h"
#include "results_csv.h"
#include "run_dir.h"
#include "tracker.h"

static FILE *event_log;

static void log_event(const YcEvent *e, void *user) {
    (void)user;
    if (!event_log) return;
    YcStr s;
    yc_str_init(&s);
    yc_event_to_json(e, &s);
    fprintf(event_log, "%s\n", yc_str_cstr(&s));
    fflush(event_log);
    yc_str_free(&s);
}

static double wall_clock = 1700000000.0; /* scripted time: 1.5 s per batch */

static void emit(YcEventBus *bus, YcEvent *e) {
    e->wall_time = wall_clock;
    yc_events_emit(bus, e);
}

static const char *names[] = {"person", "bicycle", "car", "motorcycle", "airplane"};

/* n synthetic 3 x h x w images (gradients and blocks) and count x 6 targets. */
static void make_batch(int n, int h, int w, uint8_t *img, float *targets, int *count) {
    size_t plane = (size_t)h * w;
    for (int i = 0; i < n; i++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint8_t *p = img + (size_t)i * 3 * plane + (size_t)y * w + x;
                int block = ((x / 32) + (y / 32) + i) % 4 == 0;
                p[0] = (uint8_t)(block ? 200 : x * 255 / w);
                p[plane] = (uint8_t)(y * 255 / h);
                p[2 * plane] = (uint8_t)(block ? 60 : (i * 60 + 80) % 256);
            }
    *count = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            float *t = targets + (size_t)*count * 6;
            t[0] = (float)i, t[1] = (float)((i + k) % 5);
            t[2] = 0.25f + 0.25f * k, t[3] = 0.3f + 0.2f * k;
            t[4] = 0.2f + 0.05f * k, t[5] = 0.25f + 0.05f * i;
            (*count)++;
        }
}

static int copy_file(const char *from, const char *to, YcErr *err) {
    char *data;
    size_t size;
    if (yc_read_file(from, &data, &size, err)) return -1;
    int rc = yc_write_file_atomic(to, data, size, err);
    free(data);
    return rc;
}

int main(int argc, char **argv) {
    int batches = 5, kill_after = -1, images = 1;
    const char *validation = NULL, *log_path = NULL, *resume = NULL, *end = "finished";
    char *words[256];
    int nwords = 0;
    char command[4096] = "track_script";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "batches=", 8) == 0) batches = atoi(argv[i] + 8);
        else if (strncmp(argv[i], "validation=", 11) == 0) validation = argv[i] + 11;
        else if (strncmp(argv[i], "log=", 4) == 0) log_path = argv[i] + 4;
        else if (strncmp(argv[i], "resume=", 7) == 0) resume = argv[i] + 7;
        else if (strncmp(argv[i], "kill_after=", 11) == 0) kill_after = atoi(argv[i] + 11);
        else if (strncmp(argv[i], "end=", 4) == 0) end = argv[i] + 4;
        else if (strncmp(argv[i], "images=", 7) == 0) images = atoi(argv[i] + 7);
        else if (nwords < 256) words[nwords++] = argv[i];
        size_t len = strlen(command);
        snprintf(command + len, sizeof command - len, " %s", argv[i]);
    }
    YcErr err;
    YcArgs args;
    yc_args_defaults(&args);
    char run_dir[4096], path[4096 + 64];
    int first_epoch = 1;
    if (resume) {
        snprintf(run_dir, sizeof run_dir, "%s", resume);
        snprintf(path, sizeof path, "%s/args.yaml", run_dir);
        if (yc_args_load_yaml(&args, path, YC_SRC_CFG, &err)) goto fail;
        YcResults r;
        snprintf(path, sizeof path, "%s/results.csv", run_dir);
        if (yc_results_read(path, &r, &err)) goto fail;
        if (r.rows) first_epoch = (int)r.v[r.rows - 1][0] + 1;
        yc_results_free(&r);
        wall_clock += 1000;
    }
    if (yc_args_parse_words(&args, nwords, words, &err)) goto fail;
    if (!resume && yc_run_dir_create(&args, run_dir, sizeof run_dir, &err)) goto fail;
    if (log_path && !(event_log = fopen(log_path, resume ? "a" : "w"))) {
        fprintf(stderr, "track_script: cannot open %s\n", log_path);
        return 1;
    }
    YcTrackerConfig cfg;
    yc_tracker_config_defaults(&cfg, run_dir, &args);
    cfg.command = command;
    cfg.resume = resume != NULL;
    cfg.names = names;
    cfg.nc = 5;
    YcTracker *t;
    if (yc_tracker_open(&t, &cfg, &err)) goto fail;
    YcEventBus bus;
    yc_events_init(&bus);
    yc_events_subscribe(&bus, yc_tracker_on_event, t);
    yc_events_subscribe(&bus, log_event, NULL);
    int epochs = args.epochs;
    YcEvent e = {.type = YC_EVENT_RUN_START, .run_dir = run_dir, .epochs = epochs, .batches = batches,
                 .message = command};
    emit(&bus, &e);
    if (images && !resume) {
        float labels[40 * 5];
        for (int i = 0; i < 40; i++) {
            float *l = labels + i * 5;
            l[0] = (float)(i % 7 == 0 ? 2 : i % 5);
            l[1] = 0.2f + 0.6f * (float)((i * 37) % 100) / 100, l[2] = 0.2f + 0.6f * (float)((i * 61) % 100) / 100;
            l[3] = 0.05f + 0.4f * (float)((i * 13) % 100) / 100, l[4] = 0.05f + 0.4f * (float)((i * 29) % 100) / 100;
        }
        if (yc_tracker_log_labels(t, labels, 40, &err)) goto fail_open;
    }
    for (int epoch = first_epoch; epoch <= epochs; epoch++) {
        e = (YcEvent){.type = YC_EVENT_EPOCH_START, .epoch = epoch, .epochs = epochs, .batches = batches};
        emit(&bus, &e);
        for (int b = 1; b <= batches; b++) {
            double s = (epoch - 1) * batches + b;
            wall_clock += 1.5;
            e = (YcEvent){.type = YC_EVENT_BATCH_END, .epoch = epoch, .epochs = epochs, .batch = b,
                          .batches = batches, .losses = {2.0 * exp(-0.02 * s) + 0.5, 3.0 * exp(-0.03 * s) + 0.7,
                                                         1.5 * exp(-0.01 * s) + 0.8},
                          .instances = 12, .imgsz = args.imgsz.h, .images_per_sec = 100 + epoch, .elapsed_s = 1.5 * b};
            emit(&bus, &e);
            if (images && epoch == first_epoch && b <= 3 && !resume) {
                static uint8_t img[4 * 3 * 128 * 160];
                float targets[64 * 6];
                int count;
                make_batch(4, 128, 160, img, targets, &count);
                if (yc_tracker_log_train_batch(t, b - 1, img, 4, 128, 160, targets, count, NULL, &err)) goto fail_open;
            }
        }
        if (images && yc_tracker_histograms_enabled(t)) {
            float w[1000], g[1000];
            for (int i = 0; i < 1000; i++) {
                w[i] = (float)(sin(i * 0.37 + epoch) * 0.1 / epoch);
                g[i] = (float)(cos(i * 0.11) * 0.01 * exp(-0.3 * epoch));
            }
            if (yc_tracker_log_histogram(t, "weights/model.0.conv.weight", w, 1000, &err) ||
                yc_tracker_log_histogram(t, "grads/model.0.conv.weight", g, 1000, &err))
                goto fail_open;
        }
        e = (YcEvent){.type = YC_EVENT_VAL_START, .epoch = epoch, .batches = 2};
        emit(&bus, &e);
        char vpath[4096 + 32];
        snprintf(vpath, sizeof vpath, "%s/validation.json", run_dir);
        if (validation && copy_file(validation, vpath, &err)) goto fail_open;
        double p = 0.2 + 0.05 * epoch, r = 0.1 + 0.04 * epoch, m50 = 0.15 + 0.05 * epoch, m = 0.08 + 0.03 * epoch;
        e = (YcEvent){.type = YC_EVENT_VAL_END, .precision = p, .recall = r, .map50 = m50, .map50_95 = m,
                      .val_losses = {1.8 - 0.05 * epoch, 2.5 - 0.1 * epoch, 1.4 - 0.02 * epoch},
                      .path = validation ? vpath : NULL};
        emit(&bus, &e);
        double lr = 0.01 * (1 - (epoch - 1.0) / epochs) + 0.0001;
        e = (YcEvent){.type = YC_EVENT_EPOCH_END, .epoch = epoch, .epochs = epochs,
                      .losses = {2.0 * exp(-0.02 * epoch * batches) + 0.5, 3.0 * exp(-0.03 * epoch * batches) + 0.7,
                                 1.5 * exp(-0.01 * epoch * batches) + 0.8},
                      .precision = p, .recall = r, .map50 = m50, .map50_95 = m,
                      .val_losses = {1.8 - 0.05 * epoch, 2.5 - 0.1 * epoch, 1.4 - 0.02 * epoch},
                      .lr = {lr, lr, lr * 1.5}, .fitness = 0.1 * m50 + 0.9 * m, .elapsed_s = 1.5 * batches};
        emit(&bus, &e);
        if (epoch == kill_after) raise(SIGKILL); /* a killed run: no close, no end event */
    }
    if (images && validation) {
        /* the reference's final validation plots its first batches */
        static uint8_t img[4 * 3 * 128 * 160];
        float targets[64 * 6], preds[64 * 7];
        int count;
        make_batch(4, 128, 160, img, targets, &count);
        for (int i = 0; i < count; i++) {
            memcpy(preds + i * 7, targets + i * 6, sizeof(float) * 6);
            preds[i * 7 + 2] += 0.02f;
            preds[i * 7 + 6] = 0.2f + 0.07f * i;
        }
        if (yc_tracker_log_val_batch(t, 0, img, 4, 128, 160, targets, count, preds, count, NULL, &err)) goto fail_open;
        char vpath[4096 + 32];
        snprintf(vpath, sizeof vpath, "%s/validation.json", run_dir);
        e = (YcEvent){.type = YC_EVENT_VAL_START, .epoch = 0, .batches = 2};
        emit(&bus, &e);
        e = (YcEvent){.type = YC_EVENT_VAL_END, .path = vpath};
        emit(&bus, &e);
    }
    if (strcmp(end, "finished") == 0) {
        e = (YcEvent){.type = YC_EVENT_FINISHED, .run_dir = run_dir, .epoch = epochs};
    } else if (strcmp(end, "failed") == 0) {
        e = (YcEvent){.type = YC_EVENT_FAILED, .message = "scripted failure at epoch 2, batch 3"};
    } else {
        e = (YcEvent){.type = YC_EVENT_INTERRUPTED, .epoch = epochs, .message = "interrupted: resume with resume=true"};
    }
    emit(&bus, &e);
    if (yc_tracker_close(t, YC_RUN_UNSET, NULL, &err)) {
        fprintf(stderr, "track_script: %s\n", err.msg);
        return 1;
    }
    if (event_log) fclose(event_log);
    printf("%s\n", run_dir);
    return 0;
fail_open:
    fprintf(stderr, "track_script: %s\n", err.msg);
    yc_tracker_close(t, YC_RUN_FAILED, err.msg, &err);
    return 1;
fail:
    fprintf(stderr, "track_script: %s\n", err.msg);
    return 1;
}
