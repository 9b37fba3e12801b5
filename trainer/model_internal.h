/* Inside the model: the graph of operations the modules build, the
 * activations between them, the parameter table and the planned arena. Only
 * model_*.c and module_*.c include this. */
#ifndef YC_MODEL_INTERNAL_H
#define YC_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "model.h"
#include "model_yaml.h"

#define YC_OP_MAX_IO 64
#define YC_NONE (-1)

/* Graph operations: each one maps to backend entries in model_exec.c. */
typedef enum YcOpKind {
    YC_OP_CONV,      /* in x -> out y; weight (+ bias) */
    YC_OP_BN,        /* in x -> out y; gamma, beta, running mean/var; saves mean, invstd */
    YC_OP_SILU,
    YC_OP_ADD,       /* in a, b -> out a + b */
    YC_OP_CONCAT,    /* in x0..xn -> out, along channels */
    YC_OP_SPLIT,     /* in x -> out y0..yn, along channels (sizes from the outputs) */
    YC_OP_MAXPOOL,   /* k x k, stride 1, pad */
    YC_OP_UPSAMPLE,  /* nearest x2 */
    YC_OP_ATTENTION, /* in qkv -> out o = v softmax(scale q^T k)^T, out v (gathered); saves the probabilities */
} YcOpKind;

typedef struct YcOp {
    YcOpKind kind;
    int layer;                      /* model.<layer> it belongs to */
    int n_in, n_out;
    int in[YC_OP_MAX_IO], out[YC_OP_MAX_IO];
    /* parameters (indices into the model's table, YC_NONE when absent) */
    int weight, bias;               /* conv */
    int gamma, beta, mean, var;     /* bn */
    /* conv geometry (c_out from the output activation) */
    int kh, kw, stride, pad_h, pad_w, groups;
    /* max pool */
    int pool_k, pool_pad;
    /* attention */
    int heads, key_dim, head_dim;
    float attn_scale;
    /* planned arena slots for what the op keeps between forward and backward */
    YcArenaSlot saved, scratch;
} YcOp;

/* An activation: the output of one operation (or the model input). */
typedef struct YcAct {
    int c;                          /* channels */
    int stride;                     /* spatial stride relative to the input */
    int producer;                   /* op index; YC_NONE for the model input */
    int h, w;                       /* for the planned input shape */
    YcArenaSlot value, grad;
} YcAct;

/* What `yoloc info` and the layer table report per YAML layer. */
typedef struct YcLayerInfo {
    char type[48];
    int64_t params;
    int out_act;                    /* its output activation */
    int out_channels;
} YcLayerInfo;

typedef struct YcPlan {
    bool valid;
    bool train;
    int batch, h, w;
    int precision;                  /* the backend's YcPrecision when planned: workspace sizes depend on it */
    size_t arena_bytes, ws_bytes;
    int64_t anchors;
    YcArenaSlot xcat, decoded, anchor_xy, anchor_stride; /* eval decode */
} YcPlan;

struct YcModel {
    YcBackend *be;
    char name[64];                  /* YOLOv8n */
    char given[1024];               /* the model name as given: yolov8n.yaml */
    char yaml_path[1024];           /* the file it resolved to */
    int nc, reg_max, in_channels;
    char scale;
    bool train;

    /* graph */
    YcOp *ops;
    int n_ops, cap_ops;
    YcAct *acts;
    int n_acts, cap_acts;
    int input_act;
    YcLayerInfo *layers;
    int n_layers;
    int levels;
    int level_act[YC_MODEL_MAX_LEVELS];
    int level_stride[YC_MODEL_MAX_LEVELS];
    int detect_layer;
    int box_bias[YC_MODEL_MAX_LEVELS], cls_bias[YC_MODEL_MAX_LEVELS], dfl_weight; /* for Detect's init */

    /* the reference's leaf-module count */
    int leaf_modules;
    bool uses_silu;

    /* parameters: values of all (params and buffers) in one block, gradients of
     * the non-buffer ones in another, both in table order */
    YcParam *params;
    int n_params, cap_params;
    float *value_block, *grad_block;
    size_t value_count, grad_count;
    float **grad_slot;              /* per parameter: its slot in grad_block even when frozen (NULL for buffers) */

