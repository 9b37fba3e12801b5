/* A TensorBoard event-file writer: one file per writer, named
 * events.out.tfevents.<10-digit unix seconds>.<host>.<pid>.<counter>, holding
 * TFRecord-framed Event messages. Append-only and never padded: records are
 * collected in memory and written whole, so after any flush the file ends on
 * a record boundary; a killed process leaves at worst one truncated record,
 * which readers wait on and skip.
 *
 * Steps must strictly increase per tag (TensorBoard's fast reader drops older
 * records with a step >= a new one); the add functions refuse a step that is
 * not after the tag's last one in this writer and return 1 (nothing written). */
#ifndef YC_TB_WRITER_H
#define YC_TB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tb_proto.h"
#include "tb_summary.h"

/* The TFRecord framing of one payload: 12 header bytes (u64 length, masked
 * CRC of those 8 bytes) and 4 footer bytes (masked CRC of the payload). */
void yc_tb_record_frame(const void *payload, size_t size, unsigned char header[12], unsigned char footer[4]);

typedef struct YcTbWriter YcTbWriter;

/* Creates the directory if needed and a new event file in it, and writes the
 * file-version event. */
int yc_tb_writer_open(YcTbWriter **out, const char *dir, YcErr *err);

/* The file's path. */
const char *yc_tb_writer_path(const YcTbWriter *w);

/* Appends one Event payload as a record (buffered). */
int yc_tb_writer_write_event(YcTbWriter *w, const YcPb *event, YcErr *err);

/* True (and records the step) when `step` is after the last one written for `tag`. */
bool yc_tb_writer_claim_step(YcTbWriter *w, const char *tag, int64_t step);

/* One value per call; wall_time 0 means now. Return 0 written, 1 skipped
 * (step not after the tag's last), -1 error. */
int yc_tb_add_scalar(YcTbWriter *w, const char *tag, int64_t step, double value, double wall_time, YcErr *err);
int yc_tb_add_image_png(YcTbWriter *w, const char *tag, int64_t step, const void *png, size_t size, int width,
                        int height, int colorspace, double wall_time, YcErr *err);
int yc_tb_add_histogram(YcTbWriter *w, const char *tag, int64_t step, const float *values, size_t n,
                        double wall_time, YcErr *err);
int yc_tb_add_text(YcTbWriter *w, const char *tag, int64_t step, const char *markdown, double wall_time, YcErr *err);
int yc_tb_add_pr_curve(YcTbWriter *w, const char *tag, int64_t step, const float *rows, int n, double wall_time,
                       YcErr *err);
/* An hparams plugin value (content from yc_tb_hparams_*), at step 0. Not step-guarded:
 * a rewritten session record replaces the earlier one in TensorBoard. */
int yc_tb_add_hparams(YcTbWriter *w, const char *tag, const YcPb *content, double wall_time, YcErr *err);

/* Writes the buffered records to the file; with sync also fsyncs it. */
int yc_tb_writer_flush(YcTbWriter *w, bool sync, YcErr *err);

/* Seconds since the last time records reached the file. */
double yc_tb_writer_seconds_since_write(const YcTbWriter *w);

/* Flushes, fsyncs and closes; frees the writer even when that fails. NULL is a no-op. */
int yc_tb_writer_close(YcTbWriter *w, YcErr *err);

/* Now, in unix seconds (fractional). */
double yc_tb_now(void);

#endif
