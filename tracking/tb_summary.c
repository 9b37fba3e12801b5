/* Encoding of Event, Summary.Value and plugin payloads (see tb_summary.h).
 * Fields go out in field-number order and proto3 defaults are left out, so
 * the bytes equal what protobuf's own serialisers produce. */
#include "tb_summary.h"

#include <math.h>
#include <string.h>

/* Event */
enum { EV_WALL_TIME = 1, EV_STEP = 2, EV_FILE_VERSION = 3, EV_SUMMARY = 5 };
/* Summary.Value */
enum { VAL_TAG = 1, VAL_SIMPLE = 2, VAL_IMAGE = 4, VAL_HISTO = 5, VAL_TENSOR = 8, VAL_METADATA = 9 };
/* TensorProto */
enum { TP_DTYPE = 1, TP_SHAPE = 2, TP_FLOAT_VAL = 5, TP_STRING_VAL = 8 };
enum { DT_FLOAT = 1, DT_STRING = 7 };

void yc_tb_event_file_version(YcPb *out, double wall_time) {
    yc_pb_double(out, EV_WALL_TIME, wall_time);
    yc_pb_string(out, EV_FILE_VERSION, "brain.Event:2");
}

void yc_tb_event_summary(YcPb *out, double wall_time, int64_t step, const YcPb *summary) {
    yc_pb_double(out, EV_WALL_TIME, wall_time);
    if (step != 0) yc_pb_int(out, EV_STEP, step);
    yc_pb_message(out, EV_SUMMARY, summary);
}

/* SummaryMetadata { plugin_data { plugin_name, content } } */
static void metadata_for_plugin(YcPb *value, const char *plugin, const void *content, size_t content_size) {
    YcPb plugin_data, metadata;
    yc_pb_init(&plugin_data);
    yc_pb_init(&metadata);
    yc_pb_string(&plugin_data, 1, plugin);
    if (content_size) yc_pb_bytes(&plugin_data, 2, content, content_size);
    yc_pb_message(&metadata, 1, &plugin_data);
    yc_pb_message(value, VAL_METADATA, &metadata);
    yc_pb_free(&plugin_data);
    yc_pb_free(&metadata);
}

/* TensorShapeProto with the given dims (rank 0: an empty but present shape). */
static void tensor_shape(YcPb *tensor, const int64_t *dims, int rank) {
    YcPb shape, dim;
    yc_pb_init(&shape);
    yc_pb_init(&dim);
    for (int i = 0; i < rank; i++) {
        yc_pb_clear(&dim);
        if (dims[i] != 0) yc_pb_int(&dim, 1, dims[i]);
        yc_pb_message(&shape, 2, &dim);
    }
    yc_pb_message(tensor, TP_SHAPE, &shape);
    yc_pb_free(&shape);
    yc_pb_free(&dim);
}

/* Appends Summary.Value { <body> } where body was built by the caller. */
static void append_value(YcPb *summary, const YcPb *value) { yc_pb_message(summary, 1, value); }

void yc_tb_value_scalar(YcPb *summary, const char *tag, float v) {
    YcPb value;
    yc_pb_init(&value);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_float(&value, VAL_SIMPLE, v);
    append_value(summary, &value);
    yc_pb_free(&value);
}

void yc_tb_value_scalar_tensor(YcPb *summary, const char *tag, float v) {
    YcPb value, tensor;
    yc_pb_init(&value);
    yc_pb_init(&tensor);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_uint(&tensor, TP_DTYPE, DT_FLOAT);
    tensor_shape(&tensor, NULL, 0);
    yc_pb_packed_floats(&tensor, TP_FLOAT_VAL, &v, 1);
    yc_pb_message(&value, VAL_TENSOR, &tensor);
    metadata_for_plugin(&value, "scalars", NULL, 0);
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&tensor);
}

void yc_tb_value_image(YcPb *summary, const char *tag, int width, int height, int colorspace, const void *png,
                       size_t png_size) {
    YcPb value, image;
    yc_pb_init(&value);
    yc_pb_init(&image);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_int(&image, 1, height);
    yc_pb_int(&image, 2, width);
    yc_pb_int(&image, 3, colorspace);
    yc_pb_bytes(&image, 4, png, png_size);
    yc_pb_message(&value, VAL_IMAGE, &image);
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&image);
}

