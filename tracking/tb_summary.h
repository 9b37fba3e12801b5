/* TensorBoard Event and Summary messages, encoded with tb_proto. Each
 * yc_tb_value_* appends one Summary.Value to a Summary being built;
 * yc_tb_event wraps a Summary (or the file-version header) into the Event
 * payload that one record carries. Field numbers: ../shared/docs/tfevents.md. */
#ifndef YC_TB_SUMMARY_H
#define YC_TB_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tb_proto.h"

/* The first event of every file: wall_time and file_version "brain.Event:2". */
void yc_tb_event_file_version(YcPb *out, double wall_time);

/* An Event holding a Summary (step 0 is omitted, as protobuf omits defaults). */
void yc_tb_event_summary(YcPb *out, double wall_time, int64_t step, const YcPb *summary);

/* Scalar in the legacy simple_value form (read as a scalar by every reader). */
void yc_tb_value_scalar(YcPb *summary, const char *tag, float value);

/* Scalar in the tensor form: plugin "scalars", DT_FLOAT rank 0. */
void yc_tb_value_scalar_tensor(YcPb *summary, const char *tag, float value);

/* Image: legacy Summary.Image with the encoded PNG. colorspace 3 RGB, 4 RGBA. */
void yc_tb_value_image(YcPb *summary, const char *tag, int width, int height, int colorspace,
                       const void *png, size_t png_size);

/* A histogram of values, as HistogramProto: bucket_limit[i] is the right edge
 * of bucket i; the left edge of bucket 0 is min. */
typedef struct YcTbHistogram {
    double min, max, num, sum, sum_squares;
    int buckets;
    double limit[64];
    double count[64];
    size_t skipped;        /* non-finite values left out */
} YcTbHistogram;

#define YC_TB_HISTOGRAM_MAX_BUCKETS 64

/* Equal-width buckets between the finite min and max (one bucket when they
 * are equal); NaN and infinities are counted in `skipped`, not binned. */
void yc_tb_histogram_from_floats(const float *values, size_t n, int buckets, YcTbHistogram *out);
void yc_tb_value_histogram(YcPb *summary, const char *tag, const YcTbHistogram *h);

/* Markdown text (plugin "text", DT_STRING rank 0). */
void yc_tb_value_text(YcPb *summary, const char *tag, const char *markdown);

/* PR curve (plugin "pr_curves"): data holds 6 rows of n floats, row-major:
 * TP, FP, TN, FN, precision, recall at thresholds linspace(0, 1, n). */
void yc_tb_value_pr_curve(YcPb *summary, const char *tag, const float *data, int n);

/* The 6 x n PR-curve rows from counts at linspace(0, 1, n) thresholds
 * (TN = 0, FN = positives - TP, precision and recall 0 where undefined). */
void yc_tb_pr_curve_rows(const double *tp, const double *fp, int n, double positives, float *rows);

/* HParams plugin. The value carries only metadata and an empty DT_FLOAT tensor. */
typedef enum YcTbHParamType { YC_TB_HP_STRING = 1, YC_TB_HP_BOOL = 2, YC_TB_HP_NUMBER = 3 } YcTbHParamType;

typedef struct YcTbHParam {
    const char *name;
    YcTbHParamType type;
    const char *text;      /* STRING */
    bool flag;             /* BOOL */
    double number;         /* NUMBER */
} YcTbHParam;

typedef enum YcTbSessionStatus {
    YC_TB_STATUS_UNKNOWN = 0,
    YC_TB_STATUS_SUCCESS = 1,
    YC_TB_STATUS_FAILURE = 2,
    YC_TB_STATUS_RUNNING = 3,
} YcTbSessionStatus;

#define YC_TB_HPARAMS_EXPERIMENT_TAG "_hparams_/experiment"
#define YC_TB_HPARAMS_SESSION_START_TAG "_hparams_/session_start_info"
#define YC_TB_HPARAMS_SESSION_END_TAG "_hparams_/session_end_info"

/* HParamsPluginData contents (the bytes of SummaryMetadata.plugin_data.content). */
void yc_tb_hparams_experiment(YcPb *content, const YcTbHParam *hparams, int hparam_count,
                              const char *const *metric_tags, int metric_count);
void yc_tb_hparams_session_start(YcPb *content, const YcTbHParam *hparams, int hparam_count,
                                 const char *group_name, double start_time_secs);
void yc_tb_hparams_session_end(YcPb *content, YcTbSessionStatus status, double end_time_secs);
void yc_tb_value_hparams(YcPb *summary, const char *tag, const YcPb *content);

#endif
