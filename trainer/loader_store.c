/* The decoded-image store (see loader_store.h): entries per dataset index,
 * a least-recently-used list of loaded images nobody holds, and the disk
 * cache format:
 *   "YCIMG\1\0\0", u32 imgsz, h, w, c, h0, w0, i64 source size, i64 source
 *   mtime (ns), u64 checksum of the pixels, then h*w*c bytes (RGB).
 * Host byte order; a file that does not match is rewritten. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "augment.h"
#include "fileio.h"
#include "label_cache.h"
#include "loader_store.h"

typedef struct StoreEntry {
    YcImage img;
    size_t cap;            /* bytes behind img.data */
    int h0, w0;
    int refs;
    int state;             /* 0 empty, 1 loading, 2 loaded */
    int prev, next;        /* LRU list of loaded entries (-1 ends) */
} StoreEntry;

struct YcImageStore {
    const YcDataset *ds;
    int imgsz;
    YcCacheMode mode;
    int capacity;
    int n;
    StoreEntry *e;
    int head, tail;        /* most / least recently used */
    int loaded;
    size_t bytes;
    /* buffers of evicted images, reused by the next decodes (no page faults) */
    int nspare;
    uint8_t *spare[8];
    size_t spare_cap[8];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int owners;
};

int yc_cache_mode_parse(const char *text, YcCacheMode *mode) {
    if (!text || !*text || strcasecmp(text, "false") == 0 || strcmp(text, "0") == 0 || strcasecmp(text, "none") == 0)
        *mode = YC_CACHE_NONE;
    else if (strcasecmp(text, "true") == 0 || strcasecmp(text, "ram") == 0 || strcmp(text, "1") == 0)
        *mode = YC_CACHE_RAM;
    else if (strcasecmp(text, "disk") == 0)
        *mode = YC_CACHE_DISK;
    else
        return -1;
    return 0;
}

void yc_disk_cache_path(const char *image, char *out, size_t cap) {
    snprintf(out, cap, "%s.ycimg", image);
}

YcImageStore *yc_image_store_create(const YcDataset *ds, int imgsz, YcCacheMode mode, int capacity, YcErr *err) {
    YcImageStore *s = calloc(1, sizeof *s);
    if (!s) {
        yc_err(err, "out of memory");
        return NULL;
    }
    s->e = calloc((size_t)(ds->count > 0 ? ds->count : 1), sizeof *s->e);
    if (!s->e) {
        free(s);
        yc_err(err, "out of memory");
        return NULL;
    }
    s->ds = ds;
    s->n = ds->count;
    s->imgsz = imgsz;
    s->mode = mode;
    s->capacity = capacity < 1 ? 1 : capacity;
    s->head = s->tail = -1;
    for (int i = 0; i < s->n; i++) s->e[i].prev = s->e[i].next = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    atomic_init(&s->owners, 1);
    return s;
}

void yc_image_store_retain(YcImageStore *s) {
    atomic_fetch_add(&s->owners, 1);
}

void yc_image_store_release(YcImageStore *s) {
    if (!s || atomic_fetch_sub(&s->owners, 1) != 1) return;
    for (int i = 0; i < s->n; i++) yc_image_free(&s->e[i].img);
    for (int i = 0; i < s->nspare; i++) free(s->spare[i]);
    free(s->e);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

int yc_image_store_imgsz(const YcImageStore *s) { return s->imgsz; }
YcCacheMode yc_image_store_mode(const YcImageStore *s) { return s->mode; }

void yc_image_store_reserve(YcImageStore *s, int capacity) {
    pthread_mutex_lock(&s->mu);
    if (capacity > s->capacity) s->capacity = capacity;
    pthread_mutex_unlock(&s->mu);
}

size_t yc_image_store_bytes(YcImageStore *s) {
    pthread_mutex_lock(&s->mu);
    size_t b = s->bytes;
    pthread_mutex_unlock(&s->mu);
    return b;
}

/* LRU list operations (under the lock). */
static void lru_unlink(YcImageStore *s, int i) {
    StoreEntry *e = &s->e[i];
    if (e->prev >= 0) s->e[e->prev].next = e->next;
    else if (s->head == i) s->head = e->next;
    if (e->next >= 0) s->e[e->next].prev = e->prev;
    else if (s->tail == i) s->tail = e->prev;
    e->prev = e->next = -1;
}

static void lru_push_front(YcImageStore *s, int i) {
    StoreEntry *e = &s->e[i];
    e->prev = -1;
    e->next = s->head;
    if (s->head >= 0) s->e[s->head].prev = i;
    s->head = i;
    if (s->tail < 0) s->tail = i;
}

/* Frees least recently used images nobody holds until within capacity. */
static void evict(YcImageStore *s) {
    if (s->mode == YC_CACHE_RAM) return;
    int i = s->tail;
    while (s->loaded > s->capacity && i >= 0) {
        int prev = s->e[i].prev;
        if (s->e[i].refs == 0) {
            lru_unlink(s, i);
            s->bytes -= yc_image_bytes(&s->e[i].img);
            if (s->nspare < 8) {
                s->spare[s->nspare] = s->e[i].img.data;
                s->spare_cap[s->nspare++] = s->e[i].cap;
                s->e[i].img.data = NULL;
            }
            yc_image_free(&s->e[i].img);
            s->e[i].state = 0;
            s->loaded--;
        }
        i = prev;
    }
}

static uint64_t pixel_checksum(const uint8_t *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x94D049BB133111EBULL;
    return h;
}

typedef struct DiskHeader {
    char magic[8];
    uint32_t imgsz, h, w, c, h0, w0;
    int64_t src_size, src_mtime_ns;
    uint64_t checksum;
} DiskHeader;

static const char disk_magic[8] = {'Y', 'C', 'I', 'M', 'G', 1, 0, 0};

static int disk_read(const char *file, int imgsz, YcFileStamp src, YcImage *img, int *h0, int *w0) {
    char *data = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(file, &data, &size, &err)) return -1;
    DiskHeader h;
    int rc = -1;
    if (size < sizeof h) goto done;
    memcpy(&h, data, sizeof h);
    if (memcmp(h.magic, disk_magic, 8) != 0 || (int)h.imgsz != imgsz || h.src_size != src.size ||
        h.src_mtime_ns != src.mtime_ns || h.c != 3 || h.h == 0 || h.w == 0 || h.h > 1000000 || h.w > 1000000)
        goto done;
    size_t pixels = (size_t)h.h * h.w * h.c;
    if (size != sizeof h + pixels) goto done;
    if (pixel_checksum((const uint8_t *)data + sizeof h, pixels) != h.checksum) goto done;
    if (yc_image_alloc(img, (int)h.h, (int)h.w, (int)h.c, &err)) goto done;
    memcpy(img->data, data + sizeof h, pixels);
    *h0 = (int)h.h0;
    *w0 = (int)h.w0;
    rc = 0;
done:
    free(data);
    return rc;
}

