/* Decoded, resized images of a dataset (the reference's load_image: long side
 * to imgsz), shared by every loader and thread that uses it:
 *   YC_CACHE_NONE  the most recently used images stay in memory (a bounded
 *                  set, like the reference's mosaic buffer);
 *   YC_CACHE_RAM   every image stays in memory once loaded, once per process
 *                  however many loaders (ranks) share the store;
 *   YC_CACHE_DISK  each image is also written next to its file
 *                  (<image>.ycimg, our own format, atomic rename) and read
 *                  from there later; stale files (other imgsz, changed
 *                  source) are rewritten.
 * Thread-safe; concurrent requests for one image decode it once. */
#ifndef YC_LOADER_STORE_H
#define YC_LOADER_STORE_H

#include <stdbool.h>

#include "data_dataset.h"
#include "error.h"
#include "image.h"

typedef enum YcCacheMode { YC_CACHE_NONE = 0, YC_CACHE_RAM, YC_CACHE_DISK } YcCacheMode;

/* "false"/"" -> NONE, "true"/"ram" -> RAM, "disk" -> DISK; -1 otherwise. */
int yc_cache_mode_parse(const char *text, YcCacheMode *mode);

typedef struct YcImageStore YcImageStore;

typedef struct YcStoredImage {
    const YcImage *img;    /* valid until yc_image_store_put */
    int h0, w0;            /* size before the resize (after EXIF orientation) */
} YcStoredImage;

/* capacity: images kept in memory when mode is NONE or DISK (at least 1). */
YcImageStore *yc_image_store_create(const YcDataset *ds, int imgsz, YcCacheMode mode, int capacity, YcErr *err);
/* Shared ownership: each holder calls release once. */
void yc_image_store_retain(YcImageStore *s);
void yc_image_store_release(YcImageStore *s);

int yc_image_store_imgsz(const YcImageStore *s);
YcCacheMode yc_image_store_mode(const YcImageStore *s);
/* Raises the in-memory capacity (loaders sharing a store each ask for theirs). */
void yc_image_store_reserve(YcImageStore *s, int capacity);

/* Gets image `index` (loading it if needed) and holds it until put. */
int yc_image_store_get(YcImageStore *s, int index, YcStoredImage *out, YcErr *err);
void yc_image_store_put(YcImageStore *s, int index);

/* Bytes of pixels held in memory now. */
size_t yc_image_store_bytes(YcImageStore *s);

/* The disk-cache file of an image. */
void yc_disk_cache_path(const char *image, char *out, size_t cap);

#endif
