/* A dataset split, scanned: its usable images with their boxes, the counts
 * the reference reports (found, missing, empty, corrupt) and one message per
 * problem file. The scan is cached next to the labels
 * (labels/<split dir>.yoloc-cache, our own format: per file size and mtime,
 * written atomically) and only files that changed are checked again. */
#ifndef YC_DATA_DATASET_H
#define YC_DATA_DATASET_H

#include <stdbool.h>

#include "data_config.h"
#include "error.h"

typedef struct YcDataItem {
    char *image;           /* absolute path */
    int h, w;              /* size after EXIF orientation (from the header) */
    int count;             /* boxes */
    float *boxes;          /* count x 5: class, cx, cy, w, h (normalised to the image) */
} YcDataItem;

typedef struct YcDatasetOptions {
    const char *split;     /* "train", "val" or "test" */
    double fraction;       /* keep the first round(n * fraction) images (sorted); 1 = all */
    bool single_cls;       /* every class becomes 0 (labels are still checked against nc) */
    int threads;           /* scan threads; 0 = one per core, at most 8 */
    bool use_cache;        /* read and write the label cache (default true) */
} YcDatasetOptions;

void yc_dataset_options_default(YcDatasetOptions *o, const char *split);

typedef struct YcDataset {
    char split[16];
    int nc;
    char **names;          /* nc names (owned copies) */
    int count;             /* usable images */
    YcDataItem *items;
    int listed;            /* image files listed (after fraction) */
    int found, missing, empty, corrupt; /* the reference's counters */
    int duplicates;        /* rows dropped as duplicates, all files */
    int instances;         /* boxes in the usable images */
    bool from_cache;       /* every entry came from a valid cache */
    int rescanned;         /* files checked in this scan (0 when all came from the cache) */
    char cache_path[4096];
    char cache_note[512];  /* "" or why the cache could not be written */
    int message_count;
    char **messages;       /* one line per problem file ("<image>: <reason>") */
    char summary[1024];    /* e.g. "train: .../labels/train: 205 images, 0 backgrounds (0 missing, 0 empty), 0 corrupt" */
} YcDataset;

/* Lists, checks (or reads from the cache) and keeps the usable images.
 * Fails only when nothing usable is left or the split cannot be listed. */
int yc_dataset_open(YcDataset *ds, const YcDataConfig *cfg, const YcDatasetOptions *opt, YcErr *err);
void yc_dataset_free(YcDataset *ds);

#endif
