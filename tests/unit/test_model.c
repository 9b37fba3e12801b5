/* The model's plumbing: names and groups of parameters, initialisation,
 * shapes of the outputs, the arena (no reallocation at a fixed shape),
 * gradient accumulation, freezing, weights save/load, and error messages.
 * Numerical agreement with the reference is tests/py/test_model_parity.py. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "check.h"
#include "model.h"
#include "model_yaml.h"

static YcBackend *be;

static const YcParam *find_param(YcModel *m, const char *name) {
    int n;
    YcParam *p = yc_model_params(m, &n);
    for (int i = 0; i < n; i++)
        if (strcmp(p[i].name, name) == 0) return &p[i];
    return NULL;
}

static float *random_input(int b, int h, int w, unsigned seed) {
    float *x = malloc((size_t)b * 3 * h * w * sizeof *x);
    for (int i = 0; i < b * 3 * h * w; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 8) & 255) / 255.0f;
    }
    return x;
}

static void test_scale_and_resolve(void) {
    CHECK(yc_model_guess_scale("yolov8n.yaml") == 'n');
    CHECK(yc_model_guess_scale("dir/yolo11s-custom.yaml") == 's');
    CHECK(yc_model_guess_scale("yoloe-11l.yaml") == 'l');
    CHECK(yc_model_guess_scale("mine.yaml") == 0);
    char path[1024], scale;
    YcErr err;
    CHECK(yc_model_resolve("yolo11x.yaml", path, sizeof path, &scale, &err) == 0);
    CHECK(strstr(path, "share/models/yolo11.yaml") != NULL);
    CHECK(scale == 'x');
    CHECK(yc_model_resolve("yolov7n.yaml", path, sizeof path, &scale, &err) == -1);
    CHECK(strstr(err.msg, "yolov7n.yaml") != NULL);
}

static void test_parameters(void) {
    YcErr err;
    YcModel *m = yc_model_build("yolov8n.yaml", 80, be, &err);
    if (!CHECK(m)) return;
    CHECK_STR(yc_model_name(m), "YOLOv8n");
    CHECK(yc_model_max_stride(m) == 32);
    int n;
    YcParam *p = yc_model_params(m, &n);
    CHECK_STR(p[0].name, "model.0.conv.weight");
    CHECK(p[0].ndim == 4 && p[0].shape[0] == 16 && p[0].shape[1] == 3 && p[0].shape[2] == 3);
    CHECK(p[0].group == YC_PG_WEIGHT && !p[0].is_buffer && p[0].grad);
    const YcParam *bnw = find_param(m, "model.0.bn.weight"), *bnb = find_param(m, "model.0.bn.bias");
    const YcParam *rm = find_param(m, "model.0.bn.running_mean");
    CHECK(bnw && bnw->group == YC_PG_NORM && bnb && bnb->group == YC_PG_BIAS);
    CHECK(rm && rm->is_buffer && !rm->grad);
    /* the reference's state-dict order inside C2f: cv1, cv2, then the bottlenecks */
    int cv2 = -1, m0 = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(p[i].name, "model.2.cv2.conv.weight") == 0) cv2 = i;
        if (strcmp(p[i].name, "model.2.m.0.cv1.conv.weight") == 0) m0 = i;
    }
    CHECK(cv2 >= 0 && m0 > cv2);
    const YcParam *dfl = find_param(m, "model.22.dfl.conv.weight");
    CHECK(dfl && dfl->frozen && !dfl->grad);
    CHECK(find_param(m, "model.22.cv3.2.2.bias") && find_param(m, "model.22.cv3.2.2.bias")->group == YC_PG_BIAS);
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        if (!p[i].is_buffer) total += (int64_t)p[i].count;
    CHECK(total == 3157200);
    yc_model_free(m);
    /* YOLO11: depthwise class branch, attention */
    m = yc_model_build("yolo11n.yaml", 3, be, &err);
    if (!CHECK(m)) return;
    const YcParam *dw = find_param(m, "model.23.cv3.0.0.0.conv.weight");
    CHECK(dw && dw->shape[1] == 1 && dw->shape[0] == 64);
    CHECK(find_param(m, "model.10.m.0.attn.qkv.conv.weight") != NULL);
    yc_model_free(m);
}

