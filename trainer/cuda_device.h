/* CUDA device discovery, implemented in cuda/ (built with GPU=1 only). */
#ifndef YC_CUDA_DEVICE_H
#define YC_CUDA_DEVICE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices (0 when there is no driver or no device). */
int yc_cuda_device_count(void);
/* "NVIDIA H100 80GB HBM3, 79.1 GiB, compute 9.0"; -1 on error. */
int yc_cuda_device_describe(int index, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
