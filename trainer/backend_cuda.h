/* The CUDA backend's entry point (cuda/, built with GPU=1 only). It fills the
 * same table as the CPU backend (backend.h). */
#ifndef YC_BACKEND_CUDA_H
#define YC_BACKEND_CUDA_H

#include <stdbool.h>

#include "backend.h"
#include "gpu_alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A backend on CUDA device `device_index`; NULL with a clear error when the
 * device does not exist or cuDNN/cuBLAS cannot start. `precision` is the amp
 * argument's value: "false" (float32), "true"/"bf16" or "fp16". */
YcBackend *yc_backend_cuda_create(int device_index, const char *precision, YcErr *err);

/* cuDNN algorithm policy (before the first convolution of a shape; choices are
 * cached per shape): deterministic algorithms only (default, as the
 * reference's deterministic=True), and choice by timing every candidate
 * (default) rather than by cuDNN's heuristics. The environment variables
 * YOLOC_CUDNN_DETERMINISTIC=0 and YOLOC_CUDNN_BENCHMARK=0 set the defaults.
 * -1 when `be` is not a CUDA backend. */
int yc_backend_cuda_options(YcBackend *be, bool deterministic, bool benchmark);

/* The device allocator's counters (bytes in use and cached, cudaMalloc calls...). */
void yc_backend_cuda_memory(YcBackend *be, YcGpuCacheStats *stats);

#ifdef __cplusplus
}
#endif

#endif
