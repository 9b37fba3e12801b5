/* The CUDA backend's entry point (cuda/, built with GPU=1 only). It fills the
 * same table as the CPU backend (backend.h). */
#ifndef YC_BACKEND_CUDA_H
#define YC_BACKEND_CUDA_H

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A backend on CUDA device `device_index`; NULL with a clear error when the
 * device does not exist or cuDNN/cuBLAS cannot start. `precision` is the amp
 * argument's value: "false" (float32), "true"/"bf16" or "fp16". */
YcBackend *yc_backend_cuda_create(int device_index, const char *precision, YcErr *err);

#ifdef __cplusplus
}
#endif

#endif
