/* File helpers every layer uses: atomic writes (temp file, fsync, rename), so
 * that a crash or kill at any moment leaves either the old or the new file,
 * never a torn one; whole-file reads; directory creation. */
#ifndef YC_FILEIO_H
#define YC_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Writes data to path atomically: path.tmp.<pid>, fsync, rename, fsync dir. */
int yc_write_file_atomic(const char *path, const void *data, size_t size, YcErr *err);

/* An atomic writer for content produced in pieces. */
typedef struct YcAtomicFile {
    char path[4096];
    char tmp_path[4096 + 32];
    int fd;
} YcAtomicFile;

int yc_atomic_open(YcAtomicFile *f, const char *path, YcErr *err);
int yc_atomic_write(YcAtomicFile *f, const void *data, size_t size, YcErr *err);
/* fsync + rename; on failure removes the temp file. */
int yc_atomic_commit(YcAtomicFile *f, YcErr *err);
/* Drops the temp file (after an error). */
void yc_atomic_abort(YcAtomicFile *f);

/* Reads a whole file into a malloc'd buffer (NUL-terminated; size excludes the NUL). */
int yc_read_file(const char *path, char **data, size_t *size, YcErr *err);

/* mkdir -p. */
int yc_mkdirs(const char *path, YcErr *err);

bool yc_file_exists(const char *path);
bool yc_dir_exists(const char *path);

/* dst = a/b (b absolute: b alone). Returns -1 if it does not fit. */
int yc_path_join(char *dst, size_t cap, const char *a, const char *b);

/* The directory part of path into dst ("." if none). */
void yc_path_dirname(char *dst, size_t cap, const char *path);

#endif
