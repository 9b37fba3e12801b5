/* The training updates through the backend: optimiser state and the EMA copy
 * in backend memory, updated by the backend's fused entries (backend.h,
 * fused_*), so that a training step on a GPU never copies parameters to the
 * host. The arithmetic is that of clip.h, optim.h and ema.h exactly (the CPU
 * backend runs those functions; the CUDA kernels repeat their float32
 * operations in the same order).
 *
 * The host YcOptim / YcEma stay the owners of hyperparameters, step counts and
 * checkpoints: on a backend whose memory is the host's, the set points at their
 * buffers; elsewhere the state lives in one backend block (yc_fused_layout)
 * and yc_fused_download / yc_fused_upload copy it to and from their buffers
 * (before yc_optim_save / yc_ema_save, after yc_optim_load / yc_ema_load).
 *
 * In the training loop (docs/CUDA.md):
 *   YcFused *f = yc_fused_create(be, params, n, &opt, &ema, &err);
 *   ... forward, loss, backward ...
 *   [amp=fp16] finite = yc_fused_unscale(f, 1 / scale); yc_loss_scaler_update(...)
 *   norm = yc_fused_clip(f, 10.0); yc_fused_optim_step(f, &opt);
 *   yc_model_zero_grad(m); yc_fused_ema_update(f, &ema);
 */
#ifndef YC_GPU_FUSED_H
#define YC_GPU_FUSED_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "ema.h"
#include "error.h"
#include "optim.h"
#include "params.h"

/* Where each parameter's state goes in the one backend block: offsets in
 * floats, each a multiple of 64 (256 bytes, the backend's alignment). For
 * parameter i: state1 at off1[i] (or -1: none), state2 at off2[i], ema at
 * offe[i]. Returns the block's size in floats. Pure arithmetic, no memory. */
size_t yc_fused_layout(const YcParam *params, int count, bool with_state1, bool adam, bool with_ema,
                       const bool *optimised, int64_t *off1, int64_t *off2, int64_t *offe);

/* The work units of the CUDA multi-tensor kernels: every parameter split, in
 * order, into chunks of at most `chunk` values (one thread block each), so
 * that one launch covers all parameters. Returns the number of chunks; `out`
 * (room for that many) may be NULL to count them. Empty parameters give none. */
typedef struct YcFusedChunk {
    int tensor;     /* parameter index */
    int len;        /* values in this chunk */
    int64_t begin;  /* first value */
} YcFusedChunk;
int yc_fused_chunks(const YcParam *params, int count, int chunk, YcFusedChunk *out);

typedef struct YcFused {
    YcBackend *be;
    YcFusedSet set;
    bool mirrored;        /* state copied into `block` (backend memory is not the host's) */
    float *block;         /* the backend block (mirrored only) */
    size_t block_floats;
    int64_t *off1, *off2, *offe;
} YcFused;

/* o and e may be NULL (no optimiser / no EMA). o->params must be `params`.
 * The state starts at the host buffers' values (zeros after yc_optim_init,
 * the checkpoint's after yc_optim_load). NULL + err on failure. */
YcFused *yc_fused_create(YcBackend *be, YcParam *params, int count, const YcOptim *o, const YcEma *e, YcErr *err);
void yc_fused_free(YcFused *f);

/* Copies the backend state into o's and e's host buffers (no-op when not
 * mirrored), and back. Either may be NULL. 0, or -1 with err (device errors). */
int yc_fused_download(YcFused *f, YcOptim *o, YcEma *e, YcErr *err);
int yc_fused_upload(YcFused *f, const YcOptim *o, const YcEma *e, YcErr *err);

/* The updates (see backend.h: fused_*). */
double yc_fused_clip(YcFused *f, double max_norm);
void yc_fused_optim_step(YcFused *f, YcOptim *o);
void yc_fused_ema_update(YcFused *f, YcEma *e);
bool yc_fused_unscale(YcFused *f, float inv_scale);

#endif
