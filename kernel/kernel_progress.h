/* The live display of a job in its cell: a progress bar (epoch, batch,
 * losses, images/s, time left) and the table of finished epochs, as
 * text/plain and text/html, rebuilt from the job's state at each update. */
#ifndef YC_KERNEL_PROGRESS_H
#define YC_KERNEL_PROGRESS_H

#include <cjson/cJSON.h>

#include "kernel_jobs.h"

/* The MIME bundle (caller owns it). */
cJSON *yc_progress_bundle(const YcJob *job);

/* "1:02:03" or "02:03"; "-" when unknown. */
void yc_kernel_format_duration(double seconds, char *out, size_t cap);

#endif
