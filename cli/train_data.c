/* The data of `yoloc train` and `yoloc val`: the dataset YAML, the scanned
 * splits and their loaders, as batch sources (see train_flow.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_config.h"
#include "data_dataset.h"
#include "loader.h"
#include "strbuf.h"
#include "train_data.h"
#include "val_boxes.h"

typedef struct LoaderData {
    YcDataConfig cfg;
    bool have_cfg;
    YcDataset train, val;
    bool have_train, have_val;
    char *item_name[1];
    float *labels;
    YcStr log;
} LoaderData;

/* The summary line and the problem files of a split, for the log. */
static void describe(YcStr *log, const YcDataset *ds) {
    for (int i = 0; i < ds->message_count && i < 20; i++) yc_str_printf(log, "%s%s", log->len ? "\n" : "", ds->messages[i]);
    if (ds->message_count > 20)
        yc_str_printf(log, "\n... and %d more problem files (yoloc dataset lists them all)", ds->message_count - 20);
    yc_str_printf(log, "%s%s", log->len ? "\n" : "", ds->summary);
    if (ds->cache_note[0]) yc_str_printf(log, "\nWARNING: %s", ds->cache_note);
}

static const char *val_split_name(const YcDataConfig *cfg) {
    const YcDataSources *v = yc_data_config_split(cfg, "val");
    return v && v->count ? "val" : "test";
}

static int open_split(LoaderData *d, YcDataset *ds, const char *split, const YcArgs *args, bool fraction, YcErr *err) {
    const YcDataSources *src = yc_data_config_split(&d->cfg, split);
    if (!src || src->count == 0) return yc_err(err, "%s: the dataset has no '%s' split", d->cfg.file, split);
    YcDatasetOptions o;
    yc_dataset_options_default(&o, split);
    o.fraction = fraction ? args->fraction : 1.0;
    o.single_cls = args->single_cls;
    if (yc_dataset_open(ds, &d->cfg, &o, err)) return -1;
    describe(&d->log, ds);
    return 0;
}

static void names_of(CliTrainData *data, LoaderData *d, const YcArgs *args) {
    if (args->single_cls) { /* the reference: "Overriding class names with single class." */
        d->item_name[0] = "item";
        data->names = d->item_name;
        data->nc = 1;
        yc_str_printf(&d->log, "%sOverriding class names with single class.", d->log.len ? "\n" : "");
    } else {
        data->names = d->cfg.names;
        data->nc = d->cfg.nc;
    }
}

static int loader_open(CliTrainData *data, const YcArgs *args, YcErr *err) {
    LoaderData *d = calloc(1, sizeof *d);
    if (!d) return yc_err(err, "out of memory");
    data->impl = d;
    yc_str_init(&d->log);
    if (yc_data_config_load(args->data, &d->cfg, err)) return -1;
    d->have_cfg = true;
    if (open_split(d, &d->train, "train", args, true, err)) return -1;
    d->have_train = true;
    const char *vs = val_split_name(&d->cfg);
    if (open_split(d, &d->val, vs, args, false, err)) return -1;
    d->have_val = true;
    names_of(data, d, args);
    const YcDataSources *v = yc_data_config_split(&d->cfg, vs);
    data->val_is_coco = v && v->count == 1 && yc_val_is_coco(v->paths[0]);
    long total = 0;
    for (int i = 0; i < d->train.count; i++) total += d->train.items[i].count;
    d->labels = malloc((size_t)(total ? total : 1) * 5 * sizeof(float));
    if (!d->labels) return yc_err(err, "out of memory");
    long k = 0;
    for (int i = 0; i < d->train.count; i++) {
        memcpy(d->labels + k * 5, d->train.items[i].boxes, (size_t)d->train.items[i].count * 5 * sizeof(float));
        k += d->train.items[i].count;
    }
    if (args->single_cls)
        for (long j = 0; j < k; j++) d->labels[j * 5] = 0;
    data->labels = d->labels;
    data->label_count = (int)k;
    data->log = yc_str_cstr(&d->log);
    return 0;
}

YcBatchSource *yc_cli_loader_source(const YcDataset *ds, const YcLoaderOptions *o, YcErr *err) {
    YcLoader *l = NULL;
    if (yc_loader_create(&l, ds, o, err)) return NULL;
    YcBatchSource *s = yc_source_loader_create(l, ds->count, err);
    if (!s) yc_loader_free(l);
    return s;
}

/* Batch images in the backend's page-locked host memory, so that uploads overlap the step. */
static void *pinned_alloc(size_t bytes, void *ctx) {
    YcBackend *be = ctx;
    return be->host_alloc(be, bytes);
}

static void pinned_release(void *ptr, void *ctx) {
    YcBackend *be = ctx;
    be->host_free(be, ptr);
}

static int loader_sources(CliTrainData *data, const YcArgs *args, int batch, int imgsz, int stride, YcBackend *be,
                          YcErr *err) {
    LoaderData *d = data->impl;
    YcLoaderOptions o;
    yc_loader_options_from_args(args, true, &o);
    if (be->mem != YC_MEM_HOST) {
        o.alloc = pinned_alloc;
        o.release = pinned_release;
        o.alloc_ctx = be;
    }
    o.batch = batch;
    o.imgsz = o.aug.imgsz = imgsz;
    o.stride = stride;
    if (!(data->train = yc_cli_loader_source(&d->train, &o, err))) return -1;
    YcLoaderOptions v;
    yc_loader_options_from_args(args, false, &v);
    v.batch = batch * 2; /* the reference validates with twice the training batch */
    v.imgsz = v.aug.imgsz = imgsz;
    v.stride = stride;
    v.workers = args->workers * 2 < 16 ? args->workers * 2 : 16;
    if (!(data->val = yc_cli_loader_source(&d->val, &v, err))) return -1;
    return 0;
}

static void loader_close(CliTrainData *data) {
    LoaderData *d = data->impl;
    yc_source_destroy(data->train);
    yc_source_destroy(data->val);
    data->train = data->val = NULL;
    if (!d) return;
    if (d->have_train) yc_dataset_free(&d->train);
    if (d->have_val) yc_dataset_free(&d->val);
    if (d->have_cfg) yc_data_config_free(&d->cfg);
    free(d->labels);
    yc_str_free(&d->log);
    free(d);
    data->impl = NULL;
}

const CliTrainDataOps cli_loader_data = {loader_open, loader_sources, loader_close};
