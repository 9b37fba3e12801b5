/* build/gpu/tests/gpu_bench: images per second of yoloc's training step on
 * one GPU with synthetic batches (tools/bench/gpu.sh runs it beside PyTorch).
 *
 *   gpu_bench [--model yolov8n.yaml] [--batch 64] [--imgsz 640] [--amp bf16|fp16|false]
 *             [--steps 30] [--warmup 5] [--loss none|host] [--nc 80] [--phases] [--device cuda|cpu]
 *
 * One step: upload a uint8 batch from page-locked memory (upload_u8), forward,
 * the loss gradient, backward, gradient unscale (fp16) and clipping, SGD, zero
 * the gradients, EMA: everything the training loop does per batch except data
 * loading. --loss none writes a constant gradient into the head outputs (the
 * model step alone); --loss host runs trainer/loss_v8 on the CPU on downloaded
 * head outputs with 8 synthetic boxes per image (what the loop does today: the
 * loss has no GPU implementation yet). --phases syncs after each phase and
 * reports their times (slower overall). Prints a line for people and a
 * "RESULT {json}" line for scripts; exit 77 with "skipped: no CUDA device".
 * --device cpu runs the same loop on the CPU backend (small sizes: a check of
 * this program where there is no GPU). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "backend_cuda.h"
#include "cuda_device.h"
#include "ema.h"
#include "gpu_amp.h"
#include "gpu_fused.h"
#include "gpu_loss_scale.h"
#include "loss_v8.h"
#include "model.h"
#include "optim.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Dense peak TFLOP/s by device name (vendor data sheets): tensor-core bf16/fp16, and fp32. */
static void peak_tflops(const char *name, double *half, double *single) {
    static const struct {
        const char *key;
        double half, single;
    } table[] = {
        {"H200", 989.4, 66.9},      {"H100 NVL", 835.0, 60.0}, {"H100 PCIe", 756.0, 51.2},
        {"H100", 989.4, 66.9},      {"A100", 312.0, 19.5},     {"L40S", 362.0, 91.6},
        {"RTX 4090", 165.2, 82.6},  {"A10", 125.0, 31.2},
    };
    *half = *single = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strstr(name, table[i].key)) {
            *half = table[i].half;
            *single = table[i].single;
            return;
        }
}

typedef struct Args {
    const char *model, *amp, *loss, *device;
    int batch, imgsz, steps, warmup, nc;
    bool phases;
} Args;

static int parse(int argc, char **argv, Args *a) {
    *a = (Args){"yolov8n.yaml", "bf16", "none", "cuda", 64, 640, 30, 5, 80, false};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(k, "--phases") == 0) {
            a->phases = true;
            continue;
        }
        if (!v) return -1;
        if (strcmp(k, "--model") == 0) a->model = v;
        else if (strcmp(k, "--amp") == 0) a->amp = v;
        else if (strcmp(k, "--loss") == 0) a->loss = v;
        else if (strcmp(k, "--device") == 0) a->device = v;
        else if (strcmp(k, "--batch") == 0) a->batch = atoi(v);
        else if (strcmp(k, "--imgsz") == 0) a->imgsz = atoi(v);
        else if (strcmp(k, "--steps") == 0) a->steps = atoi(v);
        else if (strcmp(k, "--warmup") == 0) a->warmup = atoi(v);
        else if (strcmp(k, "--nc") == 0) a->nc = atoi(v);
        else return -1;
        i++;
    }
    if (a->batch < 1 || a->imgsz < 32 || a->imgsz % 32 || a->steps < 1 || a->warmup < 0 || a->nc < 1) return -1;
    if (strcmp(a->loss, "none") && strcmp(a->loss, "host")) return -1;
    if (strcmp(a->device, "cuda") && strcmp(a->device, "cpu")) return -1;
    return 0;
}