static void test_init(void) {
    YcErr err;
    YcModel *a = yc_model_build("yolov8n.yaml", 80, be, &err), *b = yc_model_build("yolov8n.yaml", 80, be, &err);
    if (!CHECK(a && b)) return;
    const YcParam *wa = find_param(a, "model.4.m.1.cv2.conv.weight"), *wb = find_param(b, "model.4.m.1.cv2.conv.weight");
    CHECK(memcmp(wa->value, wb->value, wa->count * sizeof(float)) == 0); /* same seed, same values */
    double bound = 1.0 / sqrt((double)(wa->shape[1] * 9)), mean = 0, sq = 0;
    bool inside = true;
    for (size_t i = 0; i < wa->count; i++) {
        inside = inside && fabs(wa->value[i]) <= bound;
        mean += wa->value[i];
        sq += (double)wa->value[i] * wa->value[i];
    }
    mean /= (double)wa->count;
    CHECK(inside);
    CHECK(fabs(mean) < 0.1 * bound);
    CHECK(fabs(sq / (double)wa->count - bound * bound / 3) < 0.1 * bound * bound); /* uniform variance */
    yc_model_init_weights(b, 7);
    CHECK(memcmp(wa->value, wb->value, wa->count * sizeof(float)) != 0);
    const YcParam *g = find_param(b, "model.4.m.1.cv2.bn.weight"), *rv = find_param(b, "model.4.m.1.cv2.bn.running_var");
    CHECK(g->value[0] == 1.0f && rv->value[3] == 1.0f);
    const YcParam *cls = find_param(b, "model.22.cv3.0.2.bias"), *box = find_param(b, "model.22.cv2.2.2.bias");
    CHECK_NEAR(cls->value[5], log(5.0 / 80 / (80.0 * 80.0)), 1e-6);
    CHECK(box->value[63] == 1.0f);
    CHECK(find_param(b, "model.22.dfl.conv.weight")->value[15] == 15.0f);
    yc_model_free(a);
    yc_model_free(b);
}

static void test_forward_backward(void) {
    YcErr err;
    YcModel *m = yc_model_build("yolov8n.yaml", 80, be, &err);
    if (!CHECK(m)) return;
    int64_t shape[4] = {2, 3, 64, 96};
    float *data = random_input(2, 64, 96, 1);
    YcTensor x = yc_tensor_f32(data, 4, shape);
    YcModelOutputs out;
    CHECK(yc_model_forward(m, &x, &out, &err) == 0);
    CHECK(out.levels == 3 && out.stride[0] == 8 && out.stride[2] == 32);
    CHECK(out.level[0].shape[0] == 2 && out.level[0].shape[1] == 144 && out.level[0].shape[2] == 8 &&
          out.level[0].shape[3] == 12);
    CHECK(out.level[2].shape[2] == 2 && out.level[2].shape[3] == 3);
    CHECK(out.decoded.data == NULL);
    size_t arena = yc_model_arena_bytes(m);
    /* upstream gradients: 1/1000 everywhere */
    for (int l = 0; l < 3; l++) {
        YcTensor g = yc_model_output_grad(m, l);
        be->fill(be, g.data, (size_t)yc_tensor_numel(&g), 1e-3f);
    }
    yc_model_zero_grad(m);
    CHECK(yc_model_backward(m, NULL, NULL, &err) == 0);
    const YcParam *w0 = find_param(m, "model.0.conv.weight"), *wl = find_param(m, "model.21.cv2.conv.weight");
    double s0 = be->sumsq(be, w0->grad, w0->count), sl = be->sumsq(be, wl->grad, wl->count);
    CHECK(s0 > 0 && sl > 0);
    float first = w0->grad[0];
    /* the same step again accumulates: twice the gradient, and the arena does not grow */
    CHECK(yc_model_forward(m, &x, &out, &err) == 0);
    for (int l = 0; l < 3; l++) {
        YcTensor g = yc_model_output_grad(m, l);
        be->fill(be, g.data, (size_t)yc_tensor_numel(&g), 1e-3f);
    }
    CHECK(yc_model_backward(m, NULL, NULL, &err) == 0);
    CHECK(yc_model_arena_bytes(m) == arena);
    CHECK(fabs(w0->grad[0] - 2 * first) <= 1e-3 * fabs(first) + 1e-9);
    /* evaluation: decoded boxes and scores */
    yc_model_set_train(m, false);
    CHECK(yc_model_forward(m, &x, &out, &err) == 0);
    CHECK(out.decoded.ndim == 3 && out.decoded.shape[1] == 84 && out.decoded.shape[2] == 8 * 12 + 4 * 6 + 2 * 3);
    const float *d = out.decoded.data;
    int64_t a = out.decoded.shape[2];
    bool sane = true;
    for (int64_t i = 0; i < a; i++)
        sane = sane && d[2 * a + i] > 0 && d[3 * a + i] > 0 && d[4 * a + i] > 0 && d[4 * a + i] < 1;
    CHECK(sane);
    /* backward needs a training forward */
    CHECK(yc_model_backward(m, NULL, NULL, &err) == -1);
    free(data);
    yc_model_free(m);
}

