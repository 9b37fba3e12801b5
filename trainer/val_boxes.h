/* Box conversions around validation, in float32 as the reference computes
 * them: ground truth to input pixels, predictions back to the original image
 * (letterbox gain and padding, then clipping), and COCO category ids. */
#ifndef YC_VAL_BOXES_H
#define YC_VAL_BOXES_H

#include <stdbool.h>

/* Ground truth of one image as the reference's _prepare_batch: class ids and
 * normalized xywh -> rows (cls x1 y1 x2 y2) in pixels of the input image
 * (input_w x input_h, the letterboxed batch image). */
void yc_val_gt_rows(const float *cls, const float *xywhn, int n, int input_w, int input_h, float *rows);

/* ops.scale_boxes with a known ratio_pad: for rows of `stride` floats starting
 * with x1 y1 x2 y2, subtract the padding, divide by gain, clip to the original
 * image [0, orig_w] x [0, orig_h]. The reference's ratio_pad is
 * ((gain_h, gain_w), (pad_x, pad_y)) and it uses gain_h for both axes. */
void yc_val_scale_boxes(float *rows, int n, int stride, double gain, double pad_x, double pad_y, int orig_w,
                        int orig_h);

/* gain and padding as ops.scale_boxes derives them when no ratio_pad is given
 * (letterbox of orig into input, padding split evenly). */
void yc_val_letterbox_params(int input_w, int input_h, int orig_w, int orig_h, double *gain, double *pad_x,
                             double *pad_y);

/* COCO's 91-id category of an 80-class index (converter.coco80_to_coco91_class); -1 outside 0..79. */
int yc_coco80_to_91(int cls);

/* The reference's test for "the dataset is COCO": the split's path names coco
 * and ends in /val2017.txt or /test-dev2017.txt (then predictions.json uses
 * the 91-id categories and save_json is on for a final val). */
bool yc_val_is_coco(const char *split_path);

#endif
