/* Checking one image and its YOLO label file, with the reference's rules
 * (ultralytics' verify_image_label, detection):
 *  - the image must be a readable JPEG or PNG, at least 10x10 pixels after EXIF
 *    orientation, at most YC_IMAGE_MAX_PIXELS; a JPEG without its end marker is
 *    decoded in full and is corrupt unless that succeeds cleanly;
 *  - no label file: a background image ("missing"); an empty one: "empty";
 *  - each row is `class cx cy w h`; rows of more than 6 numbers are polygons
 *    (class x1 y1 x2 y2 ...) turned into their bounding boxes; rows of
 *    different lengths, rows not of 5 numbers, text that is not a number,
 *    NaN or infinity make the file corrupt;
 *  - coordinates <= 1.01 and every value >= -0.01; class < nc (unless
 *    single_cls);
 *  - duplicate rows are dropped (the rest in sorted order, as the reference
 *    leaves them), with a message.
 * A corrupt pair is reported with its reason and skipped; a problem never
 * stops the scan. */
#ifndef YC_LABEL_CHECK_H
#define YC_LABEL_CHECK_H

#include <stdbool.h>

/* Label files larger than this are corrupt (no real label file comes close). */
#define YC_LABEL_MAX_BYTES (64L << 20)
/* Image files larger than this are corrupt. */
#define YC_IMAGE_MAX_FILE_BYTES (1L << 30)

typedef struct YcLabelCheck {
    /* The reference's four counters for this pair (found and corrupt can both
     * be set: a label file was found but is broken). */
    bool found, missing, empty, corrupt;
    int h, w;              /* image size after EXIF orientation */
    int count;             /* boxes kept */
    float *rows;           /* count x 5: class, cx, cy, w, h (normalised); malloc'd */
    int duplicates;        /* rows dropped as duplicates */
    char message[600];     /* "" or one line: "<image>: <what happened>" */
} YcLabelCheck;

/* Never fails: every problem ends up in out->corrupt + out->message. */
void yc_label_check(const char *image_path, const char *label_path, int nc, bool single_cls, YcLabelCheck *out);
void yc_label_check_free(YcLabelCheck *c);

/* The label-file part alone (text in, rows out), for tests: returns 0 and
 * fills rows/count/duplicates, or -1 with the reason in `reason`. An empty
 * file gives count 0. */
int yc_parse_label_text(const char *text, size_t size, int nc, bool single_cls, float **rows, int *count,
                        int *duplicates, char *reason, size_t reason_cap);

#endif
