/* From a model YAML's layers to the graph, with the reference's rules:
 * - repeats n > 1 become max(round(n * depth), 1) (round half to even);
 * - output channels c of Conv, Bottleneck, C2f, C3, C3k2, SPPF, C2PSA become
 *   ceil(min(c, max_channels) * width / 8) * 8, unless c equals nc;
 * - C2f, C3, C3k2 and C2PSA take the repeats as their own n; other modules
 *   repeated n times are chained copies (model.<i>.<j>.*);
 * - C3k2 at scales m, l, x (or with no scale at all) uses C3k blocks, and any
 *   C3k2 makes Detect use YOLO11's depthwise class branch;
 * - a 'from' of -1 is the previous layer, other negative values count back
 *   from the current layer, and the string nc in arguments is the class count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

typedef struct LayerCtx {
    YcBuild *b;
    const YcModelSpec *spec;
    const YcLayerSpec *l;
    int index, nc;
} LayerCtx;

static int lerr(LayerCtx *c, const char *what) {
    return yc_err(c->b->err, "%s:%d: layer %d (%s): %s", c->spec->path, c->l->line, c->index, c->l->module, what);
}

/* Argument j as a number (nc resolved); default when absent or None. */
static int arg_num(LayerCtx *c, int j, double def, double *out) {
    if (j >= c->l->n_args || c->l->args[j].kind == YC_SARG_NONE) {
        *out = def;
        return 0;
    }
    const YcSpecArg *a = &c->l->args[j];
    if (a->kind == YC_SARG_NUM || a->kind == YC_SARG_BOOL) {
        *out = a->num;
        return 0;
    }
    if (a->kind == YC_SARG_STR && strcmp(a->text, "nc") == 0) {
        *out = c->nc;
        return 0;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "argument %d ('%s') must be a number", j + 1, a->text);
    return lerr(c, msg);
}

static int arg_int(LayerCtx *c, int j, int def, int *out) {
    double v = 0;
    if (arg_num(c, j, def, &v)) return -1;
    if (v != floor(v) || fabs(v) > 1e9) {
        char msg[160];
        snprintf(msg, sizeof msg, "argument %d must be an integer, got %g", j + 1, v);
        return lerr(c, msg);
    }
    *out = (int)v;
    return 0;
}

static int arg_bool(LayerCtx *c, int j, bool def, bool *out) {
    double v = 0;
    if (arg_num(c, j, def ? 1 : 0, &v)) return -1;
    *out = v != 0;
    return 0;
}

/* A kernel given as k or [kh, kw]. */
static int arg_kernel(LayerCtx *c, int j, int def, int *kh, int *kw) {
    if (j < c->l->n_args && c->l->args[j].kind == YC_SARG_LIST) {
        const YcSpecArg *a = &c->l->args[j];
        if (a->list_len != 2 || a->list[0] != floor(a->list[0]) || a->list[1] != floor(a->list[1]) ||
            fabs(a->list[0]) > 1e6 || fabs(a->list[1]) > 1e6)
            return lerr(c, "a kernel list must be [height, width] in whole numbers");
        *kh = (int)a->list[0];
        *kw = (int)a->list[1];
        return 0;
    }
    if (arg_int(c, j, def, kh)) return -1;
    *kw = *kh;
    return 0;
}

/* An argument in [lo, hi], else an error naming it. */
static int in_range(LayerCtx *c, const char *what, double v, double lo, double hi) {
    if (v >= lo && v <= hi) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be between %g and %g, got %g", what, lo, hi, v);
    return lerr(c, msg);
}

static double make_divisible(double x, int divisor) { return ceil(x / divisor) * divisor; }

/* The scaled channel count, or -1 (err set) when the scaling leaves no sane count. */
static int scaled_channels(LayerCtx *c, int c2) {
    if (c2 == c->nc) return c2; /* the reference leaves nc-sized outputs alone */
    double capped = c2 < c->spec->max_channels ? (double)c2 : c->spec->max_channels;
    double v = make_divisible(capped * c->spec->width, 8);
    if (!(v >= 1 && v <= 65536)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%d channels scaled by width %g give %g", c2, c->spec->width, v);
        return lerr(c, msg);
    }
    return (int)v;
}

