/* The YOLO detection model (YOLOv8 / YOLO11 and user YAMLs built from the
 * same modules), with forward and backward through a backend (backend.h).
 *
 * Typical training step:
 *   YcModel *m = yc_model_build("yolov8n.yaml", nc, be, &err);
 *   int n; YcParam *p = yc_model_params(m, &n);     // optimiser groups, EMA
 *   yc_model_set_train(m, true);
 *   yc_model_zero_grad(m);
 *   YcModelOutputs out;
 *   yc_model_forward(m, &batch, &out, &err);        // out.level[i]: [B, 64 + nc, H/s, W/s]
 *   ... the loss writes dL/d out.level[i] into yc_model_output_grad(m, i) ...
 *   yc_model_backward(m, NULL, NULL, &err);         // param grads += dL/dparam
 *   ... optimiser step on p[i].value with p[i].grad ...
 * Evaluation: yc_model_set_train(m, false); forward also fills out.decoded.
 *
 * Activations live in an arena planned for each input shape and mode and
 * reused while the shape stays the same: a step allocates nothing. Tensors
 * returned by the model point into it and stay valid until the next forward
 * with another shape or mode. */
#ifndef YC_MODEL_H
#define YC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "error.h"
#include "params.h"
#include "safetensors.h"
#include "tensor.h"

#define YC_MODEL_MAX_LEVELS 8

typedef struct YcModel YcModel;

typedef struct YcModelOutputs {
    int levels;                               /* 3 for the standard models */
    YcTensor level[YC_MODEL_MAX_LEVELS];      /* raw head outputs [B, 4*16 + nc, H/s, W/s] */
    int stride[YC_MODEL_MAX_LEVELS];          /* 8, 16, 32 */
    YcTensor decoded;                         /* eval mode only: [B, 4 + nc, anchors]; data NULL in training */
} YcModelOutputs;

typedef struct YcModelSummary {
    int layers;            /* leaf modules, counted as the reference counts them */
    int64_t parameters;    /* every parameter (not buffers) */
    int64_t gradients;     /* parameters that train (not frozen, not the DFL conv) */
    double gflops;         /* at the given image size, the reference's way (thop at stride size, scaled) */
} YcModelSummary;

/* Builds a model from a YAML name or path ("yolov8n.yaml" = share/models/yolov8.yaml
 * at scale n). nc > 0 overrides the YAML's nc. Parameters are allocated with the
 * backend and initialised as the reference initialises a new model (seed 0;
 * see yc_model_init_weights). NULL + err (naming file and line) on failure. */
YcModel *yc_model_build(const char *model, int nc, YcBackend *be, YcErr *err);
void yc_model_free(YcModel *m);

/* Re-initialises every parameter and buffer from scratch, deterministically
 * from seed: conv weights kaiming-uniform(a = sqrt(5)) (U(+-1/sqrt(fan_in))),
 * conv biases U(+-1/sqrt(fan_in)) then Detect's bias init (box 1.0, class
 * log(5 / nc / (640 / stride)^2)), BN weight 1, bias 0, running mean 0, var 1;
 * the DFL conv holds 0..15. */
void yc_model_init_weights(YcModel *m, uint64_t seed);

/* "YOLOv8n" (from the file name, as the reference prints it), nc, input channels. */
const char *yc_model_name(const YcModel *m);
int yc_model_nc(const YcModel *m);
/* The model name as given to yc_model_build ("yolov8n.yaml"; what weights files record as yaml). */
const char *yc_model_yaml(const YcModel *m);
int yc_model_in_channels(const YcModel *m);
/* The largest stride (32): input sizes must be multiples of it. */
int yc_model_max_stride(const YcModel *m);
YcBackend *yc_model_backend(const YcModel *m);

/* The parameters and buffers in state-dict order (value/grad pointers in backend
 * memory). The array belongs to the model; pointers stay valid for its life. */
YcParam *yc_model_params(YcModel *m, int *count);
/* All gradients as one contiguous block (frozen parameters' slots stay zero), for
 * all-reduce and gradient clipping. */
