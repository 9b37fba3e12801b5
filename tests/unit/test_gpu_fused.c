/* The backend's fused training updates (trainer/gpu_fused.h) on the CPU
 * backend, bit for bit against the trainer's own clip/optim/EMA functions,
 * both with the state shared with YcOptim/YcEma (host memory) and mirrored
 * into a separate block (a CPU backend that reports device memory, to run
 * the mirroring path a GPU takes); the other CPU entries added with the CUDA
 * backend; and the start-up mixed-precision check with stand-in precisions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "check.h"
#include "clip.h"
#include "ema.h"
#include "gpu_amp.h"
#include "gpu_fused.h"
#include "model.h"
#include "optim.h"

#define NP 6

typedef struct Net {
    YcParam p[NP];
} Net;

/* weights, a bias, a BN weight, a frozen weight, a buffer, a weight of 300 values */
static void make_net(Net *n, uint32_t seed) {
    static const size_t counts[NP] = {27, 5, 4, 9, 4, 300};
    memset(n, 0, sizeof *n);
    uint32_t s = seed;
    for (int i = 0; i < NP; i++) {
        YcParam *p = &n->p[i];
        snprintf(p->name, sizeof p->name, "model.%d.w", i);
        p->count = counts[i];
        p->ndim = 1;
        p->shape[0] = (int64_t)p->count;
        p->value = malloc(p->count * sizeof(float));
        p->group = i == 1 ? YC_PG_BIAS : i == 2 ? YC_PG_NORM : YC_PG_WEIGHT;
        p->frozen = i == 3;
        p->is_buffer = i == 4;
        if (!p->frozen && !p->is_buffer) p->grad = calloc(p->count, sizeof(float));
        for (size_t k = 0; k < p->count; k++) {
            s = s * 1664525u + 1013904223u;
            p->value[k] = (float)((int)(s >> 8) % 2000 - 1000) / 500.0f;
        }
    }
}

static void free_net(Net *n) {
    for (int i = 0; i < NP; i++) {
        free(n->p[i].value);
        free(n->p[i].grad);
    }
}

/* The same pseudo-gradient for both nets: depends on the values and the step. */
static void make_grads(Net *n, int step, float gain) {
    for (int i = 0; i < NP; i++) {
        YcParam *p = &n->p[i];
        if (p->is_buffer)
            for (size_t k = 0; k < p->count; k++) p->value[k] = (float)(step % 7) * 0.25f + (float)k;
        if (!p->grad) continue;
        for (size_t k = 0; k < p->count; k++) p->grad[k] += gain * (p->value[k] - 0.1f * (float)(k % 5)) + 0.01f * (float)step;
    }
}

static bool same_values(const Net *a, const Net *b) {
    for (int i = 0; i < NP; i++)
        if (memcmp(a->p[i].value, b->p[i].value, a->p[i].count * sizeof(float)) != 0) return false;
    return true;
}

