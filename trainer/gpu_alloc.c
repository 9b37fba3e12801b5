/* Size-class caching allocator (see gpu_alloc.h). Live blocks are found by
 * address in an open-addressing hash table; free lists are one array of
 * pointers per class, classes kept in a small array. */
#include "gpu_alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct FreeList {
    size_t size;       /* class size */
    void **ptrs;
    int count, cap;
} FreeList;

typedef struct LiveSlot {
    void *ptr;         /* NULL: empty; TOMBSTONE: deleted */
    size_t size;
} LiveSlot;

struct YcGpuCache {
    YcGpuRawAlloc raw_alloc;
    YcGpuRawFree raw_free;
    void *ctx;
    FreeList *lists;
    int list_count, list_cap;
    LiveSlot *live;
    size_t live_cap;   /* power of two */
    size_t live_used;  /* live entries + tombstones */
    YcGpuCacheStats stats;
};

static char tombstone_byte;
#define TOMBSTONE ((void *)&tombstone_byte)

size_t yc_gpu_size_class(size_t bytes) {
    if (bytes <= 512) return 512;
    int k = 0;
    while (k < 63 && ((size_t)1 << (k + 1)) < bytes) k++; /* 2^k < bytes <= 2^(k+1) */
    size_t gran = k >= 2 ? (size_t)1 << (k - 2) : 1;
    if (gran < 512) gran = 512;
    if (gran > ((size_t)2 << 20)) gran = (size_t)2 << 20;
    return (bytes + gran - 1) / gran * gran;
}

static size_t hash_ptr(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

/* Rehashes without tombstones, doubling the table unless the live entries
 * fill at most a quarter of it. */
static bool live_grow(YcGpuCache *c) {
    size_t cap = c->live_cap ? c->live_cap : 256;
    if (c->live_cap && ((size_t)c->stats.live_blocks + 1) * 4 > c->live_cap) cap *= 2;
    LiveSlot *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < c->live_cap; i++) {
        void *p = c->live[i].ptr;
        if (!p || p == TOMBSTONE) continue;
        size_t h = hash_ptr(p, cap);
        while (slots[h].ptr) h = (h + 1) & (cap - 1);
        slots[h] = c->live[i];
    }
    free(c->live);
    c->live = slots;
    c->live_cap = cap;
    c->live_used = (size_t)c->stats.live_blocks;
    return true;
}

static bool live_insert(YcGpuCache *c, void *ptr, size_t size) {
    if ((c->live_used + 1) * 2 > c->live_cap && !live_grow(c)) return false;
    size_t h = hash_ptr(ptr, c->live_cap);
    while (c->live[h].ptr && c->live[h].ptr != TOMBSTONE) h = (h + 1) & (c->live_cap - 1);
    if (!c->live[h].ptr) c->live_used++;
    c->live[h].ptr = ptr;
    c->live[h].size = size;
    c->stats.live_blocks++;
    return true;
}

static LiveSlot *live_find(const YcGpuCache *c, const void *ptr) {
    if (!c->live_cap) return NULL;
    size_t h = hash_ptr(ptr, c->live_cap);
    while (c->live[h].ptr) {
        if (c->live[h].ptr == ptr) return &c->live[h];
        h = (h + 1) & (c->live_cap - 1);
    }
    return NULL;
}

static FreeList *list_for(YcGpuCache *c, size_t size, bool create) {
    for (int i = 0; i < c->list_count; i++)
        if (c->lists[i].size == size) return &c->lists[i];
    if (!create) return NULL;
    if (c->list_count == c->list_cap) {
        int cap = c->list_cap ? c->list_cap * 2 : 16;
        FreeList *l = realloc(c->lists, (size_t)cap * sizeof *l);
        if (!l) return NULL;
        c->lists = l;
        c->list_cap = cap;
    }
    FreeList *l = &c->lists[c->list_count++];
    memset(l, 0, sizeof *l);
    l->size = size;
    return l;
}

YcGpuCache *yc_gpu_cache_create(YcGpuRawAlloc raw_alloc, YcGpuRawFree raw_free, void *ctx) {
    YcGpuCache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->raw_alloc = raw_alloc;
    c->raw_free = raw_free;
    c->ctx = ctx;
    return c;
}

void yc_gpu_cache_trim(YcGpuCache *c) {
    for (int i = 0; i < c->list_count; i++) {
        FreeList *l = &c->lists[i];
        for (int j = 0; j < l->count; j++) {
            c->raw_free(c->ctx, l->ptrs[j]);
            c->stats.raw_frees++;
            c->stats.cached -= l->size;
        }
        l->count = 0;
    }
}

int yc_gpu_cache_destroy(YcGpuCache *c) {
    if (!c) return 0;
    yc_gpu_cache_trim(c);
    int leaked = 0;
    for (size_t i = 0; i < c->live_cap; i++) {
        void *p = c->live[i].ptr;
        if (!p || p == TOMBSTONE) continue;
        c->raw_free(c->ctx, p);
        leaked++;
    }
    for (int i = 0; i < c->list_count; i++) free(c->lists[i].ptrs);
    free(c->lists);
    free(c->live);
    free(c);
    return leaked;
}

void *yc_gpu_cache_alloc(YcGpuCache *c, size_t bytes) {
    size_t size = yc_gpu_size_class(bytes ? bytes : 1);
    FreeList *l = list_for(c, size, true);
    if (!l) return NULL;
    void *p = NULL;
    if (l->count > 0) {
        p = l->ptrs[--l->count];
        c->stats.cached -= size;
        c->stats.hits++;
    } else {
        p = c->raw_alloc(c->ctx, size);
        if (!p && c->stats.cached) {
            yc_gpu_cache_trim(c);
            p = c->raw_alloc(c->ctx, size);
        }
        if (!p) {
            c->stats.raw_failures++;
            return NULL;
        }
        c->stats.raw_allocs++;
    }
    if (!live_insert(c, p, size)) { /* host out of memory: give the block back */
        c->raw_free(c->ctx, p);
        c->stats.raw_frees++;
        return NULL;
    }
    c->stats.in_use += size;
    if (c->stats.in_use > c->stats.peak_in_use) c->stats.peak_in_use = c->stats.in_use;
    return p;
}

int yc_gpu_cache_free(YcGpuCache *c, void *ptr) {
    if (!ptr) return 0;
    LiveSlot *s = live_find(c, ptr);
    if (!s) return -1;
    size_t size = s->size;
    s->ptr = TOMBSTONE;
    c->stats.live_blocks--;
    c->stats.in_use -= size;
    FreeList *l = list_for(c, size, true);
    if (l && l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        void **ptrs = realloc(l->ptrs, (size_t)cap * sizeof *ptrs);
        if (ptrs) {
            l->ptrs = ptrs;
            l->cap = cap;
        }
    }
    if (!l || l->count == l->cap) { /* no room to cache it: release it */
        c->raw_free(c->ctx, ptr);
        c->stats.raw_frees++;
        return 0;
    }
    l->ptrs[l->count++] = ptr;
    c->stats.cached += size;
    return 0;
}

size_t yc_gpu_cache_block_size(const YcGpuCache *c, const void *ptr) {
    const LiveSlot *s = ptr ? live_find(c, ptr) : NULL;
    return s ? s->size : 0;
}

void yc_gpu_cache_stats(const YcGpuCache *c, YcGpuCacheStats *s) { *s = c->stats; }