/* Written without fsync (it is a cache: a rename keeps it whole against
 * kills, and the checksum catches the rest). */
static void disk_write(const char *file, int imgsz, YcFileStamp src, const YcImage *img, int h0, int w0) {
    DiskHeader h;
    memcpy(h.magic, disk_magic, 8);
    h.imgsz = (uint32_t)imgsz;
    h.h = (uint32_t)img->h;
    h.w = (uint32_t)img->w;
    h.c = (uint32_t)img->c;
    h.h0 = (uint32_t)h0;
    h.w0 = (uint32_t)w0;
    h.src_size = src.size;
    h.src_mtime_ns = src.mtime_ns;
    h.checksum = pixel_checksum(img->data, yc_image_bytes(img));
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", file, (long)getpid(), (unsigned long)pthread_self());
    FILE *fp = fopen(tmp, "wb");
    if (!fp) return; /* read-only dataset: the cache is only an optimisation */
    bool ok = fwrite(&h, sizeof h, 1, fp) == 1 && fwrite(img->data, 1, yc_image_bytes(img), fp) == yc_image_bytes(img);
    ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, file) != 0) unlink(tmp);
}

static int load_one(YcImageStore *s, int index, uint8_t *buf, size_t cap, YcImage *img, int *h0, int *w0, YcErr *err) {
    const char *path = s->ds->items[index].image;
    if (s->mode == YC_CACHE_DISK) {
        char file[4200];
        yc_disk_cache_path(path, file, sizeof file);
        YcFileStamp src = yc_file_stamp(path);
        if (src.size >= 0 && disk_read(file, s->imgsz, src, img, h0, w0) == 0) return 0;
        if (yc_load_resized_into(path, s->imgsz, buf, cap, img, h0, w0, err)) return -1;
        if (src.size >= 0) disk_write(file, s->imgsz, src, img, *h0, *w0);
        return 0;
    }
    return yc_load_resized_into(path, s->imgsz, buf, cap, img, h0, w0, err);
}

int yc_image_store_get(YcImageStore *s, int index, YcStoredImage *out, YcErr *err) {
    if (index < 0 || index >= s->n) return yc_err(err, "image index %d out of range (0..%d)", index, s->n - 1);
    pthread_mutex_lock(&s->mu);
    StoreEntry *e = &s->e[index];
    while (e->state == 1) pthread_cond_wait(&s->cv, &s->mu);
    if (e->state == 2) {
        e->refs++;
        lru_unlink(s, index);
        lru_push_front(s, index);
        out->img = &e->img;
        out->h0 = e->h0;
        out->w0 = e->w0;
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    e->state = 1;
    uint8_t *buf = NULL;
    size_t cap = 0;
    if (s->nspare > 0) {
        s->nspare--;
        buf = s->spare[s->nspare];
        cap = s->spare_cap[s->nspare];
    }
    pthread_mutex_unlock(&s->mu);

    YcImage img;
    int h0 = 0, w0 = 0;
    int rc = load_one(s, index, buf, cap, &img, &h0, &w0, err);
    bool used = rc == 0 && buf && img.data == buf;

    pthread_mutex_lock(&s->mu);
    if (buf && !used) {
        if (s->nspare < 8) {
            s->spare[s->nspare] = buf;
            s->spare_cap[s->nspare++] = cap;
        } else {
            free(buf);
        }
    }
    if (rc) {
        e->state = 0;
    } else {
        e->img = img;
        e->cap = used ? cap : yc_image_alloc_bytes(img.h, img.w, img.c);
        e->h0 = h0;
        e->w0 = w0;
        e->state = 2;
        e->refs = 1;
        s->loaded++;
        s->bytes += yc_image_bytes(&img);
        lru_push_front(s, index);
        out->img = &e->img;
        out->h0 = h0;
        out->w0 = w0;
        evict(s);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void yc_image_store_put(YcImageStore *s, int index) {
    if (index < 0 || index >= s->n) return;
    pthread_mutex_lock(&s->mu);
    if (s->e[index].refs > 0) s->e[index].refs--;
    if (s->loaded > s->capacity) evict(s);
    pthread_mutex_unlock(&s->mu);
}
