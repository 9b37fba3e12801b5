/* The CUDA backend's caching allocator (trainer/gpu_alloc.h) against a fake
 * raw allocator that counts calls and can be told to fail. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "gpu_alloc.h"

typedef struct Fake {
    int allocs, frees, live;
    size_t live_bytes;
    long fail_above;   /* fail requests when live_bytes + bytes would exceed this (< 0: never) */
    size_t last_size;
} Fake;

static void *fake_alloc(void *ctx, size_t bytes) {
    Fake *f = ctx;
    if (f->fail_above >= 0 && f->live_bytes + bytes > (size_t)f->fail_above) return NULL;
    void *p = malloc(bytes);
    if (!p) return NULL;
    f->allocs++;
    f->live++;
    f->live_bytes += bytes;
    f->last_size = bytes;
    /* remember the size in a side table: the first word of the block */
    *(size_t *)p = bytes;
    return p;
}

static void fake_free(void *ctx, void *p) {
    Fake *f = ctx;
    f->frees++;
    f->live--;
    f->live_bytes -= *(size_t *)p;
    free(p);
}

static void test_size_classes(void) {
    CHECK(yc_gpu_size_class(1) == 512);
    CHECK(yc_gpu_size_class(512) == 512);
    CHECK(yc_gpu_size_class(513) == 1024);
    CHECK(yc_gpu_size_class(5000) == 5120);         /* 4096 < b <= 8192: multiples of 1024 */
    CHECK(yc_gpu_size_class(8192) == 8192);
    CHECK(yc_gpu_size_class(8193) == 10240);
    CHECK(yc_gpu_size_class((size_t)1 << 30) == (size_t)1 << 30);
    CHECK(yc_gpu_size_class(((size_t)1 << 30) + 1) == ((size_t)1 << 30) + ((size_t)2 << 20)); /* 2 MiB steps */
    size_t prev = 0;
    for (size_t b = 1; b < ((size_t)64 << 20); b = b * 9 / 8 + 1) {
        size_t c = yc_gpu_size_class(b);
        CHECK(c >= b);
        CHECK(c % 512 == 0);
        CHECK(c >= prev); /* monotonic */
        if (b > 2048) CHECK((double)c <= 1.25 * (double)b); /* below 2 KiB the 512-byte floor dominates */
        CHECK(yc_gpu_size_class(c) == c); /* a class is its own class */
        prev = c;
    }
}

static void test_reuse_without_raw_calls(void) {
    Fake f = {.fail_above = -1};
    YcGpuCache *c = yc_gpu_cache_create(fake_alloc, fake_free, &f);
    void *a = yc_gpu_cache_alloc(c, 1000), *b = yc_gpu_cache_alloc(c, 3000);
    CHECK(a && b && a != b);
    CHECK(f.allocs == 2);
    CHECK(yc_gpu_cache_block_size(c, a) == 1024);
    CHECK(yc_gpu_cache_free(c, a) == 0);
    void *a2 = yc_gpu_cache_alloc(c, 900); /* same class: the cached block */
    CHECK(a2 == a);
    CHECK(f.allocs == 2);
    /* a training loop: the same requests every step, freed at its end */
    for (int step = 0; step < 100; step++) {
        void *p[5];
        for (int i = 0; i < 5; i++) p[i] = yc_gpu_cache_alloc(c, (size_t)(i + 1) * 100000);
        for (int i = 0; i < 5; i++) CHECK(yc_gpu_cache_free(c, p[i]) == 0);
    }
    CHECK(f.allocs == 2 + 5); /* only the first step reached the raw allocator */
    YcGpuCacheStats s;
    yc_gpu_cache_stats(c, &s);
    CHECK(s.hits == 1 + 99 * 5);
    CHECK(s.live_blocks == 2);
    CHECK(s.in_use == 1024 + 3072);
    CHECK(s.raw_allocs == 7 && s.raw_frees == 0);
    CHECK(yc_gpu_cache_free(c, a2) == 0 && yc_gpu_cache_free(c, b) == 0);
    CHECK(yc_gpu_cache_destroy(c) == 0);
    CHECK(f.live == 0 && f.frees == f.allocs);
}

