/* Arena planning: buffers with lifetimes (first and last step that uses them)
 * are packed into one allocation, so that buffers whose lifetimes do not
 * overlap share memory. The model plans once per input shape and mode; the
 * resulting offsets are reused for every step with that shape. */
#ifndef YC_ARENA_H
#define YC_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define YC_ARENA_ALIGN 256

/* Where a planned buffer lives: bytes == 0 means "no buffer". */
typedef struct YcArenaSlot {
    size_t offset, bytes;
} YcArenaSlot;

typedef struct YcArenaRequest {
    size_t bytes;
    int start, end;          /* inclusive step range */
    YcArenaSlot *slot;       /* filled by yc_arena_pack */
} YcArenaRequest;

typedef struct YcArena {
    YcArenaRequest *req;
    int n, cap;
    YcArenaRequest **order, **overlap; /* scratch for packing */
} YcArena;

void yc_arena_init(YcArena *a);
void yc_arena_free(YcArena *a);
/* Room for `count` requests (done once, so that planning does not grow arrays). */
int yc_arena_reserve(YcArena *a, int count, YcErr *err);
/* Forgets the requests of the previous plan. */
void yc_arena_reset(YcArena *a);
/* Asks for `bytes` used from step start to step end (inclusive). bytes == 0 clears the slot. */
int yc_arena_request(YcArena *a, YcArenaSlot *slot, size_t bytes, int start, int end, YcErr *err);
/* Assigns offsets (largest first, lowest free offset among lifetime-overlapping
 * buffers) and returns the arena's total size in bytes. */
size_t yc_arena_pack(YcArena *a);

static inline float *yc_slot_f32(void *base, YcArenaSlot s) {
    return s.bytes ? (float *)((char *)base + s.offset) : NULL;
}

#endif
