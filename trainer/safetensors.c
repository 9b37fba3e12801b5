/* safetensors reading (mmap, validated) and writing (atomic). See safetensors.h. */
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

static const struct {
    const char *name;
    YcStDtype dtype;
    size_t size;
} dtype_info[] = {
    {"F32", YC_ST_F32, 4},  {"F16", YC_ST_F16, 2}, {"BF16", YC_ST_BF16, 2}, {"F64", YC_ST_F64, 8},
    {"I64", YC_ST_I64, 8},  {"I32", YC_ST_I32, 4}, {"I16", YC_ST_I16, 2},   {"I8", YC_ST_I8, 1},
    {"U8", YC_ST_U8, 1},    {"U16", YC_ST_U16, 2}, {"U32", YC_ST_U32, 4},   {"U64", YC_ST_U64, 8},
    {"BOOL", YC_ST_BOOL, 1},
};
static const int dtype_count = (int)(sizeof dtype_info / sizeof dtype_info[0]);

size_t yc_st_dtype_size(YcStDtype dtype) {
    for (int i = 0; i < dtype_count; i++)
        if (dtype_info[i].dtype == dtype) return dtype_info[i].size;
    return 0;
}

const char *yc_st_dtype_name(YcStDtype dtype) {
    for (int i = 0; i < dtype_count; i++)
        if (dtype_info[i].dtype == dtype) return dtype_info[i].name;
    return "?";
}

static int dtype_from_name(const char *name, YcStDtype *out) {
    for (int i = 0; i < dtype_count; i++)
        if (strcmp(dtype_info[i].name, name) == 0) {
            *out = dtype_info[i].dtype;
            return 0;
        }
    return -1;
}

int64_t yc_st_numel(const YcStTensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

static int compare_offsets(const void *a, const void *b) {
    const YcStTensor *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int parse_header(YcSafetensors *st, const char *json, size_t len, YcErr *err) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return yc_err(err, "%s: the header is not valid JSON", st->path);
    }
    int n = cJSON_GetArraySize(root);
    st->tensors = calloc((size_t)(n > 0 ? n : 1), sizeof *st->tensors);
    if (!st->tensors) {
        cJSON_Delete(root);
        return yc_err(err, "%s: out of memory", st->path);
    }
    int rc = 0;
    for (cJSON *item = root->child; item; item = item->next) {
        if (strcmp(item->string, "__metadata__") == 0) {
            int m = cJSON_GetArraySize(item);
            st->meta_keys = calloc((size_t)(m > 0 ? m : 1), sizeof(char *));
            st->meta_values = calloc((size_t)(m > 0 ? m : 1), sizeof(char *));
            if (!st->meta_keys || !st->meta_values) {
                rc = yc_err(err, "%s: out of memory", st->path);
                break;
            }
            for (cJSON *kv = item->child; kv; kv = kv->next) {
                if (!cJSON_IsString(kv)) {
                    rc = yc_err(err, "%s: metadata value '%s' is not a string", st->path, kv->string);
                    break;
                }
                st->meta_keys[st->meta_count] = strdup(kv->string);
                st->meta_values[st->meta_count] = strdup(kv->valuestring);
                st->meta_count++;
            }
            if (rc) break;
            continue;
        }
        YcStTensor *t = &st->tensors[st->count];
        cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
        cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
        cJSON *offsets = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
        if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offsets) ||
            cJSON_GetArraySize(offsets) != 2) {
            rc = yc_err(err, "%s: tensor '%s' has a malformed entry", st->path, item->string);
            break;
        }
        if (dtype_from_name(dtype->valuestring, &t->dtype)) {
            rc = yc_err(err, "%s: tensor '%s' has unknown dtype '%s'", st->path, item->string, dtype->valuestring);
            break;
        }
        t->ndim = cJSON_GetArraySize(shape);
        if (t->ndim > YC_ST_MAX_DIMS) {
            rc = yc_err(err, "%s: tensor '%s' has %d dimensions (at most %d)", st->path, item->string, t->ndim,
                        YC_ST_MAX_DIMS);
            break;
        }
        int d = 0;
        for (cJSON *dim = shape->child; dim; dim = dim->next, d++) {
            if (!cJSON_IsNumber(dim) || dim->valuedouble < 0 || dim->valuedouble > 1e15) {
                rc = yc_err(err, "%s: tensor '%s' has a bad shape", st->path, item->string);
                break;
            }
            t->shape[d] = (int64_t)dim->valuedouble;
        }
        if (rc) break;
        double begin = cJSON_GetArrayItem(offsets, 0)->valuedouble;
        double end = cJSON_GetArrayItem(offsets, 1)->valuedouble;
        size_t expect = (size_t)yc_st_numel(t) * yc_st_dtype_size(t->dtype);
        if (begin < 0 || end < begin || end > (double)st->data_size || (size_t)(end - begin) != expect) {
            rc = yc_err(err, "%s: tensor '%s' has data offsets [%.0f, %.0f] that do not fit its shape or the file",
                        st->path, item->string, begin, end);
            break;
        }
        t->offset = (size_t)begin;
        t->nbytes = expect;
        t->name = strdup(item->string);
        st->count++;
    }
    cJSON_Delete(root);
    if (!rc) qsort(st->tensors, (size_t)st->count, sizeof *st->tensors, compare_offsets);
    return rc;
}

