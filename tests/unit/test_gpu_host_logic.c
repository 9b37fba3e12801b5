/* Host-side logic of the CUDA backend that needs no device: the cuDNN
 * algorithm cache and its keys, the fp16 loss scaler, channels-last index
 * maths, and the amp= values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gpu_algo_cache.h"
#include "gpu_amp.h"
#include "gpu_layout.h"
#include "gpu_loss_scale.h"

static const YcConvShape base_shape = {64, 32, 160, 160, 64, 80, 80, 3, 3, 2, 2, 1, 1, 1};

static void test_algo_keys(void) {
    YcConvKey a, b;
    yc_conv_key(&a, YC_CONV_FWD, &base_shape, YC_PREC_BF16, YC_LAYOUT_NHWC, true);
    yc_conv_key(&b, YC_CONV_FWD, &base_shape, YC_PREC_BF16, YC_LAYOUT_NHWC, true);
    CHECK(memcmp(&a, &b, sizeof a) == 0 && yc_conv_key_hash(&a) == yc_conv_key_hash(&b));
    /* every field of the shape, and each of direction/precision/layout/determinism, changes the key */
    for (int field = 0; field < 14; field++) {
        YcConvShape s = base_shape;
        ((int *)&s)[field] += 1;
        yc_conv_key(&b, YC_CONV_FWD, &s, YC_PREC_BF16, YC_LAYOUT_NHWC, true);
        CHECK(memcmp(&a, &b, sizeof a) != 0);
        CHECK(yc_conv_key_hash(&a) != yc_conv_key_hash(&b));
    }
    yc_conv_key(&b, YC_CONV_BWD_DATA, &base_shape, YC_PREC_BF16, YC_LAYOUT_NHWC, true);
    CHECK(yc_conv_key_hash(&a) != yc_conv_key_hash(&b));
    yc_conv_key(&b, YC_CONV_FWD, &base_shape, YC_PREC_F32, YC_LAYOUT_NHWC, true);
    CHECK(yc_conv_key_hash(&a) != yc_conv_key_hash(&b));
    yc_conv_key(&b, YC_CONV_FWD, &base_shape, YC_PREC_BF16, YC_LAYOUT_NCHW, true);
    CHECK(yc_conv_key_hash(&a) != yc_conv_key_hash(&b));
    yc_conv_key(&b, YC_CONV_FWD, &base_shape, YC_PREC_BF16, YC_LAYOUT_NHWC, false);
    CHECK(yc_conv_key_hash(&a) != yc_conv_key_hash(&b));
}

static void test_algo_cache(void) {
    YcConvAlgoCache *c = yc_conv_algo_cache_new();
    YcConvKey k;
    yc_conv_key(&k, YC_CONV_FWD, &base_shape, YC_PREC_F32, YC_LAYOUT_NCHW, true);
    CHECK(yc_conv_algo_get(c, &k) == NULL);
    /* a thousand shapes x 3 directions, then every one found with its value */
    for (int i = 0; i < 1000; i++)
        for (int d = 0; d < 3; d++) {
            YcConvShape s = base_shape;
            s.c_out = 16 + i;
            yc_conv_key(&k, (YcConvDir)d, &s, YC_PREC_F32, YC_LAYOUT_NCHW, true);
            YcConvAlgo a = {.algo = d * 10 + i % 7, .math = 1, .workspace = (size_t)i * 1000 + (size_t)d, .ms = 0};
            CHECK(yc_conv_algo_put(c, &k, &a) == 0);
        }
    CHECK(yc_conv_algo_count(c) == 3000);
    for (int i = 0; i < 1000; i++)
        for (int d = 0; d < 3; d++) {
            YcConvShape s = base_shape;
            s.c_out = 16 + i;
            yc_conv_key(&k, (YcConvDir)d, &s, YC_PREC_F32, YC_LAYOUT_NCHW, true);
            const YcConvAlgo *a = yc_conv_algo_get(c, &k);
            CHECK(a && a->algo == d * 10 + i % 7 && a->workspace == (size_t)i * 1000 + (size_t)d);
        }
    YcConvShape s = base_shape;
    s.c_out = 16;
    yc_conv_key(&k, YC_CONV_FWD, &s, YC_PREC_F32, YC_LAYOUT_NCHW, true);
    YcConvAlgo replaced = {.algo = 99, .workspace = 5};
    CHECK(yc_conv_algo_put(c, &k, &replaced) == 0 && yc_conv_algo_count(c) == 3000);
    CHECK(yc_conv_algo_get(c, &k)->algo == 99);
    yc_conv_key(&k, YC_CONV_FWD, &s, YC_PREC_BF16, YC_LAYOUT_NCHW, true); /* other precision: not there */
    CHECK(yc_conv_algo_get(c, &k) == NULL);
    yc_conv_algo_cache_free(c);
}