    /* planning and execution */
    YcPlan plan;
    YcArena arena;
    void *arena_mem, *ws_mem;
    size_t arena_cap, ws_cap;
    const float *input;             /* the last training forward's input */
    bool forward_done;              /* a training forward ran since the last plan */
    /* optional timing per operation kind (yc_model_set_profiling) */
    bool profiling;
    double prof_seconds[2][16];    /* [forward, backward][YcOpKind] */
    double prof_flops[2][16];
    /* per-backward bookkeeping, sized at build */
    bool *act_needs, *act_reached, *op_runs;
    int *first_writer_op, *first_writer_slot;
};

/* ---- graph building (model_graph.c) ---- */

/* A new activation with c channels at the given stride; returns its index or -1 (err set). */
int yc_graph_act(YcModel *m, int c, int stride, YcErr *err);
/* A new operation; returns a pointer to it (fields zeroed, params YC_NONE) or NULL (err set). */
YcOp *yc_graph_op(YcModel *m, YcOpKind kind, int layer, YcErr *err);
/* Registers a parameter or buffer; returns its index or -1. */
int yc_graph_param(YcModel *m, const char *name, YcParamGroup group, bool is_buffer, int ndim, const int64_t *shape,
                   YcErr *err);

/* ---- modules (module_*.c): each returns its output activation or -1 (err set) ---- */

typedef struct YcBuild {
    YcModel *m;
    int layer;
    YcErr *err;
} YcBuild;

/* Conv: conv (no bias) + BatchNorm + SiLU (act) or nothing (an Identity). pad < 0: k / 2. */
int yc_mod_conv(YcBuild *b, const char *prefix, int x, int c2, int kh, int kw, int stride, int pad, int groups,
                bool act);
/* A plain nn.Conv2d with bias (the last layer of each Detect branch). */
int yc_mod_conv2d_bias(YcBuild *b, const char *prefix, int x, int c2, int k);
int yc_mod_bottleneck(YcBuild *b, const char *prefix, int x, int c2, bool shortcut, int groups, int k1, int k2,
                      double e);
/* C2f and C3k2 (c3k: inner C3k blocks instead of Bottlenecks; c3k2: C3k2's inner Bottleneck e = 0.5). */
int yc_mod_c2f(YcBuild *b, const char *prefix, int x, int c2, int n, bool shortcut, int groups, double e,
               bool is_c3k2, bool c3k);
/* C3 (inner k = 0: Bottlenecks 1x1 then 3x3) and C3k (inner k x k twice). */
int yc_mod_c3(YcBuild *b, const char *prefix, int x, int c2, int n, bool shortcut, int groups, double e, int k);
int yc_mod_sppf(YcBuild *b, const char *prefix, int x, int c2, int k);
int yc_mod_c2psa(YcBuild *b, const char *prefix, int x, int c2, int n, double e);
int yc_mod_concat(YcBuild *b, const int *xs, int n);
/* Graph pieces the modules share (module_conv.c): concat into an existing
 * activation (into >= 0) or a new one, channel split, add (into as for concat),
 * max pool k x k. */
int yc_graph_concat_into(YcBuild *b, const int *xs, int n, int into);
int yc_graph_split(YcBuild *b, int x, const int *sizes, int n, int *ys);
int yc_graph_add(YcBuild *b, int x, int y, int into);
int yc_graph_maxpool(YcBuild *b, int x, int k);
int yc_mod_upsample(YcBuild *b, int x);
/* Detect over the given levels; legacy: YOLOv8's class branch (plain 3x3 convs). */
int yc_mod_detect(YcBuild *b, const char *prefix, const int *xs, int n, int nc, bool legacy);

/* ---- elsewhere ---- */
int yc_model_build_layers(YcModel *m, const YcModelSpec *spec, int nc, YcErr *err); /* model_build.c */
int yc_model_plan(YcModel *m, int batch, int h, int w, bool train, YcErr *err);      /* model_plan.c */
/* Spatial sizes of every activation for an input h x w; -1 + err when layers disagree. */
int yc_model_shapes(YcModel *m, int h, int w, YcErr *err);                          /* model_plan.c */

#endif
