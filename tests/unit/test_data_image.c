/* Image decoding and the deterministic transforms against the reference's
 * outputs (tests/fixtures/data, written by tests/parity/make_data_fixtures.py
 * from ultralytics 8.3 + OpenCV): pixels within a small mean absolute
 * difference, boxes within a pixel. Also: the AVX2 kernels equal the scalar
 * ones bit for bit. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "check.h"
#include "fileio.h"
#include "image.h"
#include "image_ops.h"
#include "image_simd.h"
#include "safetensors.h"

#define FIX "tests/fixtures/data"

static YcSafetensors fx;
static cJSON *cases;

static int load_fixtures(void) {
    YcErr err;
    if (yc_st_load(FIX "/transforms.safetensors", &fx, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    char *text;
    size_t n;
    if (yc_read_file(FIX "/cases.json", &text, &n, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    cases = cJSON_Parse(text);
    free(text);
    return cases ? 0 : -1;
}

/* A fixture image (h, w, 3 uint8) as a padded YcImage; h == 0 if missing. */
static YcImage fixture_image(const char *name) {
    YcImage im = {0};
    const YcStTensor *t = yc_st_find(&fx, name);
    if (!CHECK(t != NULL) || !CHECK(t->dtype == YC_ST_U8 && t->ndim == 3 && t->shape[2] == 3)) {
        fprintf(stderr, "    missing fixture %s\n", name);
        return im;
    }
    YcErr err;
    if (yc_image_alloc(&im, (int)t->shape[0], (int)t->shape[1], 3, &err)) return im;
    memcpy(im.data, yc_st_data(&fx, t), t->nbytes);
    return im;
}

static const float *fixture_floats(const char *name, int *rows, int cols) {
    const YcStTensor *t = yc_st_find(&fx, name);
    if (!CHECK(t != NULL) || !CHECK(t->dtype == YC_ST_F32 && t->ndim == 2 && t->shape[1] == cols)) {
        *rows = 0;
        return NULL;
    }
    *rows = (int)t->shape[0];
    return yc_st_data(&fx, t);
}

/* Mean and max absolute difference; checks the limits. */
static void compare(const char *what, const YcImage *got, const YcImage *want, double mad_limit, int max_limit) {
    if (!CHECK(got->h == want->h && got->w == want->w && got->c == want->c)) {
        fprintf(stderr, "    %s: size %dx%dx%d, want %dx%dx%d\n", what, got->w, got->h, got->c, want->w, want->h, want->c);
        return;
    }
    size_t n = yc_image_bytes(got);
    double sum = 0;
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)got->data[i] - (int)want->data[i]);
        sum += d;
        if (d > worst) worst = d;
    }
    double mad = sum / (double)n;
    if (!CHECK(mad <= mad_limit && worst <= max_limit))
        fprintf(stderr, "    %s: mean abs diff %.5f (limit %g), max %d (limit %d)\n", what, mad, mad_limit, worst, max_limit);
}

static void compare_boxes(const char *what, const YcSample *s, const float *want, int n, int cols, double tol) {
    if (!CHECK(s->n == n)) {
        fprintf(stderr, "    %s: %d boxes, want %d\n", what, s->n, n);
        return;
    }
    double worst = 0;
    for (int i = 0; i < n; i++) {
        const float *w = want + cols * i + (cols - 4);
        if (cols == 5 && !CHECK(s->cls[i] == want[cols * i])) fprintf(stderr, "    %s: box %d class %g want %g\n", what, i, s->cls[i], want[cols * i]);
        for (int k = 0; k < 4; k++) worst = fmax(worst, fabs(s->xyxy[4 * i + k] - w[k]));
    }
    if (!CHECK(worst <= tol)) fprintf(stderr, "    %s: boxes differ by up to %.5f px (limit %g)\n", what, worst, tol);
}

static const char *str(const cJSON *o, const char *k) {
    return cJSON_GetObjectItemCaseSensitive(o, k)->valuestring;
}

static double num(const cJSON *o, const char *k) {
    return cJSON_GetObjectItemCaseSensitive(o, k)->valuedouble;
}

