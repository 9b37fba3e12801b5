/* The training and validation transforms of the reference (ultralytics
 * v8_transforms for detection), as deterministic steps that take their random
 * draws as arguments, so each can be compared with the reference given the
 * same draws:
 *
 *   train: [mosaic of 4 | letterbox to imgsz] -> random perspective (affine)
 *          -> [mixup] -> HSV -> flip up-down -> flip left-right -> [RGB->BGR]
 *   val:   letterbox to imgsz (or the rect batch shape), no upscaling
 *
 * Boxes travel as pixel xyxy of the sample's current image, classes as floats. */
#ifndef YC_AUGMENT_H
#define YC_AUGMENT_H

#include <stdbool.h>

#include "data_rng.h"
#include "error.h"
#include "image.h"
#include "image_ops.h"

/* The augmentation hyperparameters (the reference's names and meanings). */
typedef struct YcAugmentParams {
    int imgsz;
    double mosaic, mixup;
    double degrees, translate, scale, shear, perspective;
    double hsv_h, hsv_s, hsv_v;
    double flipud, fliplr, bgr;
} YcAugmentParams;

/* The reference's defaults (imgsz 640, mosaic 1, translate 0.1, scale 0.5,
 * hsv 0.015/0.7/0.4, fliplr 0.5, everything else 0). */
void yc_augment_params_default(YcAugmentParams *p);

typedef struct YcSample {
    YcImage img;           /* RGB; interleaved, or three planes (R, G, B) when planar */
    bool planar;           /* true after the perspective step (the layout of the batch) */
    bool borrowed;         /* img.data belongs to someone else (an image store): never freed here */
    int n, cap;
    float *cls;            /* n classes */
    float *xyxy;           /* n boxes, pixels of img */
} YcSample;

void yc_sample_free(YcSample *s);
/* Appends a box (grows the arrays); -1 when out of memory. */
int yc_sample_add_box(YcSample *s, float cls, float x1, float y1, float x2, float y2);
/* Keeps the boxes whose keep[i] is true, in order. */
void yc_sample_keep(YcSample *s, const bool *keep);

/* Loading as the reference does for training and validation: decode, then
 * resize the long side to imgsz (ceil, capped at imgsz) when it differs. */
int yc_load_resized(const char *path, int imgsz, YcImage *out, int *h0, int *w0, YcErr *err);
/* The same, reusing buf (cap bytes) for the pixels when they fit: out->data
 * == buf tells that it was used, else the caller still owns buf. */
int yc_load_resized_into(const char *path, int imgsz, uint8_t *buf, size_t cap, YcImage *out, int *h0, int *w0,
                         YcErr *err);

/* Boxes of an item (normalised class cx cy w h rows) as pixel xyxy of an
 * image of w x h. Clears s's boxes first. */
int yc_sample_set_boxes(YcSample *s, const float *rows, int count, int w, int h);

/* Mosaic of four images around centre (xc, yc) on a 2s x 2s canvas filled
 * with 114; parts[0] top-left, [1] top-right, [2] bottom-left, [3]
 * bottom-right. The parts' boxes are moved along, clipped to the canvas, and
 * those with zero area dropped. parts keep their images (not freed). */
int yc_mosaic4(const YcSample parts[4], int s, int xc, int yc, YcSample *out, YcErr *err);

/* The same layout without copying pixels: the canvas refers to the parts'
 * images (which must stay alive), out receives the boxes only. */
int yc_mosaic4_canvas(const YcSample parts[4], int s, int xc, int yc, YcCanvas *canvas, YcSample *out, YcErr *err);

/* The reference's random draws of the perspective transform, in its order. */
typedef struct YcAffineDraw {
    double perspective_x, perspective_y;
    double angle, scale;
    double shear_x, shear_y;      /* degrees */
    double translate_x, translate_y; /* fractions of the output size, 0.5 = centred */
} YcAffineDraw;

void yc_affine_draw(YcRng *rng, const YcAugmentParams *p, YcAffineDraw *d);

/* M = T S R P C in single precision (as the reference builds it) for an
 * input of in_w x in_h and an output of out_w x out_h; row-major 3x3. */
void yc_affine_matrix(const YcAffineDraw *d, int in_w, int in_h, int out_w, int out_h, float M[9]);

/* Warps the (interleaved) sample into out_w x out_h with M (affine unless
 * perspective is set), transforms the boxes (corners, then their bounding
 * box), clips them and keeps the reference's box candidates (compared with
 * the old boxes scaled by `scale`). The pixels are not resampled when M is
 * the identity and the size is unchanged, as the reference does. The image
 * comes out planar. */
int yc_random_perspective(YcSample *s, const float M[9], bool perspective, double scale, int out_w, int out_h,
                          YcErr *err);

/* The same reading a canvas (s holds the boxes; its image is replaced).
 * hsv_gains: the HSV step applied in the same pass (NULL: none), as
 * yc_sample_hsv would apply it afterwards. */
int yc_random_perspective_canvas(YcSample *s, const YcCanvas *c, const float M[9], bool perspective, double scale,
                                 int out_w, int out_h, const double *hsv_gains, YcErr *err);
/* ... writing the planes into dst (3 x out_h x out_w bytes someone else owns,
 * e.g. the batch): the sample's image then borrows dst. */
int yc_random_perspective_into(YcSample *s, const YcCanvas *c, const float M[9], bool perspective, double scale,
                               int out_w, int out_h, const double *hsv_gains, uint8_t *dst, YcErr *err);

/* The reference's box filter: width and height > 2 pixels, area kept above
 * area_thr of the scaled original, aspect ratio < 100. */
bool yc_box_candidate(const float old_xyxy[4], const float new_xyxy[4], float area_thr);

/* The reference's mixup: pixels a*r + b*(1-r) truncated, boxes of both. */
int yc_mixup(YcSample *a, const YcSample *b, double r, YcErr *err);

/* HSV with the gains drawn: r[k] = uniform(-1, 1) * gain[k]. */
void yc_sample_hsv(YcSample *s, const double r[3]);

void yc_sample_flip_lr(YcSample *s);
void yc_sample_flip_ud(YcSample *s);

/* Letterbox as a canvas: the image is resized if needed (s->img then holds
 * the resized pixels), the canvas places it with the padding; boxes move. */
int yc_sample_letterbox_canvas(YcSample *s, int new_h, int new_w, bool scaleup, YcLetterbox *lb, YcCanvas *c,
                               YcErr *err);

/* Planar <-> interleaved (no-ops when already so). */
int yc_sample_interleave(YcSample *s, YcErr *err);
int yc_sample_deinterleave(YcSample *s, YcErr *err);

/* Letterbox the (interleaved) sample into new_h x new_w (boxes scaled and
 * shifted); the plan used is returned in lb. */
int yc_sample_letterbox(YcSample *s, int new_h, int new_w, bool scaleup, YcLetterbox *lb, YcErr *err);

#endif