static void run_fused_vs_direct(YcOptimKind kind, bool pretend_device) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(2, &err);
    if (!CHECK(be)) return;
    if (pretend_device) be->mem = YC_MEM_CUDA; /* host memory all the same: exercises the mirrored path */
    Net a, b;
    make_net(&a, 7);
    make_net(&b, 7);
    YcOptim oa, ob;
    YcEma ea, eb;
    CHECK(yc_optim_init(&oa, kind, 0.01, 0.9, 0.05, a.p, NP, &err) == 0);
    CHECK(yc_optim_init(&ob, kind, 0.01, 0.9, 0.05, b.p, NP, &err) == 0);
    CHECK(yc_ema_init(&ea, a.p, NP, 0, &err) == 0);
    CHECK(yc_ema_init(&eb, b.p, NP, 0, &err) == 0);
    float initial0 = b.p[0].value[0];
    YcFused *f = yc_fused_create(be, b.p, NP, &ob, &eb, &err);
    if (!CHECK(f)) return;
    CHECK(f->mirrored == pretend_device);
    for (int step = 0; step < 25; step++) {
        /* a few large gradients so that clipping engages */
        float gain = step % 5 == 0 ? 40.0f : 0.7f;
        make_grads(&a, step, gain);
        make_grads(&b, step, gain);
        if (step % 3 == 1) { /* lr changes between steps, as warm-up does */
            oa.group[YC_PG_BIAS].lr = ob.group[YC_PG_BIAS].lr = 0.02 + 0.001 * step;
            oa.group[YC_PG_WEIGHT].momentum = ob.group[YC_PG_WEIGHT].momentum = 0.8 + 0.004 * step;
        }
        double na = yc_clip_grad_norm(a.p, NP, 10.0), nb = yc_fused_clip(f, 10.0);
        CHECK(na == nb);
        yc_optim_step(&oa);
        yc_fused_optim_step(f, &ob);
        yc_params_zero_grad(a.p, NP);
        yc_params_zero_grad(b.p, NP);
        yc_ema_update(&ea, a.p, NP);
        yc_fused_ema_update(f, &eb);
        CHECK(same_values(&a, &b));
    }
    CHECK(eb.updates == ea.updates && ob.step[0] == oa.step[0] && ob.step[3] == 0 && ob.step[4] == 0);
    if (pretend_device) { /* the host buffers wait for a download */
        CHECK(ob.buf1[0][0] == 0.0f);
        CHECK(eb.value[0][0] == initial0); /* still the initial copy */
    }
    CHECK(yc_fused_download(f, &ob, &eb, &err) == 0);
    for (int i = 0; i < NP; i++) {
        size_t bytes = a.p[i].count * sizeof(float);
        CHECK(memcmp(ea.value[i], eb.value[i], bytes) == 0);
        if (oa.buf1[i]) CHECK(memcmp(oa.buf1[i], ob.buf1[i], bytes) == 0);
        if (oa.buf2[i]) CHECK(memcmp(oa.buf2[i], ob.buf2[i], bytes) == 0);
    }
    /* upload after a "checkpoint load": the state continues from the host buffers */
    if (pretend_device) {
        ob.buf1[0][0] = 123.0f;
        CHECK(yc_fused_upload(f, &ob, &eb, &err) == 0);
        CHECK(f->set.state1[0][0] == 123.0f);
    }
    yc_fused_free(f);
    yc_optim_free(&oa);
    yc_optim_free(&ob);
    yc_ema_free(&ea);
    yc_ema_free(&eb);
    free_net(&a);
    free_net(&b);
    be->mem = YC_MEM_HOST;
    yc_backend_destroy(be);
}

static void test_fused_sgd(void) {
    run_fused_vs_direct(YC_OPTIM_SGD, false);
    run_fused_vs_direct(YC_OPTIM_SGD, true);
}

static void test_fused_adam(void) {
    run_fused_vs_direct(YC_OPTIM_ADAM, false);
    run_fused_vs_direct(YC_OPTIM_ADAM, true);
}

static void test_fused_adamw(void) {
    run_fused_vs_direct(YC_OPTIM_ADAMW, false);
    run_fused_vs_direct(YC_OPTIM_ADAMW, true);
}