static void test_decode(void) {
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(cases, "decode"), *it;
    int count = 0;
    cJSON_ArrayForEach(it, dec) {
        char path[512], name[512];
        snprintf(path, sizeof path, FIX "/%s", it->string);
        snprintf(name, sizeof name, "decode/%s", it->string);
        YcImage got, want = fixture_image(name);
        YcErr err;
        if (!CHECK(yc_image_read(path, &got, &err) == 0)) {
            fprintf(stderr, "    %s: %s\n", path, err.msg);
            yc_image_free(&want);
            continue;
        }
        /* OpenCV and libjpeg-turbo agree exactly, CMYK included */
        compare(path, &got, &want, 0.0, 0);
        yc_image_free(&got);
        yc_image_free(&want);
        count++;
    }
    CHECK(count >= 15);
}

static void test_probe(void) {
    /* EXIF orientation 5..8 swaps the reported size; the end marker is seen */
    const char *names[] = {"orient6.jpg", "plain.jpg", "truncated.jpg", "rgb16.png"};
    int want_w[] = {42, 56, 56, 56}, want_h[] = {56, 42, 42, 42}, want_o[] = {6, 1, 1, 1};
    bool want_complete[] = {true, true, false, false};
    for (int i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "/%s", names[i]);
        char *data;
        size_t n;
        YcErr err;
        if (!CHECK(yc_read_file(path, &data, &n, &err) == 0)) continue;
        YcImageInfo info;
        CHECK(yc_image_probe((uint8_t *)data, n, &info, &err) == 0);
        CHECK(info.oriented_w == want_w[i] && info.oriented_h == want_h[i]);
        CHECK(info.orientation == want_o[i]);
        if (info.format == YC_FMT_JPEG) CHECK(info.jpeg_complete == want_complete[i]);
        free(data);
    }
}

static void test_truncated_strict(void) {
    char *data;
    size_t n;
    YcErr err;
    if (!CHECK(yc_read_file(FIX "/truncated.jpg", &data, &n, &err) == 0)) return;
    YcImage im;
    CHECK(yc_image_decode((uint8_t *)data, n, true, &im, &err) == -1);
    CHECK(strstr(err.msg, "JPEG") != NULL);
    /* lenient: the decoder's best effort, as OpenCV 4 returned it */
    if (CHECK(yc_image_decode((uint8_t *)data, n, false, &im, &err) == 0)) yc_image_free(&im);
    free(data);
}

static void test_garbage_never_crashes(void) {
    /* every prefix of a JPEG and a PNG, and flipped bytes: errors, no crash */
    const char *files[] = {FIX "/plain.jpg", FIX "/palette.png"};
    for (int f = 0; f < 2; f++) {
        char *data;
        size_t n;
        YcErr err;
        if (!CHECK(yc_read_file(files[f], &data, &n, &err) == 0)) continue;
        for (size_t len = 0; len < n; len += 1 + len / 7) {
            YcImage im;
            YcImageInfo info;
            yc_image_probe((uint8_t *)data, len, &info, &err);
            if (yc_image_decode((uint8_t *)data, len, false, &im, &err) == 0) yc_image_free(&im);
        }
        uint32_t seed = 12345;
        for (int k = 0; k < 200; k++) {
            char *copy = malloc(n);
            memcpy(copy, data, n);
            for (int j = 0; j < 4; j++) {
                seed = seed * 1664525u + 1013904223u;
                copy[seed % n] ^= (char)(1 + (seed >> 24) % 255);
            }
            YcImage im;
            if (yc_image_decode((uint8_t *)copy, n, false, &im, &err) == 0) yc_image_free(&im);
            free(copy);
        }
        free(data);
    }
    YcImage im;
    YcErr err;
    CHECK(yc_image_decode((const uint8_t *)"BM\0\0\0\0", 6, false, &im, &err) == -1);
    CHECK(strstr(err.msg, "BMP") != NULL);
    CHECK(yc_image_decode((const uint8_t *)"", 0, false, &im, &err) == -1);
}

static void test_resize(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "resize")) {
        char src_name[64];
        snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
        YcImage src = fixture_image(src_name), want = fixture_image(str(it, "name")), got;
        YcErr err;
        if (src.h && want.h && yc_image_alloc(&got, (int)num(it, "h"), (int)num(it, "w"), 3, &err) == 0) {
            yc_resize_linear(&src, &got);
            compare(str(it, "name"), &got, &want, 0.0, 0); /* bit-exact with OpenCV */
            yc_image_free(&got);
        }
        yc_image_free(&src);
        yc_image_free(&want);
    }
}