static const char *const known_modules =
    "Conv, Bottleneck, C2f, C3, C3k, C3k2, SPPF, C2PSA, Concat, nn.Upsample, Detect";

int yc_model_build_layers(YcModel *m, const YcModelSpec *spec, int nc_override, YcErr *err) {
    int nc = nc_override > 0 ? nc_override : spec->nc;
    if (nc < 1) return yc_err(err, "%s: no nc in the file and none given", spec->path);
    m->nc = nc;
    m->in_channels = spec->channels;
    m->input_act = yc_graph_act(m, spec->channels, 1, err);
    if (m->input_act < 0) return -1;
    m->layers = calloc((size_t)spec->n_layers, sizeof *m->layers);
    if (!m->layers) return yc_err(err, "model: out of memory");
    bool legacy = true;
    /* the scale C3k2 tests: the one used, else the one in the name (0 = none) */
    char scale = spec->scale ? spec->scale : m->scale;
    YcBuild build = {.m = m, .err = err};
    for (int i = 0; i < spec->n_layers; i++) {
        const YcLayerSpec *l = &spec->layers[i];
        LayerCtx c = {.b = &build, .spec = spec, .l = l, .index = i, .nc = nc};
        build.layer = i;
        if (m->detect_layer >= 0) return lerr(&c, "layers after Detect are not supported");
        int from[YC_SPEC_MAX_FROM];
        for (int k = 0; k < l->n_from; k++) {
            int f = l->from[k];
            int idx = f < 0 ? i + f : f;
            if (i == 0 && f == -1) {
                from[k] = m->input_act;
                continue;
            }
            if (idx < 0 || idx >= i) {
                char msg[160];
                snprintf(msg, sizeof msg, "'from' %d does not name an earlier layer (valid: -1 .. %d, or -%d .. -1)",
                         f, i - 1, i);
                return lerr(&c, msg);
            }
            from[k] = m->layers[idx].out_act;
        }
        int n = l->repeats;
        if (in_range(&c, "repeats", n, 1, 1000)) return -1;
        if (n > 1) {
            double scaled = rint(n * spec->depth); /* half to even, as Python's round */
            if (!(scaled <= 1000)) return lerr(&c, "repeats scaled by the depth multiple exceed 1000");
            n = scaled < 1 ? 1 : (int)scaled;
        }
        const char *mod = l->module;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "model.%d", i);
        int64_t params_before = 0;
        for (int p = 0; p < m->n_params; p++)
            if (!m->params[p].is_buffer) params_before += (int64_t)m->params[p].count;
        int x = from[0], out = -1;
        bool base = strcmp(mod, "Conv") == 0 || strcmp(mod, "Bottleneck") == 0 || strcmp(mod, "C2f") == 0 ||
                    strcmp(mod, "C3") == 0 || strcmp(mod, "C3k2") == 0 || strcmp(mod, "SPPF") == 0 ||
                    strcmp(mod, "C2PSA") == 0;
        if (base) {
            if (l->from_is_list) return lerr(&c, "takes a single 'from' layer");
            int c2;
            if (arg_int(&c, 0, -1, &c2)) return -1;
            if (c2 < 1) return lerr(&c, "the first argument must be the output channel count");
            if (in_range(&c, "the channel count", c2, 1, 65536)) return -1;
            c2 = scaled_channels(&c, c2);
            if (c2 < 0) return -1;
            int c1 = m->acts[x].c;
            bool repeat_module = strcmp(mod, "Conv") != 0 && strcmp(mod, "Bottleneck") != 0 && strcmp(mod, "SPPF") != 0;
            if (!repeat_module && n > 1 && c1 != c2)
                return lerr(&c, "repeating a module that changes the channel count cannot work");
            if (strcmp(mod, "C2f") == 0 || strcmp(mod, "C3") == 0) {
                bool shortcut;
                int g;
                double e;
                if (arg_bool(&c, 1, strcmp(mod, "C3") == 0, &shortcut) || arg_int(&c, 2, 1, &g) ||
                    arg_num(&c, 3, 0.5, &e) || in_range(&c, "the hidden ratio e", e, 1e-3, 16))
                    return -1;
                out = mod[1] == '2' ? yc_mod_c2f(&build, prefix, x, c2, n, shortcut, g, e, false, false)
                                    : yc_mod_c3(&build, prefix, x, c2, n, shortcut, g, e, 0);
            } else if (strcmp(mod, "C3k2") == 0) {
                bool c3k, shortcut;
                double e;
                int g;
                if (arg_bool(&c, 1, false, &c3k) || arg_num(&c, 2, 0.5, &e) || arg_int(&c, 3, 1, &g) ||
                    arg_bool(&c, 4, true, &shortcut) || in_range(&c, "the hidden ratio e", e, 1e-3, 16))
                    return -1;
                if (scale == 0 || strchr("mlx", scale)) c3k = true;
                legacy = false;
                out = yc_mod_c2f(&build, prefix, x, c2, n, shortcut, g, e, true, c3k);
            } else if (strcmp(mod, "C2PSA") == 0) {
                double e;
                if (arg_num(&c, 1, 0.5, &e) || in_range(&c, "the hidden ratio e", e, 1e-3, 16)) return -1;
                out = yc_mod_c2psa(&build, prefix, x, c2, n, e);
            } else {
                /* Conv, Bottleneck, SPPF: n chained copies */
                for (int r = 0; r < n; r++) {
                    char sub[80];
                    if (n > 1) snprintf(sub, sizeof sub, "%s.%d", prefix, r);
                    else snprintf(sub, sizeof sub, "%s", prefix);
                    if (strcmp(mod, "Conv") == 0) {
                        int kh = 1, kw = 1, s = 1, p = -1, g = 1, d = 1;
                        bool act;
                        if (arg_kernel(&c, 1, 1, &kh, &kw) || arg_int(&c, 2, 1, &s) || arg_int(&c, 3, -1, &p) ||
                            arg_int(&c, 4, 1, &g) || arg_int(&c, 5, 1, &d) || arg_bool(&c, 6, true, &act))
                            return -1;
                        if (d != 1) return lerr(&c, "dilated convolutions are not supported");
                        if (in_range(&c, "the kernel size", kh, 1, 31) || in_range(&c, "the kernel size", kw, 1, 31) ||
                            in_range(&c, "the stride", s, 1, 64) || in_range(&c, "the padding", p, -1, 31) ||
                            in_range(&c, "groups", g, 1, 65536))
                            return -1;
                        x = yc_mod_conv(&build, sub, x, c2, kh, kw, s, p, g, act);
                    } else if (strcmp(mod, "Bottleneck") == 0) {
                        bool shortcut;
                        int g, k1 = 3, k2 = 3;
                        double e;
                        if (arg_bool(&c, 1, true, &shortcut) || arg_int(&c, 2, 1, &g) || arg_num(&c, 4, 0.5, &e) ||
                            in_range(&c, "the hidden ratio e", e, 1e-3, 16) || in_range(&c, "groups", g, 1, 65536))
                            return -1;
                        if (3 < l->n_args && l->args[3].kind == YC_SARG_LIST && l->args[3].list_len == 2 &&
                            fabs(l->args[3].list[0]) < 1e6 && fabs(l->args[3].list[1]) < 1e6) {
                            k1 = (int)l->args[3].list[0];
                            k2 = (int)l->args[3].list[1];
                            if (in_range(&c, "the kernel size", k1, 1, 31) || in_range(&c, "the kernel size", k2, 1, 31))
                                return -1;
                        } else if (3 < l->n_args && l->args[3].kind != YC_SARG_NONE) {
                            return lerr(&c, "the kernel argument must be a pair [k1, k2]");
                        }
                        x = yc_mod_bottleneck(&build, sub, x, c2, shortcut, g, k1, k2, e);
                    } else {
                        int k;
                        if (arg_int(&c, 1, 5, &k) || in_range(&c, "the pooling size", k, 1, 31)) return -1;
                        x = yc_mod_sppf(&build, sub, x, c2, k);
                    }
                    if (x < 0) break;
                }
                out = x;
            }
        } else if (strcmp(mod, "C3k") == 0) {
            /* not scaled by the reference: its arguments are C3k's own (c1, c2, n, shortcut, g, e, k) */
            int c1, c2, nn, g, k;
            bool shortcut;
            double e;
            if (l->from_is_list) return lerr(&c, "takes a single 'from' layer");
            if (arg_int(&c, 0, -1, &c1) || arg_int(&c, 1, c1, &c2) || arg_int(&c, 2, 1, &nn) ||
                arg_bool(&c, 3, true, &shortcut) || arg_int(&c, 4, 1, &g) || arg_num(&c, 5, 0.5, &e) ||
                arg_int(&c, 6, 3, &k) || in_range(&c, "the repeats n", nn, 1, 1000) ||
                in_range(&c, "the hidden ratio e", e, 1e-3, 16) || in_range(&c, "the kernel size", k, 1, 31) ||
                in_range(&c, "groups", g, 1, 65536))
                return -1;
            if (c1 != m->acts[x].c || c2 != c1)
                return lerr(&c, "C3k's arguments start with its input and output channels, which must both equal "
                                "the input's channel count");
            for (int r = 0; r < n && x >= 0; r++) {
                char sub[80];
                if (n > 1) snprintf(sub, sizeof sub, "%s.%d", prefix, r);
                else snprintf(sub, sizeof sub, "%s", prefix);
                x = yc_mod_c3(&build, sub, x, c2, nn, shortcut, g, e, k);
            }
            out = x;
        } else if (strcmp(mod, "Concat") == 0) {
            int dim;
            if (arg_int(&c, 0, 1, &dim)) return -1;
            if (dim != 1) return lerr(&c, "only Concat along channels (dimension 1) is supported");
            if (n > 1) return lerr(&c, "Concat cannot be repeated");
            out = yc_mod_concat(&build, from, l->n_from);
        } else if (strcmp(mod, "nn.Upsample") == 0 || strcmp(mod, "torch.nn.Upsample") == 0) {
            double factor;
            if (l->from_is_list) return lerr(&c, "takes a single 'from' layer");
            if (l->n_args > 0 && l->args[0].kind != YC_SARG_NONE) return lerr(&c, "only size None is supported");
            if (arg_num(&c, 1, 1, &factor)) return -1;
            const char *mode = l->n_args > 2 ? l->args[2].text : "nearest";
            if (factor != 2 || strcmp(mode, "nearest") != 0)
                return lerr(&c, "only nn.Upsample(None, 2, \"nearest\") is supported");
            for (int r = 0; r < n && x >= 0; r++) x = yc_mod_upsample(&build, x);
            out = x;
        } else if (strcmp(mod, "Detect") == 0) {
            int det_nc;
            if (arg_int(&c, 0, nc, &det_nc) || in_range(&c, "nc", det_nc, 1, 100000)) return -1;
            if (n > 1) return lerr(&c, "Detect cannot be repeated");
            if (l->n_args > 1) return lerr(&c, "Detect takes one argument, nc");
            out = yc_mod_detect(&build, prefix, from, l->n_from, det_nc, legacy);
            m->detect_layer = i;
        } else {
            char msg[256];
            snprintf(msg, sizeof msg, "unknown module '%s' (yoloc builds %s)", mod, known_modules);
            return lerr(&c, msg);
        }
        if (out < 0) return yc_err_prefix(err, "%s:%d: layer %d (%s)", spec->path, l->line, i, mod);
        int64_t params_after = 0;
        for (int p = 0; p < m->n_params; p++)
            if (!m->params[p].is_buffer) params_after += (int64_t)m->params[p].count;
        YcLayerInfo *info = &m->layers[i];
        snprintf(info->type, sizeof info->type, "%s", mod);
        info->params = params_after - params_before;
        info->out_act = out;
        info->out_channels = m->acts[out].c;
        m->n_layers = i + 1;
    }
    if (m->detect_layer < 0)
        return yc_err(err, "%s: the last layer must be Detect (yoloc trains detectors)", spec->path);
    return 0;
}
