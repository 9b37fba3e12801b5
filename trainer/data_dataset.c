/* Opening a dataset split: list, check (in threads) or take from the cache,
 * count, keep the usable images. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_dataset.h"
#include "data_files.h"
#include "fileio.h"
#include "label_cache.h"

void yc_dataset_options_default(YcDatasetOptions *o, const char *split) {
    memset(o, 0, sizeof *o);
    o->split = split;
    o->fraction = 1.0;
    o->use_cache = true;
}

void yc_dataset_free(YcDataset *ds) {
    if (!ds) return;
    for (int i = 0; i < ds->count; i++) {
        free(ds->items[i].image);
        free(ds->items[i].boxes);
    }
    free(ds->items);
    for (int i = 0; i < ds->nc && ds->names; i++) free(ds->names[i]);
    free(ds->names);
    for (int i = 0; i < ds->message_count; i++) free(ds->messages[i]);
    free(ds->messages);
    memset(ds, 0, sizeof *ds);
}

typedef struct ScanJob {
    YcLabelEntry *entries;
    const int *todo;
    int todo_count;
    atomic_int next;
    int nc;
    bool single_cls;
} ScanJob;

static void *scan_worker(void *arg) {
    ScanJob *job = arg;
    for (;;) {
        int k = atomic_fetch_add(&job->next, 1);
        if (k >= job->todo_count) break;
        YcLabelEntry *e = &job->entries[job->todo[k]];
        yc_label_check(e->image, e->label, job->nc, job->single_cls, &e->check);
    }
    return NULL;
}

static int scan_threads(const YcDatasetOptions *opt, int work) {
    int n = opt->threads;
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (int)cores : 1;
        if (n > 8) n = 8;
    }
    if (n > work) n = work;
    return n < 1 ? 1 : n;
}

static int find_entry(const YcLabelEntry *cached, int n, const char *image) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(cached[mid].image, image);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int add_message(YcDataset *ds, const char *msg) {
    char **g = realloc(ds->messages, sizeof(char *) * (size_t)(ds->message_count + 1));
    if (!g) return -1;
    ds->messages = g;
    ds->messages[ds->message_count] = strdup(msg);
    if (!ds->messages[ds->message_count]) return -1;
    ds->message_count++;
    return 0;
}

int yc_dataset_open(YcDataset *ds, const YcDataConfig *cfg, const YcDatasetOptions *opt, YcErr *err) {
    memset(ds, 0, sizeof *ds);
    const YcDataSources *src = yc_data_config_split(cfg, opt->split);
    if (!src) return yc_err(err, "split: expected train, val or test, got '%s'", opt->split);
    if (src->count == 0) return yc_err(err, "%s: the dataset has no '%s' split", cfg->file, opt->split);
    snprintf(ds->split, sizeof ds->split, "%s", opt->split);
    ds->nc = cfg->nc;
    ds->names = calloc((size_t)cfg->nc, sizeof(char *));
    if (!ds->names) return yc_err(err, "out of memory");
    for (int i = 0; i < cfg->nc; i++) {
        ds->names[i] = strdup(cfg->names[i]);
        if (!ds->names[i]) {
            yc_dataset_free(ds);
            return yc_err(err, "out of memory");
        }
    }

    char **files = NULL;
    int nfiles = 0;
    if (yc_list_images(src, &files, &nfiles, err)) {
        yc_dataset_free(ds);
        return yc_err_prefix(err, "%s: %s", cfg->file, opt->split);
    }
    if (opt->fraction < 1.0) {
        int keep = (int)nearbyint(nfiles * (opt->fraction < 0 ? 0 : opt->fraction));
        if (keep < 1) {
            yc_free_list(files, nfiles);
            yc_dataset_free(ds);
            return yc_err(err, "fraction=%g keeps none of the %d %s images", opt->fraction, nfiles, opt->split);
        }
        for (int i = keep; i < nfiles; i++) free(files[i]);
        nfiles = keep;
    }
    ds->listed = nfiles;

    YcLabelEntry *entries = calloc((size_t)nfiles, sizeof *entries);
    int *todo = malloc(sizeof(int) * (size_t)nfiles);
    if (!entries || !todo) {
        free(entries);
        free(todo);
        yc_free_list(files, nfiles);
        yc_dataset_free(ds);
        return yc_err(err, "out of memory");
    }
    for (int i = 0; i < nfiles; i++) {
        char label[8192];
        yc_label_path(files[i], label, sizeof label);
        entries[i].image = files[i]; /* ownership moves to the entries */
        entries[i].label = strdup(label);
        entries[i].image_stamp = yc_file_stamp(files[i]);
        entries[i].label_stamp = yc_file_stamp(label);
    }
    free(files);

    /* the cache: <labels dir of the first image>.yoloc-cache */
    char label_dir[4096];
    yc_path_dirname(label_dir, sizeof label_dir, entries[0].label ? entries[0].label : "labels");
    snprintf(ds->cache_path, sizeof ds->cache_path, "%s.yoloc-cache", label_dir);
    YcLabelEntry *cached = NULL;
    int ncached = 0;
    bool have_cache = opt->use_cache && yc_label_cache_read(ds->cache_path, cfg->nc, opt->single_cls, &cached, &ncached) == 0;

    int ntodo = 0;
    for (int i = 0; i < nfiles; i++) {
        YcLabelEntry *e = &entries[i];
        if (!e->label) {
            e->check.corrupt = true;
            snprintf(e->check.message, sizeof e->check.message, "%s: out of memory", e->image);
            continue;
        }
        int k = have_cache ? find_entry(cached, ncached, e->image) : -1;
        if (k >= 0 && strcmp(cached[k].label, e->label) == 0 && cached[k].image_stamp.size == e->image_stamp.size &&
            cached[k].image_stamp.mtime_ns == e->image_stamp.mtime_ns &&
            cached[k].label_stamp.size == e->label_stamp.size &&
            cached[k].label_stamp.mtime_ns == e->label_stamp.mtime_ns && e->image_stamp.size >= 0) {
            e->check = cached[k].check; /* take over the rows */
            cached[k].check.rows = NULL;
            cached[k].check.count = 0;
        } else {
            todo[ntodo++] = i;
        }
    }
    yc_label_entries_free(cached, ncached);

    if (ntodo > 0) {
        ScanJob job = {.entries = entries, .todo = todo, .todo_count = ntodo, .nc = cfg->nc, .single_cls = opt->single_cls};
        atomic_init(&job.next, 0);
        int nthreads = scan_threads(opt, ntodo);
        pthread_t threads[8];
        int started = 0;
        for (int t = 1; t < nthreads; t++)
            if (pthread_create(&threads[started], NULL, scan_worker, &job) == 0) started++;
        scan_worker(&job);
        for (int t = 0; t < started; t++) pthread_join(threads[t], NULL);
    }
    free(todo);
    ds->rescanned = ntodo;
    ds->from_cache = ntodo == 0 && have_cache && ncached == nfiles;

    if (opt->use_cache && (!ds->from_cache)) {
        YcErr werr;
        if (yc_label_cache_write(ds->cache_path, cfg->nc, opt->single_cls, entries, nfiles, &werr))
            snprintf(ds->cache_note, sizeof ds->cache_note, "label cache not saved: %s", werr.msg);
    }

    int usable = 0;
    for (int i = 0; i < nfiles; i++) usable += !entries[i].check.corrupt;
    ds->items = calloc((size_t)(usable > 0 ? usable : 1), sizeof *ds->items);
    int rc = 0;
    if (!ds->items) rc = yc_err(err, "out of memory");
    for (int i = 0; i < nfiles && rc == 0; i++) {
        YcLabelEntry *e = &entries[i];
        YcLabelCheck *c = &e->check;
        ds->found += c->found;
        ds->missing += c->missing;
        ds->empty += c->empty;
        ds->corrupt += c->corrupt;
        ds->duplicates += c->duplicates;
        if (c->message[0] && add_message(ds, c->message)) rc = yc_err(err, "out of memory");
        if (c->corrupt) continue;
        YcDataItem *it = &ds->items[ds->count++];
        it->image = e->image;
        e->image = NULL;
        it->h = c->h;
        it->w = c->w;
        it->count = c->count;
        it->boxes = c->rows;
        c->rows = NULL;
        c->count = 0;
        if (opt->single_cls)
            for (int b = 0; b < it->count; b++) it->boxes[5 * b] = 0.f;
        ds->instances += it->count;
    }
    yc_label_entries_free(entries, nfiles);
    if (rc) {
        yc_dataset_free(ds);
        return -1;
    }
    snprintf(ds->summary, sizeof ds->summary, "%s: %s: %d images, %d backgrounds (%d missing, %d empty), %d corrupt%s",
             ds->split, label_dir, ds->found, ds->missing + ds->empty, ds->missing, ds->empty, ds->corrupt,
             ds->from_cache ? " (from cache)" : "");
    if (ds->count == 0) {
        yc_err(err, "%s: no valid images found in %s (%d listed, %d corrupt; images with incorrectly formatted labels are ignored)%s%s",
               ds->split, label_dir, ds->listed, ds->corrupt, ds->message_count ? "; first: " : "",
               ds->message_count ? ds->messages[0] : "");
        yc_dataset_free(ds);
        return -1;
    }
    return 0;
}