void yc_tb_histogram_from_floats(const float *values, size_t n, int buckets, YcTbHistogram *h) {
    memset(h, 0, sizeof *h);
    if (buckets < 1) buckets = 1;
    if (buckets > YC_TB_HISTOGRAM_MAX_BUCKETS) buckets = YC_TB_HISTOGRAM_MAX_BUCKETS;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = values[i];
        if (!isfinite(v)) {
            h->skipped++;
            continue;
        }
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        h->num += 1;
        h->sum += v;
        h->sum_squares += v * v;
    }
    if (h->num == 0) {
        h->buckets = 0;
        return;
    }
    h->min = lo;
    h->max = hi;
    if (hi == lo) buckets = 1;
    h->buckets = buckets;
    double width = (hi - lo) / buckets;
    for (int b = 0; b < buckets; b++) h->limit[b] = (b == buckets - 1) ? hi : lo + width * (b + 1);
    for (size_t i = 0; i < n; i++) {
        double v = values[i];
        if (!isfinite(v)) continue;
        int b = width > 0 ? (int)((v - lo) / width) : 0;
        if (b >= buckets) b = buckets - 1;
        if (b < 0) b = 0;
        h->count[b] += 1;
    }
}

void yc_tb_value_histogram(YcPb *summary, const char *tag, const YcTbHistogram *h) {
    YcPb value, histo;
    yc_pb_init(&value);
    yc_pb_init(&histo);
    yc_pb_string(&value, VAL_TAG, tag);
    /* proto3: a field holding its default (+0.0) is not written (e.g. a tensor of zeros) */
    const double scalars[5] = {h->min, h->max, h->num, h->sum, h->sum_squares};
    for (int f = 0; f < 5; f++)
        if (scalars[f] != 0 || signbit(scalars[f])) yc_pb_double(&histo, f + 1, scalars[f]);
    if (h->buckets > 0) {
        yc_pb_packed_doubles(&histo, 6, h->limit, (size_t)h->buckets);
        yc_pb_packed_doubles(&histo, 7, h->count, (size_t)h->buckets);
    }
    yc_pb_message(&value, VAL_HISTO, &histo);
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&histo);
}

void yc_tb_value_text(YcPb *summary, const char *tag, const char *markdown) {
    YcPb value, tensor;
    yc_pb_init(&value);
    yc_pb_init(&tensor);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_uint(&tensor, TP_DTYPE, DT_STRING);
    tensor_shape(&tensor, NULL, 0);
    yc_pb_string(&tensor, TP_STRING_VAL, markdown);
    yc_pb_message(&value, VAL_TENSOR, &tensor);
    metadata_for_plugin(&value, "text", NULL, 0);
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&tensor);
}

void yc_tb_pr_curve_rows(const double *tp, const double *fp, int n, double positives, float *rows) {
    for (int i = 0; i < n; i++) {
        double t = tp[i], f = fp[i], fn = positives - t;
        if (fn < 0) fn = 0;
        rows[0 * n + i] = (float)t;
        rows[1 * n + i] = (float)f;
        rows[2 * n + i] = 0.0f;
        rows[3 * n + i] = (float)fn;
        rows[4 * n + i] = (t + f) > 0 ? (float)(t / (t + f)) : 0.0f;
        rows[5 * n + i] = (t + fn) > 0 ? (float)(t / (t + fn)) : 0.0f;
    }
}

void yc_tb_value_pr_curve(YcPb *summary, const char *tag, const float *data, int n) {
    YcPb value, tensor, content;
    yc_pb_init(&value);
    yc_pb_init(&tensor);
    yc_pb_init(&content);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_uint(&tensor, TP_DTYPE, DT_FLOAT);
    int64_t dims[2] = {6, n};
    tensor_shape(&tensor, dims, 2);
    yc_pb_packed_floats(&tensor, TP_FLOAT_VAL, data, (size_t)6 * (size_t)n);
    yc_pb_message(&value, VAL_TENSOR, &tensor);
    /* PrCurvePluginData { version = 1 (0, left out), num_thresholds = 2 } */
    yc_pb_uint(&content, 2, (uint64_t)n);
    metadata_for_plugin(&value, "pr_curves", content.data, content.len);
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&tensor);
    yc_pb_free(&content);
}

