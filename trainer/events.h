/* Training and validation events: the one way the loops report what they do.
 * Whoever runs a loop subscribes what it needs: the console printer (cli/),
 * tracking (results.csv, event files, plots, run.json) and the relay to the
 * notebook kernel, which receives the same events as JSON lines. */
#ifndef YC_EVENTS_H
#define YC_EVENTS_H

#include "strbuf.h"

typedef enum YcEventType {
    YC_EVENT_RUN_START,    /* run_dir, epochs, batches; message = the command */
    YC_EVENT_EPOCH_START,  /* epoch, epochs, batches */
    YC_EVENT_BATCH_END,    /* epoch, batch, batches, losses (running means), instances, imgsz,
                              images_per_sec, elapsed_s, eta_s, device_mem_gb */
    YC_EVENT_VAL_START,    /* epoch (0 outside training), batches */
    YC_EVENT_VAL_BATCH,    /* batch, batches */
    YC_EVENT_VAL_END,      /* precision, recall, map50, map50_95, val_losses; message = the printed table;
                              path = validation.json when written */
    YC_EVENT_EPOCH_END,    /* epoch, epochs, losses, precision.., val_losses, lr, fitness, best_epoch,
                              elapsed_s (epoch time) */
    YC_EVENT_CHECKPOINT,   /* epoch, path */
    YC_EVENT_LOG,          /* message: one console line (dataset summary, warnings) */
    YC_EVENT_FINISHED,     /* run_dir, epoch (last), best_epoch, metrics of the best epoch */
    YC_EVENT_FAILED,       /* message: why, naming epoch and batch where it applies */
    YC_EVENT_INTERRUPTED,  /* epoch, path (last checkpoint); message says how to resume */
    YC_EVENT_PREDICT_IMAGE,/* batch (image number, 1-based), batches (images in the source), run_dir,
                              path (the annotated image written, or NULL), message = the console line */
    YC_EVENT_TYPE_COUNT
} YcEventType;

typedef struct YcEvent {
    YcEventType type;
    double wall_time;      /* unix seconds */
    int epoch;             /* 1-based; 0 when not in an epoch */
    int epochs;
    int batch;             /* 1-based within the epoch */
    int batches;
    double losses[3];      /* box, cls, dfl */
    int instances;
    int imgsz;
    double images_per_sec;
    double elapsed_s;
    double eta_s;
    double device_mem_gb;
    double precision, recall, map50, map50_95;
    double val_losses[3];
    double lr[3];          /* the reference's param_groups order: pg0 biases, pg1 decayed weights,
                              pg2 norm weights (results.csv lr/pg0..2) */
    double fitness;
    int best_epoch;
    const char *run_dir;   /* borrowed; NULL when not applicable */
    const char *path;
    const char *message;
} YcEvent;

typedef void (*YcEventFn)(const YcEvent *event, void *user);

#define YC_EVENT_MAX_SUBSCRIBERS 8

typedef struct YcEventBus {
    int count;
    YcEventFn fns[YC_EVENT_MAX_SUBSCRIBERS];
    void *users[YC_EVENT_MAX_SUBSCRIBERS];
} YcEventBus;

void yc_events_init(YcEventBus *bus);
/* Returns -1 when the bus is full. */
int yc_events_subscribe(YcEventBus *bus, YcEventFn fn, void *user);
/* Delivers to every subscriber in subscription order; stamps wall_time if 0. */
void yc_events_emit(const YcEventBus *bus, YcEvent *event);

const char *yc_event_type_name(YcEventType type);

/* One JSON object on one line (no newline), e.g.
 * {"type":"batch_end","epoch":1,"batch":3,"losses":[1.2,3.4,1.1],...}. */
void yc_event_to_json(const YcEvent *event, YcStr *out);

/* An event parsed from JSON, owning its strings. */
typedef struct YcEventOwned {
    YcEvent event;
    char run_dir[1024];
    char path[1024];
    char message[16384];
} YcEventOwned;

/* Returns -1 if the text is not an event. */
int yc_event_from_json(const char *json, YcEventOwned *out);

#endif
