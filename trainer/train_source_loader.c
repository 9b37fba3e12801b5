/* A batch source over the data loader (train_source.h, loader.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "strbuf.h"
#include "train_source.h"

typedef struct LoaderSource {
    YcLoader *loader;
    long images;
    YcSourceImage *info;
    int info_cap;
    int warnings_seen;
    YcStr warnings;
} LoaderSource;

static int ls_batches(YcBatchSource *s) { return yc_loader_batches(((LoaderSource *)s->impl)->loader); }
static long ls_images(YcBatchSource *s) { return ((LoaderSource *)s->impl)->images; }

static int ls_start(YcBatchSource *s, int epoch, int first, YcErr *err) {
    LoaderSource *l = s->impl;
    if (yc_loader_start_epoch(l->loader, epoch, err)) return -1;
    /* batches are functions of (seed, epoch, position): skipping gives the same later batches */
    for (int i = 0; i < first; i++) {
        const YcBatch *b;
        int rc = yc_loader_next(l->loader, &b, err);
        if (rc < 0) return -1;
        if (rc == 0) break;
    }
    return 0;
}

static int ls_next(YcBatchSource *s, YcSourceBatch *out, YcErr *err) {
    LoaderSource *l = s->impl;
    const YcBatch *b;
    int rc = yc_loader_next(l->loader, &b, err);
    if (rc != 1) return rc;
    if (b->n > l->info_cap) {
        YcSourceImage *info = realloc(l->info, (size_t)b->n * sizeof *info);
        if (!info) return yc_err(err, "data loader: out of memory");
        l->info = info;
        l->info_cap = b->n;
    }
    for (int i = 0; i < b->n; i++) {
        const YcBatchInfo *bi = &b->info[i];
        /* batch pixels per original pixel: the resize to imgsz times the letterbox's own scale */
        l->info[i] = (YcSourceImage){.path = bi->path, .h0 = bi->h0, .w0 = bi->w0, .gain = bi->ratio_h * bi->scale,
                                   .pad_left = bi->pad_left, .pad_top = bi->pad_top};
    }
    *out = (YcSourceBatch){.n = b->n, .h = b->h, .w = b->w, .images = b->images, .targets = b->targets,
                           .target = b->target, .info = l->info};
    return 1;
}

static void ls_close_mosaic(YcBatchSource *s) { yc_loader_close_mosaic(((LoaderSource *)s->impl)->loader); }

static const char *ls_warnings(YcBatchSource *s) {
    LoaderSource *l = s->impl;
    int n = yc_loader_warning_count(l->loader);
    if (n == l->warnings_seen) return NULL;
    yc_str_clear(&l->warnings);
    char line[1400];
    for (int i = l->warnings_seen; i < n; i++) {
        if (yc_loader_warning(l->loader, i, line, sizeof line) < 0) continue;
        yc_str_printf(&l->warnings, "%sWARNING: %s", l->warnings.len ? "\n" : "", line);
    }
    l->warnings_seen = n;
    return yc_str_cstr(&l->warnings);
}

static void ls_destroy(YcBatchSource *s) {
    LoaderSource *l = s->impl;
    if (l) {
        yc_loader_free(l->loader);
        free(l->info);
        yc_str_free(&l->warnings);
    }
    free(l);
    free(s);
}

YcBatchSource *yc_source_loader_create(YcLoader *loader, long images, YcErr *err) {
    YcBatchSource *s = calloc(1, sizeof *s);
    LoaderSource *l = calloc(1, sizeof *l);
    if (!s || !l) {
        free(s);
        free(l);
        yc_err(err, "data loader: out of memory");
        return NULL;
    }
    l->loader = loader;
    l->images = images;
    yc_str_init(&l->warnings);
    *s = (YcBatchSource){.impl = l, .batches = ls_batches, .images = ls_images, .start_epoch = ls_start,
                         .next = ls_next, .close_mosaic = ls_close_mosaic, .warnings = ls_warnings,
                         .destroy = ls_destroy};
    return s;
}
