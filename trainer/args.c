/* Parsing, validating and formatting argument values (see args.h). */
#include "args.h"
#include "textutil.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small text helpers ---- */

static bool is_none_word(const char *s) {
    return s[0] == '\0' || strcmp(s, "none") == 0 || strcmp(s, "None") == 0 ||
           strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0 ||
           strcmp(s, "~") == 0;
}

/* For messages: the given text, or "none" when it is empty. */
static const char *shown(const char *s) { return s[0] ? s : "none"; }

static int parse_bool_text(const char *s, bool *out) {
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) { *out = true; return 0; }
    if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) { *out = false; return 0; }
    return -1;
}

static int parse_long_text(const char *s, long *out) {
    if (!*s) return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int parse_double_text(const char *s, double *out) {
    if (!*s) return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* Writes the shortest decimal text that reads back as exactly v. */
static void format_double(double v, char *buf, size_t cap) {
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
}

/* Like format_double, but always looks like a float (3 -> 3.0), as YAML writers do. */
static void format_float_value(double v, char *buf, size_t cap) {
    format_double(v, buf, cap);
    if (!strpbrk(buf, ".eEn")) {
        size_t len = strlen(buf);
        if (len + 2 < cap) memcpy(buf + len, ".0", 3);
    }
}

/* Range text for messages: "between 0 and 1", "at least 1", ... */
static void describe_range(const YcArgSpec *spec, char *buf, size_t cap) {
    bool has_min = spec->min > -DBL_MAX && spec->min > (double)INT_MIN;
    bool has_max = spec->max < DBL_MAX && spec->max < (double)INT_MAX;
    char lo[32], hi[32];
    format_double(spec->min, lo, sizeof lo);
    format_double(spec->max, hi, sizeof hi);
    if (has_min && has_max) snprintf(buf, cap, "between %s and %s", lo, hi);
    else if (has_min) snprintf(buf, cap, "at least %s", lo);
    else if (has_max) snprintf(buf, cap, "at most %s", hi);
    else buf[0] = '\0';
}

static int check_range(const YcArgSpec *spec, double v, const char *text, YcErr *err) {
    if (v >= spec->min && v <= spec->max) return 0;
    char range[96];
    describe_range(spec, range, sizeof range);
    return yc_err(err, "%s: must be %s, got %s", spec->name, range, text);
}

static void *field_of(YcArgs *args, const YcArgSpec *spec) { return (char *)args + spec->offset; }
static const void *cfield_of(const YcArgs *args, const YcArgSpec *spec) {
    return (const char *)args + spec->offset;
}

/* Copies "[a, b]" or "a,b" into items (trimmed). Returns the count or -1. */
static int split_list(const char *text, char items[][32], int max_items) {
    char buf[512];
    size_t len = strlen(text);
    if (len >= sizeof buf) return -1;
    const char *s = text;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= 2 && ((s[0] == '[' && s[n - 1] == ']') || (s[0] == '(' && s[n - 1] == ')'))) {
        s++;
        n -= 2;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    int count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        size_t tl = strlen(tok);
        while (tl && isspace((unsigned char)tok[tl - 1])) tok[--tl] = '\0';
        if (count >= max_items || tl >= 32) return -1;
        memcpy(items[count], tok, tl + 1);
        count++;
    }
    return count;
}

/* ---- lookup ---- */

const YcArgSpec *yc_arg_find(const char *name) {
    for (int i = 0; i < yc_arg_count; i++)
        if (strcmp(yc_arg_table[i].name, name) == 0) return &yc_arg_table[i];
    return NULL;
}

int yc_arg_index(const YcArgSpec *spec) { return (int)(spec - yc_arg_table); }

static const YcUnsupportedArg *find_unsupported(const char *name) {
    for (int i = 0; i < yc_unsupported_count; i++)
        if (strcmp(yc_unsupported_args[i].name, name) == 0) return &yc_unsupported_args[i];
    return NULL;
}

const char *yc_arg_suggest(const char *name) {
    const char *names[256];
    int n = 0;
    for (int i = 0; i < yc_arg_count && n < 256; i++) names[n++] = yc_arg_table[i].name;
    return yc_closest(name, names, n);
}

/* ---- setting one value ---- */

static int set_string(const YcArgSpec *spec, char *dst, const char *text, YcErr *err) {
    size_t len = strlen(text);
    if (len >= spec->size)
        return yc_err(err, "%s: too long (at most %zu characters)", spec->name, spec->size - 1);
    for (size_t i = 0; i < len; i++)
        if (iscntrl((unsigned char)text[i]))
            return yc_err(err, "%s: contains a control character", spec->name);
    memcpy(dst, text, len + 1);
    return 0;
}

static int set_enum(const YcArgSpec *spec, char *dst, const char *text, YcErr *err) {
    bool as_bool;
    bool has_bool_choices = strstr(spec->choices, "true") != NULL;
    char items[16][32];
    int n = split_list(spec->choices, items, 16);
    for (int i = 0; i < n; i++) {
        bool match = strcasecmp(items[i], text) == 0;
        if (!match && has_bool_choices && parse_bool_text(text, &as_bool) == 0)
            match = strcmp(items[i], as_bool ? "true" : "false") == 0;
        if (match) return set_string(spec, dst, items[i], err);
    }
    char allowed[256] = "";
    for (int i = 0; i < n; i++) {
        strncat(allowed, items[i], sizeof allowed - strlen(allowed) - 1);
        if (i + 1 < n) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
    }
    return yc_err(err, "%s: expected one of %s; got '%s'", spec->name, allowed, text);
}

static int set_device(const YcArgSpec *spec, YcDevice *dev, const char *text, YcErr *err) {
    YcDevice parsed = {0};
    if (is_none_word(text)) {
        *dev = parsed;
        return 0;
    }
    if (strcasecmp(text, "cpu") == 0) {
        parsed.kind = YC_DEVICE_CPU;
        *dev = parsed;
        return 0;
    }
    char items[YC_MAX_DEVICES + 1][32];
    int n = split_list(text, items, YC_MAX_DEVICES + 1);
    if (n <= 0 || n > YC_MAX_DEVICES)
        return yc_err(err, "%s: expected cpu, a GPU index or a list of them (0,1,2,3), got '%s'",
                      spec->name, text);
    parsed.kind = YC_DEVICE_CUDA;
    for (int i = 0; i < n; i++) {
        const char *item = items[i];
        if (strncasecmp(item, "cuda:", 5) == 0) item += 5;
        long id;
        if (parse_long_text(item, &id) != 0 || id < 0 || id >= YC_MAX_DEVICES)
            return yc_err(err, "%s: expected cpu, a GPU index or a list of them (0,1,2,3), got '%s'",
                          spec->name, text);
        for (int j = 0; j < parsed.count; j++)
            if (parsed.ids[j] == id)
                return yc_err(err, "%s: GPU %ld is listed twice in '%s'", spec->name, id, text);
        parsed.ids[parsed.count++] = (int)id;
    }
    *dev = parsed;
    return 0;
}

static int set_int_value(const YcArgSpec *spec, const char *text, int *out, YcErr *err) {
    long v;
    if (parse_long_text(text, &v) != 0 || v < INT_MIN || v > INT_MAX)
        return yc_err(err, "%s: expected an integer, got '%s'", spec->name, shown(text));
    if (check_range(spec, (double)v, text, err)) return -1;
    *out = (int)v;
    return 0;
}

static int set_float_value(const YcArgSpec *spec, const char *text, double *out, YcErr *err) {
    double v;
    if (parse_double_text(text, &v) != 0)
        return yc_err(err, "%s: expected a number, got '%s'", spec->name, shown(text));
    if (check_range(spec, v, text, err)) return -1;
    *out = v;
    return 0;
}

static int set_imgsz(const YcArgSpec *spec, YcImgSize *out, const char *text, YcErr *err) {
    char items[3][32];
    int n = split_list(text, items, 3);
    if (n != 1 && n != 2)
        return yc_err(err, "%s: expected an integer or [height, width], got '%s'", spec->name, shown(text));
    int values[2];
    for (int i = 0; i < n; i++) {
        long v;
        if (parse_long_text(items[i], &v) != 0)
            return yc_err(err, "%s: expected an integer or [height, width], got '%s'", spec->name, text);
        if (check_range(spec, (double)v, text, err)) return -1;
        values[i] = (int)v;
    }
    out->h = values[0];
    out->w = n == 2 ? values[1] : values[0];
    out->is_pair = n == 2 || strchr(text, '[') != NULL;
    return 0;
}

static int set_batch(const YcArgSpec *spec, double *out, const char *text, YcErr *err) {
    double v;
    bool ok = parse_double_text(text, &v) == 0 &&
              (v == -1 || (v > 0 && v < 1) || (v >= 1 && v == floor(v) && v <= 1e6));
    if (!ok)
        return yc_err(err, "%s: expected -1 (auto), a fraction between 0 and 1, or a whole number >= 1, got '%s'",
                      spec->name, shown(text));
    *out = v;
    return 0;
}

static int set_bool_or_path(const YcArgSpec *spec, YcBoolOrPath *out, const char *text, YcErr *err) {
    bool b;
    if (parse_bool_text(text, &b) == 0) {
        out->on = b;
        out->path[0] = '\0';
        return 0;
    }
    if (is_none_word(text)) {
        out->on = false;
        out->path[0] = '\0';
        return 0;
    }
    YcArgSpec path_spec = *spec;
    path_spec.size = sizeof out->path;
    if (set_string(&path_spec, out->path, text, err)) return -1;
    out->on = true;
    return 0;
}

static int set_int_list(const YcArgSpec *spec, YcIntList *out, const char *text, YcErr *err) {
    YcIntList parsed = {0};
    if (is_none_word(text) || strcmp(text, "[]") == 0) {
        *out = parsed;
        return 0;
    }
    char items[YC_MAX_INT_LIST + 1][32];
    int n = split_list(text, items, YC_MAX_INT_LIST + 1);
    if (n <= 0 || n > YC_MAX_INT_LIST)
        return yc_err(err, "%s: expected an integer or a list of up to %d integers, got '%s'",
                      spec->name, YC_MAX_INT_LIST, text);
    for (int i = 0; i < n; i++) {
        long v;
        if (parse_long_text(items[i], &v) != 0)
            return yc_err(err, "%s: expected an integer or a list of integers, got '%s'", spec->name, text);
        if (check_range(spec, (double)v, items[i], err)) return -1;
        parsed.values[i] = (int)v;
    }
    parsed.count = n;
    parsed.is_list = n > 1 || strchr(text, '[') != NULL || strchr(text, ',') != NULL;
    *out = parsed;
    return 0;
}

static int set_value(YcArgs *args, const YcArgSpec *spec, const char *text, YcErr *err) {
    void *field = field_of(args, spec);
    switch (spec->type) {
    case YC_ARG_BOOL: {
        bool b;
        if (parse_bool_text(text, &b) != 0)
            return yc_err(err, "%s: expected true or false, got '%s'", spec->name, shown(text));
        *(bool *)field = b;
        return 0;
    }
    case YC_ARG_INT:
        return set_int_value(spec, text, (int *)field, err);
    case YC_ARG_FLOAT:
        return set_float_value(spec, text, (double *)field, err);
    case YC_ARG_OPT_FLOAT:
        if (is_none_word(text)) {
            *(double *)field = NAN;
            return 0;
        }
        return set_float_value(spec, text, (double *)field, err);
    case YC_ARG_OPT_INT:
        if (is_none_word(text)) {
            *(int *)field = -1;
            return 0;
        }
        return set_int_value(spec, text, (int *)field, err);
    case YC_ARG_STRING:
        return set_string(spec, (char *)field, is_none_word(text) ? "" : text, err);
    case YC_ARG_ENUM:
        return set_enum(spec, (char *)field, text, err);
    case YC_ARG_DEVICE:
        return set_device(spec, (YcDevice *)field, text, err);
    case YC_ARG_IMGSZ:
        return set_imgsz(spec, (YcImgSize *)field, text, err);
    case YC_ARG_BATCH:
        return set_batch(spec, (double *)field, text, err);
    case YC_ARG_BOOL_OR_PATH:
        return set_bool_or_path(spec, (YcBoolOrPath *)field, text, err);
    case YC_ARG_INT_LIST:
        return set_int_list(spec, (YcIntList *)field, text, err);
    }
    return yc_err(err, "%s: unknown argument type", spec->name);
}

void yc_args_defaults(YcArgs *args) {
    memset(args, 0, sizeof *args);
    for (int i = 0; i < yc_arg_count; i++) {
        YcErr err;
        /* The table's defaults are valid (checked by tests/unit/test_args.c). */
        (void)set_value(args, &yc_arg_table[i], yc_arg_table[i].default_text, &err);
    }
}

/* Compares a value with Ultralytics' default for an argument we do not implement. */
static bool equals_ultralytics_default(const YcUnsupportedArg *u, const char *text) {
    bool a, b;
    double x, y;
    if (is_none_word(text) && is_none_word(u->ultralytics_default)) return true;
    if (parse_bool_text(text, &a) == 0 && parse_bool_text(u->ultralytics_default, &b) == 0) return a == b;
    if (parse_double_text(text, &x) == 0 && parse_double_text(u->ultralytics_default, &y) == 0) return x == y;
    return strcmp(text, u->ultralytics_default) == 0;
}

int yc_args_set(YcArgs *args, const char *key, const char *value, YcArgSource src, YcErr *err) {
    const YcArgSpec *spec = yc_arg_find(key);
    if (!spec) {
        const YcUnsupportedArg *u = find_unsupported(key);
        if (u) {
            if (equals_ultralytics_default(u, value)) return 0; /* no behaviour to change */
            return yc_err(err, "%s: not supported: %s", key, u->reason);
        }
        const char *near = yc_arg_suggest(key);
        if (near) return yc_err(err, "unknown argument '%s' (did you mean '%s'?)", key, near);
        return yc_err(err, "unknown argument '%s' (see 'yoloc help' for the list)", key);
    }
    if (set_value(args, spec, value, err)) return -1;
    args->source_of[yc_arg_index(spec)] = (unsigned char)src;
    return 0;
}

int yc_args_parse_words(YcArgs *args, int count, char *const words[], YcErr *err) {
    /* cfg= first, so that every other word overrides the file. */
    for (int i = 0; i < count; i++) {
        if (strncmp(words[i], "cfg=", 4) != 0) continue;
        const char *path = words[i] + 4;
        if (is_none_word(path)) continue;
        if (yc_args_load_yaml(args, path, YC_SRC_CFG, err)) return -1;
        if (yc_args_set(args, "cfg", path, YC_SRC_CLI, err)) return -1;
    }
    for (int i = 0; i < count; i++) {
        const char *word = words[i];
        if (strncmp(word, "cfg=", 4) == 0) continue;
        const char *eq = strchr(word, '=');
        if (!eq) {
            const YcArgSpec *spec = yc_arg_find(word);
            if (spec && spec->type == YC_ARG_BOOL) { /* a bare boolean key means true */
                if (yc_args_set(args, word, "true", YC_SRC_CLI, err)) return -1;
                continue;
            }
            if (spec) return yc_err(err, "%s: expected %s=VALUE", word, word);
            const char *near = yc_arg_suggest(word);
            if (near) return yc_err(err, "expected key=value, got '%s' (did you mean '%s=...'?)", word, near);
            return yc_err(err, "expected key=value, got '%s'", word);
        }
        char key[64];
        size_t key_len = (size_t)(eq - word);
        if (key_len == 0) return yc_err(err, "expected key=value, got '%s'", word);
        if (key_len >= sizeof key) return yc_err(err, "unknown argument '%.*s'", (int)key_len, word);
        memcpy(key, word, key_len);
        key[key_len] = '\0';
        if (yc_args_set(args, key, eq + 1, YC_SRC_CLI, err)) return -1;
    }
    return 0;
}

/* ---- formatting ---- */

/* YAML needs quotes when a plain scalar would read back as something else. */
static bool needs_yaml_quotes(const char *s) {
    if (!*s) return true;
    static const char *reserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcasecmp(s, reserved[i]) == 0) return true;
    double d;
    if (parse_double_text(s, &d) == 0) return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0])) return true;
    if (isspace((unsigned char)s[strlen(s) - 1])) return true;
    if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ':') return true;
    for (const char *p = s; *p; p++)
        if (*p == '\'' || *p == '"' || *p == '\\' || *p == '\t') return true;
    return false;
}

