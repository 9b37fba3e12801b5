/* emit_events: a stand-in for `yoloc train|val|predict|info` that the kernel
 * tests run as the worker (YOLOC_WORKER=tests/bin/emit_events). It sends a
 * scripted run's events through the REAL relay (cli/relay.c) and handles
 * SIGINT the way the trainer must: finish the batch, save last weights
 * (a real safetensors file), send "checkpoint" and "interrupted", flush,
 * exit 130. A test harness, not product code.
 *
 *   emit_events MODE [epochs=N] [project=DIR] [name=NAME] [source=...] [other key=value ignored]
 *
 * Knobs (environment): EMIT_BATCHES (batches per epoch, default 4),
 * EMIT_BATCH_MS (milliseconds per batch, default 20), EMIT_CRASH_AT (abort()
 * at this global batch), EMIT_FAIL_AT (a failed event and exit 1 at this
 * global batch), EMIT_IGNORE_SIGINT=1 (keep going on SIGINT: a stuck worker),
 * EMIT_STDERR (printed on stderr first), EMIT_USAGE=1 (print a yoloc usage
 * error and exit 2 like bin/yoloc does for bad arguments), EMIT_HELPER=1
 * (fork a helper that sleeps in the worker's process group, like a
 * data-parallel rank, and write its pid to RUN_DIR/helper.pid). The words
 * it was given go to RUN_DIR/argv.txt, one per line. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "fileio.h"
#include "relay.h"
#include "safetensors.h"
#include "share.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

static int env_int(const char *name, int def) {
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !interrupted) {
    }
}

static const char *arg(int argc, char **argv, const char *key, const char *def) {
    size_t n = strlen(key);
    for (int i = 2; i < argc; i++)
        if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=') return argv[i] + n + 1;
    return def;
}

static YcEventBus bus;

static void emit(YcEvent e) { yc_events_emit(&bus, &e); }

static int save_last(const char *run_dir, int epoch, char *path, size_t cap) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/weights", run_dir);
    YcErr err;
    if (yc_mkdirs(dir, &err)) return -1;
    snprintf(path, cap, "%s/last.safetensors", dir);
    float w[4] = {0.5f, -1.0f, 2.0f, (float)epoch};
    int64_t shape[1] = {4};
    YcStWriter wr;
    yc_stw_init(&wr);
    char ep[16];
    snprintf(ep, sizeof ep, "%d", epoch);
    int rc = yc_stw_add(&wr, "model.0.conv.weight", YC_ST_F32, 1, shape, w, &err) || yc_stw_meta(&wr, "epoch", ep, &err) ||
             yc_stw_save(&wr, path, &err);
    yc_stw_free(&wr);
    if (rc) fprintf(stderr, "emit_events: %s\n", err.msg);
    return rc ? -1 : 0;
}

static const char *val_table =
    "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)\n"
    "                   all          4         17      0.512      0.401      0.455      0.301\n";

static int run_train(const char *run_dir, int epochs, int batches, int batch_ms) {
    int crash_at = env_int("EMIT_CRASH_AT", 0), fail_at = env_int("EMIT_FAIL_AT", 0);
    char path[1400] = "";
    emit((YcEvent){.type = YC_EVENT_RUN_START, .run_dir = run_dir, .epochs = epochs, .batches = batches,
                   .message = "yoloc train (emit_events)"});
    emit((YcEvent){.type = YC_EVENT_LOG, .message = "train: scanning labels... 4 images, 0 backgrounds"});
    int global = 0;
    for (int ep = 1; ep <= epochs; ep++) {
        emit((YcEvent){.type = YC_EVENT_EPOCH_START, .epoch = ep, .epochs = epochs, .batches = batches});
        for (int b = 1; b <= batches; b++) {
            sleep_ms(batch_ms);
            global++;
            if (crash_at && global == crash_at) abort();
            if (fail_at && global == fail_at) {
                emit((YcEvent){.type = YC_EVENT_FAILED, .epoch = ep, .batch = b,
                               .message = "loss is NaN at epoch 1, batch 2 (lower lr0)"});
                return 1;
            }
            double left = (double)(epochs * batches - global) * batch_ms / 1000.0;
            emit((YcEvent){.type = YC_EVENT_BATCH_END, .epoch = ep, .epochs = epochs, .batch = b, .batches = batches,
                           .losses = {1.5 / ep, 2.5 / ep, 1.2 / ep}, .instances = 17, .imgsz = 640,
                           .images_per_sec = 123.4, .elapsed_s = global * batch_ms / 1000.0, .eta_s = left});
            if (interrupted) {
                if (save_last(run_dir, ep, path, sizeof path)) return 1;
                emit((YcEvent){.type = YC_EVENT_CHECKPOINT, .epoch = ep, .path = path});
                char msg[1600];
                snprintf(msg, sizeof msg, "interrupted at epoch %d, batch %d; resume with: yoloc train resume=%s", ep,
                         b, path);
                emit((YcEvent){.type = YC_EVENT_INTERRUPTED, .epoch = ep, .path = path, .run_dir = run_dir,
                               .message = msg});
                return 130;
            }
        }
        emit((YcEvent){.type = YC_EVENT_VAL_START, .epoch = ep, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_BATCH, .epoch = ep, .batch = 1, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_BATCH, .epoch = ep, .batch = 2, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_END, .epoch = ep, .precision = 0.512, .recall = 0.401, .map50 = 0.455,
                       .map50_95 = 0.301, .message = val_table});
        emit((YcEvent){.type = YC_EVENT_EPOCH_END, .epoch = ep, .epochs = epochs, .losses = {1.5 / ep, 2.5 / ep, 1.2 / ep},
                       .precision = 0.512, .recall = 0.401, .map50 = 0.455, .map50_95 = 0.1 * ep, .fitness = 0.1 * ep,
                       .best_epoch = ep, .elapsed_s = batches * batch_ms / 1000.0});
        if (save_last(run_dir, ep, path, sizeof path)) return 1;
        emit((YcEvent){.type = YC_EVENT_CHECKPOINT, .epoch = ep, .path = path});
    }
    emit((YcEvent){.type = YC_EVENT_FINISHED, .run_dir = run_dir, .epoch = epochs, .best_epoch = epochs,
                   .map50_95 = 0.1 * epochs});
    return 0;
}

static void record_argv(const char *run_dir, int argc, char **argv) {
    char path[1200];
    snprintf(path, sizeof path, "%s/argv.txt", run_dir);
    FILE *f = fopen(path, "w");
    if (!f) return;
    for (int i = 1; i < argc; i++) fprintf(f, "%s\n", argv[i]);
    fclose(f);
}

static void start_helper(const char *run_dir) {
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_IGN); /* only SIGKILL to the group ends it */
        for (int i = 0; i < 600; i++) sleep_ms(100);
        _exit(0);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/helper.pid", run_dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", (int)pid);
        fclose(f);
    }
}

