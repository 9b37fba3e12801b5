/* What `yoloc train` does around the training loop, shared by the mode
 * (cli/mode_train.c, batches from the data loader) and the test tool
 * tests/bin/train_mem (batches held in memory): arguments, resume, device,
 * data, model, run directory, the event subscribers (console, tracker, the
 * kernel relay), signals, the loop, and the run's end. */
#ifndef YC_CLI_TRAIN_FLOW_H
#define YC_CLI_TRAIN_FLOW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "backend.h"
#include "error.h"
#include "events.h"
#include "train_source.h"

/* A data set for training, opened in two steps (the model needs nc, the
 * loaders the model's stride). */
typedef struct CliTrainData {
    int nc;
    char **names;              /* nc names (after single_cls: "item") */
    const float *labels;       /* training labels for labels.png: count x 5 (class, cx, cy, w, h), or NULL */
    int label_count;
    YcBatchSource *train, *val;
    bool val_is_coco;          /* the validation split is COCO's val2017 / test-dev2017 */
    const char *log;           /* lines to print once the console is subscribed (summaries, warnings), or NULL */
    void *impl;
} CliTrainData;

typedef struct CliTrainDataOps {
    /* Reads the data set's description (names, nc, training labels). */
    int (*open)(CliTrainData *d, const YcArgs *args, YcErr *err);
    /* Creates the training and validation batch sources for a model on backend be. */
    int (*sources)(CliTrainData *d, const YcArgs *args, int batch, int imgsz, int stride, YcBackend *be, YcErr *err);
    void (*close)(CliTrainData *d);
} CliTrainDataOps;

/* The whole of `yoloc train WORDS...`; returns the exit status (0 finished,
 * 1 failed, 2 bad arguments, 130 interrupted). */
int cli_train(int argc, char **argv, const CliTrainDataOps *data);

/* Subscribes the event consumers every worker has: the console printer
 * (out/err), the tracker when given, and the kernel's relay when
 * YOLOC_EVENTS is set (*relay set; NULL otherwise). A further consumer is
 * one more yc_events_subscribe on the same bus. */
typedef struct CliSubscribers {
    void *console;             /* YcConsole */
    void *relay;               /* CliRelay */
} CliSubscribers;
int cli_subscribe(YcEventBus *bus, CliSubscribers *subs, void *tracker, YcErr *err);
void cli_unsubscribe(CliSubscribers *subs);

/* SIGINT/SIGTERM: the first sets the flag (the loops end their batch, save
 * and stop), a second one ends the process at once (exit 130). */
extern volatile sig_atomic_t cli_stop_requested;
void cli_install_stop_signals(void);

/* For val and predict from a weights file: the arguments the reference keeps
 * from the training run (imgsz, data, single_cls) fill those the user did not
 * give, as `yolo val model=best.pt` does. No-op for YAML models or weights
 * without train_args. Errors name the file. */
int cli_args_from_weights(YcArgs *args, YcErr *err);

/* How a val or predict run that failed says so: a `failed` event (the
 * console prints it, the kernel relay forwards it) once subscribers are
 * attached (bus not NULL), else "yoloc: <message>" on stderr. run_dir may be "". */
void cli_report_failure(const YcEventBus *bus, int status, const YcErr *err, const char *run_dir);

/* The words as one command line ("yoloc train model=... data=..."). */
void cli_command_line(const char *mode, int argc, char **argv, char *out, size_t cap);

#endif
