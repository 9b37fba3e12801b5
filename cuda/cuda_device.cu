// CUDA device discovery: how many GPUs this process can use and what they are.
#include <cuda_runtime.h>
#include <stdio.h>

#include "cuda_device.h"

extern "C" int yc_cuda_device_count(void) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError(); // clear the sticky "no device" error
        return 0;
    }
    return count;
}

extern "C" int yc_cuda_device_describe(int index, char *buf, size_t cap) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    snprintf(buf, cap, "%s, %.1f GiB, compute %d.%d", prop.name,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), prop.major, prop.minor);
    return 0;
}
