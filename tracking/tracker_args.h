/* The run's arguments as TensorBoard sees them: hparams (for the HParams
 * dashboard) and a markdown table (text dashboard). Internal to tracking/. */
#ifndef YC_TRACKER_ARGS_H
#define YC_TRACKER_ARGS_H

#include "args.h"
#include "strbuf.h"
#include "tb_summary.h"

/* The hparams of a run: every argument except the prediction-only ones,
 * mode and cfg. Booleans are BOOL, numbers NUMBER, the rest their args.yaml
 * text. texts must hold YC_ARGS_HPARAM_MAX entries; returns the count. */
#define YC_ARGS_HPARAM_MAX 128
int yc_args_hparams(const YcArgs *args, YcTbHParam *out, char (*texts)[256]);

/* The metric tags the HParams dashboard shows for each run. */
extern const char *const yc_hparam_metric_tags[];
extern const int yc_hparam_metric_count;

/* "| argument | value |" markdown table of every argument. */
void yc_args_markdown(const YcArgs *args, YcStr *out);

#endif
