/* Showing a run's images in a cell. Everything else about runs (finding
 * them, run.json, results.csv, listing, plots) comes from tracking/
 * (run_find.h, runs_list.h, compare.h, plot.h). */
#ifndef YC_KERNEL_RUNS_H
#define YC_KERNEL_RUNS_H

#include <stdbool.h>

#include "error.h"
#include "kernel_output.h"
#include "plot_png.h"

/* Shows a PNG or JPEG file as display_data; -1 with err if it is missing,
 * too large or not an image. */
int yc_show_image_file(YcOut *out, const char *path, YcErr *err);

/* Shows an encoded PNG as display_data (alt: its text/plain fallback);
 * with display_id, update = update_display_data of that display. */
int yc_show_png(YcOut *out, const YcPng *png, const char *alt, const char *display_id, bool update, YcErr *err);

#endif