float *yc_model_grad_block(YcModel *m, size_t *count);

/* Training mode (batch statistics, running-statistics update, backward allowed)
 * or evaluation mode (running statistics, decoded output). New models train. */
void yc_model_set_train(YcModel *m, bool train);
bool yc_model_is_train(const YcModel *m);

/* Freezes the parameters of the given layer indices (model.<i>.*) and unfreezes
 * all others, as the reference's freeze= does; the DFL conv is always frozen.
 * Frozen parameters get grad == NULL. Errors name a bad index. */
int yc_model_freeze(YcModel *m, const int *layers, int count, YcErr *err);

/* Forward pass on x [B, in_channels, H, W] (backend memory, H and W multiples of
 * the max stride). In training mode x must stay unchanged until backward returns. */
int yc_model_forward(YcModel *m, const YcTensor *x, YcModelOutputs *out, YcErr *err);

/* The gradient buffer of head output `level` for the last training forward
 * (same shape as out.level[level]); write dL/dout there and call backward with
 * upstream == NULL to avoid a copy. */
YcTensor yc_model_output_grad(YcModel *m, int level);

/* Backward pass after a training forward. upstream: one tensor per level with
 * dL/d(level output) (copied into the model), or NULL when the caller filled
 * yc_model_output_grad. Parameter gradients are accumulated (+=); call
 * yc_model_zero_grad before a new accumulation. grad_input: when not NULL, a
 * tensor shaped like the input that receives dL/dx (overwritten). */
int yc_model_backward(YcModel *m, const YcTensor *upstream, YcTensor *grad_input, YcErr *err);
void yc_model_zero_grad(YcModel *m);

/* Weights as safetensors with the reference's state-dict names (float32).
 * save: every parameter and buffer (host copies), with metadata format=yoloc,
 * yaml (the model name as given to yc_model_build, e.g. yolov8n.yaml), nc, and
 * the caller's extra key/value pairs (extra_meta: NULL, or "key", "value", ...,
 * NULL; e.g. names, epoch). share/tools/pt_to_safetensors.py writes the same
 * keys from an Ultralytics checkpoint.
 * load: strict: every parameter and buffer must be in the file with its shape
 * (num_batches_tracked entries are ignored); not strict: those with a matching
 * name and shape are loaded and *loaded counts them (transfer learning). */
int yc_model_save(YcModel *m, const char *path, const char *const *extra_meta, YcErr *err);
int yc_model_load(YcModel *m, const char *path, bool strict, int *loaded, YcErr *err);
/* A model from a weights file written by yc_model_save or pt_to_safetensors.py:
 * built from its metadata (yaml, nc) and loaded strictly. Errors name the file. */
YcModel *yc_model_from_weights(const char *path, YcBackend *be, YcErr *err);
/* Whether model=PATH names a weights file (ends in .safetensors) rather than a model YAML. */
bool yc_model_is_weights_path(const char *path);
/* The same from an open file, names prefixed (e.g. "weights/" in parity fixtures). */
int yc_model_load_st(YcModel *m, const YcSafetensors *st, const char *prefix, bool strict, int *loaded, YcErr *err);

/* The summary the reference prints, GFLOPs for an image of imgsz_h x imgsz_w
 * (the reference's default is 640 x 640). */
void yc_model_summary(const YcModel *m, int imgsz_h, int imgsz_w, YcModelSummary *s);
/* "YOLOv8n summary: 129 layers, 3,157,200 parameters, 3,157,184 gradients, 8.9 GFLOPs" */
void yc_model_summary_line(const YcModel *m, int imgsz_h, int imgsz_w, char *buf, size_t cap);

/* Timing per operation kind (syncs the backend after every operation, so it
 * slows the model down): enable, run steps, then get a table of seconds and
 * GFLOP/s per kind for forward and backward since enabling. */
void yc_model_set_profiling(YcModel *m, bool on);
void yc_model_profile_report(const YcModel *m, char *buf, size_t cap);

/* Bytes of the arena planned for the last forward (activations, gradients, workspace). */
size_t yc_model_arena_bytes(const YcModel *m);

#endif
