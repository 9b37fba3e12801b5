/* The CUDA backend's cache of cuDNN convolution algorithms: one choice per
 * (direction, shape, precision, layout, determinism), made once (at planning
 * time: conv2d_workspace) and looked up on every call. Plain host logic. */
#ifndef YC_GPU_ALGO_CACHE_H
#define YC_GPU_ALGO_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef enum YcConvDir { YC_CONV_FWD = 0, YC_CONV_BWD_DATA, YC_CONV_BWD_FILTER } YcConvDir;
typedef enum YcConvLayout { YC_LAYOUT_NCHW = 0, YC_LAYOUT_NHWC } YcConvLayout;

/* Only int32 fields, zero-initialised by yc_conv_key: hashed and compared as bytes. */
typedef struct YcConvKey {
    int32_t direction, precision, layout, deterministic;
    int32_t batch, c_in, h_in, w_in, c_out, h_out, w_out, kh, kw, stride_h, stride_w, pad_h, pad_w, groups;
} YcConvKey;

typedef struct YcConvAlgo {
    int algo;          /* the cuDNN enum value for the direction */
    int math;          /* cudnnMathType_t */
    size_t workspace;  /* bytes cuDNN needs for it */
    float ms;          /* measured time (0 when chosen by heuristic) */
} YcConvAlgo;

void yc_conv_key(YcConvKey *k, YcConvDir dir, const YcConvShape *s, YcPrecision precision, YcConvLayout layout,
                 bool deterministic);
uint64_t yc_conv_key_hash(const YcConvKey *k);

typedef struct YcConvAlgoCache YcConvAlgoCache;
YcConvAlgoCache *yc_conv_algo_cache_new(void);
void yc_conv_algo_cache_free(YcConvAlgoCache *c);
/* NULL when the key has no entry yet. */
const YcConvAlgo *yc_conv_algo_get(const YcConvAlgoCache *c, const YcConvKey *k);
/* Adds or replaces; 0, or -1 when out of memory. */
int yc_conv_algo_put(YcConvAlgoCache *c, const YcConvKey *k, const YcConvAlgo *a);
int yc_conv_algo_count(const YcConvAlgoCache *c);

#endif