static int copy_file(const char *from, const char *to) {
    char *data = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(from, &data, &size, &err)) return -1;
    int rc = yc_write_file_atomic(to, data, size, &err);
    free(data);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: emit_events MODE [key=value ...]\n");
        return 2;
    }
    const char *mode = argv[1];
    const char *err_text = getenv("EMIT_STDERR");
    if (err_text) fprintf(stderr, "%s\n", err_text);
    if (env_int("EMIT_USAGE", 0)) {
        fprintf(stderr, "yoloc: unknown argument 'epoch' (did you mean 'epochs'?)\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = env_int("EMIT_IGNORE_SIGINT", 0) ? SIG_IGN : on_sigint;
    sigaction(SIGINT, &sa, NULL);

    YcErr err;
    CliRelay *relay = NULL;
    if (cli_relay_open_env(&relay, &err)) {
        fprintf(stderr, "emit_events: %s\n", err.msg);
        return 1;
    }
    yc_events_init(&bus);
    if (relay) yc_events_subscribe(&bus, cli_relay_event, relay);

    const char *project = arg(argc, argv, "project", "runs/detect");
    const char *name = arg(argc, argv, "name", strcmp(mode, "train") == 0 ? "train" : mode);
    char run_dir[1100];
    snprintf(run_dir, sizeof run_dir, "%s/%s", project, name);
    int rc = 0;
    if (strcmp(mode, "info") == 0) {
        printf("YOLOv8n summary: 129 layers, 3157200 parameters, 3157184 gradients, 8.9 GFLOPs\n");
    } else if (yc_mkdirs(run_dir, &err)) {
        fprintf(stderr, "emit_events: %s\n", err.msg);
        rc = 1;
    } else if (strcmp(mode, "train") == 0) {
        record_argv(run_dir, argc, argv);
        if (env_int("EMIT_HELPER", 0)) start_helper(run_dir);
        rc = run_train(run_dir, atoi(arg(argc, argv, "epochs", "2")), env_int("EMIT_BATCHES", 4),
                       env_int("EMIT_BATCH_MS", 20));
    } else if (strcmp(mode, "val") == 0) {
        emit((YcEvent){.type = YC_EVENT_RUN_START, .run_dir = run_dir});
        emit((YcEvent){.type = YC_EVENT_VAL_START, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_BATCH, .batch = 1, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_BATCH, .batch = 2, .batches = 2});
        emit((YcEvent){.type = YC_EVENT_VAL_END, .precision = 0.5, .recall = 0.4, .map50 = 0.45, .map50_95 = 0.3,
                       .message = val_table});
        emit((YcEvent){.type = YC_EVENT_FINISHED, .run_dir = run_dir});
    } else if (strcmp(mode, "predict") == 0) {
        /* "annotates" by copying the source image */
        const char *source = arg(argc, argv, "source", "");
        const char *base = strrchr(source, '/');
        char to[1400];
        snprintf(to, sizeof to, "%s/%s", run_dir, base ? base + 1 : source);
        emit((YcEvent){.type = YC_EVENT_RUN_START, .run_dir = run_dir});
        if (!*source || copy_file(source, to)) {
            emit((YcEvent){.type = YC_EVENT_FAILED, .message = "predict: cannot read the source"});
            rc = 1;
        } else {
            emit((YcEvent){.type = YC_EVENT_FINISHED, .run_dir = run_dir});
        }
    } else {
        fprintf(stderr, "yoloc: unknown mode '%s'\n", mode);
        rc = 2;
    }
    cli_relay_close(relay);
    return rc;
}
