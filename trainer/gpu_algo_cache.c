/* Convolution algorithm cache: open addressing on an FNV-1a hash of the key. */
#include "gpu_algo_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct Entry {
    bool used;
    YcConvKey key;
    YcConvAlgo algo;
} Entry;

struct YcConvAlgoCache {
    Entry *slots;
    size_t cap; /* power of two */
    int count;
};

void yc_conv_key(YcConvKey *k, YcConvDir dir, const YcConvShape *s, YcPrecision precision, YcConvLayout layout,
                 bool deterministic) {
    memset(k, 0, sizeof *k);
    k->direction = dir;
    k->precision = precision;
    k->layout = layout;
    k->deterministic = deterministic;
    k->batch = s->batch;
    k->c_in = s->c_in;
    k->h_in = s->h_in;
    k->w_in = s->w_in;
    k->c_out = s->c_out;
    k->h_out = s->h_out;
    k->w_out = s->w_out;
    k->kh = s->kh;
    k->kw = s->kw;
    k->stride_h = s->stride_h;
    k->stride_w = s->stride_w;
    k->pad_h = s->pad_h;
    k->pad_w = s->pad_w;
    k->groups = s->groups;
}

uint64_t yc_conv_key_hash(const YcConvKey *k) {
    const unsigned char *b = (const unsigned char *)k;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

YcConvAlgoCache *yc_conv_algo_cache_new(void) { return calloc(1, sizeof(YcConvAlgoCache)); }

void yc_conv_algo_cache_free(YcConvAlgoCache *c) {
    if (!c) return;
    free(c->slots);
    free(c);
}

static Entry *find(const YcConvAlgoCache *c, const YcConvKey *k) {
    if (!c->cap) return NULL;
    size_t h = (size_t)yc_conv_key_hash(k) & (c->cap - 1);
    while (c->slots[h].used) {
        if (memcmp(&c->slots[h].key, k, sizeof *k) == 0) return &c->slots[h];
        h = (h + 1) & (c->cap - 1);
    }
    return NULL;
}

const YcConvAlgo *yc_conv_algo_get(const YcConvAlgoCache *c, const YcConvKey *k) {
    const Entry *e = find(c, k);
    return e ? &e->algo : NULL;
}

static int grow(YcConvAlgoCache *c) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    Entry *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].used) continue;
        size_t h = (size_t)yc_conv_key_hash(&c->slots[i].key) & (cap - 1);
        while (slots[h].used) h = (h + 1) & (cap - 1);
        slots[h] = c->slots[i];
    }
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
    return 0;
}

int yc_conv_algo_put(YcConvAlgoCache *c, const YcConvKey *k, const YcConvAlgo *a) {
    Entry *e = find(c, k);
    if (e) {
        e->algo = *a;
        return 0;
    }
    if ((size_t)(c->count + 1) * 2 > c->cap && grow(c)) return -1;
    size_t h = (size_t)yc_conv_key_hash(k) & (c->cap - 1);
    while (c->slots[h].used) h = (h + 1) & (c->cap - 1);
    c->slots[h].used = true;
    c->slots[h].key = *k;
    c->slots[h].algo = *a;
    c->count++;
    return 0;
}

int yc_conv_algo_count(const YcConvAlgoCache *c) { return c->count; }
