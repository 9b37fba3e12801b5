/* Growing the model's graph while modules build it: activations, operations
 * and the parameter table (memory for values comes later, in one block). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static int grow(void **items, int *cap, int need, size_t size, YcErr *err) {
    if (need <= *cap) return 0;
    int next = *cap ? *cap * 2 : 64;
    while (next < need) next *= 2;
    void *p = realloc(*items, (size_t)next * size);
    if (!p) return yc_err(err, "model: out of memory");
    memset((char *)p + (size_t)*cap * size, 0, (size_t)(next - *cap) * size);
    *items = p;
    *cap = next;
    return 0;
}

int yc_graph_act(YcModel *m, int c, int stride, YcErr *err) {
    if (grow((void **)&m->acts, &m->cap_acts, m->n_acts + 1, sizeof *m->acts, err)) return -1;
    YcAct *a = &m->acts[m->n_acts];
    memset(a, 0, sizeof *a);
    a->c = c;
    a->stride = stride;
    a->producer = YC_NONE;
    return m->n_acts++;
}

YcOp *yc_graph_op(YcModel *m, YcOpKind kind, int layer, YcErr *err) {
    if (grow((void **)&m->ops, &m->cap_ops, m->n_ops + 1, sizeof *m->ops, err)) return NULL;
    YcOp *op = &m->ops[m->n_ops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->layer = layer;
    op->weight = op->bias = op->gamma = op->beta = op->mean = op->var = YC_NONE;
    op->groups = 1;
    return op;
}

int yc_graph_param(YcModel *m, const char *name, YcParamGroup group, bool is_buffer, int ndim, const int64_t *shape,
                   YcErr *err) {
    if (strlen(name) >= sizeof m->params[0].name) return yc_err(err, "model: parameter name too long: %s", name);
    if (grow((void **)&m->params, &m->cap_params, m->n_params + 1, sizeof *m->params, err)) return -1;
    YcParam *p = &m->params[m->n_params];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->group = group;
    p->is_buffer = is_buffer;
    p->ndim = ndim;
    p->count = 1;
    for (int i = 0; i < ndim; i++) {
        p->shape[i] = shape[i];
        p->count *= (size_t)shape[i];
    }
    return m->n_params++;
}