static void test_warps(void) {
    const char *kinds[] = {"warp_affine", "warp_perspective"};
    for (int k = 0; k < 2; k++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, kinds[k])) {
            char src_name[64];
            snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
            YcImage src = fixture_image(src_name), want = fixture_image(str(it, "name")), got;
            double M[9];
            int i = 0;
            const cJSON *v;
            cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "M")) M[i++] = v->valuedouble;
            YcErr err;
            if (src.h && want.h && yc_image_alloc(&got, (int)num(it, "h"), (int)num(it, "w"), 3, &err) == 0) {
                if (k == 0) yc_warp_affine(&src, &got, M, 114);
                else yc_warp_perspective(&src, &got, M, 114);
                compare(str(it, "name"), &got, &want, 0.002, 1);
                /* the planar (pipeline) path gives the same values */
                uint8_t *planes = malloc(yc_image_bytes(&got));
                if (k == 0) yc_warp_affine_planar(&src, planes, got.w, got.h, M, 114);
                else yc_warp_perspective_planar(&src, planes, got.w, got.h, M, 114);
                size_t n = (size_t)got.w * got.h, bad = 0;
                for (size_t p = 0; p < n; p++)
                    for (int c = 0; c < 3; c++) bad += planes[c * n + p] != got.data[p * 3 + c];
                CHECK(bad == 0);
                free(planes);
                yc_image_free(&got);
            }
            yc_image_free(&src);
            yc_image_free(&want);
        }
    }
}

static void test_hsv(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "hsv")) {
        char src_name[64];
        snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
        YcImage img = fixture_image(src_name), want = fixture_image(str(it, "name"));
        double r[3];
        int i = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "r")) r[i++] = v->valuedouble;
        if (img.h && want.h) {
            yc_hsv_apply(&img, r);
            compare(str(it, "name"), &img, &want, 0.002, 1);
        }
        yc_image_free(&img);
        yc_image_free(&want);
    }
}

static void test_letterbox(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "letterbox")) {
        char src_name[64], in_name[96], out_name[96];
        snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
        snprintf(in_name, sizeof in_name, "%s/boxes_in", str(it, "name"));
        snprintf(out_name, sizeof out_name, "%s/boxes_out", str(it, "name"));
        YcSample s = {0};
        s.img = fixture_image(src_name);
        YcImage want = fixture_image(str(it, "name"));
        int nin, nout;
        const float *in = fixture_floats(in_name, &nin, 5), *out = fixture_floats(out_name, &nout, 4);
        if (s.img.h && want.h && in && out && yc_sample_set_boxes(&s, in, nin, s.img.w, s.img.h) == 0) {
            YcLetterbox lb;
            YcErr err;
            CHECK(yc_sample_letterbox(&s, (int)num(it, "h"), (int)num(it, "w"), cJSON_IsTrue(cJSON_GetObjectItem(it, "scaleup")),
                                      &lb, &err) == 0);
            compare(str(it, "name"), &s.img, &want, 0.0, 0);
            compare_boxes(str(it, "name"), &s, out, nout, 4, 1e-3);
            const cJSON *pad = cJSON_GetObjectItemCaseSensitive(it, "pad");
            CHECK(lb.left == cJSON_GetArrayItem(pad, 0)->valueint && lb.top == cJSON_GetArrayItem(pad, 1)->valueint);
        }
        yc_sample_free(&s);
        yc_image_free(&want);
    }
}

static void test_random_perspective(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "random_perspective")) {
        char src_name[64], in_name[96], out_name[96];
        snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
        snprintf(in_name, sizeof in_name, "%s/boxes_in", str(it, "name"));
        snprintf(out_name, sizeof out_name, "%s/boxes_out", str(it, "name"));
        YcSample s = {0};
        s.img = fixture_image(src_name);
        YcImage want = fixture_image(str(it, "name"));
        int nin, nout;
        const float *in = fixture_floats(in_name, &nin, 5), *out = fixture_floats(out_name, &nout, 5);
        double d[8];
        int i = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "draws")) d[i++] = v->valuedouble;
        YcAffineDraw draw = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
        float M[9];
        yc_affine_matrix(&draw, s.img.w, s.img.h, s.img.w, s.img.h, M);
        i = 0;
        double worst = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(it, "M")) worst = fmax(worst, fabs(M[i++] - v->valuedouble) / fmax(1, fabs(v->valuedouble)));
        if (!CHECK(worst < 1e-5)) fprintf(stderr, "    %s: matrix differs by %g\n", str(it, "name"), worst);
        if (s.img.h && want.h && in && out && yc_sample_set_boxes(&s, in, nin, s.img.w, s.img.h) == 0) {
            YcErr err;
            CHECK(yc_random_perspective(&s, M, num(it, "perspective") != 0, draw.scale, s.img.w, s.img.h, &err) == 0);
            CHECK(yc_sample_interleave(&s, &err) == 0);
            compare(str(it, "name"), &s.img, &want, 0.01, 1);
            compare_boxes(str(it, "name"), &s, out, nout, 5, 1e-2);
        }
        yc_sample_free(&s);
        yc_image_free(&want);
    }
}

