/* The model's life: build from YAML (model_build.c), put the graph in
 * execution order, allocate parameters in backend memory, initialise; and the
 * small accessors of model.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* Execution order: the modules create operations in the reference's
 * definition order, which is not always the order they run in. A stable
 * topological sort (lowest index first among the ready ones) fixes that. */
static int order_ops(YcModel *m, YcErr *err) {
    int n = m->n_ops;
    YcOp *sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    bool *ready_act = calloc((size_t)m->n_acts, sizeof *ready_act);
    bool *placed = calloc((size_t)(n ? n : 1), sizeof *placed);
    int rc = 0;
    if (!sorted || !ready_act || !placed) {
        rc = yc_err(err, "model: out of memory");
        goto done;
    }
    ready_act[m->input_act] = true;
    for (int k = 0; k < n; k++) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            if (placed[i]) continue;
            bool ok = true;
            for (int j = 0; j < m->ops[i].n_in && ok; j++) ok = ready_act[m->ops[i].in[j]];
            if (ok) pick = i;
        }
        if (pick < 0) {
            rc = yc_err(err, "model: internal error: the graph has an operation whose input is never computed");
            goto done;
        }
        placed[pick] = true;
        sorted[k] = m->ops[pick];
        for (int j = 0; j < m->ops[pick].n_out; j++) ready_act[m->ops[pick].out[j]] = true;
    }
    memcpy(m->ops, sorted, (size_t)n * sizeof *sorted);
    for (int a = 0; a < m->n_acts; a++) m->acts[a].producer = YC_NONE;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m->ops[i].n_out; j++) m->acts[m->ops[i].out[j]].producer = i;
    for (int a = 0; a < m->n_acts; a++)
        if (a != m->input_act && m->acts[a].producer == YC_NONE) {
            rc = yc_err(err, "model: internal error: activation %d is never computed", a);
            goto done;
        }
done:
    free(sorted);
    free(ready_act);
    free(placed);
    return rc;
}

static int allocate_params(YcModel *m, YcErr *err) {
    m->value_count = m->grad_count = 0;
    for (int i = 0; i < m->n_params; i++) {
        m->value_count += m->params[i].count;
        if (!m->params[i].is_buffer) m->grad_count += m->params[i].count;
    }
    m->value_block = m->be->alloc(m->be, m->value_count * sizeof(float));
    m->grad_block = m->be->alloc(m->be, (m->grad_count ? m->grad_count : 1) * sizeof(float));
    m->grad_slot = calloc((size_t)m->n_params, sizeof *m->grad_slot);
    if (!m->value_block || !m->grad_block || !m->grad_slot)
        return yc_err(err, "model: cannot allocate %zu parameters on %s", m->value_count, m->be->name);
    size_t v = 0, g = 0;
    for (int i = 0; i < m->n_params; i++) {
        YcParam *p = &m->params[i];
        p->value = m->value_block + v;
        v += p->count;
        if (!p->is_buffer) {
            m->grad_slot[i] = m->grad_block + g;
            g += p->count;
        }
        p->grad = p->frozen ? NULL : m->grad_slot[i];
    }
    m->be->fill(m->be, m->grad_block, m->grad_count, 0.0f);
    return 0;
}

