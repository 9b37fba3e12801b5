/* The argument table: the single source of truth for every key=value a user
 * can give (command line, cfg= YAML, notebook cells, args.yaml). Names and
 * defaults follow Ultralytics 8.3 (../shared/docs/yolo-reference.md).
 *
 * Values live in typed fields of YcArgs; the table maps each name to its
 * field (by offset), its type, default, allowed range or choices and help. */
#ifndef YC_ARGS_H
#define YC_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define YC_PATH_MAX 1024
#define YC_NAME_MAX 128
#define YC_MAX_DEVICES 16
#define YC_MAX_INT_LIST 64

typedef enum YcArgType {
    YC_ARG_BOOL,       /* bool: true/false/True/False/1/0 */
    YC_ARG_INT,        /* int within [min, max] */
    YC_ARG_FLOAT,      /* double within [min, max] */
    YC_ARG_OPT_FLOAT,  /* double or none (stored as NAN) */
    YC_ARG_OPT_INT,    /* int or none (stored as -1; valid values are >= 0) */
    YC_ARG_STRING,     /* text or none (stored as "") */
    YC_ARG_ENUM,       /* one of `choices` (stored canonical) */
    YC_ARG_DEVICE,     /* cpu | 0 | 0,1,2,3 | [0,1] | cuda:0 | none */
    YC_ARG_IMGSZ,      /* int or [h, w] */
    YC_ARG_BATCH,      /* -1 (auto), 0 < b < 1 (memory fraction), or an integer >= 1 */
    YC_ARG_BOOL_OR_PATH, /* true/false or a file path */
    YC_ARG_INT_LIST,   /* none, an int, or a list of ints */
} YcArgType;

typedef enum YcDeviceKind { YC_DEVICE_AUTO = 0, YC_DEVICE_CPU, YC_DEVICE_CUDA } YcDeviceKind;

typedef struct YcDevice {
    YcDeviceKind kind;
    int count;                 /* number of CUDA devices listed */
    int ids[YC_MAX_DEVICES];
} YcDevice;

typedef struct YcImgSize {
    int h, w;                  /* a single int gives h == w */
    bool is_pair;
} YcImgSize;

typedef struct YcBoolOrPath {
    bool on;
    char path[YC_PATH_MAX];    /* "" unless a path was given (then on is true) */
} YcBoolOrPath;

typedef struct YcIntList {
    int count;                 /* 0 = none */
    bool is_list;              /* [3] is a list of one; 3 is a plain int */
    int values[YC_MAX_INT_LIST];
} YcIntList;

/* Where a value came from: later sources override earlier ones. */
typedef enum YcArgSource { YC_SRC_DEFAULT = 0, YC_SRC_CFG, YC_SRC_CLI } YcArgSource;

typedef struct YcArgs {
    /* run */
    char task[16];
    char mode[16];
    char model[YC_PATH_MAX];
    char data[YC_PATH_MAX];
    int epochs;
    double time;               /* hours; NAN = not set */
    int patience;
    double batch;
    YcImgSize imgsz;
    bool save;
    int save_period;
    char cache[8];
    YcDevice device;
    int workers;
    char project[YC_PATH_MAX];
    char name[YC_NAME_MAX];
    bool exist_ok;
    YcBoolOrPath pretrained;
    char optimizer[8];
    bool verbose;
    int seed;
    bool deterministic;
    bool single_cls;
    bool rect;
    bool cos_lr;
    int close_mosaic;
    YcBoolOrPath resume;
    char amp[8];
    double fraction;
    YcIntList freeze;
    bool multi_scale;
    /* validation */
    bool val;
    char split[8];
    bool save_json;
    double conf;               /* NAN = mode default (val 0.001, predict 0.25) */
    double iou;
    int max_det;
    bool half;
    bool plots;
    /* prediction */
    char source[YC_PATH_MAX];
    bool augment;
    bool agnostic_nms;
    YcIntList classes;
    bool visualize;
    bool save_txt;
    bool save_conf;
    bool save_crop;
    bool show_labels;
    bool show_conf;
    bool show_boxes;
    int line_width;            /* -1 = scale with the image */
    /* hyperparameters */
    double lr0, lrf, momentum, weight_decay;
    double warmup_epochs, warmup_momentum, warmup_bias_lr;
    double box, cls, dfl;
    int nbs;
    double hsv_h, hsv_s, hsv_v;
    double degrees, translate, scale, shear, perspective;
    double flipud, fliplr, bgr;
    double mosaic, mixup, cutmix, copy_paste;
    /* the cfg file the values came from, if any */
    char cfg[YC_PATH_MAX];

    unsigned char source_of[128]; /* YcArgSource per table entry */
} YcArgs;

