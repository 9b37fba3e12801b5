// Fused training updates on the GPU: gradient-norm clipping, SGD (Nesterov),
// Adam and AdamW, the EMA, and the fp16 gradient unscale, each one launch (or
// three for clipping) over every parameter. Parameters are split into chunks
// (trainer/gpu_fused.h: yc_fused_chunks), one thread block per chunk, with a
// device table of the parameters' pointers made once by fused_prepare.
//
// The element-wise arithmetic is that of trainer/optim.c, ema.c and clip.c in
// the same order with explicitly rounded operations (__fmul_rn, __fadd_rn,
// __fdiv_rn, __fsqrt_rn: never contracted into fused multiply-adds), so that
// a GPU step gives the CPU's float32 results bit for bit. The per-group
// scalars (bias corrections, step sizes) are computed on the host in double
// exactly as optim.c does and passed as kernel arguments.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.h"

extern "C" {
#include "ema.h"
#include "gpu_fused.h"
#include "optim.h"
}

#define CHUNK 65536
#define FUSED_THREADS 256

enum { T_GRAD = 1, T_OPT = 2, T_EMA = 4 };

struct DevTensor {
    float *value, *grad, *s1, *s2, *ema;
    int64_t count;
    int group, flags;
};

struct FusedDevice {
    void *block;            // one device allocation: tensors, chunks, chunk ranges, partials, scalars
    DevTensor *tensors;
    YcFusedChunk *chunks;
    int *chunk_first;       // [n_tensors] first chunk of each tensor
    int *chunk_count;
    double *partials;       // [n_chunks]
    double *scalars;        // [0] total norm, [1] coefficient
    int *flag;              // [0] clip applies, [1] non-finite seen
    int n_tensors, n_chunks;
    int *host_first, *host_count;
};

static bool trainable(const YcParam *p) { return !p->is_buffer && !p->frozen && p->grad && p->value; }

int cuda_fused_prepare(YcBackend *be, YcFusedSet *set, YcErr *err) {
    CudaImpl *c = cuda_impl(be);
    set->device = NULL;
    int n = set->count, chunks = yc_fused_chunks(set->params, n, CHUNK, NULL);
    size_t n1 = (size_t)(n > 0 ? n : 1), c1 = (size_t)(chunks > 0 ? chunks : 1);
    DevTensor *ht = (DevTensor *)calloc(n1, sizeof *ht);
    YcFusedChunk *hc = (YcFusedChunk *)calloc(c1, sizeof *hc);
    FusedDevice *d = (FusedDevice *)calloc(1, sizeof *d);
    int *first = (int *)calloc(n1, sizeof(int)), *count = (int *)calloc(n1, sizeof(int));
    if (!ht || !hc || !d || !first || !count) {
        free(ht), free(hc), free(d), free(first), free(count);
        return yc_err(err, "%s fused updates: out of host memory", c->name);
    }
    yc_fused_chunks(set->params, n, CHUNK, hc);
    for (int k = chunks - 1; k >= 0; k--) {
        first[hc[k].tensor] = k;
        count[hc[k].tensor]++;
    }
    for (int i = 0; i < n; i++) {
        const YcParam *p = &set->params[i];
        DevTensor *t = &ht[i];
        t->value = p->value;
        t->grad = p->grad;
        t->s1 = set->state1 ? set->state1[i] : NULL;
        t->s2 = set->state2 ? set->state2[i] : NULL;
        t->ema = set->ema ? set->ema[i] : NULL;
        t->count = (int64_t)p->count;
        t->group = (int)p->group;
        t->flags = (trainable(p) ? T_GRAD : 0) | (trainable(p) && t->s1 ? T_OPT : 0) | (t->ema ? T_EMA : 0);
    }
    size_t off_t = 0, off_c = off_t + (n1 * sizeof(DevTensor) + 255) / 256 * 256;
    size_t off_f = off_c + (c1 * sizeof(YcFusedChunk) + 255) / 256 * 256;
    size_t off_n = off_f + (2 * n1 * sizeof(int) + 255) / 256 * 256;
    size_t off_p = off_n, off_s = off_p + (c1 * sizeof(double) + 255) / 256 * 256;
    size_t off_g = off_s + 256, total = off_g + 256;
    d->block = yc_gpu_cache_alloc(c->cache, total);
    if (!d->block) {
        free(ht), free(hc), free(d), free(first), free(count);
        return yc_err(err, "%s fused updates: out of device memory", c->name);
    }
    char *b = (char *)d->block;
    d->tensors = (DevTensor *)(b + off_t);
    d->chunks = (YcFusedChunk *)(b + off_c);
    d->chunk_first = (int *)(b + off_f);
    d->chunk_count = d->chunk_first + n1;
    d->partials = (double *)(b + off_p);
    d->scalars = (double *)(b + off_s);
    d->flag = (int *)(b + off_g);
    d->n_tensors = n;
    d->n_chunks = chunks;
    d->host_first = first;
    d->host_count = count;
    const char *op = "fused_prepare";
    cu_ok(c, cudaMemcpyAsync(d->tensors, ht, n1 * sizeof *ht, cudaMemcpyHostToDevice, c->stream), "cudaMemcpyAsync", op);
    cu_ok(c, cudaMemcpyAsync(d->chunks, hc, c1 * sizeof *hc, cudaMemcpyHostToDevice, c->stream), "cudaMemcpyAsync", op);
    cu_ok(c, cudaMemcpyAsync(d->chunk_first, first, n1 * sizeof(int), cudaMemcpyHostToDevice, c->stream), "cudaMemcpyAsync", op);
    cu_ok(c, cudaMemcpyAsync(d->chunk_count, count, n1 * sizeof(int), cudaMemcpyHostToDevice, c->stream), "cudaMemcpyAsync", op);
    cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", op); // the host tables are freed next
    free(ht);
    free(hc);
    set->device = d;
    if (c->failed) return yc_err(err, "%s", c->error);
    return 0;
}

