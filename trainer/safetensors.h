/* safetensors files: weights, checkpoints and the parity fixtures.
 * Format: u64 little-endian header length N, N bytes of JSON
 * {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [b, e]}},
 * then the raw little-endian tensor bytes (offsets relative to their start). */
#ifndef YC_SAFETENSORS_H
#define YC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define YC_ST_MAX_DIMS 8

typedef enum YcStDtype {
    YC_ST_F32, YC_ST_F16, YC_ST_BF16, YC_ST_F64, YC_ST_I64, YC_ST_I32, YC_ST_I16, YC_ST_I8,
    YC_ST_U8, YC_ST_U16, YC_ST_U32, YC_ST_U64, YC_ST_BOOL,
} YcStDtype;

typedef struct YcStTensor {
    char *name;
    YcStDtype dtype;
    int ndim;
    int64_t shape[YC_ST_MAX_DIMS];
    size_t offset;   /* into the data section */
    size_t nbytes;
} YcStTensor;

/* A loaded file (memory-mapped, read-only). */
typedef struct YcSafetensors {
    void *map;
    size_t map_size;
    const uint8_t *data;       /* start of the data section */
    size_t data_size;
    int count;
    YcStTensor *tensors;       /* in file order of their offsets */
    int meta_count;
    char **meta_keys, **meta_values;
    char path[1024];
} YcSafetensors;

int yc_st_load(const char *path, YcSafetensors *st, YcErr *err);
void yc_st_free(YcSafetensors *st);

const YcStTensor *yc_st_find(const YcSafetensors *st, const char *name);
const char *yc_st_meta(const YcSafetensors *st, const char *key);
const void *yc_st_data(const YcSafetensors *st, const YcStTensor *t);
int64_t yc_st_numel(const YcStTensor *t);
size_t yc_st_dtype_size(YcStDtype dtype);
const char *yc_st_dtype_name(YcStDtype dtype);

/* Copies a tensor into float32 (from F32, F16, BF16, F64, I64, I32, U8),
 * checking that it holds exactly `count` values. Errors name file and tensor. */
int yc_st_read_f32(const YcSafetensors *st, const char *name, float *dst, size_t count, YcErr *err);

/* Writer: collect tensors (data is borrowed until save) and metadata, then save atomically. */
typedef struct YcStEntry {
    char *name;
    YcStDtype dtype;
    int ndim;
    int64_t shape[YC_ST_MAX_DIMS];
    const void *data;
    size_t nbytes;
} YcStEntry;

typedef struct YcStWriter {
    int count, cap;
    YcStEntry *entries;
    int meta_count, meta_cap;
    char **meta_keys, **meta_values;
} YcStWriter;

void yc_stw_init(YcStWriter *w);
void yc_stw_free(YcStWriter *w);
int yc_stw_meta(YcStWriter *w, const char *key, const char *value, YcErr *err);
int yc_stw_add(YcStWriter *w, const char *name, YcStDtype dtype, int ndim, const int64_t *shape,
               const void *data, YcErr *err);
/* Writes the file atomically (temp file, fsync, rename). Tensors are sorted by name. */
int yc_stw_save(const YcStWriter *w, const char *path, YcErr *err);

#endif