typedef struct YcArgSpec {
    const char *name;
    YcArgType type;
    size_t offset;             /* of the field in YcArgs */
    size_t size;               /* of that field (for strings: capacity) */
    const char *default_text;  /* parsed at start-up; "" = none */
    double min, max;           /* numeric range (inclusive) */
    const char *choices;       /* enums: comma-separated canonical values */
    const char *group;         /* for help: Run, Validation, Prediction, Hyperparameters, Augmentation */
    const char *help;          /* one line */
} YcArgSpec;

/* Ultralytics keys we recognise but do not implement: using one with a value
 * other than Ultralytics' default is an error that says why. */
typedef struct YcUnsupportedArg {
    const char *name;
    const char *ultralytics_default; /* as text; "" = None */
    const char *reason;
} YcUnsupportedArg;

extern const YcArgSpec yc_arg_table[];
extern const int yc_arg_count;
extern const YcUnsupportedArg yc_unsupported_args[];
extern const int yc_unsupported_count;

/* Lookup by exact name; NULL if unknown. */
const YcArgSpec *yc_arg_find(const char *name);
int yc_arg_index(const YcArgSpec *spec);
/* The closest known name (edit distance), or NULL if nothing is close. */
const char *yc_arg_suggest(const char *name);

/* Fills every field with its default. Cannot fail (the table is checked by tests). */
void yc_args_defaults(YcArgs *args);

/* Sets one argument from its text form. Errors name the key, e.g.
 * "epochs: expected an integer, got 'abc'", or
 * "unknown argument 'epoch' (did you mean 'epochs'?)". */
int yc_args_set(YcArgs *args, const char *key, const char *value, YcArgSource src, YcErr *err);

/* Parses "key=value" words (and bare boolean keys meaning true). A cfg=FILE
 * word is applied first, whatever its position, so the other words override it. */
int yc_args_parse_words(YcArgs *args, int count, char *const words[], YcErr *err);

/* Loads key: value pairs from a YAML mapping (cfg= files, args.yaml). */
int yc_args_load_yaml(YcArgs *args, const char *path, YcArgSource src, YcErr *err);

/* The same from YAML text (e.g. a checkpoint's train_args); name labels errors.
 * An empty text sets nothing. */
int yc_args_load_yaml_text(YcArgs *args, const char *text, const char *name, YcArgSource src, YcErr *err);

/* Writes every argument as YAML (atomically: temp file, fsync, rename). */
int yc_args_save_yaml(const YcArgs *args, const char *path, YcErr *err);

/* The YAML text of the arguments (the file's content); returns bytes written or -1. */
int yc_args_to_yaml(const YcArgs *args, char *buf, size_t cap);

/* The value of one argument as text, the way args.yaml writes it. */
void yc_arg_format(const YcArgs *args, const YcArgSpec *spec, char *buf, size_t cap);

/* A human description of the type, e.g. "integer >= 1" or "one of SGD, Adam". */
void yc_arg_describe_type(const YcArgSpec *spec, char *buf, size_t cap);

/* True when two argument sets hold the same values (ignores where they came from). */
bool yc_args_equal(const YcArgs *a, const YcArgs *b, const char **first_difference);

#endif