static void test_fused_layout_and_errors(void) {
    Net n;
    make_net(&n, 3);
    bool optimised[NP] = {true, true, true, false, false, true};
    int64_t o1[NP], o2[NP], oe[NP];
    size_t total = yc_fused_layout(n.p, NP, true, true, true, optimised, o1, o2, oe);
    /* every region 64-float aligned, inside the block, and no two overlap */
    int64_t starts[3 * NP], ends[3 * NP];
    int regions = 0;
    for (int i = 0; i < NP; i++) {
        int64_t offs[3] = {o1[i], o2[i], oe[i]};
        CHECK((o1[i] >= 0) == optimised[i] && (o2[i] >= 0) == optimised[i] && oe[i] >= 0);
        for (int k = 0; k < 3; k++) {
            if (offs[k] < 0) continue;
            CHECK(offs[k] % 64 == 0);
            CHECK(offs[k] + (int64_t)n.p[i].count <= (int64_t)total);
            starts[regions] = offs[k];
            ends[regions++] = offs[k] + (int64_t)n.p[i].count;
        }
    }
    for (int r = 0; r < regions; r++)
        for (int q = r + 1; q < regions; q++) CHECK(ends[r] <= starts[q] || ends[q] <= starts[r]);
    CHECK(yc_fused_layout(n.p, NP, false, false, false, optimised, o1, o2, oe) == 0);
    /* SGD: no second state */
    yc_fused_layout(n.p, NP, true, false, false, optimised, o1, o2, oe);
    for (int i = 0; i < NP; i++) CHECK(o2[i] == -1 && oe[i] == -1);
    /* an optimiser made for other parameters is refused */
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    Net other;
    make_net(&other, 4);
    YcOptim o;
    CHECK(yc_optim_init(&o, YC_OPTIM_SGD, 0.01, 0.9, 0, other.p, NP, &err) == 0);
    CHECK(yc_fused_create(be, n.p, NP, &o, NULL, &err) == NULL);
    CHECK(strstr(err.msg, "another parameter table") != NULL);
    /* EMA only works */
    YcEma e;
    CHECK(yc_ema_init(&e, n.p, NP, 0, &err) == 0);
    YcFused *f = yc_fused_create(be, n.p, NP, NULL, &e, &err);
    CHECK(f && f->set.state1 == NULL && f->set.ema != NULL);
    yc_fused_ema_update(f, &e);
    CHECK(e.updates == 1);
    yc_fused_free(f);
    yc_ema_free(&e);
    yc_optim_free(&o);
    free_net(&other);
    free_net(&n);
    yc_backend_destroy(be);
}

static void test_chunks(void) {
    Net n;
    make_net(&n, 1); /* counts 27, 5, 4, 9, 4, 300 */
    int count = yc_fused_chunks(n.p, NP, 16, NULL);
    CHECK(count == 2 + 1 + 1 + 1 + 1 + 19);
    YcFusedChunk *c = calloc((size_t)count, sizeof *c);
    CHECK(yc_fused_chunks(n.p, NP, 16, c) == count);
    /* in order, covering each parameter exactly, no chunk longer than 16 */
    int64_t covered[NP] = {0};
    for (int k = 0; k < count; k++) {
        CHECK(c[k].len >= 1 && c[k].len <= 16);
        CHECK(c[k].begin == covered[c[k].tensor]);
        covered[c[k].tensor] += c[k].len;
        if (k) CHECK(c[k].tensor >= c[k - 1].tensor);
    }
    for (int i = 0; i < NP; i++) CHECK(covered[i] == (int64_t)n.p[i].count);
    CHECK(c[count - 1].len == 300 - 18 * 16);
    n.p[2].count = 0; /* an empty parameter has no chunk */
    CHECK(yc_fused_chunks(n.p, NP, 16, NULL) == count - 1);
    n.p[2].count = 4;
    free(c);
    free_net(&n);
}

static void test_unscale(void) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    Net n;
    make_net(&n, 5);
    YcFused *f = yc_fused_create(be, n.p, NP, NULL, NULL, &err);
    for (int i = 0; i < NP; i++)
        for (size_t k = 0; n.p[i].grad && k < n.p[i].count; k++) n.p[i].grad[k] = 1024.0f * (float)k;
    CHECK(yc_fused_unscale(f, 1.0f / 1024.0f));
    CHECK(n.p[5].grad[7] == 7.0f && n.p[0].grad[26] == 26.0f);
    n.p[1].grad[2] = INFINITY;
    CHECK(!yc_fused_unscale(f, 0.5f));
    n.p[1].grad[2] = NAN;
    CHECK(!yc_fused_unscale(f, 0.5f));
    n.p[1].grad[2] = 3.0e38f; /* finite before, overflows after scaling */
    CHECK(!yc_fused_unscale(f, 2.0f));
    yc_fused_free(f);
    free_net(&n);
    yc_backend_destroy(be);
}

/* Every entry of the table after `destroy` is a function pointer: none may be missing. */
static int missing_entries(const YcBackend *be) {
    int missing = 0;
    const char *at = (const char *)&be->destroy, *end = (const char *)(be + 1);
    for (; at + sizeof(void (*)(void)) <= end; at += sizeof(void (*)(void))) {
        void (*fn)(void);
        memcpy(&fn, at, sizeof fn);
        missing += fn == NULL;
    }
    return missing;
}

