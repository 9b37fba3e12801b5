/* Model input from a batch: uint8 RGB / 255 as float32 (the reference's
 * `img.float() / 255`), optionally resized bilinearly (multi_scale, as
 * torch's interpolate with align_corners=False), in backend memory. The
 * buffers grow to the largest batch seen and are reused. */
#ifndef YC_TRAIN_INPUT_H
#define YC_TRAIN_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "error.h"
#include "tensor.h"
#include "train_source.h"

typedef struct YcInput {
    YcBackend *be;
    float *dev;          /* backend memory */
    size_t dev_cap;      /* floats */
    float *host;         /* host staging (non-host backends, or resizing) */
    size_t host_cap;
} YcInput;

void yc_input_init(YcInput *in, YcBackend *be);
void yc_input_free(YcInput *in);

/* Fills *x with the batch as [n, 3, out_h, out_w] floats; out_h/out_w equal
 * to the batch's size means no resizing. */
int yc_input_prepare(YcInput *in, const YcSourceBatch *b, int out_h, int out_w, YcTensor *x, YcErr *err);

/* Bilinear resize of planes [planes, h, w] -> [planes, oh, ow], torch's
 * upsample_bilinear2d (align_corners=False, no antialiasing) in float32. */
void yc_resize_bilinear(const float *src, int64_t planes, int h, int w, float *dst, int oh, int ow);

/* The reference's multi_scale size for a batch: a stride multiple drawn in
 * [imgsz * 0.5, imgsz * 1.5 + stride), then each side of h x w scaled by
 * size / max(h, w) and rounded up to a stride multiple. The draw is a hash of
 * (seed, iteration), so a resumed run draws the same sizes. */
void yc_multiscale_size(uint64_t seed, long iteration, int imgsz, int stride, int h, int w, int *oh, int *ow);

#endif