/* "YOLOv8n" from "yolov8n.yaml" (the reference: file stem, yolo -> YOLO). */
static void model_name(const char *given, char *out, size_t cap) {
    const char *base = strrchr(given, '/');
    base = base ? base + 1 : given;
    char stem[64];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    size_t o = 0;
    for (const char *p = stem; *p && o + 1 < cap;) {
        if (strncmp(p, "yolo", 4) == 0 && o + 4 < cap) {
            memcpy(out + o, "YOLO", 4);
            o += 4;
            p += 4;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

YcModel *yc_model_build(const char *model, int nc, YcBackend *be, YcErr *err) {
    YcModel *m = calloc(1, sizeof *m);
    if (!m) {
        yc_err(err, "model: out of memory");
        return NULL;
    }
    m->be = be;
    m->reg_max = 16;
    m->train = true;
    m->detect_layer = -1;
    m->dfl_weight = -1;
    yc_arena_init(&m->arena);
    model_name(model, m->name, sizeof m->name);
    snprintf(m->given, sizeof m->given, "%s", model);
    YcModelSpec spec;
    if (yc_model_resolve(model, m->yaml_path, sizeof m->yaml_path, &m->scale, err) ||
        yc_model_spec_load(m->yaml_path, m->scale, &spec, err)) {
        yc_model_free(m);
        return NULL;
    }
    int rc = yc_model_build_layers(m, &spec, nc, err);
    yc_model_spec_free(&spec);
    if (rc == 0) rc = order_ops(m, err);
    if (rc == 0) {
        m->act_needs = calloc((size_t)m->n_acts, sizeof *m->act_needs);
        m->act_reached = calloc((size_t)m->n_acts, sizeof *m->act_reached);
        m->op_runs = calloc((size_t)m->n_ops, sizeof *m->op_runs);
        m->first_writer_op = calloc((size_t)m->n_acts, sizeof *m->first_writer_op);
        m->first_writer_slot = calloc((size_t)m->n_acts, sizeof *m->first_writer_slot);
        if (!m->act_needs || !m->act_reached || !m->op_runs || !m->first_writer_op || !m->first_writer_slot)
            rc = yc_err(err, "model: out of memory");
    }
    if (rc == 0) rc = yc_arena_reserve(&m->arena, 3 * m->n_acts + 3 * m->n_ops + 16, err);
    if (rc == 0) rc = allocate_params(m, err);
    if (rc) {
        yc_model_free(m);
        return NULL;
    }
    yc_model_init_weights(m, 0);
    return m;
}

void yc_model_free(YcModel *m) {
    if (!m) return;
    if (m->be) {
        if (m->value_block) m->be->free(m->be, m->value_block);
        if (m->grad_block) m->be->free(m->be, m->grad_block);
        if (m->arena_mem) m->be->free(m->be, m->arena_mem);
        if (m->ws_mem) m->be->free(m->be, m->ws_mem);
    }
    yc_arena_free(&m->arena);
    free(m->ops);
    free(m->acts);
    free(m->layers);
    free(m->params);
    free(m->grad_slot);
    free(m->act_needs);
    free(m->act_reached);
    free(m->op_runs);
    free(m->first_writer_op);
    free(m->first_writer_slot);
    free(m);
}

const char *yc_model_name(const YcModel *m) { return m->name; }
int yc_model_nc(const YcModel *m) { return m->nc; }
const char *yc_model_yaml(const YcModel *m) { return m->given; }
int yc_model_in_channels(const YcModel *m) { return m->in_channels; }
YcBackend *yc_model_backend(const YcModel *m) { return m->be; }

int yc_model_max_stride(const YcModel *m) {
    int s = 1;
    for (int a = 0; a < m->n_acts; a++)
        if (m->acts[a].stride > s) s = m->acts[a].stride;
    return s;
}

YcParam *yc_model_params(YcModel *m, int *count) {
    *count = m->n_params;
    return m->params;
}

float *yc_model_grad_block(YcModel *m, size_t *count) {
    *count = m->grad_count;
    return m->grad_block;
}

void yc_model_set_train(YcModel *m, bool train) { m->train = train; }
bool yc_model_is_train(const YcModel *m) { return m->train; }

void yc_model_zero_grad(YcModel *m) { m->be->fill(m->be, m->grad_block, m->grad_count, 0.0f); }

size_t yc_model_arena_bytes(const YcModel *m) { return m->plan.valid ? m->plan.arena_bytes + m->plan.ws_bytes : 0; }

int yc_model_freeze(YcModel *m, const int *layers, int count, YcErr *err) {
    for (int k = 0; k < count; k++)
        if (layers[k] < 0 || layers[k] >= m->n_layers)
            return yc_err(err, "freeze: layer %d does not exist (the model has layers 0..%d)", layers[k],
                          m->n_layers - 1);
    for (int i = 0; i < m->n_params; i++) {
        YcParam *p = &m->params[i];
        if (p->is_buffer) continue;
        int layer = atoi(p->name + strlen("model."));
        bool frozen = i == m->dfl_weight;
        for (int k = 0; k < count; k++) frozen = frozen || layers[k] == layer;
        p->frozen = frozen;
        p->grad = frozen ? NULL : m->grad_slot[i];
    }
    return 0;
}
