/* The label cache file (internal to data_dataset.c): one entry per image with
 * the sizes and modification times of the image and its label file, so that
 * a later scan checks only what changed. Binary, host byte order, ending in
 * a 64-bit FNV-1a checksum; anything unexpected makes it "absent". */
#ifndef YC_LABEL_CACHE_H
#define YC_LABEL_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "label_check.h"

typedef struct YcFileStamp {
    int64_t size;          /* -1: the file does not exist */
    int64_t mtime_ns;
} YcFileStamp;

typedef struct YcLabelEntry {
    char *image, *label;
    YcFileStamp image_stamp, label_stamp;
    YcLabelCheck check;
} YcLabelEntry;

YcFileStamp yc_file_stamp(const char *path);

/* Reads a cache written for the same nc and single_cls. Returns 0 with the
 * entries (sorted by image path, as written), or -1 if absent, stale in
 * format, or damaged. */
int yc_label_cache_read(const char *path, int nc, bool single_cls, YcLabelEntry **entries, int *count);

/* Writes atomically (temp file, fsync, rename). */
int yc_label_cache_write(const char *path, int nc, bool single_cls, const YcLabelEntry *entries, int count, YcErr *err);

void yc_label_entries_free(YcLabelEntry *entries, int count);

#endif
