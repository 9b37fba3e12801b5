/* The validation table in the reference's layout: "%22s" then "%11i" x2 and
 * "%11.3g" x4, widths counted in characters as Python's %-format does. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static void right_aligned(YcStr *out, const char *text, size_t width) {
    for (size_t n = utf8_chars(text); n < width; n++) yc_str_append(out, " ");
    yc_str_append(out, text);
}

static void number(YcStr *out, double v) {
    char text[48];
    if (isnan(v)) snprintf(text, sizeof text, "nan"); /* Python never prints "-nan" */
    else snprintf(text, sizeof text, "%.3g", v);
    right_aligned(out, text, 11);
}

static void row(YcStr *out, const char *name, long images, long instances, double p, double r, double map50,
                double map) {
    char a[32], b[32];
    snprintf(a, sizeof a, "%ld", images);
    snprintf(b, sizeof b, "%ld", instances);
    right_aligned(out, name, 22);
    right_aligned(out, a, 11);
    right_aligned(out, b, 11);
    number(out, p);
    number(out, r);
    number(out, map50);
    number(out, map);
    yc_str_append(out, "\n");
}

void yc_metrics_table_header(YcStr *out) {
    static const char *cols[] = {"Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)"};
    right_aligned(out, "Class", 22);
    for (int i = 0; i < 6; i++) right_aligned(out, cols[i], 11);
    yc_str_append(out, "\n");
}

void yc_metrics_table_rows(const YcMetricsResult *r, bool per_class, YcStr *out) {
    row(out, "all", r->images, r->instances, r->precision, r->recall, r->map50, r->map50_95);
    if (r->instances == 0)
        yc_str_append(out, "WARNING \xe2\x9a\xa0\xef\xb8\x8f no labels found in detect set, cannot compute metrics "
                           "without labels\n");
    if (!per_class) return;
    for (int i = 0; i < r->k; i++)
        row(out, r->names[r->class_index[i]], r->class_images[i], r->class_instances[i], r->p[i], r->r[i],
            r->ap50[i], r->ap50_95[i]);
}

void yc_metrics_speed_line(const YcValSpeed *speed, YcStr *out) {
    yc_str_printf(out, "Speed: %.1fms preprocess, %.1fms inference, %.1fms loss, %.1fms postprocess per image\n",
                  speed->preprocess, speed->inference, speed->loss, speed->postprocess);
}