static void test_mosaic(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "mosaic")) {
        const char *name = str(it, "name");
        YcSample parts[4];
        memset(parts, 0, sizeof parts);
        bool ok = true;
        for (int k = 0; k < 4; k++) {
            char pn[96], bn[96];
            snprintf(pn, sizeof pn, "%s/part%d", name, k);
            snprintf(bn, sizeof bn, "%s/part%d/boxes", name, k);
            parts[k].img = fixture_image(pn);
            int n;
            const float *b = fixture_floats(bn, &n, 5);
            ok = ok && parts[k].img.h && b && yc_sample_set_boxes(&parts[k], b, n, parts[k].img.w, parts[k].img.h) == 0;
        }
        char on[96];
        snprintf(on, sizeof on, "%s/boxes_out", name);
        int nout;
        const float *out = fixture_floats(on, &nout, 5);
        YcImage want = fixture_image(name);
        YcSample m;
        YcErr err;
        if (ok && out && want.h && CHECK(yc_mosaic4(parts, (int)num(it, "s"), (int)num(it, "xc"), (int)num(it, "yc"), &m, &err) == 0)) {
            compare(name, &m.img, &want, 0.0, 0);
            compare_boxes(name, &m, out, nout, 5, 1e-3);
            /* the never-copied canvas warped with the identity reads the same pixels */
            YcCanvas c;
            YcSample boxes;
            CHECK(yc_mosaic4_canvas(parts, (int)num(it, "s"), (int)num(it, "xc"), (int)num(it, "yc"), &c, &boxes, &err) == 0);
            YcImage flat;
            CHECK(yc_canvas_render(&c, &flat, &err) == 0);
            compare("canvas render", &flat, &want, 0.0, 0);
            yc_image_free(&flat);
            yc_sample_free(&boxes);
            yc_sample_free(&m);
        }
        for (int k = 0; k < 4; k++) yc_sample_free(&parts[k]);
        yc_image_free(&want);
    }
}

static void test_flips(void) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "flip")) {
        char src_name[64], in_name[96], out_name[96];
        snprintf(src_name, sizeof src_name, "src/%s", str(it, "src"));
        snprintf(in_name, sizeof in_name, "%s/boxes_in", str(it, "name"));
        snprintf(out_name, sizeof out_name, "%s/boxes_out", str(it, "name"));
        YcSample s = {0};
        s.img = fixture_image(src_name);
        YcImage want = fixture_image(str(it, "name"));
        int nin, nout;
        const float *in = fixture_floats(in_name, &nin, 5), *out = fixture_floats(out_name, &nout, 4);
        if (s.img.h && want.h && in && out && yc_sample_set_boxes(&s, in, nin, s.img.w, s.img.h) == 0) {
            if (strcmp(str(it, "direction"), "horizontal") == 0) yc_sample_flip_lr(&s);
            else yc_sample_flip_ud(&s);
            compare(str(it, "name"), &s.img, &want, 0.0, 0);
            compare_boxes(str(it, "name"), &s, out, nout, 4, 1e-3);
        }
        yc_sample_free(&s);
        yc_image_free(&want);
    }
}