static void test_loss_scaler(void) {
    YcLossScaler s;
    yc_loss_scaler_init(&s, false);
    CHECK(yc_loss_scaler_scale(&s) == 1.0f);
    CHECK(yc_loss_scaler_update(&s, false)); /* disabled: always step */
    CHECK(yc_loss_scaler_scale(&s) == 1.0f);
    yc_loss_scaler_init(&s, true);
    CHECK(yc_loss_scaler_scale(&s) == 65536.0f);
    CHECK(!yc_loss_scaler_update(&s, false)); /* overflow: skip and back off */
    CHECK(yc_loss_scaler_scale(&s) == 32768.0f && s.skipped == 1);
    for (int i = 0; i < 1999; i++) CHECK(yc_loss_scaler_update(&s, true));
    CHECK(yc_loss_scaler_scale(&s) == 32768.0f);
    CHECK(yc_loss_scaler_update(&s, true)); /* the 2000th good step doubles */
    CHECK(yc_loss_scaler_scale(&s) == 65536.0f && s.good_steps == 0);
    for (int i = 0; i < 1000; i++) yc_loss_scaler_update(&s, true);
    CHECK(!yc_loss_scaler_update(&s, false)); /* an overflow resets the count */
    CHECK(s.good_steps == 0 && yc_loss_scaler_scale(&s) == 32768.0f);
    for (int i = 0; i < 1999; i++) yc_loss_scaler_update(&s, true);
    CHECK(yc_loss_scaler_scale(&s) == 32768.0f);
    yc_loss_scaler_update(&s, true);
    CHECK(yc_loss_scaler_scale(&s) == 65536.0f);
    for (int i = 0; i < 40; i++) yc_loss_scaler_update(&s, false);
    CHECK(yc_loss_scaler_scale(&s) > 0 && s.skipped == 42);
}

static void test_layout_index_maths(void) {
    const int shapes[][4] = {{1, 1, 1, 1}, {2, 3, 4, 5}, {3, 33, 7, 9}, {1, 64, 1, 40}, {2, 5, 31, 33}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        int N = shapes[t][0], C = shapes[t][1], H = shapes[t][2], W = shapes[t][3];
        int64_t total = (int64_t)N * C * H * W, plane = (int64_t)H * W;
        char *seen = calloc((size_t)total, 1);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                for (int h = 0; h < H; h++)
                    for (int w = 0; w < W; w++) {
                        int64_t i = yc_nchw_index(n, c, h, w, C, H, W), j = yc_nhwc_index(n, c, h, w, C, H, W);
                        CHECK(i == ((int64_t)(n * C + c) * H + h) * W + w);
                        CHECK(j == ((int64_t)(n * H + h) * W + w) * C + c);
                        CHECK(yc_nchw_to_nhwc(i, C, plane) == j);
                        CHECK(yc_nhwc_to_nchw(j, C, plane) == i);
                        CHECK(j >= 0 && j < total && !seen[j]); /* a bijection */
                        if (j >= 0 && j < total) seen[j] = 1;
                    }
        free(seen);
        /* the tiles cover every (channel, position) pair exactly once */
        int64_t tiles_c = yc_layout_tiles(C), tiles_p = yc_layout_tiles(plane), covered = 0;
        for (int64_t tc = 0; tc < tiles_c; tc++)
            for (int64_t tp = 0; tp < tiles_p; tp++)
                for (int64_t dc = 0; dc < YC_LAYOUT_TILE; dc++)
                    for (int64_t dp = 0; dp < YC_LAYOUT_TILE; dp++)
                        covered += tc * YC_LAYOUT_TILE + dc < C && tp * YC_LAYOUT_TILE + dp < plane;
        CHECK(covered == (int64_t)C * plane);
    }
}

