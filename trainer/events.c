/* Event delivery and the JSON form of events (see events.h). */
#include "events.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static const char *type_names[YC_EVENT_TYPE_COUNT] = {
    "run_start", "epoch_start", "batch_end", "val_start", "val_batch", "val_end",
    "epoch_end", "checkpoint", "log", "finished", "failed", "interrupted", "predict_image",
};

const char *yc_event_type_name(YcEventType type) {
    return (type >= 0 && type < YC_EVENT_TYPE_COUNT) ? type_names[type] : "unknown";
}

void yc_events_init(YcEventBus *bus) { memset(bus, 0, sizeof *bus); }

int yc_events_subscribe(YcEventBus *bus, YcEventFn fn, void *user) {
    if (bus->count >= YC_EVENT_MAX_SUBSCRIBERS) return -1;
    bus->fns[bus->count] = fn;
    bus->users[bus->count] = user;
    bus->count++;
    return 0;
}

void yc_events_emit(const YcEventBus *bus, YcEvent *event) {
    if (event->wall_time == 0) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        event->wall_time = (double)tv.tv_sec + tv.tv_usec / 1e6;
    }
    for (int i = 0; i < bus->count; i++) bus->fns[i](event, bus->users[i]);
}

/* JSON has no NaN: non-finite numbers travel as null. */
static void add_number(cJSON *obj, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(obj, key, v);
    else cJSON_AddNullToObject(obj, key);
}

static void add_triple(cJSON *obj, const char *key, const double v[3]) {
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (int i = 0; i < 3; i++) cJSON_AddItemToArray(arr, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
}

void yc_event_to_json(const YcEvent *e, YcStr *out) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", yc_event_type_name(e->type));
    add_number(o, "wall_time", e->wall_time);
    cJSON_AddNumberToObject(o, "epoch", e->epoch);
    cJSON_AddNumberToObject(o, "epochs", e->epochs);
    cJSON_AddNumberToObject(o, "batch", e->batch);
    cJSON_AddNumberToObject(o, "batches", e->batches);
    add_triple(o, "losses", e->losses);
    cJSON_AddNumberToObject(o, "instances", e->instances);
    cJSON_AddNumberToObject(o, "imgsz", e->imgsz);
    add_number(o, "images_per_sec", e->images_per_sec);
    add_number(o, "elapsed_s", e->elapsed_s);
    add_number(o, "eta_s", e->eta_s);
    add_number(o, "device_mem_gb", e->device_mem_gb);
    add_number(o, "precision", e->precision);
    add_number(o, "recall", e->recall);
    add_number(o, "map50", e->map50);
    add_number(o, "map50_95", e->map50_95);
    add_triple(o, "val_losses", e->val_losses);
    add_triple(o, "lr", e->lr);
    add_number(o, "fitness", e->fitness);
    cJSON_AddNumberToObject(o, "best_epoch", e->best_epoch);
    if (e->run_dir) cJSON_AddStringToObject(o, "run_dir", e->run_dir);
    if (e->path) cJSON_AddStringToObject(o, "path", e->path);
    if (e->message) cJSON_AddStringToObject(o, "message", e->message);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text) {
        yc_str_append(out, text);
        cJSON_free(text);
    }
}

static double get_number(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int get_int(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valueint : 0;
}

static void get_triple(const cJSON *o, const char *key, double v[3]) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key);
    for (int i = 0; i < 3; i++) {
        const cJSON *item = cJSON_IsArray(arr) ? cJSON_GetArrayItem(arr, i) : NULL;
        v[i] = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    }
}

static const char *get_string(const cJSON *o, const char *key, char *buf, size_t cap) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) return NULL;
    snprintf(buf, cap, "%s", v->valuestring);
    return buf;
}

int yc_event_from_json(const char *json, YcEventOwned *out) {
    memset(out, 0, sizeof *out);
    cJSON *o = cJSON_Parse(json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
    int found = -1;
    for (int i = 0; cJSON_IsString(type) && i < YC_EVENT_TYPE_COUNT; i++)
        if (strcmp(type->valuestring, type_names[i]) == 0) found = i;
    if (found < 0) {
        cJSON_Delete(o);
        return -1;
    }
    YcEvent *e = &out->event;
    e->type = (YcEventType)found;
    e->wall_time = get_number(o, "wall_time");
    e->epoch = get_int(o, "epoch");
    e->epochs = get_int(o, "epochs");
    e->batch = get_int(o, "batch");
    e->batches = get_int(o, "batches");
    get_triple(o, "losses", e->losses);
    e->instances = get_int(o, "instances");
    e->imgsz = get_int(o, "imgsz");
    e->images_per_sec = get_number(o, "images_per_sec");
    e->elapsed_s = get_number(o, "elapsed_s");
    e->eta_s = get_number(o, "eta_s");
    e->device_mem_gb = get_number(o, "device_mem_gb");
    e->precision = get_number(o, "precision");
    e->recall = get_number(o, "recall");
    e->map50 = get_number(o, "map50");
    e->map50_95 = get_number(o, "map50_95");
    get_triple(o, "val_losses", e->val_losses);
    get_triple(o, "lr", e->lr);
    e->fitness = get_number(o, "fitness");
    e->best_epoch = get_int(o, "best_epoch");
    e->run_dir = get_string(o, "run_dir", out->run_dir, sizeof out->run_dir);
    e->path = get_string(o, "path", out->path, sizeof out->path);
    e->message = get_string(o, "message", out->message, sizeof out->message);
    cJSON_Delete(o);
    return 0;
}
