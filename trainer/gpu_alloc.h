/* The CUDA backend's caching allocator, as plain host logic over two
 * functions (the real cudaMalloc / cudaFree, or a fake one in the unit tests):
 * freed blocks are kept on a free list per size class and handed out again for
 * the next request of that class, so that a training loop that frees and
 * allocates the same sizes every step never reaches cudaMalloc (which
 * synchronises the device). When the raw allocator fails, every cached block
 * is released and the request tried once more.
 *
 * Size classes: requests up to 512 bytes take 512; a larger request of
 * b bytes with 2^k < b <= 2^(k+1) rounds up to a multiple of 2^(k-2) (at most
 * 2 MiB, at least 512 bytes): at most 25% waste above 2 KiB, and a 2 MiB
 * granularity for big blocks.
 *
 * Blocks are reused in the order the caller frees them; with one CUDA stream,
 * a freed block's last use is queued before the next user's first, so reuse
 * needs no event. Not thread-safe: one backend, one thread. */
#ifndef YC_GPU_ALLOC_H
#define YC_GPU_ALLOC_H

#include <stddef.h>
#include <stdint.h>

typedef void *(*YcGpuRawAlloc)(void *ctx, size_t bytes);
typedef void (*YcGpuRawFree)(void *ctx, void *ptr);

typedef struct YcGpuCache YcGpuCache;

typedef struct YcGpuCacheStats {
    size_t in_use;        /* bytes (by class) handed out and not freed */
    size_t cached;        /* bytes on the free lists */
    size_t peak_in_use;
    uint64_t raw_allocs;  /* calls of the raw allocator that succeeded */
    uint64_t raw_frees;
    uint64_t raw_failures;
    uint64_t hits;        /* requests served from a free list */
    int live_blocks;
} YcGpuCacheStats;

/* The class a request of `bytes` is served from (bytes >= 1). */
size_t yc_gpu_size_class(size_t bytes);

YcGpuCache *yc_gpu_cache_create(YcGpuRawAlloc raw_alloc, YcGpuRawFree raw_free, void *ctx);
/* Releases the cached blocks and the cache; blocks still handed out are
 * released too and counted (returns their number: 0 for a clean shutdown). */
int yc_gpu_cache_destroy(YcGpuCache *c);

/* A block of at least `bytes` (0 counts as 1), NULL when the raw allocator
 * fails even after releasing the cache. */
void *yc_gpu_cache_alloc(YcGpuCache *c, size_t bytes);
/* Returns a block to its free list: 0, or -1 for a pointer the cache did not
 * hand out (NULL is fine: 0). */
int yc_gpu_cache_free(YcGpuCache *c, void *ptr);
/* The class size of a live block, 0 if unknown. */
size_t yc_gpu_cache_block_size(const YcGpuCache *c, const void *ptr);
/* Gives every cached block back to the raw allocator. */
void yc_gpu_cache_trim(YcGpuCache *c);

void yc_gpu_cache_stats(const YcGpuCache *c, YcGpuCacheStats *s);

#endif