int yc_st_load(const char *path, YcSafetensors *st, YcErr *err) {
    memset(st, 0, sizeof *st);
    snprintf(st->path, sizeof st->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return yc_err_errno(err, "cannot open %s", path);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return yc_err_errno(err, "cannot stat %s", path);
    }
    size_t size = (size_t)sb.st_size;
    if (size < 8) {
        close(fd);
        return yc_err(err, "%s: too short to be a safetensors file (%zu bytes)", path, size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return yc_err_errno(err, "cannot map %s", path);
    st->map = map;
    st->map_size = size;
    uint64_t header_len = 0;
    const uint8_t *bytes = map;
    for (int i = 7; i >= 0; i--) header_len = (header_len << 8) | bytes[i];
    if (header_len > size - 8 || header_len > (uint64_t)100 << 20) {
        yc_st_free(st);
        return yc_err(err, "%s: header length %llu does not fit the file (%zu bytes): not a safetensors file?",
                      path, (unsigned long long)header_len, size);
    }
    st->data = bytes + 8 + header_len;
    st->data_size = size - 8 - (size_t)header_len;
    if (parse_header(st, (const char *)bytes + 8, (size_t)header_len, err)) {
        yc_st_free(st);
        return -1;
    }
    return 0;
}

void yc_st_free(YcSafetensors *st) {
    for (int i = 0; i < st->count; i++) free(st->tensors[i].name);
    free(st->tensors);
    for (int i = 0; i < st->meta_count; i++) {
        free(st->meta_keys[i]);
        free(st->meta_values[i]);
    }
    free(st->meta_keys);
    free(st->meta_values);
    if (st->map) munmap(st->map, st->map_size);
    memset(st, 0, sizeof *st);
}

const YcStTensor *yc_st_find(const YcSafetensors *st, const char *name) {
    for (int i = 0; i < st->count; i++)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
    return NULL;
}

const char *yc_st_meta(const YcSafetensors *st, const char *key) {
    for (int i = 0; i < st->meta_count; i++)
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_values[i];
    return NULL;
}

const void *yc_st_data(const YcSafetensors *st, const YcStTensor *t) { return st->data + t->offset; }

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) {
                man <<= 1;
                exp--;
            }
            bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int yc_st_read_f32(const YcSafetensors *st, const char *name, float *dst, size_t count, YcErr *err) {
    const YcStTensor *t = yc_st_find(st, name);
    if (!t) return yc_err(err, "%s: no tensor '%s'", st->path, name);
    size_t n = (size_t)yc_st_numel(t);
    if (n != count) return yc_err(err, "%s: tensor '%s' has %zu values, expected %zu", st->path, name, n, count);
    const uint8_t *src = yc_st_data(st, t);
    for (size_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case YC_ST_F32: memcpy(&dst[i], src + 4 * i, 4); break;
        case YC_ST_F64: { double v; memcpy(&v, src + 8 * i, 8); dst[i] = (float)v; break; }
        case YC_ST_F16: { uint16_t h; memcpy(&h, src + 2 * i, 2); dst[i] = half_to_float(h); break; }
        case YC_ST_BF16: {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            uint32_t bits = (uint32_t)h << 16;
            memcpy(&dst[i], &bits, 4);
            break;
        }
        case YC_ST_I64: { int64_t v; memcpy(&v, src + 8 * i, 8); dst[i] = (float)v; break; }
        case YC_ST_I32: { int32_t v; memcpy(&v, src + 4 * i, 4); dst[i] = (float)v; break; }
        case YC_ST_U8: dst[i] = src[i]; break;
        default:
            return yc_err(err, "%s: tensor '%s' has dtype %s, which does not convert to float32", st->path, name,
                          yc_st_dtype_name(t->dtype));
        }
    }
    return 0;
}

/* ---- writing ---- */

void yc_stw_init(YcStWriter *w) { memset(w, 0, sizeof *w); }

void yc_stw_free(YcStWriter *w) {
    for (int i = 0; i < w->count; i++) free(w->entries[i].name);
    free(w->entries);
    for (int i = 0; i < w->meta_count; i++) {
        free(w->meta_keys[i]);
        free(w->meta_values[i]);
    }
    free(w->meta_keys);
    free(w->meta_values);
    memset(w, 0, sizeof *w);
}

