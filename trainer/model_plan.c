/* Planning the arena for one input shape and mode.
 *
 * Time steps: forward op i runs at step i; in training, the backward of op i
 * runs at step 2n - 1 - i (n = number of ops). Each buffer is requested with
 * the steps it is used in and the arena packs buffers whose lifetimes do not
 * overlap into the same memory:
 * - activation values: from their producer to their last consumer (eval), or
 *   to the end of backward (training: backward reads them);
 * - activation gradients (training): from the first backward that writes
 *   them to their producer's backward, which reads them;
 * - per-op saved state (BN batch statistics, attention probabilities) from
 *   the op's forward to its backward, and backward scratch at its backward;
 * - the evaluation decode's buffers, and the anchors, which must persist. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "model_internal.h"

int yc_model_shapes(YcModel *m, int h, int w, YcErr *err) {
    m->acts[m->input_act].h = h;
    m->acts[m->input_act].w = w;
    for (int i = 0; i < m->n_ops; i++) {
        YcOp *op = &m->ops[i];
        const YcAct *x = &m->acts[op->in[0]];
        int oh = x->h, ow = x->w;
        switch (op->kind) {
        case YC_OP_CONV:
            if (x->h + 2 * op->pad_h < op->kh || x->w + 2 * op->pad_w < op->kw)
                return yc_err(err, "input %dx%d is too small for layer %d", h, w, op->layer);
            oh = (x->h + 2 * op->pad_h - op->kh) / op->stride + 1;
            ow = (x->w + 2 * op->pad_w - op->kw) / op->stride + 1;
            break;
        case YC_OP_UPSAMPLE:
            oh = 2 * x->h;
            ow = 2 * x->w;
            break;
        case YC_OP_ADD:
        case YC_OP_CONCAT:
            for (int j = 1; j < op->n_in; j++) {
                const YcAct *y = &m->acts[op->in[j]];
                if (y->h != x->h || y->w != x->w)
                    return yc_err(err,
                                  "input %dx%d: layer %d joins feature maps of %dx%d and %dx%d (use an image size "
                                  "that is a multiple of %d)",
                                  h, w, op->layer, x->h, x->w, y->h, y->w, yc_model_max_stride(m));
            }
            break;
        default:
            break;
        }
        for (int j = 0; j < op->n_out; j++) {
            m->acts[op->out[j]].h = oh;
            m->acts[op->out[j]].w = ow;
        }
    }
    return 0;
}

static size_t act_bytes(const YcModel *m, int a, int batch) {
    const YcAct *x = &m->acts[a];
    return (size_t)batch * x->c * x->h * x->w * sizeof(float);
}

static bool is_level(const YcModel *m, int a) {
    for (int l = 0; l < m->levels; l++)
        if (m->level_act[l] == a) return true;
    return false;
}

int yc_model_plan(YcModel *m, int batch, int h, int w, bool train, YcErr *err) {
    YcPlan *plan = &m->plan;
    int precision = m->be->get_precision ? (int)m->be->get_precision(m->be) : (int)YC_PREC_F32;
    if (plan->valid && plan->batch == batch && plan->h == h && plan->w == w && plan->train == train &&
        plan->precision == precision)
        return 0;
    plan->valid = false;
    m->forward_done = false;
    if (yc_model_shapes(m, h, w, err)) return -1;
    int n = m->n_ops;
    const int end = INT_MAX;
    YcArena *arena = &m->arena;
    yc_arena_reset(arena);

    /* last forward consumer and first backward writer of each activation */
    int *last_use = m->first_writer_op; /* borrowed as scratch here; backward recomputes it */
    for (int a = 0; a < m->n_acts; a++) last_use[a] = -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m->ops[i].n_in; j++) last_use[m->ops[i].in[j]] = i;
    /* which activations gradients reach from the head outputs */
    for (int a = 0; a < m->n_acts; a++) m->act_reached[a] = is_level(m, a);
    for (int i = n - 1; i >= 0; i--) {
        const YcOp *op = &m->ops[i];
        bool any = false;
        for (int j = 0; j < op->n_out; j++) any = any || m->act_reached[op->out[j]];
        if (any)
            for (int j = 0; j < op->n_in; j++) m->act_reached[op->in[j]] = true;
    }

    size_t ws = 0;
    for (int a = 0; a < m->n_acts; a++) {
        YcAct *x = &m->acts[a];
        x->value = (YcArenaSlot){0, 0};
        x->grad = (YcArenaSlot){0, 0};
        if (a == m->input_act) continue;
        int start = x->producer;
        int stop = train ? end : (is_level(m, a) ? n : (last_use[a] >= 0 ? last_use[a] : start));
        if (yc_arena_request(arena, &x->value, act_bytes(m, a, batch), start, stop, err)) return -1;
        if (train && m->act_reached[a]) {
            int first = is_level(m, a) ? n - 1 : 2 * n - 1 - last_use[a];
            if (yc_arena_request(arena, &x->grad, act_bytes(m, a, batch), first, 2 * n - 1 - x->producer, err))
                return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        YcOp *op = &m->ops[i];
        int back = 2 * n - 1 - i;
        op->saved = op->scratch = (YcArenaSlot){0, 0};
        const YcAct *x = &m->acts[op->in[0]];
        if (op->kind == YC_OP_BN && train) {
            if (yc_arena_request(arena, &op->saved, 2 * (size_t)x->c * sizeof(float), i, back, err)) return -1;
        } else if (op->kind == YC_OP_ATTENTION) {
            size_t tokens = (size_t)x->h * x->w;
            size_t probs = (size_t)batch * op->heads * tokens * tokens * sizeof(float);
            if (yc_arena_request(arena, &op->saved, probs, i, train ? back : i, err)) return -1;
            if (train && yc_arena_request(arena, &op->scratch, probs, back, back, err)) return -1;
        } else if (op->kind == YC_OP_CONV) {
            const YcAct *y = &m->acts[op->out[0]];
            YcConvShape s = {batch, x->c, x->h, x->w, y->c, y->h, y->w,
                             op->kh, op->kw, op->stride, op->stride, op->pad_h, op->pad_w, op->groups};
            size_t need = m->be->conv2d_workspace(m->be, &s);
            if (need > ws) ws = need;
        }
    }
    plan->anchors = 0;
    for (int l = 0; l < m->levels; l++) plan->anchors += (int64_t)m->acts[m->level_act[l]].h * m->acts[m->level_act[l]].w;
    plan->xcat = plan->decoded = plan->anchor_xy = plan->anchor_stride = (YcArenaSlot){0, 0};
    if (!train) {
        int no = 4 * m->reg_max + m->nc;
        size_t a = (size_t)plan->anchors;
        if (yc_arena_request(arena, &plan->xcat, (size_t)batch * no * a * sizeof(float), n, n, err) ||
            yc_arena_request(arena, &plan->decoded, (size_t)batch * (4 + m->nc) * a * sizeof(float), n, end, err) ||
            yc_arena_request(arena, &plan->anchor_xy, 2 * a * sizeof(float), 0, end, err) ||
            yc_arena_request(arena, &plan->anchor_stride, a * sizeof(float), 0, end, err))
            return -1;
    }
    size_t bytes = yc_arena_pack(arena);

    if (bytes > m->arena_cap) {
        if (m->arena_mem) m->be->free(m->be, m->arena_mem);
        m->arena_cap = 0;
        m->arena_mem = m->be->alloc(m->be, bytes);
        if (!m->arena_mem)
            return yc_err(err, "model: cannot allocate %.1f MB of activations for batch %d at %dx%d on %s",
                          (double)bytes / 1e6, batch, h, w, m->be->name);
        m->arena_cap = bytes;
    }
    if (ws > m->ws_cap) {
        if (m->ws_mem) m->be->free(m->be, m->ws_mem);
        m->ws_cap = 0;
        m->ws_mem = m->be->alloc(m->be, ws);
        if (!m->ws_mem) return yc_err(err, "model: cannot allocate %.1f MB of workspace", (double)ws / 1e6);
        m->ws_cap = ws;
    }
    if (!train) {
        /* anchor centres (x + 0.5, y + 0.5) per level in grid units, and their strides */
        size_t a = (size_t)plan->anchors, k = 0;
        float *host = malloc(3 * a * sizeof *host);
        if (!host) return yc_err(err, "model: out of memory");
        for (int l = 0; l < m->levels; l++) {
            const YcAct *y = &m->acts[m->level_act[l]];
            for (int r = 0; r < y->h; r++)
                for (int c = 0; c < y->w; c++, k++) {
                    host[k] = (float)c + 0.5f;
                    host[a + k] = (float)r + 0.5f;
                    host[2 * a + k] = (float)m->level_stride[l];
                }
        }
        m->be->upload(m->be, yc_slot_f32(m->arena_mem, plan->anchor_xy), host, 2 * a * sizeof *host);
        m->be->upload(m->be, yc_slot_f32(m->arena_mem, plan->anchor_stride), host + 2 * a, a * sizeof *host);
        free(host);
    }
    plan->batch = batch;
    plan->h = h;
    plan->w = w;
    plan->train = train;
    plan->precision = precision;
    plan->arena_bytes = bytes;
    plan->ws_bytes = ws;
    plan->valid = true;
    return 0;
}
