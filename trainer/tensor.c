#include "tensor.h"

#include <stdio.h>

size_t yc_dtype_size(YcDtype dtype) {
    switch (dtype) {
    case YC_DTYPE_F32: return 4;
    case YC_DTYPE_F16:
    case YC_DTYPE_BF16: return 2;
    }
    return 0;
}

const char *yc_dtype_name(YcDtype dtype) {
    switch (dtype) {
    case YC_DTYPE_F32: return "float32";
    case YC_DTYPE_F16: return "float16";
    case YC_DTYPE_BF16: return "bfloat16";
    }
    return "?";
}

int64_t yc_tensor_numel(const YcTensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

size_t yc_tensor_bytes(const YcTensor *t) { return (size_t)yc_tensor_numel(t) * yc_dtype_size(t->dtype); }

YcTensor yc_tensor_f32(float *data, int ndim, const int64_t *shape) {
    YcTensor t = {.data = data, .dtype = YC_DTYPE_F32, .mem = YC_MEM_HOST, .ndim = ndim};
    for (int i = 0; i < YC_TENSOR_MAX_DIMS; i++) t.shape[i] = i < ndim ? shape[i] : 1;
    return t;
}

const char *yc_tensor_shape_str(const YcTensor *t, char *buf, size_t cap) {
    size_t o = 0;
    o += (size_t)snprintf(buf + o, cap - o, "[");
    for (int i = 0; i < t->ndim && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
    return buf;
}
