/* A model's parameters and buffers as the optimiser, EMA, checkpoints and
 * data-parallel all-reduce see them: named (state-dict names), grouped as the
 * reference groups them, with values and gradients in backend memory. */
#ifndef YC_PARAMS_H
#define YC_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The reference's three optimiser groups. */
typedef enum YcParamGroup {
    YC_PG_WEIGHT = 0, /* conv/linear weights: weight decay applies */
    YC_PG_NORM = 1,   /* batch-norm weights: no decay */
    YC_PG_BIAS = 2,   /* all biases: no decay, own warm-up learning rate */
} YcParamGroup;

typedef struct YcParam {
    char name[128];      /* e.g. model.0.conv.weight, model.22.cv2.0.2.bias */
    YcParamGroup group;
    bool is_buffer;      /* batch-norm running_mean / running_var: EMA'd and saved, not optimised */
    bool frozen;         /* freeze= or fixed by design (the DFL conv): not optimised, no gradient */
    int ndim;
    int64_t shape[4];
    size_t count;        /* number of float values */
    float *value;        /* in backend memory (host memory for the CPU backend) */
    float *grad;         /* same size; NULL for buffers and frozen parameters */
} YcParam;

#endif