/* Random mosaic canvases and matrices: AVX2 and scalar kernels agree exactly. */
static void test_simd_matches_scalar(void) {
    if (!yc_simd_avx2()) return; /* nothing to compare on this CPU */
    YcImage a = fixture_image("src/street"), b = fixture_image("src/cells"), c = fixture_image("src/odd");
    if (!a.h || !b.h || !c.h) return;
    YcSample parts[4] = {{.img = a}, {.img = b}, {.img = c}, {.img = b}};
    uint32_t seed = 99;
    for (int t = 0; t < 24; t++) {
        seed = seed * 1664525u + 1013904223u;
        int s = 80 + 8 * (t % 3), xc = 48 + (int)(seed % 96), yc = 48 + (int)((seed >> 8) % 96);
        YcCanvas cv;
        YcSample boxes;
        YcErr err;
        if (!CHECK(yc_mosaic4_canvas(parts, s, xc, yc, &cv, &boxes, &err) == 0)) break;
        yc_sample_free(&boxes);
        /* every other case axis-aligned (no rotation, no shear: the default augmentation's own kernel) */
        bool axis = t % 2 == 0;
        YcAffineDraw d = {0, 0, axis ? 0 : (t % 5) * 7.0 - 13, 0.5 + (t % 7) * 0.17, axis ? 0 : (t % 3) * 2.0, 0,
                          0.4 + (t % 4) * 0.06, 0.45 + (t % 3) * 0.05};
        float M[9];
        yc_affine_matrix(&d, cv.w, cv.h, s, s, M);
        float m[6];
        double Md[6] = {M[0], M[1], M[2], M[3], M[4], M[5]};
        yc_affine_inverse_f(Md, m);
        size_t n = (size_t)s * s;
        uint8_t *x = malloc(3 * n), *y = malloc(3 * n);
        double gains[3] = {0.01 * (t % 3), 0.3, -0.2};
        YcHsvTables tab;
        yc_hsv_tables(gains, &tab);
        CHECK(!axis || (m[1] == 0 && m[3] == 0));
        yc_warp3_avx2(&cv, m, 114, s, s, t % 4 < 2 ? &tab : NULL, x);
        yc_warp3_scalar(&cv, m, 114, s, 0, s, y, n, 1);
        if (t % 4 < 2) yc_hsv_planes_scalar(&tab, y, y + n, y + 2 * n, s, s);
        CHECK(memcmp(x, y, 3 * n) == 0);
        memcpy(y, x, 3 * n);
        yc_hsv_planes_avx2(&tab, x, x + n, x + 2 * n, s, s);
        yc_hsv_planes_scalar(&tab, y, y + n, y + 2 * n, s, s);
        CHECK(memcmp(x, y, 3 * n) == 0);
        memcpy(y, x, 3 * n);
        yc_reverse_rows_avx2(x, s, 3 * s);
        yc_reverse_rows_scalar(y, s, 3 * s);
        CHECK(memcmp(x, y, 3 * n) == 0);
        free(x);
        free(y);
    }
    yc_image_free(&a);
    yc_image_free(&b);
    yc_image_free(&c);
}

static void test_letterbox_rounding(void) {
    /* the reference's round-half-even padding */
    YcLetterbox lb;
    yc_letterbox_plan(480, 640, 640, 640, false, true, &lb);
    CHECK(lb.top == 80 && lb.bottom == 80 && lb.left == 0 && lb.right == 0 && lb.unpad_h == 480);
    yc_letterbox_plan(427, 640, 448, 672, false, true, &lb);
    CHECK(lb.unpad_w == 640 && lb.unpad_h == 427 && lb.top == 10 && lb.bottom == 11 && lb.left == 16 && lb.right == 16);
    yc_letterbox_plan(100, 100, 640, 640, true, true, &lb);
    CHECK(lb.ratio == 6.4 && lb.unpad_w == 640);
    CHECK(yc_round_half_even(2.5) == 2 && yc_round_half_even(3.5) == 4 && yc_round_half_even(-0.5) == 0);
}

int main(void) {
    if (load_fixtures()) {
        printf("cannot load the fixtures in " FIX "\n0 passed, 1 failed\n");
        return 1;
    }
    const CheckCase all[] = {
        {"decode_matches_opencv", test_decode},
        {"probe_sizes_orientation_end_marker", test_probe},
        {"truncated_jpeg_strict_and_lenient", test_truncated_strict},
        {"garbage_input_never_crashes", test_garbage_never_crashes},
        {"resize_bit_exact", test_resize},
        {"warps_match_opencv", test_warps},
        {"hsv_matches_reference", test_hsv},
        {"letterbox_matches_reference", test_letterbox},
        {"random_perspective_matches_reference", test_random_perspective},
        {"mosaic_matches_reference", test_mosaic},
        {"flips_match_reference", test_flips},
        {"simd_kernels_equal_scalar", test_simd_matches_scalar},
        {"letterbox_rounding", test_letterbox_rounding},
    };
    int rc = check_run(all, (int)(sizeof all / sizeof all[0]));
    cJSON_Delete(cases);
    yc_st_free(&fx);
    return rc;
}