static void test_freeze(void) {
    YcErr err;
    YcModel *a = yc_model_build("yolov8n.yaml", 4, be, &err), *b = yc_model_build("yolov8n.yaml", 4, be, &err);
    if (!CHECK(a && b)) return;
    int backbone[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(yc_model_freeze(b, backbone, 10, &err) == 0);
    CHECK(find_param(b, "model.9.cv2.conv.weight")->grad == NULL);
    CHECK(find_param(b, "model.10.cv1.conv.weight") == NULL); /* Upsample: no parameters */
    CHECK(find_param(b, "model.12.cv1.conv.weight")->grad != NULL);
    CHECK(find_param(b, "model.22.dfl.conv.weight")->grad == NULL);
    int64_t shape[4] = {1, 3, 64, 64};
    float *data = random_input(1, 64, 64, 3);
    YcTensor x = yc_tensor_f32(data, 4, shape);
    YcModel *ms[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        YcModelOutputs out;
        CHECK(yc_model_forward(ms[k], &x, &out, &err) == 0);
        for (int l = 0; l < 3; l++) {
            YcTensor g = yc_model_output_grad(ms[k], l);
            be->fill(be, g.data, (size_t)yc_tensor_numel(&g), 0.01f);
        }
        CHECK(yc_model_backward(ms[k], NULL, NULL, &err) == 0);
    }
    /* frozen layers' batch norms run in evaluation mode (the reference's _model_train):
     * their running statistics stay as they were; the others' move */
    const YcParam *fa = find_param(a, "model.9.cv2.bn.running_mean"), *fb = find_param(b, "model.9.cv2.bn.running_mean");
    const YcParam *ta = find_param(a, "model.21.cv1.bn.running_mean"), *tb = find_param(b, "model.21.cv1.bn.running_mean");
    bool frozen_kept = true, trained_moved_a = false, trained_moved_b = false, backbone_moved = false;
    for (size_t i = 0; i < fb->count; i++) frozen_kept = frozen_kept && fb->value[i] == 0.0f;
    for (size_t i = 0; i < fa->count; i++) backbone_moved = backbone_moved || fa->value[i] != 0.0f;
    for (size_t i = 0; i < ta->count; i++) trained_moved_a = trained_moved_a || ta->value[i] != 0.0f;
    for (size_t i = 0; i < tb->count; i++) trained_moved_b = trained_moved_b || tb->value[i] != 0.0f;
    CHECK(frozen_kept && backbone_moved && trained_moved_a && trained_moved_b);
    /* the head still gets gradients */
    const YcParam *hb = find_param(b, "model.21.cv1.conv.weight");
    double scale = 0;
    for (size_t i = 0; i < hb->count; i++) scale = fmax(scale, fabs(hb->grad[i]));
    CHECK(scale > 0 && isfinite(scale));
    /* frozen slots in the flat gradient block stay zero */
    size_t count;
    float *block = yc_model_grad_block(b, &count);
    int n;
    YcParam *p = yc_model_params(b, &n);
    size_t want = 0;
    for (int i = 0; i < n; i++) want += p[i].is_buffer ? 0 : p[i].count;
    CHECK(count == want);
    CHECK(block[0] == 0.0f);
    int bad = 42;
    CHECK(yc_model_freeze(b, &bad, 1, &err) == -1 && strstr(err.msg, "layer 42") != NULL);
    int none = 0;
    CHECK(yc_model_freeze(b, &none, 0, &err) == 0 && find_param(b, "model.0.conv.weight")->grad != NULL);
    free(data);
    yc_model_free(a);
    yc_model_free(b);
}

static void test_save_load(void) {
    YcErr err;
    char path[] = "/tmp/yoloc-test-model-XXXXXX";
    int fd = mkstemp(path);
    if (!CHECK(fd >= 0)) return;
    close(fd);
    YcModel *a = yc_model_build("yolo11n.yaml", 5, be, &err), *b = yc_model_build("yolo11n.yaml", 5, be, &err);
    if (!CHECK(a && b)) return;
    yc_model_init_weights(b, 99);
    find_param(a, "model.3.bn.running_var")->value[2] = 3.5f;
    const char *meta[] = {"names", "[\"a\", \"b\"]", "epoch", "3", NULL};
    CHECK(yc_model_save(a, path, meta, &err) == 0);
    YcSafetensors st;
    if (CHECK(yc_st_load(path, &st, &err) == 0)) {
        CHECK_STR(yc_st_meta(&st, "yaml"), "yolo11n.yaml");
        CHECK_STR(yc_st_meta(&st, "nc"), "5");
        CHECK_STR(yc_st_meta(&st, "epoch"), "3");
        yc_st_free(&st);
    }
    int loaded = 0;
    CHECK(yc_model_load(b, path, true, &loaded, &err) == 0);
    int n;
    YcParam *pa = yc_model_params(a, &n), *pb = yc_model_params(b, &n);
    CHECK(loaded == n);
    bool same = true;
    for (int i = 0; i < n; i++) same = same && memcmp(pa[i].value, pb[i].value, pa[i].count * sizeof(float)) == 0;
    CHECK(same);
    /* the file alone rebuilds the model */
    YcModel *d = yc_model_from_weights(path, be, &err);
    if (CHECK(d)) {
        CHECK(yc_model_nc(d) == 5);
        CHECK(find_param(d, "model.3.bn.running_var")->value[2] == 3.5f);
        yc_model_free(d);
    }
    /* another nc (same hidden width, 64): strict load names the tensor; non-strict loads the rest */
    YcModel *c = yc_model_build("yolo11n.yaml", 7, be, &err);
    CHECK(yc_model_load(c, path, true, NULL, &err) == -1);
    CHECK(strstr(err.msg, "model.23.cv3.0.2.weight") != NULL && strstr(err.msg, "[5,64,1,1]") != NULL &&
          strstr(err.msg, "needs [7,64,1,1]") != NULL);
    CHECK(yc_model_load(c, path, false, &loaded, &err) == 0);
    int nc_params;
    yc_model_params(c, &nc_params);
    CHECK(loaded == nc_params - 6); /* three class convs' weights and biases differ */
    yc_model_free(a);
    yc_model_free(b);
    yc_model_free(c);
    unlink(path);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_errors(void) {
    YcErr err;
    char path[] = "/tmp/yoloc-test-yaml-XXXXXX";
    int fd = mkstemp(path);
    if (!CHECK(fd >= 0)) return;
    close(fd);
    write_text(path, "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [32, 3, 2]]\nhead:\n"
                     "  - [[0, 1], 1, Detect, [nc]]\n  - [-1, 1, Conv, [8]]\n");
    YcModel *m = yc_model_build(path, 0, be, &err);
    CHECK(m == NULL && strstr(err.msg, ":7: layer 3 (Conv): layers after Detect") != NULL);
    write_text(path, "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [32, 3, 2]]\nhead:\n"
                     "  - [-1, 1, Conv, [32, 3, 2]]\n  - [[1, 2], 1, Detect, [nc]]\n");
    m = yc_model_build(path, 0, be, &err);
    CHECK(m != NULL); /* two levels, strides 4 and 8 */
    if (m) {
        int64_t shape[4] = {1, 3, 48, 40};
        float *data = random_input(1, 48, 40, 5);
        YcTensor x = yc_tensor_f32(data, 4, shape);
        YcModelOutputs out;
        CHECK(yc_model_forward(m, &x, &out, &err) == 0 && out.levels == 2 && out.level[1].shape[2] == 6);
        shape[2] = 44;
        x = yc_tensor_f32(data, 4, shape);
        CHECK(yc_model_forward(m, &x, &out, &err) == -1 && strstr(err.msg, "multiples of the model's stride 8"));
        free(data);
    }
    yc_model_free(m);
    write_text(path, "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [32, 3, 2]]\nhead:\n"
                     "  - [[1, 5], 1, Concat, [1]]\n  - [[1, 2], 1, Detect, [nc]]\n");
    m = yc_model_build(path, 0, be, &err);
    CHECK(m == NULL && strstr(err.msg, ":6: layer 2 (Concat): 'from' 5 does not name an earlier layer"));
    write_text(path, "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [-1, 1, Conv, [16, 3, 2]\n");
    m = yc_model_build(path, 0, be, &err);
    CHECK(m == NULL && strstr(err.msg, "invalid YAML") != NULL);
    write_text(path, "backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[0], 1, Detect, [nc]]\n");
    m = yc_model_build(path, 0, be, &err);
    CHECK(m == NULL && strstr(err.msg, "no nc") != NULL);
    m = yc_model_build(path, 7, be, &err); /* nc from the caller */
    CHECK(m != NULL && yc_model_nc(m) == 7);
    yc_model_free(m);
    unlink(path);
}

int main(void) {
    YcErr err;
    be = yc_backend_cpu_create(2, &err);
    if (!be) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    static const CheckCase cases[] = {
        {"scale letters and share/models lookup", test_scale_and_resolve},
        {"parameter names, groups, order and counts", test_parameters},
        {"initialisation", test_init},
        {"forward, backward, accumulation, arena reuse, eval decode", test_forward_backward},
        {"freeze", test_freeze},
        {"weights save and load", test_save_load},
        {"model file errors and odd models", test_errors},
    };
    int rc = check_run(cases, (int)(sizeof cases / sizeof cases[0]));
    yc_backend_destroy(be);
    return rc;
}
