/* Weights as safetensors with the reference's state-dict names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

int yc_model_load_st(YcModel *m, const YcSafetensors *st, const char *prefix, bool strict, int *loaded, YcErr *err) {
    int count = 0;
    size_t largest = 0;
    for (int i = 0; i < m->n_params; i++)
        if (m->params[i].count > largest) largest = m->params[i].count;
    float *host = malloc((largest ? largest : 1) * sizeof *host);
    if (!host) return yc_err(err, "%s: out of memory", st->path);
    int rc = 0;
    for (int i = 0; i < m->n_params && rc == 0; i++) {
        YcParam *p = &m->params[i];
        char name[256];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        const YcStTensor *t = yc_st_find(st, name);
        bool shape_ok = t && t->ndim == p->ndim;
        for (int k = 0; shape_ok && k < p->ndim; k++) shape_ok = t->shape[k] == p->shape[k];
        if (!t || !shape_ok) {
            if (!strict) continue;
            if (!t) rc = yc_err(err, "%s: no tensor '%s' (the model %s needs it)", st->path, name, m->name);
            else {
                char want[64] = "", got[64] = "";
                for (int k = 0; k < p->ndim; k++)
                    snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", k ? "," : "",
                             (long long)p->shape[k]);
                for (int k = 0; k < t->ndim; k++)
                    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", k ? "," : "",
                             (long long)t->shape[k]);
                rc = yc_err(err, "%s: tensor '%s' has shape [%s], the model needs [%s] (different nc or scale?)",
                            st->path, name, got, want);
            }
            break;
        }
        if (yc_st_read_f32(st, name, host, p->count, err)) {
            rc = -1;
            break;
        }
        m->be->upload(m->be, p->value, host, p->count * sizeof *host);
        count++;
    }
    free(host);
    if (loaded) *loaded = count;
    if (rc == 0) rc = m->be->sync(m->be, err);
    return rc;
}

int yc_model_load(YcModel *m, const char *path, bool strict, int *loaded, YcErr *err) {
    YcSafetensors st;
    if (yc_st_load(path, &st, err)) return -1;
    int rc = yc_model_load_st(m, &st, "", strict, loaded, err);
    yc_st_free(&st);
    return rc;
}

YcModel *yc_model_from_weights(const char *path, YcBackend *be, YcErr *err) {
    YcSafetensors st;
    if (yc_st_load(path, &st, err)) return NULL;
    const char *yaml = yc_st_meta(&st, "yaml"), *nc = yc_st_meta(&st, "nc");
    YcModel *m = NULL;
    if (!yaml || !*yaml || !nc || atoi(nc) < 1) {
        yc_err(err, "%s: no model description in the metadata (yaml and nc); build the model from its YAML and load "
                    "the weights into it",
               path);
    } else if ((m = yc_model_build(yaml, atoi(nc), be, err)) == NULL) {
        yc_err_prefix(err, "%s", path);
    } else if (yc_model_load_st(m, &st, "", true, NULL, err)) {
        yc_model_free(m);
        m = NULL;
    }
    yc_st_free(&st);
    return m;
}

int yc_model_save(YcModel *m, const char *path, const char *const *extra_meta, YcErr *err) {
    float *host = malloc((m->value_count ? m->value_count : 1) * sizeof *host);
    if (!host) return yc_err(err, "%s: out of memory", path);
    m->be->download(m->be, host, m->value_block, m->value_count * sizeof *host);
    YcStWriter w;
    yc_stw_init(&w);
    char nc_text[16];
    snprintf(nc_text, sizeof nc_text, "%d", m->nc);
    int rc = yc_stw_meta(&w, "format", "yoloc", err) || yc_stw_meta(&w, "yaml", m->given, err) ||
                     yc_stw_meta(&w, "nc", nc_text, err)
                 ? -1
                 : 0;
    for (int k = 0; rc == 0 && extra_meta && extra_meta[k]; k += 2) {
        if (!extra_meta[k + 1]) {
            rc = yc_err(err, "%s: metadata key '%s' has no value", path, extra_meta[k]);
            break;
        }
        rc = yc_stw_meta(&w, extra_meta[k], extra_meta[k + 1], err);
    }
    size_t off = 0;
    for (int i = 0; i < m->n_params && rc == 0; i++) {
        const YcParam *p = &m->params[i];
        rc = yc_stw_add(&w, p->name, YC_ST_F32, p->ndim, p->shape, host + off, err);
        off += p->count;
    }
    if (rc == 0) rc = yc_stw_save(&w, path, err);
    yc_stw_free(&w);
    free(host);
    return rc;
}