static void test_cpu_extra_entries(void) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(2, &err);
    CHECK(missing_entries(be) == 0);
    bool (*keep)(YcBackend *, const YcFusedSet *, float) = be->fused_unscale;
    be->fused_unscale = NULL; /* the count sees the last entry too */
    CHECK(missing_entries(be) == 1);
    be->fused_unscale = keep;
    uint8_t *src = be->host_alloc(be, 100000);
    CHECK(src && ((uintptr_t)src & 255) == 0);
    for (int i = 0; i < 100000; i++) src[i] = (uint8_t)(i * 7 + i / 256);
    float *dst = be->alloc(be, 100000 * sizeof(float));
    be->upload_u8(be, dst, src, 100000, 255.0f);
    CHECK(be->sync(be, &err) == 0);
    int exact = 0;
    for (int i = 0; i < 100000; i++) exact += dst[i] == (float)src[i] / 255.0f; /* a true division, as torch */
    CHECK(exact == 100000);
    /* x / 255 and x * (1 / 255) differ for some bytes: the entry must be the division */
    int differ = 0;
    for (int v = 0; v < 256; v++) differ += (float)v / 255.0f != (float)v * (1.0f / 255.0f);
    CHECK(differ > 0);
    be->free(be, dst);
    be->host_free(be, src);
    CHECK(be->set_precision(be, YC_PREC_BF16, &err) == YC_PREC_F32); /* float32 on the CPU, as the reference */
    CHECK(be->get_precision(be) == YC_PREC_F32);
    yc_backend_destroy(be);
}

/* ---- the start-up check with stand-in precisions ---- */

typedef enum StandIn { STAND_IN_BF16_ROUNDING, STAND_IN_BROKEN } StandIn;
static YcPrecision stand_in_precision;
static StandIn stand_in_kind;
static int stand_in_amp_convs;
static void (*original_conv)(YcBackend *, const YcConvShape *, const float *, const float *, const float *, float *,
                             void *);

static float round_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
    memcpy(&x, &u, 4);
    return x;
}

static int stand_in_set(YcBackend *be, YcPrecision p, YcErr *err) {
    (void)be;
    (void)err;
    stand_in_precision = p;
    return p;
}

static YcPrecision stand_in_get(YcBackend *be) {
    (void)be;
    return stand_in_precision;
}

static void stand_in_conv(YcBackend *be, const YcConvShape *s, const float *x, const float *w, const float *bias,
                          float *y, void *ws) {
    if (stand_in_precision == YC_PREC_F32) {
        original_conv(be, s, x, w, bias, y, ws);
        return;
    }
    stand_in_amp_convs++;
    size_t nx = (size_t)s->batch * s->c_in * s->h_in * s->w_in, nw = (size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw;
    size_t ny = (size_t)s->batch * s->c_out * s->h_out * s->w_out;
    float *xr = malloc(nx * sizeof *xr), *wr = malloc(nw * sizeof *wr);
    for (size_t i = 0; i < nx; i++) xr[i] = round_bf16(x[i]);
    for (size_t i = 0; i < nw; i++) wr[i] = round_bf16(w[i]);
    original_conv(be, s, xr, wr, bias, y, ws);
    if (stand_in_kind == STAND_IN_BROKEN)
        for (size_t i = 0; i < ny; i++) y[i] = y[i] * 1.5f + 0.25f;
    free(xr);
    free(wr);
}

static void check_amp_with(StandIn kind, bool expect_pass) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(2, &err);
    YcModel *m = yc_model_build("tests/fixtures/model/tiny-v8.yaml", 3, be, &err);
    if (!CHECK(m)) {
        fprintf(stderr, "    %s\n", err.msg);
        yc_backend_destroy(be);
        return;
    }
    be->set_precision = stand_in_set;
    be->get_precision = stand_in_get;
    original_conv = be->conv2d_forward;
    be->conv2d_forward = stand_in_conv;
    stand_in_kind = kind;
    stand_in_precision = YC_PREC_F32;
    stand_in_amp_convs = 0;
    int n = 0;
    YcParam *p = yc_model_params(m, &n);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += p[i].count;
    float *before = malloc(total * sizeof *before), *after = malloc(total * sizeof *after);
    for (int i = 0, at = 0; i < n; at += (int)p[i].count, i++) memcpy(before + at, p[i].value, p[i].count * 4);
    char msg[256];
    int got = yc_amp_check(m, YC_PREC_BF16, 64, msg, sizeof msg, &err);
    CHECK(stand_in_amp_convs > 0);
    if (expect_pass) {
        CHECK(got == YC_PREC_BF16 && stand_in_precision == YC_PREC_BF16);
        CHECK(strstr(msg, "AMP: checks passed") != NULL);
    } else {
        CHECK(got == YC_PREC_F32 && stand_in_precision == YC_PREC_F32); /* fell back */
        CHECK(strstr(msg, "AMP: checks failed") && strstr(msg, "training in float32"));
    }
    CHECK(yc_model_is_train(m)); /* mode restored */
    for (int i = 0, at = 0; i < n; at += (int)p[i].count, i++) memcpy(after + at, p[i].value, p[i].count * 4);
    CHECK(memcmp(before, after, total * sizeof *before) == 0); /* weights and BN statistics untouched */
    /* a size the model cannot take is an error, and float32 asks for no check */
    CHECK(yc_amp_check(m, YC_PREC_BF16, 50, msg, sizeof msg, &err) == -1);
    CHECK(yc_amp_check(m, YC_PREC_F32, 64, msg, sizeof msg, &err) == YC_PREC_F32 && msg[0] == 0);
    free(before);
    free(after);
    yc_model_free(m);
    yc_backend_destroy(be);
}