void cuda_fused_release(YcBackend *be, YcFusedSet *set) {
    FusedDevice *d = (FusedDevice *)set->device;
    if (!d) return;
    yc_gpu_cache_free(cuda_impl(be)->cache, d->block);
    free(d->host_first);
    free(d->host_count);
    free(d);
    set->device = NULL;
}

// ---- clipping ----

__global__ void k_clip_partial(const DevTensor *tensors, const YcFusedChunk *chunks, double *partials) {
    YcFusedChunk ch = chunks[blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    double s = 0;
    if (t.flags & T_GRAD)
        for (int i = threadIdx.x; i < ch.len; i += blockDim.x) {
            double g = (double)t.grad[ch.begin + i];
            s += g * g;
        }
    s = block_sum_double(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// clip.c: per-tensor float32 norms, the norm of those norms, coef = max_norm / (total + 1e-6) in float.
__global__ void k_clip_total(const DevTensor *tensors, int n_tensors, const int *first, const int *count,
                             const double *partials, float max_norm, double *scalars, int *flag) {
    double sum = 0;
    for (int i = 0; i < n_tensors; i++) {
        if (!(tensors[i].flags & T_GRAD)) continue;
        double s = 0;
        for (int k = 0; k < count[i]; k++) s += partials[first[i] + k];
        float norm = (float)sqrt(s);
        sum += (double)norm * norm;
    }
    float total = (float)sqrt(sum);
    float coef = __fdiv_rn(max_norm, __fadd_rn(total, 1e-6f));
    scalars[0] = total;
    scalars[1] = coef;
    flag[0] = coef < 1.0f || isnan(coef);
}

__global__ void k_clip_scale(const DevTensor *tensors, const YcFusedChunk *chunks, const double *scalars, const int *flag) {
    if (!flag[0]) return;
    YcFusedChunk ch = chunks[blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    if (!(t.flags & T_GRAD)) return;
    float coef = (float)scalars[1];
    for (int i = threadIdx.x; i < ch.len; i += blockDim.x) t.grad[ch.begin + i] = __fmul_rn(t.grad[ch.begin + i], coef);
}

double cuda_fused_clip_grad_norm(YcBackend *be, const YcFusedSet *set, double max_norm) {
    CudaImpl *c = cuda_impl(be);
    FusedDevice *d = (FusedDevice *)set->device;
    const char *op = "fused_clip_grad_norm";
    if (!d) {
        cuda_fail(c, op, "the set was not prepared (fused_prepare)");
        return NAN;
    }
    if (d->n_chunks) {
        k_clip_partial<<<d->n_chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, d->partials);
        launch_ok(c, "k_clip_partial", op);
    }
    k_clip_total<<<1, 1, 0, c->stream>>>(d->tensors, d->n_tensors, d->chunk_first, d->chunk_count, d->partials,
                                         (float)max_norm, d->scalars, d->flag);
    launch_ok(c, "k_clip_total", op);
    if (d->n_chunks) {
        k_clip_scale<<<d->n_chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, d->scalars, d->flag);
        launch_ok(c, "k_clip_scale", op);
    }
    cu_ok(c, cudaMemcpyAsync(c->host_scalars, d->scalars, sizeof(double), cudaMemcpyDeviceToHost, c->stream), "cudaMemcpyAsync", op);
    if (!cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", op)) return NAN;
    return c->host_scalars[0];
}

// ---- optimisers ----

struct SgdArgs {
    float wd[3], mom[3], neg_lr[3];
    int first; // no momentum buffer yet: buf = d
};

struct AdamArgs {
    float neg_step_size[3], bc2_sqrt[3], w1[3], wd[3], decay[3];
    int wd_on[3];
    float b2, w2, eps;
    int decoupled;
};

__global__ void k_sgd(const DevTensor *tensors, const YcFusedChunk *chunks, int chunk0, SgdArgs a) {
    YcFusedChunk ch = chunks[chunk0 + blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    if (!(t.flags & T_OPT)) return;
    float wd = a.wd[t.group], mom = a.mom[t.group], neg_lr = a.neg_lr[t.group];
    for (int i = threadIdx.x; i < ch.len; i += blockDim.x) {
        int64_t k = ch.begin + i;
        float v = t.value[k], d = t.grad[k];
        if (wd != 0.0f) d = __fadd_rn(d, __fmul_rn(wd, v));
        float buf = a.first ? d : __fadd_rn(__fmul_rn(t.s1[k], mom), d);
        t.s1[k] = buf;
        d = __fadd_rn(d, __fmul_rn(mom, buf)); // nesterov
        t.value[k] = __fadd_rn(v, __fmul_rn(neg_lr, d));
    }
}

// torch.lerp on the CPU: the formula switches at |w| < 0.5
static __device__ __forceinline__ float lerp_torch(float self, float end, float w) {
    return fabsf(w) < 0.5f ? __fadd_rn(self, __fmul_rn(w, __fsub_rn(end, self)))
                           : __fsub_rn(end, __fmul_rn(__fsub_rn(end, self), __fsub_rn(1.0f, w)));
}

__global__ void k_adam(const DevTensor *tensors, const YcFusedChunk *chunks, int chunk0, AdamArgs a) {
    YcFusedChunk ch = chunks[chunk0 + blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    if (!(t.flags & T_OPT)) return;
    int g = t.group;
    for (int i = threadIdx.x; i < ch.len; i += blockDim.x) {
        int64_t k = ch.begin + i;
        float v = t.value[k], d = t.grad[k];
        if (a.wd_on[g]) {
            if (a.decoupled) v = __fmul_rn(v, a.decay[g]);
            else d = __fadd_rn(d, __fmul_rn(a.wd[g], v));
        }
        float m = lerp_torch(t.s1[k], d, a.w1[g]);
        float s = __fadd_rn(__fmul_rn(t.s2[k], a.b2), __fmul_rn(__fmul_rn(a.w2, d), d));
        float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(s), a.bc2_sqrt[g]), a.eps);
        t.s1[k] = m;
        t.s2[k] = s;
        t.value[k] = __fadd_rn(v, __fdiv_rn(__fmul_rn(a.neg_step_size[g], m), denom));
    }
}

static void sgd_args(const YcOptim *o, int64_t step, SgdArgs *a) {
    for (int g = 0; g < 3; g++) {
        a->wd[g] = (float)o->group[g].weight_decay;
        a->mom[g] = (float)o->group[g].momentum;
        a->neg_lr[g] = (float)(-o->group[g].lr);
    }
    a->first = step == 0;
}

// optim.c's adam_param scalars for a parameter at `step` (after its increment)
static void adam_args(const YcOptim *o, int64_t step, AdamArgs *a) {
    for (int g = 0; g < 3; g++) {
        const YcOptimGroup *gr = &o->group[g];
        double lr = gr->lr, beta1 = gr->momentum, beta2 = o->beta2;
        double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
        a->neg_step_size[g] = (float)(-(lr / bc1));
        a->bc2_sqrt[g] = (float)sqrt(bc2);
        a->w1[g] = (float)(1.0 - beta1);
        a->wd[g] = (float)gr->weight_decay;
        a->decay[g] = (float)(1.0 - lr * gr->weight_decay);
        a->wd_on[g] = gr->weight_decay != 0.0;
    }
    a->b2 = (float)o->beta2;
    a->w2 = (float)(1.0 - o->beta2);
    a->eps = (float)o->eps;
    a->decoupled = o->kind == YC_OPTIM_ADAMW;
}

static void launch_optim(CudaImpl *c, FusedDevice *d, const YcOptim *o, int64_t step_before, int chunk0, int chunks) {
    if (chunks <= 0) return;
    if (o->kind == YC_OPTIM_SGD) {
        SgdArgs a;
        sgd_args(o, step_before, &a);
        k_sgd<<<chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, chunk0, a);
        launch_ok(c, "k_sgd", "fused_optim_step");
    } else {
        AdamArgs a;
        adam_args(o, step_before + 1, &a);
        k_adam<<<chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, chunk0, a);
        launch_ok(c, "k_adam", "fused_optim_step");
    }
}

void cuda_fused_optim_step(YcBackend *be, const YcFusedSet *set, YcOptim *o) {
    CudaImpl *c = cuda_impl(be);
    FusedDevice *d = (FusedDevice *)set->device;
    if (!d) {
        cuda_fail(c, "fused_optim_step", "the set was not prepared (fused_prepare)");
        return;
    }
    if (!set->state1) return;
    // one launch when every optimised parameter is at the same step (always, in practice); else one per parameter
    int64_t common = -1;
    bool same = true;
    for (int i = 0; i < set->count && i < o->count; i++) {
        if (!trainable(&set->params[i]) || !set->state1[i]) continue;
        if (common < 0) common = o->step[i];
        else if (o->step[i] != common) same = false;
    }
    if (common < 0) return;
    if (same) launch_optim(c, d, o, common, 0, d->n_chunks);
    else
        for (int i = 0; i < set->count && i < o->count; i++)
            if (trainable(&set->params[i]) && set->state1[i]) launch_optim(c, d, o, o->step[i], d->host_first[i], d->host_count[i]);
    for (int i = 0; i < set->count && i < o->count; i++)
        if (trainable(&set->params[i]) && set->state1[i]) o->step[i]++;
}

// ---- EMA, unscale ----

__global__ void k_ema(const DevTensor *tensors, const YcFusedChunk *chunks, float df, float rest) {
    YcFusedChunk ch = chunks[blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    if (!(t.flags & T_EMA)) return;
    for (int i = threadIdx.x; i < ch.len; i += blockDim.x) {
        int64_t k = ch.begin + i;
        t.ema[k] = __fadd_rn(__fmul_rn(t.ema[k], df), __fmul_rn(rest, t.value[k]));
    }
}

void cuda_fused_ema_update(YcBackend *be, const YcFusedSet *set, YcEma *e) {
    CudaImpl *c = cuda_impl(be);
    FusedDevice *d = (FusedDevice *)set->device;
    if (!d) {
        cuda_fail(c, "fused_ema_update", "the set was not prepared (fused_prepare)");
        return;
    }
    if (!set->ema) return;
    e->updates++;
    double decay = yc_ema_decay(e, e->updates);
    if (d->n_chunks) {
        k_ema<<<d->n_chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, (float)decay, (float)(1.0 - decay));
        launch_ok(c, "k_ema", "fused_ema_update");
    }
}

__global__ void k_unscale(const DevTensor *tensors, const YcFusedChunk *chunks, float inv, int *flag) {
    YcFusedChunk ch = chunks[blockIdx.x];
    DevTensor t = tensors[ch.tensor];
    if (!(t.flags & T_GRAD)) return;
    bool bad = false;
    for (int i = threadIdx.x; i < ch.len; i += blockDim.x) {
        float g = __fmul_rn(t.grad[ch.begin + i], inv);
        t.grad[ch.begin + i] = g;
        bad = bad || !isfinite(g);
    }
    if (bad) flag[1] = 1;
}

bool cuda_fused_unscale(YcBackend *be, const YcFusedSet *set, float inv_scale) {
    CudaImpl *c = cuda_impl(be);
    FusedDevice *d = (FusedDevice *)set->device;
    const char *op = "fused_unscale";
    if (!d) {
        cuda_fail(c, op, "the set was not prepared (fused_prepare)");
        return false;
    }
    cu_ok(c, cudaMemsetAsync(d->flag + 1, 0, sizeof(int), c->stream), "cudaMemsetAsync", op);
    if (d->n_chunks) {
        k_unscale<<<d->n_chunks, FUSED_THREADS, 0, c->stream>>>(d->tensors, d->chunks, inv_scale, d->flag);
        launch_ok(c, "k_unscale", op);
    }
    cu_ok(c, cudaMemcpyAsync(c->host_flags, d->flag + 1, sizeof(int), cudaMemcpyDeviceToHost, c->stream), "cudaMemcpyAsync", op);
    if (!cu_ok(c, cudaStreamSynchronize(c->stream), "cudaStreamSynchronize", op)) return false;
    return c->host_flags[0] == 0;
}
