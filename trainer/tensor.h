/* Tensors: a pointer into backend memory plus shape, element type and where
 * the memory lives. A YcTensor never owns its memory: activations point into
 * the model's arena (arena.h), parameters into the model's parameter block,
 * inputs into whatever the caller allocated with the backend. Layout is
 * dense row-major (NCHW for images). */
#ifndef YC_TENSOR_H
#define YC_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define YC_TENSOR_MAX_DIMS 4

/* Element types. Every operation is float32 today; the half types are here
 * so that storage and a later mixed-precision path need no layout change. */
typedef enum YcDtype { YC_DTYPE_F32 = 0, YC_DTYPE_F16, YC_DTYPE_BF16 } YcDtype;

/* Where a tensor's memory lives (the backend that allocated it). */
typedef enum YcMemKind { YC_MEM_HOST = 0, YC_MEM_CUDA } YcMemKind;

typedef struct YcTensor {
    void *data;
    YcDtype dtype;
    YcMemKind mem;
    int device;                          /* CUDA ordinal; 0 for host memory */
    int ndim;
    int64_t shape[YC_TENSOR_MAX_DIMS];   /* unused trailing dims are 1 */
} YcTensor;

size_t yc_dtype_size(YcDtype dtype);
const char *yc_dtype_name(YcDtype dtype);

/* Number of elements, and of bytes. */
int64_t yc_tensor_numel(const YcTensor *t);
size_t yc_tensor_bytes(const YcTensor *t);

/* A float32 host tensor of the given shape over existing memory. */
YcTensor yc_tensor_f32(float *data, int ndim, const int64_t *shape);

/* "[2, 3, 320, 320]" into buf (for error messages). */
const char *yc_tensor_shape_str(const YcTensor *t, char *buf, size_t cap);

#endif