/* The model sizes its convolution workspace per precision: switching precision re-plans. */
static int workspace_queries;
static size_t (*plain_workspace)(YcBackend *, const YcConvShape *);
static size_t counting_workspace(YcBackend *be, const YcConvShape *s) {
    workspace_queries++;
    return plain_workspace(be, s);
}

static void test_precision_switch_replans(void) {
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    YcModel *m = yc_model_build("tests/fixtures/model/tiny-v8.yaml", 3, be, &err);
    if (!CHECK(m)) return;
    be->set_precision = stand_in_set;
    be->get_precision = stand_in_get;
    plain_workspace = be->conv2d_workspace;
    be->conv2d_workspace = counting_workspace;
    stand_in_precision = YC_PREC_F32;
    float *x = be->alloc(be, 3 * 64 * 64 * sizeof(float));
    be->fill(be, x, 3 * 64 * 64, 0.5f);
    int64_t shape[4] = {1, 3, 64, 64};
    YcTensor t = yc_tensor_f32(x, 4, shape);
    YcModelOutputs out;
    workspace_queries = 0;
    CHECK(yc_model_forward(m, &t, &out, &err) == 0);
    int first = workspace_queries;
    CHECK(first > 0);
    CHECK(yc_model_forward(m, &t, &out, &err) == 0);
    CHECK(workspace_queries == first); /* same shape, same precision: the plan stands */
    stand_in_precision = YC_PREC_BF16;
    CHECK(yc_model_forward(m, &t, &out, &err) == 0);
    CHECK(workspace_queries == 2 * first); /* re-planned for the new precision */
    be->free(be, x);
    yc_model_free(m);
    yc_backend_destroy(be);
}

static void test_amp_check(void) {
    check_amp_with(STAND_IN_BF16_ROUNDING, true);
    check_amp_with(STAND_IN_BROKEN, false);
    /* the CPU backend has no mixed precision: float32 without a check, as the reference */
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    YcModel *m = yc_model_build("tests/fixtures/model/tiny-v8.yaml", 3, be, &err);
    char msg[256];
    CHECK(m && yc_amp_check(m, YC_PREC_BF16, 64, msg, sizeof msg, &err) == YC_PREC_F32 && msg[0] == 0);
    yc_model_free(m);
    yc_backend_destroy(be);
}

int main(void) {
    const CheckCase cases[] = {
        {"fused_sgd", test_fused_sgd},
        {"fused_adam", test_fused_adam},
        {"fused_adamw", test_fused_adamw},
        {"fused_layout_and_errors", test_fused_layout_and_errors},
        {"chunks", test_chunks},
        {"unscale", test_unscale},
        {"cpu_extra_entries", test_cpu_extra_entries},
        {"amp_check", test_amp_check},
        {"precision_switch_replans", test_precision_switch_replans},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