int yc_stw_meta(YcStWriter *w, const char *key, const char *value, YcErr *err) {
    for (int i = 0; i < w->meta_count; i++)
        if (strcmp(w->meta_keys[i], key) == 0) {
            char *copy = strdup(value);
            if (!copy) return yc_err(err, "out of memory");
            free(w->meta_values[i]);
            w->meta_values[i] = copy;
            return 0;
        }
    if (w->meta_count == w->meta_cap) {
        int cap = w->meta_cap ? w->meta_cap * 2 : 16;
        char **keys = realloc(w->meta_keys, (size_t)cap * sizeof(char *));
        if (!keys) return yc_err(err, "out of memory");
        w->meta_keys = keys;
        char **values = realloc(w->meta_values, (size_t)cap * sizeof(char *));
        if (!values) return yc_err(err, "out of memory");
        w->meta_values = values;
        w->meta_cap = cap;
    }
    w->meta_keys[w->meta_count] = strdup(key);
    w->meta_values[w->meta_count] = strdup(value);
    if (!w->meta_keys[w->meta_count] || !w->meta_values[w->meta_count]) return yc_err(err, "out of memory");
    w->meta_count++;
    return 0;
}

int yc_stw_add(YcStWriter *w, const char *name, YcStDtype dtype, int ndim, const int64_t *shape,
               const void *data, YcErr *err) {
    if (ndim < 0 || ndim > YC_ST_MAX_DIMS) return yc_err(err, "tensor '%s': %d dimensions", name, ndim);
    for (int i = 0; i < w->count; i++)
        if (strcmp(w->entries[i].name, name) == 0) return yc_err(err, "tensor '%s' added twice", name);
    if (w->count == w->cap) {
        int cap = w->cap ? w->cap * 2 : 64;
        YcStEntry *bigger = realloc(w->entries, (size_t)cap * sizeof *bigger);
        if (!bigger) return yc_err(err, "out of memory");
        w->entries = bigger;
        w->cap = cap;
    }
    YcStEntry *e = &w->entries[w->count];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    if (!e->name) return yc_err(err, "out of memory");
    e->dtype = dtype;
    e->ndim = ndim;
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        e->shape[i] = shape[i];
        n *= (size_t)shape[i];
    }
    e->data = data;
    e->nbytes = n * yc_st_dtype_size(dtype);
    w->count++;
    return 0;
}

static int compare_entry_names(const void *a, const void *b) {
    const YcStEntry *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int yc_stw_save(const YcStWriter *w, const char *path, YcErr *err) {
    const YcStEntry **order = malloc((size_t)(w->count > 0 ? w->count : 1) * sizeof *order);
    if (!order) return yc_err(err, "%s: out of memory", path);
    for (int i = 0; i < w->count; i++) order[i] = &w->entries[i];
    qsort(order, (size_t)w->count, sizeof *order, compare_entry_names);

    cJSON *root = cJSON_CreateObject();
    if (w->meta_count) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; i < w->meta_count; i++) cJSON_AddStringToObject(meta, w->meta_keys[i], w->meta_values[i]);
    }
    size_t offset = 0;
    for (int i = 0; i < w->count; i++) {
        const YcStEntry *e = order[i];
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        cJSON_AddStringToObject(t, "dtype", yc_st_dtype_name(e->dtype));
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        for (int d = 0; d < e->ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)e->shape[d]));
        cJSON *offsets = cJSON_AddArrayToObject(t, "data_offsets");
        cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)offset));
        cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)(offset + e->nbytes)));
        offset += e->nbytes;
    }
    char *header = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!header) {
        free(order);
        return yc_err(err, "%s: out of memory", path);
    }
    size_t header_len = strlen(header);
    size_t padded = (header_len + 7) & ~(size_t)7; /* data starts 8-byte aligned */
    uint8_t prefix[8];
    for (int i = 0; i < 8; i++) prefix[i] = (uint8_t)((uint64_t)padded >> (8 * i));

    YcAtomicFile f;
    int rc = yc_atomic_open(&f, path, err);
    if (!rc) rc = yc_atomic_write(&f, prefix, 8, err);
    if (!rc) rc = yc_atomic_write(&f, header, header_len, err);
    if (!rc && padded > header_len) rc = yc_atomic_write(&f, "        ", padded - header_len, err);
    for (int i = 0; i < w->count && !rc; i++) rc = yc_atomic_write(&f, order[i]->data, order[i]->nbytes, err);
    if (rc) yc_atomic_abort(&f);
    else rc = yc_atomic_commit(&f, err);
    free(header);
    free(order);
    return rc;
}
