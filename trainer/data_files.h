/* Image file lists for a dataset split, and the images/ -> labels/ mapping. */
#ifndef YC_DATA_FILES_H
#define YC_DATA_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "data_config.h"
#include "error.h"

/* Image file extensions the reference lists (lower case, no dot). We decode
 * JPEG and PNG; others are listed and then reported as unsupported. */
bool yc_is_image_name(const char *path);

/* An absolute path with "." and ".." removed lexically (relative paths are
 * taken from the current directory). */
void yc_path_normalize(const char *path, char *out, size_t cap);

/* Every image named by the sources: directories are walked recursively
 * (hidden names skipped), .txt files list one image per line ("./x" and other
 * relative lines are relative to the list's directory). Sorted by path
 * (byte order), duplicates kept as the reference keeps them. The caller
 * frees each path and the array. */
int yc_list_images(const YcDataSources *sources, char ***files, int *count, YcErr *err);
void yc_free_list(char **files, int count);

/* The label file of an image: the last "/images/" becomes "/labels/" and the
 * extension becomes ".txt". */
void yc_label_path(const char *image, char *out, size_t cap);

#endif
