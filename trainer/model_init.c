/* Initialisation from scratch, as the reference's new models are: PyTorch's
 * default Conv2d init (kaiming_uniform with a = sqrt(5), i.e. U(+-1/sqrt(fan_in))
 * for weights and the same bound for biases), BatchNorm weight 1, bias 0,
 * running mean 0, var 1, then Detect's bias init. The random numbers are our
 * own (xoshiro256** seeded through splitmix64): deterministic per seed, not
 * torch's stream. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

typedef struct InitRng {
    uint64_t s[4];
} InitRng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(InitRng *r) {
    uint64_t result = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rotl(r->s[3], 45);
    return result;
}

/* Uniform in [lo, hi). */
static float rng_uniform(InitRng *r, double lo, double hi) {
    double u = (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(lo + (hi - lo) * u);
}

void yc_model_init_weights(YcModel *m, uint64_t seed) {
    InitRng rng;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng.s[i] = splitmix64(&x);
    float *host = malloc(m->value_count * sizeof *host);
    if (!host) return; /* the model keeps its current values */
    /* offsets of each parameter in the value block */
    size_t off = 0;
    size_t *at = malloc((size_t)m->n_params * sizeof *at);
    if (!at) {
        free(host);
        return;
    }
    for (int i = 0; i < m->n_params; i++) {
        at[i] = off;
        off += m->params[i].count;
    }
    /* in parameter-table order, so that the stream does not depend on execution order */
    for (int i = 0; i < m->n_params; i++) {
        YcParam *p = &m->params[i];
        float *v = host + at[i];
        const char *tail = strrchr(p->name, '.');
        tail = tail ? tail + 1 : p->name;
        bool bn = strstr(p->name, ".bn.") != NULL;
        if (i == m->dfl_weight) {
            for (size_t k = 0; k < p->count; k++) v[k] = (float)k;
        } else if (bn && strcmp(tail, "weight") == 0) {
            for (size_t k = 0; k < p->count; k++) v[k] = 1.0f;
        } else if (bn && strcmp(tail, "running_var") == 0) {
            for (size_t k = 0; k < p->count; k++) v[k] = 1.0f;
        } else if (bn) { /* bias, running_mean */
            for (size_t k = 0; k < p->count; k++) v[k] = 0.0f;
        } else if (p->ndim == 4) { /* conv weight */
            double fan_in = (double)(p->shape[1] * p->shape[2] * p->shape[3]);
            double bound = 1.0 / sqrt(fan_in);
            for (size_t k = 0; k < p->count; k++) v[k] = rng_uniform(&rng, -bound, bound);
        } else { /* conv bias: the bound of the weight defined just before it */
            const YcParam *w = &m->params[i - 1];
            double bound = 1.0 / sqrt((double)(w->shape[1] * w->shape[2] * w->shape[3]));
            for (size_t k = 0; k < p->count; k++) v[k] = rng_uniform(&rng, -bound, bound);
        }
    }
    for (int l = 0; l < m->levels; l++) {
        float *box = host + at[m->box_bias[l]], *cls = host + at[m->cls_bias[l]];
        for (size_t k = 0; k < m->params[m->box_bias[l]].count; k++) box[k] = 1.0f;
        double s = m->level_stride[l];
        float prior = (float)log(5.0 / m->nc / ((640.0 / s) * (640.0 / s)));
        for (size_t k = 0; k < m->params[m->cls_bias[l]].count; k++) cls[k] = prior;
    }
    m->be->upload(m->be, m->value_block, host, m->value_count * sizeof *host);
    free(at);
    free(host);
}
