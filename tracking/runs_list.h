/* Listing runs: the run.json of every directory in a project (default
 * runs/detect), for `yoloc runs` and the kernel. */
#ifndef YC_RUNS_LIST_H
#define YC_RUNS_LIST_H

#include <stdbool.h>

#include "error.h"
#include "run_record.h"
#include "strbuf.h"

typedef struct YcRunInfo {
    char dir[4096];          /* the run directory as found */
    YcRunRecord rec;
    bool process_gone;       /* status running, but its process (on this host) no longer exists */
    double duration_s;       /* end - start, or now - start while running; NAN if unknown */
} YcRunInfo;

/* Runs under project (default runs/detect): its subdirectories holding a
 * run.json, one level deeper for those without (project=runs finds
 * runs/detect/train), and project itself if it is a run; oldest first. Unreadable run.json files are skipped; *skipped counts them (may be NULL). */
int yc_runs_list(const char *project, YcRunInfo **runs, int *count, int *skipped, YcErr *err);

/* One run directory's run.json (a missing or broken file is an error naming
 * it), with process_gone and duration_s filled. */
int yc_run_info_read(const char *dir, YcRunInfo *info, YcErr *err);

/* "running", "finished", "interrupted", "failed", or "killed" for a running
 * record whose process is gone (killed without a chance to write its end). */
const char *yc_run_display_status(const YcRunInfo *run);

/* "45s", "3m12s", "2h05m", "-" for unknown. */
void yc_format_duration(double seconds, char *buf, size_t cap);

/* The table's headers and one run's cells (name: its path below project). */
#define YC_RUNS_COLUMNS 7
extern const char *const yc_runs_headers[YC_RUNS_COLUMNS];
void yc_runs_cells(const YcRunInfo *run, const char *project, char cells[YC_RUNS_COLUMNS][256]);

/* A text table: name (the path below project), status, epochs (done/total),
 * best epoch, best mAP50-95, duration, start. */
void yc_runs_table(const YcRunInfo *runs, int count, const char *project, YcStr *out);

#endif
