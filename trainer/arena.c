#include "arena.h"

#include <stdlib.h>
#include <string.h>

void yc_arena_init(YcArena *a) { memset(a, 0, sizeof *a); }

void yc_arena_free(YcArena *a) {
    free(a->req);
    free(a->order);
    free(a->overlap);
    memset(a, 0, sizeof *a);
}

int yc_arena_reserve(YcArena *a, int count, YcErr *err) {
    if (count <= a->cap) return 0;
    YcArenaRequest *req = realloc(a->req, (size_t)count * sizeof *req);
    if (req) a->req = req;
    YcArenaRequest **order = realloc(a->order, (size_t)count * sizeof *order);
    if (order) a->order = order;
    YcArenaRequest **overlap = realloc(a->overlap, (size_t)count * sizeof *overlap);
    if (overlap) a->overlap = overlap;
    if (!req || !order || !overlap) return yc_err(err, "arena: out of memory planning %d buffers", count);
    a->cap = count;
    return 0;
}

void yc_arena_reset(YcArena *a) { a->n = 0; }

int yc_arena_request(YcArena *a, YcArenaSlot *slot, size_t bytes, int start, int end, YcErr *err) {
    slot->offset = 0;
    slot->bytes = 0;
    if (bytes == 0) return 0;
    if (a->n == a->cap && yc_arena_reserve(a, a->cap ? 2 * a->cap : 64, err)) return -1;
    size_t rounded = (bytes + YC_ARENA_ALIGN - 1) / YC_ARENA_ALIGN * YC_ARENA_ALIGN;
    a->req[a->n++] = (YcArenaRequest){rounded, start, end, slot};
    return 0;
}

static int by_size_desc(const void *pa, const void *pb) {
    const YcArenaRequest *a = *(YcArenaRequest *const *)pa, *b = *(YcArenaRequest *const *)pb;
    if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a < b ? -1 : a > b;
}

static int by_offset(const void *pa, const void *pb) {
    const YcArenaRequest *a = *(YcArenaRequest *const *)pa, *b = *(YcArenaRequest *const *)pb;
    if (a->slot->offset != b->slot->offset) return a->slot->offset < b->slot->offset ? -1 : 1;
    return 0;
}

size_t yc_arena_pack(YcArena *a) {
    for (int i = 0; i < a->n; i++) a->order[i] = &a->req[i];
    qsort(a->order, (size_t)a->n, sizeof *a->order, by_size_desc);
    size_t total = 0;
    for (int i = 0; i < a->n; i++) {
        YcArenaRequest *r = a->order[i];
        int k = 0;
        for (int j = 0; j < i; j++) {
            YcArenaRequest *p = a->order[j];
            if (p->start <= r->end && r->start <= p->end) a->overlap[k++] = p;
        }
        qsort(a->overlap, (size_t)k, sizeof *a->overlap, by_offset);
        size_t at = 0;
        for (int j = 0; j < k; j++) {
            YcArenaRequest *p = a->overlap[j];
            if (at + r->bytes <= p->slot->offset) break;
            if (p->slot->offset + p->slot->bytes > at) at = p->slot->offset + p->slot->bytes;
        }
        r->slot->offset = at;
        r->slot->bytes = r->bytes;
        if (at + r->bytes > total) total = at + r->bytes;
    }
    return total;
}