/* google.protobuf.Value: number_value 2, string_value 3, bool_value 4 (a oneof,
 * so written even when it holds the default). */
static void struct_value(YcPb *out, const YcTbHParam *hp) {
    switch (hp->type) {
    case YC_TB_HP_NUMBER: yc_pb_double(out, 2, hp->number); break;
    case YC_TB_HP_BOOL: yc_pb_uint(out, 4, hp->flag ? 1 : 0); break;
    case YC_TB_HP_STRING:
    default: yc_pb_string(out, 3, hp->text ? hp->text : ""); break;
    }
}

void yc_tb_hparams_experiment(YcPb *content, const YcTbHParam *hparams, int hparam_count,
                              const char *const *metric_tags, int metric_count) {
    YcPb experiment, info, name;
    yc_pb_init(&experiment);
    yc_pb_init(&info);
    yc_pb_init(&name);
    for (int i = 0; i < hparam_count; i++) { /* Experiment.hparam_infos = 4: HParamInfo { name 1, type 4 } */
        yc_pb_clear(&info);
        yc_pb_string(&info, 1, hparams[i].name);
        yc_pb_uint(&info, 4, (uint64_t)hparams[i].type);
        yc_pb_message(&experiment, 4, &info);
    }
    for (int i = 0; i < metric_count; i++) { /* metric_infos = 5: MetricInfo { name 1: MetricName { tag 2 } } */
        yc_pb_clear(&info);
        yc_pb_clear(&name);
        yc_pb_string(&name, 2, metric_tags[i]);
        yc_pb_message(&info, 1, &name);
        yc_pb_message(&experiment, 5, &info);
    }
    yc_pb_message(content, 2, &experiment);
    yc_pb_free(&experiment);
    yc_pb_free(&info);
    yc_pb_free(&name);
}

void yc_tb_hparams_session_start(YcPb *content, const YcTbHParam *hparams, int hparam_count, const char *group_name,
                                 double start_time_secs) {
    YcPb start, entry, value;
    yc_pb_init(&start);
    yc_pb_init(&entry);
    yc_pb_init(&value);
    for (int i = 0; i < hparam_count; i++) { /* map<string, Value> hparams = 1 */
        yc_pb_clear(&entry);
        yc_pb_clear(&value);
        yc_pb_string(&entry, 1, hparams[i].name);
        struct_value(&value, &hparams[i]);
        yc_pb_message(&entry, 2, &value);
        yc_pb_message(&start, 1, &entry);
    }
    if (group_name && group_name[0]) yc_pb_string(&start, 4, group_name);
    if (start_time_secs != 0) yc_pb_double(&start, 5, start_time_secs);
    yc_pb_message(content, 3, &start);
    yc_pb_free(&start);
    yc_pb_free(&entry);
    yc_pb_free(&value);
}

void yc_tb_hparams_session_end(YcPb *content, YcTbSessionStatus status, double end_time_secs) {
    YcPb end;
    yc_pb_init(&end);
    if (status != YC_TB_STATUS_UNKNOWN) yc_pb_uint(&end, 1, (uint64_t)status);
    if (end_time_secs != 0) yc_pb_double(&end, 2, end_time_secs);
    yc_pb_message(content, 4, &end);
    yc_pb_free(&end);
}

void yc_tb_value_hparams(YcPb *summary, const char *tag, const YcPb *content) {
    YcPb value, tensor;
    yc_pb_init(&value);
    yc_pb_init(&tensor);
    yc_pb_string(&value, VAL_TAG, tag);
    yc_pb_uint(&tensor, TP_DTYPE, DT_FLOAT);
    int64_t dims[1] = {0};
    tensor_shape(&tensor, dims, 1);
    yc_pb_message(&value, VAL_TENSOR, &tensor);
    metadata_for_plugin(&value, "hparams", content->data, content->len);
    if (content->failed) value.failed = 1;
    append_value(summary, &value);
    yc_pb_free(&value);
    yc_pb_free(&tensor);
}
