/* Ultralytics-format model YAML files, read with libyaml into a plain
 * description: nc, scales (or depth/width multiples), and the backbone + head
 * layers as [from, repeats, module, args] with their line numbers. The model
 * builder (model_build.c) gives the layers their meaning. */
#ifndef YC_MODEL_YAML_H
#define YC_MODEL_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define YC_SPEC_MAX_ARGS 10
#define YC_SPEC_MAX_FROM 16
#define YC_SPEC_MAX_LIST 4

typedef enum YcSpecArgKind {
    YC_SARG_NONE,  /* null / None */
    YC_SARG_NUM,   /* an integer or float (is_int says which) */
    YC_SARG_BOOL,
    YC_SARG_STR,   /* any other text, e.g. nearest, or nc */
    YC_SARG_LIST,  /* a short list of numbers, e.g. a kernel pair [3, 3] */
} YcSpecArgKind;

typedef struct YcSpecArg {
    YcSpecArgKind kind;
    bool is_int;
    double num;                      /* NUM, BOOL (0 or 1) */
    char text[48];                   /* the text as written (STR: the value) */
    int list_len;
    double list[YC_SPEC_MAX_LIST];
} YcSpecArg;

typedef struct YcLayerSpec {
    int line;                        /* 1-based line in the file */
    int from[YC_SPEC_MAX_FROM];      /* as written: -1 = previous layer, or an index */
    int n_from;
    bool from_is_list;
    int repeats;
    char module[48];
    YcSpecArg args[YC_SPEC_MAX_ARGS];
    int n_args;
} YcLayerSpec;

typedef struct YcModelSpec {
    char path[1024];
    int nc;                          /* -1 when the file has none */
    char scale;                      /* the scale used ('n', 's', ...), 0 when the file has no scales */
    double depth, width, max_channels;
    int channels;                    /* input channels (ch / channels key), default 3 */
    int n_layers, n_backbone;
    YcLayerSpec *layers;
} YcModelSpec;

/* Finds the file for a model name as users write it: the name itself (here or
 * in share/models), else the name without its scale letter (yolov8n.yaml ->
 * yolov8.yaml). *scale gets the letter guessed from the name ('n' for yolov8n,
 * 0 when the name has none). */
int yc_model_resolve(const char *name, char *path, size_t cap, char *scale, YcErr *err);

/* Reads a model YAML. `scale` picks the row of `scales` (0: the first row, as
 * the reference does). Errors name the file and line. */
int yc_model_spec_load(const char *path, char scale, YcModelSpec *spec, YcErr *err);
void yc_model_spec_free(YcModelSpec *spec);

/* The scale letter Ultralytics guesses from a file name (yolov8n.yaml -> 'n',
 * yolo11s-custom.yaml -> 's'), or 0. */
char yc_model_guess_scale(const char *name);

#endif