static void test_bookkeeping_and_errors(void) {
    Fake f = {.fail_above = -1};
    YcGpuCache *c = yc_gpu_cache_create(fake_alloc, fake_free, &f);
    int x;
    CHECK(yc_gpu_cache_free(c, NULL) == 0);
    CHECK(yc_gpu_cache_free(c, &x) == -1); /* not ours */
    void *p = yc_gpu_cache_alloc(c, 0);     /* 0 bytes: a valid 512-byte block */
    CHECK(p && yc_gpu_cache_block_size(c, p) == 512);
    CHECK(yc_gpu_cache_free(c, p) == 0);
    CHECK(yc_gpu_cache_free(c, p) == -1); /* double free is refused */
    YcGpuCacheStats s;
    yc_gpu_cache_stats(c, &s);
    CHECK(s.in_use == 0 && s.cached == 512 && s.peak_in_use == 512);
    yc_gpu_cache_trim(c);
    yc_gpu_cache_stats(c, &s);
    CHECK(s.cached == 0 && f.live == 0);
    /* leaks are released and counted at destroy */
    CHECK(yc_gpu_cache_alloc(c, 10) && yc_gpu_cache_alloc(c, 20000));
    CHECK(yc_gpu_cache_destroy(c) == 2);
    CHECK(f.live == 0);
}

static void test_out_of_memory_releases_cache(void) {
    Fake f = {.fail_above = 10 << 20};
    YcGpuCache *c = yc_gpu_cache_create(fake_alloc, fake_free, &f);
    void *a = yc_gpu_cache_alloc(c, 6 << 20);
    CHECK(a != NULL);
    CHECK(yc_gpu_cache_free(c, a) == 0); /* cached: 6 MiB held */
    void *b = yc_gpu_cache_alloc(c, 7 << 20); /* needs the cache released first */
    CHECK(b != NULL);
    YcGpuCacheStats s;
    yc_gpu_cache_stats(c, &s);
    CHECK(s.cached == 0 && s.raw_frees == 1);
    CHECK(yc_gpu_cache_alloc(c, 5 << 20) == NULL); /* really out of memory */
    yc_gpu_cache_stats(c, &s);
    CHECK(s.raw_failures == 1);
    CHECK(yc_gpu_cache_free(c, b) == 0);
    CHECK(yc_gpu_cache_destroy(c) == 0 && f.live == 0);
}

static void test_many_blocks(void) {
    Fake f = {.fail_above = -1};
    YcGpuCache *c = yc_gpu_cache_create(fake_alloc, fake_free, &f);
    enum { N = 3000 };
    void **p = calloc(N, sizeof *p);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) p[i] = yc_gpu_cache_alloc(c, (size_t)(i % 37 + 1) * 700);
        for (int i = 0; i < N; i++) CHECK(yc_gpu_cache_block_size(c, p[i]) == yc_gpu_size_class((size_t)(i % 37 + 1) * 700));
        for (int i = N - 1; i >= 0; i -= 2) CHECK(yc_gpu_cache_free(c, p[i]) == 0);
        for (int i = N - 2; i >= 0; i -= 2) CHECK(yc_gpu_cache_free(c, p[i]) == 0);
    }
    CHECK(f.allocs == N); /* rounds 2 and 3 came from the free lists */
    YcGpuCacheStats s;
    yc_gpu_cache_stats(c, &s);
    CHECK(s.live_blocks == 0 && s.in_use == 0);
    free(p);
    CHECK(yc_gpu_cache_destroy(c) == 0 && f.live == 0);
}

int main(void) {
    const CheckCase cases[] = {
        {"size_classes", test_size_classes},
        {"reuse_without_raw_calls", test_reuse_without_raw_calls},
        {"bookkeeping_and_errors", test_bookkeeping_and_errors},
        {"out_of_memory_releases_cache", test_out_of_memory_releases_cache},
        {"many_blocks", test_many_blocks},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