int main(int argc, char **argv) {
    Args a;
    if (parse(argc, argv, &a)) {
        fprintf(stderr, "usage: gpu_bench [--model yolov8n.yaml] [--batch 64] [--imgsz 640] [--amp bf16|fp16|false]\n"
                        "                 [--steps 30] [--warmup 5] [--loss none|host] [--nc 80] [--phases]\n"
                        "                 [--device cuda|cpu]\n");
        return 2;
    }
    bool on_cpu = strcmp(a.device, "cpu") == 0;
    if (!on_cpu && yc_cuda_device_count() == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
    YcErr err;
    YcPrecision want;
    if (yc_precision_parse(a.amp, &want, &err)) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 2;
    }
    YcBackend *be = on_cpu ? yc_backend_cpu_create(0, &err) : yc_backend_cuda_create(0, "false", &err);
    YcModel *m = be ? yc_model_build(a.model, a.nc, be, &err) : NULL;
    if (!m) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 1;
    }
    char msg[256];
    int prec = yc_amp_check(m, want, a.imgsz < 256 ? a.imgsz : 256, msg, sizeof msg, &err);
    if (prec < 0) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 1;
    }
    if (msg[0]) printf("%s\n", msg);
    int n = 0;
    YcParam *params = yc_model_params(m, &n);
    YcOptim opt;
    YcEma ema;
    /* host copies for the EMA start: the parameters live on the device */
    if (yc_optim_init(&opt, YC_OPTIM_SGD, 0.01, 0.937, 0.0005, params, n, &err)) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 1;
    }
    YcParam *host_params = calloc((size_t)n, sizeof *host_params);
    for (int i = 0; i < n; i++) {
        host_params[i] = params[i];
        host_params[i].value = malloc(params[i].count * sizeof(float));
        be->download(be, host_params[i].value, params[i].value, params[i].count * sizeof(float));
    }
    if (yc_ema_init(&ema, host_params, n, 0, &err)) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 1;
    }
    YcFused *fused = yc_fused_create(be, params, n, &opt, &ema, &err);
    if (!fused) {
        fprintf(stderr, "gpu_bench: %s\n", err.msg);
        return 1;
    }
    YcLossScaler scaler;
    yc_loss_scaler_init(&scaler, prec == YC_PREC_F16);
    size_t in_count = (size_t)a.batch * 3 * a.imgsz * a.imgsz;
    uint8_t *pinned = be->host_alloc(be, in_count);
    float *input = be->alloc(be, in_count * sizeof(float));
    if (!pinned || !input) {
        fprintf(stderr, "gpu_bench: out of memory for the batch\n");
        return 1;
    }
    uint64_t r = 88172645463325252ULL;
    for (size_t i = 0; i < in_count; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        pinned[i] = (uint8_t)(r >> 56);
    }
    int64_t shape[4] = {a.batch, 3, a.imgsz, a.imgsz};
    YcTensor x = yc_tensor_f32(input, 4, shape);
    x.mem = be->mem;
    x.device = be->device;
    bool host_loss = strcmp(a.loss, "host") == 0;
    YcDetLoss *loss = NULL;
    float *targets = NULL, *pred_host[YC_DET_LEVELS] = {0}, *grad_host[YC_DET_LEVELS] = {0};
    int ntargets = a.batch * 8;
    if (host_loss) {
        loss = yc_det_loss_create(a.batch, a.imgsz, a.imgsz, a.nc, ntargets, &err);
        targets = malloc((size_t)ntargets * 6 * sizeof(float));
        for (int t = 0; t < ntargets; t++) {
            float *row = targets + t * 6;
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            row[0] = (float)(t / 8);
            row[1] = (float)(r % (uint64_t)a.nc);
            row[2] = 0.2f + 0.6f * (float)((r >> 8) & 255) / 255.0f;
            row[3] = 0.2f + 0.6f * (float)((r >> 16) & 255) / 255.0f;
            row[4] = 0.05f + 0.3f * (float)((r >> 24) & 255) / 255.0f;
            row[5] = 0.05f + 0.3f * (float)((r >> 32) & 255) / 255.0f;
        }
    }
    yc_model_set_train(m, true);
    double phase[5] = {0}, t_start = 0;
    int levels = 0;
    for (int step = 0; step < a.warmup + a.steps; step++) {
        if (step == a.warmup) {
            be->sync(be, &err);
            t_start = now();
            memset(phase, 0, sizeof phase);
        }
        double t0 = now();
        be->upload_u8(be, input, pinned, in_count, 255.0f);
        YcModelOutputs out;
        if (yc_model_forward(m, &x, &out, &err)) {
            fprintf(stderr, "gpu_bench: forward: %s\n", err.msg);
            return 1;
        }
        levels = out.levels;
        if (a.phases) be->sync(be, &err);
        double t1 = now();
        float scale = yc_loss_scaler_scale(&scaler);
        if (host_loss) {
            YcDetLossInput li = {.batch = a.batch, .imgh = a.imgsz, .imgw = a.imgsz, .targets = targets,
                                 .ntargets = ntargets, .box_gain = 7.5, .cls_gain = 0.5, .dfl_gain = 1.5};
            for (int l = 0; l < levels && l < YC_DET_LEVELS; l++) {
                size_t cnt = (size_t)yc_tensor_numel(&out.level[l]);
                if (!pred_host[l]) {
                    pred_host[l] = be->host_alloc(be, cnt * sizeof(float));
                    grad_host[l] = be->host_alloc(be, cnt * sizeof(float));
                }
                be->download(be, pred_host[l], out.level[l].data, cnt * sizeof(float));
                li.pred[l] = pred_host[l];
                li.grad[l] = grad_host[l];
            }
            YcDetLossOutput lo;
            if (yc_det_loss_compute(loss, &li, &lo, &err)) {
                fprintf(stderr, "gpu_bench: loss: %s\n", err.msg);
                return 1;
            }
            for (int l = 0; l < levels; l++) {
                YcTensor g = yc_model_output_grad(m, l);
                size_t cnt = (size_t)yc_tensor_numel(&g);
                if (scale != 1.0f)
                    for (size_t i = 0; i < cnt; i++) grad_host[l][i] *= scale;
                be->upload(be, g.data, grad_host[l], cnt * sizeof(float));
            }
        } else {
            for (int l = 0; l < levels; l++) {
                YcTensor g = yc_model_output_grad(m, l);
                be->fill(be, g.data, (size_t)yc_tensor_numel(&g), 1e-4f * scale);
            }
        }
        if (a.phases) be->sync(be, &err);
        double t2 = now();
        if (yc_model_backward(m, NULL, NULL, &err)) {
            fprintf(stderr, "gpu_bench: backward: %s\n", err.msg);
            return 1;
        }
        if (a.phases) be->sync(be, &err);
        double t3 = now();
        bool finite = scaler.enabled ? yc_fused_unscale(fused, 1.0f / scale) : true;
        if (yc_loss_scaler_update(&scaler, finite)) {
            yc_fused_clip(fused, 10.0);
            yc_fused_optim_step(fused, &opt);
        }
        yc_model_zero_grad(m);
        yc_fused_ema_update(fused, &ema);
        if (be->sync(be, &err)) {
            fprintf(stderr, "gpu_bench: %s\n", err.msg);
            return 1;
        }
        double t4 = now();
        phase[0] += t1 - t0;
        phase[1] += t2 - t1;
        phase[2] += t3 - t2;
        phase[3] += t4 - t3;
    }
    double seconds = now() - t_start, ips = (double)a.batch * a.steps / seconds;
    YcModelSummary s;
    yc_model_summary(m, a.imgsz, a.imgsz, &s);
    double tflops = 3.0 * s.gflops * a.batch * a.steps / seconds / 1e3; /* forward + backward ~ 3x forward */
    char desc[256] = "cpu";
    if (!on_cpu) yc_cuda_device_describe(0, desc, sizeof desc);
    double peak_half, peak_single;
    peak_tflops(desc, &peak_half, &peak_single);
    double peak = prec == YC_PREC_F32 ? peak_single : peak_half;
    YcGpuCacheStats st = {0};
    if (!on_cpu) yc_backend_cuda_memory(be, &st);
    printf("%s batch %d imgsz %d %s loss=%s on %s: %.1f images/s (%.1f ms/step), %.1f TFLOP/s (%.1f GFLOPs/image x3)",
           yc_model_name(m), a.batch, a.imgsz, yc_precision_name((YcPrecision)prec), a.loss, desc, ips,
           1e3 * seconds / a.steps, tflops, s.gflops);
    if (peak > 0) printf(", %.1f%% of the %.0f TFLOP/s peak", 100 * tflops / peak, peak);
    printf("\n");
    if (a.phases)
        printf("phases per step (synchronised): forward %.1f ms, loss %.1f ms, backward %.1f ms, update %.1f ms\n",
               1e3 * phase[0] / a.steps, 1e3 * phase[1] / a.steps, 1e3 * phase[2] / a.steps, 1e3 * phase[3] / a.steps);
    printf("device memory: %.2f GB peak in the allocator, model arena %.2f GB\n", st.peak_in_use / 1e9,
           yc_model_arena_bytes(m) / 1e9);
    printf("RESULT {\"tool\": \"yoloc\", \"model\": \"%s\", \"batch\": %d, \"imgsz\": %d, \"precision\": \"%s\", "
           "\"loss\": \"%s\", \"images_per_s\": %.3f, \"tflops\": %.3f, \"peak_tflops\": %.1f, \"gflops_per_image\": %.3f, "
           "\"device\": \"%s\"}\n",
           yc_model_name(m), a.batch, a.imgsz, yc_precision_name((YcPrecision)prec), a.loss, ips, tflops, peak, s.gflops,
           desc);
    for (int l = 0; l < YC_DET_LEVELS; l++) {
        if (pred_host[l]) be->host_free(be, pred_host[l]);
        if (grad_host[l]) be->host_free(be, grad_host[l]);
    }
    free(targets);
    yc_det_loss_free(loss);
    for (int i = 0; i < n; i++) free(host_params[i].value);
    free(host_params);
    yc_fused_free(fused);
    yc_optim_free(&opt);
    yc_ema_free(&ema);
    be->free(be, input);
    be->host_free(be, pinned);
    yc_model_free(m);
    yc_backend_destroy(be);
    return 0;
}