static void format_yaml_string(const char *s, char *buf, size_t cap) {
    if (!needs_yaml_quotes(s)) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    size_t o = 0;
    if (o + 1 < cap) buf[o++] = '\'';
    for (const char *p = s; *p && o + 3 < cap; p++) {
        if (*p == '\'') buf[o++] = '\'';
        buf[o++] = *p;
    }
    if (o + 1 < cap) buf[o++] = '\'';
    buf[o] = '\0';
}

static void format_int_list(const int *values, int count, bool as_list, char *buf, size_t cap) {
    if (count == 0) {
        snprintf(buf, cap, "null");
        return;
    }
    if (!as_list) {
        snprintf(buf, cap, "%d", values[0]);
        return;
    }
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < count && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, i ? ", %d" : "%d", values[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

void yc_arg_format(const YcArgs *args, const YcArgSpec *spec, char *buf, size_t cap) {
    const void *field = cfield_of(args, spec);
    switch (spec->type) {
    case YC_ARG_BOOL:
        snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false");
        return;
    case YC_ARG_INT:
        snprintf(buf, cap, "%d", *(const int *)field);
        return;
    case YC_ARG_FLOAT:
        format_float_value(*(const double *)field, buf, cap);
        return;
    case YC_ARG_OPT_FLOAT: {
        double v = *(const double *)field;
        if (isnan(v)) snprintf(buf, cap, "null");
        else format_float_value(v, buf, cap);
        return;
    }
    case YC_ARG_OPT_INT: {
        int v = *(const int *)field;
        if (v < 0) snprintf(buf, cap, "null");
        else snprintf(buf, cap, "%d", v);
        return;
    }
    case YC_ARG_STRING:
    case YC_ARG_ENUM: {
        const char *s = (const char *)field;
        if (!*s) snprintf(buf, cap, "null");
        else if (spec->type == YC_ARG_ENUM && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
            snprintf(buf, cap, "%s", s);
        else format_yaml_string(s, buf, cap);
        return;
    }
    case YC_ARG_DEVICE: {
        const YcDevice *d = (const YcDevice *)field;
        if (d->kind == YC_DEVICE_AUTO) snprintf(buf, cap, "null");
        else if (d->kind == YC_DEVICE_CPU) snprintf(buf, cap, "cpu");
        else {
            size_t o = 0;
            for (int i = 0; i < d->count && o < cap; i++)
                o += (size_t)snprintf(buf + o, cap - o, i ? ",%d" : "%d", d->ids[i]);
        }
        return;
    }
    case YC_ARG_IMGSZ: {
        const YcImgSize *s = (const YcImgSize *)field;
        if (s->is_pair) snprintf(buf, cap, "[%d, %d]", s->h, s->w);
        else snprintf(buf, cap, "%d", s->h);
        return;
    }
    case YC_ARG_BATCH: {
        double v = *(const double *)field;
        if (v == floor(v)) snprintf(buf, cap, "%d", (int)v);
        else format_double(v, buf, cap);
        return;
    }
    case YC_ARG_BOOL_OR_PATH: {
        const YcBoolOrPath *b = (const YcBoolOrPath *)field;
        if (b->path[0]) format_yaml_string(b->path, buf, cap);
        else snprintf(buf, cap, "%s", b->on ? "true" : "false");
        return;
    }
    case YC_ARG_INT_LIST: {
        const YcIntList *l = (const YcIntList *)field;
        format_int_list(l->values, l->count, l->is_list, buf, cap);
        return;
    }
    }
    snprintf(buf, cap, "?");
}

void yc_arg_describe_type(const YcArgSpec *spec, char *buf, size_t cap) {
    char range[96];
    describe_range(spec, range, sizeof range);
    switch (spec->type) {
    case YC_ARG_BOOL: snprintf(buf, cap, "true or false"); return;
    case YC_ARG_INT:
        snprintf(buf, cap, "integer%s%s", range[0] ? ", " : "", range);
        return;
    case YC_ARG_FLOAT:
        snprintf(buf, cap, "number%s%s", range[0] ? ", " : "", range);
        return;
    case YC_ARG_OPT_FLOAT:
        snprintf(buf, cap, "number%s%s, or none", range[0] ? ", " : "", range);
        return;
    case YC_ARG_OPT_INT:
        snprintf(buf, cap, "integer%s%s, or none", range[0] ? ", " : "", range);
        return;
    case YC_ARG_STRING: snprintf(buf, cap, "text or path, or none"); return;
    case YC_ARG_ENUM: {
        char items[16][32];
        int n = split_list(spec->choices, items, 16);
        size_t o = (size_t)snprintf(buf, cap, "one of ");
        for (int i = 0; i < n && o < cap; i++)
            o += (size_t)snprintf(buf + o, cap - o, i ? ", %s" : "%s", items[i]);
        return;
    }
    case YC_ARG_DEVICE: snprintf(buf, cap, "cpu, a GPU index, or a list of GPU indices (0,1)"); return;
    case YC_ARG_IMGSZ: snprintf(buf, cap, "integer %s, or [height, width]", range); return;
    case YC_ARG_BATCH: snprintf(buf, cap, "-1 (auto), a fraction 0..1, or a whole number >= 1"); return;
    case YC_ARG_BOOL_OR_PATH: snprintf(buf, cap, "true, false, or a file path"); return;
    case YC_ARG_INT_LIST: snprintf(buf, cap, "integer or list of integers, or none"); return;
    }
    snprintf(buf, cap, "?");
}

bool yc_args_equal(const YcArgs *a, const YcArgs *b, const char **first_difference) {
    char x[YC_PATH_MAX + 16], y[YC_PATH_MAX + 16];
    for (int i = 0; i < yc_arg_count; i++) {
        yc_arg_format(a, &yc_arg_table[i], x, sizeof x);
        yc_arg_format(b, &yc_arg_table[i], y, sizeof y);
        if (strcmp(x, y) != 0) {
            if (first_difference) *first_difference = yc_arg_table[i].name;
            return false;
        }
    }
    return true;
}
