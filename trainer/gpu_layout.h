/* Channels-last index maths for the CUDA backend's mixed-precision
 * convolutions, shared by the conversion kernels (cuda/cuda_convert.cu) and
 * the host unit tests. A tensor [n, c, h, w] is stored NCHW at
 * ((n C + c) H + h) W + w and NHWC at ((n H + h) W + w) C + c; a filter
 * [k, c, r, s] is stored KCRS (the table's layout) or KRSC (cuDNN's NHWC
 * filter layout), the same maps with n = k. The conversion kernels treat each
 * image as a [C, HW] matrix and transpose it in square tiles. */
#ifndef YC_GPU_LAYOUT_H
#define YC_GPU_LAYOUT_H

#include <stdint.h>

#ifdef __CUDACC__
#define YC_HD __host__ __device__ __forceinline__
#else
#define YC_HD static inline
#endif

#define YC_LAYOUT_TILE 32

YC_HD int64_t yc_nchw_index(int64_t n, int64_t c, int64_t h, int64_t w, int64_t C, int64_t H, int64_t W) {
    return ((n * C + c) * H + h) * W + w;
}

YC_HD int64_t yc_nhwc_index(int64_t n, int64_t c, int64_t h, int64_t w, int64_t C, int64_t H, int64_t W) {
    return ((n * H + h) * W + w) * C + c;
}

/* The NHWC position of the element at NCHW position i (plane = H * W). */
YC_HD int64_t yc_nchw_to_nhwc(int64_t i, int64_t C, int64_t plane) {
    int64_t image = i / (C * plane), rest = i % (C * plane);
    int64_t c = rest / plane, p = rest % plane;
    return (image * plane + p) * C + c;
}

/* The NCHW position of the element at NHWC position j. */
YC_HD int64_t yc_nhwc_to_nchw(int64_t j, int64_t C, int64_t plane) {
    int64_t image = j / (C * plane), rest = j % (C * plane);
    int64_t p = rest / C, c = rest % C;
    return (image * C + c) * plane + p;
}

/* Tiles of one image's [C, plane] matrix: tile (tc, tp) covers channels
 * [tc T, tc T + T) and positions [tp T, tp T + T), clipped at the edges. */
YC_HD int64_t yc_layout_tiles(int64_t extent) { return (extent + YC_LAYOUT_TILE - 1) / YC_LAYOUT_TILE; }

#endif
