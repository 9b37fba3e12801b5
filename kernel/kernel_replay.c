#include "kernel_replay.h"

#include <stdlib.h>
#include <string.h>

int yc_replay_init(YcReplaySet *r, int capacity) {
    memset(r, 0, sizeof *r);
    unsigned nb = 1;
    while (nb < 2u * (unsigned)capacity) nb <<= 1;
    r->capacity = capacity;
    r->bucket_mask = nb - 1;
    r->digests = calloc((size_t)capacity, sizeof *r->digests);
    r->chain = calloc((size_t)capacity, sizeof *r->chain);
    r->buckets = calloc(nb, sizeof *r->buckets);
    pthread_mutex_init(&r->lock, NULL);
    if (!r->digests || !r->chain || !r->buckets) {
        yc_replay_free(r);
        return -1;
    }
    return 0;
}

void yc_replay_free(YcReplaySet *r) {
    if (r->capacity) pthread_mutex_destroy(&r->lock);
    free(r->digests);
    free(r->chain);
    free(r->buckets);
    memset(r, 0, sizeof *r);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned bucket_of(const YcReplaySet *r, const unsigned char d[32]) {
    unsigned h;
    memcpy(&h, d, sizeof h); /* digests are uniformly random already */
    return h & r->bucket_mask;
}

static void unlink_slot(YcReplaySet *r, int slot) {
    unsigned *link = &r->buckets[bucket_of(r, r->digests[slot])];
    while (*link) {
        if (*link == (unsigned)slot + 1) {
            *link = r->chain[slot];
            r->chain[slot] = 0;
            return;
        }
        link = &r->chain[*link - 1];
    }
}

static bool add_locked(YcReplaySet *r, const char *hex, size_t len) {
    if (len != 64 || !r->capacity) return false;
    unsigned char d[32];
    for (int i = 0; i < 32; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        d[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned b = bucket_of(r, d);
    for (unsigned s = r->buckets[b]; s; s = r->chain[s - 1])
        if (memcmp(r->digests[s - 1], d, 32) == 0) return false;
    int slot = r->next;
    if (r->count == r->capacity) unlink_slot(r, slot);
    else r->count++;
    memcpy(r->digests[slot], d, 32);
    r->chain[slot] = r->buckets[b];
    r->buckets[b] = (unsigned)slot + 1;
    r->next = (slot + 1) % r->capacity;
    return true;
}

bool yc_replay_add(YcReplaySet *r, const char *hex, size_t len) {
    if (!r->capacity) return false;
    pthread_mutex_lock(&r->lock);
    bool fresh = add_locked(r, hex, len);
    pthread_mutex_unlock(&r->lock);
    return fresh;
}
