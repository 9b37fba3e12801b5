/* Finding the files yoloc ships (share/: model YAMLs, datasets, kernelspec).
 * Search order: $YOLOC_HOME/share, then <dir of the running program>/../share. */
#ifndef YC_SHARE_H
#define YC_SHARE_H

#include <stddef.h>

#include "error.h"

/* The share directory, or -1 with an error saying where it looked. */
int yc_share_dir(char *out, size_t cap, YcErr *err);

/* Resolves a user-given file name: the path itself if it exists (relative to
 * the current directory), else share/<subdir>/<name>. Errors name both places. */
int yc_resolve_share_file(const char *name, const char *subdir, char *out, size_t cap, YcErr *err);

#endif