static void test_precision_names(void) {
    YcErr err;
    YcPrecision p = YC_PREC_BF16;
    const struct {
        const char *text;
        YcPrecision want;
    } ok[] = {{"false", YC_PREC_F32}, {"False", YC_PREC_F32}, {"0", YC_PREC_F32},       {"fp32", YC_PREC_F32},
              {"", YC_PREC_F32},      {"true", YC_PREC_BF16}, {"True", YC_PREC_BF16},   {"bf16", YC_PREC_BF16},
              {"1", YC_PREC_BF16},    {"fp16", YC_PREC_F16},  {"float16", YC_PREC_F16}, {"half", YC_PREC_F16}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK(yc_precision_parse(ok[i].text, &p, &err) == 0);
        CHECK(p == ok[i].want);
    }
    CHECK(yc_precision_parse(NULL, &p, &err) == 0 && p == YC_PREC_F32);
    CHECK(yc_precision_parse("fp8", &p, &err) == -1);
    CHECK(strstr(err.msg, "amp=fp8") != NULL);
    CHECK_STR(yc_precision_name(YC_PREC_BF16), "bfloat16");
    CHECK_STR(yc_precision_name(YC_PREC_F16), "float16");
    CHECK_STR(yc_precision_name(YC_PREC_F32), "float32");
}

static void test_amp_agreement(void) {
    float ref[4] = {1.0f, -2.0f, 4.0f, 0.5f}, amp[4];
    double rel = 0;
    memcpy(amp, ref, sizeof amp);
    CHECK(yc_amp_outputs_agree(ref, amp, 4, 0.01, &rel) && rel == 0);
    amp[1] = -2.1f; /* 0.1 / 4 = 2.5% */
    CHECK(!yc_amp_outputs_agree(ref, amp, 4, 0.02, &rel));
    CHECK_NEAR(rel, 0.025, 1e-6);
    CHECK(yc_amp_outputs_agree(ref, amp, 4, 0.03, &rel));
    amp[1] = NAN;
    CHECK(!yc_amp_outputs_agree(ref, amp, 4, 1e9, &rel) && isinf(rel));
    amp[1] = INFINITY;
    CHECK(!yc_amp_outputs_agree(ref, amp, 4, 1e9, &rel));
    float zeros[3] = {0, 0, 0}, tiny[3] = {0, 1e-9f, 0};
    CHECK(yc_amp_outputs_agree(zeros, tiny, 3, 0.01, &rel)); /* the scale has a floor */
    CHECK(yc_amp_tolerance(YC_PREC_BF16) > yc_amp_tolerance(YC_PREC_F16));
    CHECK(yc_amp_tolerance(YC_PREC_F16) > 0 && yc_amp_tolerance(YC_PREC_BF16) < 0.1);
}

int main(void) {
    const CheckCase cases[] = {
        {"algo_keys", test_algo_keys},
        {"algo_cache", test_algo_cache},
        {"loss_scaler", test_loss_scaler},
        {"layout_index_maths", test_layout_index_maths},
        {"precision_names", test_precision_names},
        {"amp_agreement", test_amp_agreement},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
