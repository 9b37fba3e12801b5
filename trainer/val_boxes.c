#include "val_boxes.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

void yc_val_gt_rows(const float *cls, const float *xywhn, int n, int input_w, int input_h, float *rows) {
    const float w = (float)input_w, h = (float)input_h;
    for (int i = 0; i < n; i++) {
        const float *b = xywhn + (size_t)i * 4;
        float *r = rows + (size_t)i * 5;
        float half_w = b[2] / 2, half_h = b[3] / 2;
        r[0] = cls[i];
        r[1] = (b[0] - half_w) * w;
        r[2] = (b[1] - half_h) * h;
        r[3] = (b[0] + half_w) * w;
        r[4] = (b[1] + half_h) * h;
    }
}

static float clampf(float v, float hi) {
    /* torch.clamp_(0, hi): NaN stays NaN */
    if (v < 0) return 0;
    if (v > hi) return hi;
    return v;
}

void yc_val_scale_boxes(float *rows, int n, int stride, double gain, double pad_x, double pad_y, int orig_w,
                        int orig_h) {
    const float g = (float)gain, px = (float)pad_x, py = (float)pad_y;
    const float w = (float)orig_w, h = (float)orig_h;
    for (int i = 0; i < n; i++) {
        float *r = rows + (size_t)i * (size_t)stride;
        r[0] = clampf((r[0] - px) / g, w);
        r[1] = clampf((r[1] - py) / g, h);
        r[2] = clampf((r[2] - px) / g, w);
        r[3] = clampf((r[3] - py) / g, h);
    }
}

void yc_val_letterbox_params(int input_w, int input_h, int orig_w, int orig_h, double *gain, double *pad_x,
                             double *pad_y) {
    double gh = (double)input_h / orig_h, gw = (double)input_w / orig_w;
    double g = gh < gw ? gh : gw;
    *gain = g;
    /* Python's round(): half to even */
    *pad_x = nearbyint((input_w - orig_w * g) / 2 - 0.1);
    *pad_y = nearbyint((input_h - orig_h * g) / 2 - 0.1);
}

int yc_coco80_to_91(int cls) {
    static const unsigned char ids[80] = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
        46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
        67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
    };
    return cls >= 0 && cls < 80 ? ids[cls] : -1;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool yc_val_is_coco(const char *split_path) {
    if (!split_path || !strstr(split_path, "coco")) return false;
    return ends_with(split_path, "/val2017.txt") || ends_with(split_path, "/test-dev2017.txt");
}
