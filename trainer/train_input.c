/* Model input from a batch (see train_input.h). */
#include "train_input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void yc_input_init(YcInput *in, YcBackend *be) {
    memset(in, 0, sizeof *in);
    in->be = be;
}

void yc_input_free(YcInput *in) {
    if (in->dev) in->be->free(in->be, in->dev);
    free(in->host);
    memset(in, 0, sizeof *in);
}

static int grow_dev(YcInput *in, size_t n, YcErr *err) {
    if (n <= in->dev_cap) return 0;
    if (in->dev) in->be->free(in->be, in->dev);
    in->dev = in->be->alloc(in->be, n * sizeof(float));
    in->dev_cap = in->dev ? n : 0;
    if (!in->dev) return yc_err(err, "input batch: cannot allocate %zu floats on %s", n, in->be->name);
    return 0;
}

static int grow_host(YcInput *in, size_t n, YcErr *err) {
    if (n <= in->host_cap) return 0;
    free(in->host);
    in->host = malloc(n * sizeof(float));
    in->host_cap = in->host ? n : 0;
    if (!in->host) return yc_err(err, "input batch: out of memory (%zu floats)", n);
    return 0;
}

static void to_float(const uint8_t *src, size_t n, float *dst) {
    for (size_t i = 0; i < n; i++) dst[i] = (float)src[i] / 255.0f;
}

/* Source index and weight of one output position, as torch computes them. */
static void linear_index(int out_i, float scale, int in_size, int *i0, int *i1, float *l1) {
    float src = scale * ((float)out_i + 0.5f) - 0.5f;
    if (src < 0) src = 0;
    int i = (int)floorf(src);
    if (i > in_size - 1) i = in_size - 1;
    float lambda = src - (float)i;
    if (lambda < 0) lambda = 0;
    if (lambda > 1) lambda = 1;
    *i0 = i;
    *i1 = i + (i < in_size - 1 ? 1 : 0);
    *l1 = lambda;
}

void yc_resize_bilinear(const float *src, int64_t planes, int h, int w, float *dst, int oh, int ow) {
    float sh = (float)h / (float)oh, sw = (float)w / (float)ow;
    int *x0 = malloc((size_t)ow * sizeof *x0), *x1 = malloc((size_t)ow * sizeof *x1);
    float *lx = malloc((size_t)ow * sizeof *lx);
    if (!x0 || !x1 || !lx) { /* tiny; cannot really fail */
        free(x0);
        free(x1);
        free(lx);
        return;
    }
    for (int j = 0; j < ow; j++) linear_index(j, sw, w, &x0[j], &x1[j], &lx[j]);
    for (int64_t p = 0; p < planes; p++) {
        const float *s = src + p * (int64_t)h * w;
        float *d = dst + p * (int64_t)oh * ow;
        for (int i = 0; i < oh; i++) {
            int y0, y1;
            float ly;
            linear_index(i, sh, h, &y0, &y1, &ly);
            const float *r0 = s + (int64_t)y0 * w, *r1 = s + (int64_t)y1 * w;
            float h0 = 1.0f - ly, h1 = ly;
            for (int j = 0; j < ow; j++) {
                float w1 = lx[j], w0 = 1.0f - w1;
                d[(int64_t)i * ow + j] = h0 * (w0 * r0[x0[j]] + w1 * r0[x1[j]]) + h1 * (w0 * r1[x0[j]] + w1 * r1[x1[j]]);
            }
        }
    }
    free(x0);
    free(x1);
    free(lx);
}

int yc_input_prepare(YcInput *in, const YcSourceBatch *b, int out_h, int out_w, YcTensor *x, YcErr *err) {
    size_t n_in = (size_t)b->n * 3 * b->h * b->w, n_out = (size_t)b->n * 3 * out_h * out_w;
    bool host_be = in->be->mem == YC_MEM_HOST, resize = out_h != b->h || out_w != b->w;
    if (grow_dev(in, n_out, err)) return -1;
    if (!resize) {
        /* the backend divides (on a device: copies the bytes, divides there) */
        in->be->upload_u8(in->be, in->dev, b->images, n_in, 255.0f);
    } else {
        if (grow_host(in, n_in + (host_be ? 0 : n_out), err)) return -1;
        to_float(b->images, n_in, in->host);
        float *dst = host_be ? in->dev : in->host + n_in;
        yc_resize_bilinear(in->host, (int64_t)b->n * 3, b->h, b->w, dst, out_h, out_w);
        if (!host_be) in->be->upload(in->be, in->dev, dst, n_out * sizeof(float));
    }
    int64_t shape[4] = {b->n, 3, out_h, out_w};
    *x = yc_tensor_f32(in->dev, 4, shape);
    x->mem = in->be->mem;
    x->device = in->be->device;
    return 0;
}

static uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void yc_multiscale_size(uint64_t seed, long iteration, int imgsz, int stride, int h, int w, int *oh, int *ow) {
    int lo = (int)(imgsz * 0.5), hi = (int)(imgsz * 1.5 + stride);
    uint64_t r = splitmix64(splitmix64(seed ^ 0x6d756c7469ull) + (uint64_t)iteration);
    int sz = (lo + (int)(r % (uint64_t)(hi > lo ? hi - lo : 1))) / stride * stride;
    if (sz < stride) sz = stride;
    int longest = h > w ? h : w;
    double sf = (double)sz / longest;
    if (sf == 1.0) {
        *oh = h;
        *ow = w;
        return;
    }
    *oh = (int)ceil(h * sf / stride) * stride;
    *ow = (int)ceil(w * sf / stride) * stride;
}
