#include "kernel_runs.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

#define MAX_IMAGE_BYTES (32u << 20)

int yc_show_image_file(YcOut *out, const char *path, YcErr *err) {
    struct stat st;
    if (stat(path, &st)) return yc_err_errno(err, "%s", path);
    if ((size_t)st.st_size > MAX_IMAGE_BYTES) return yc_err(err, "%s: too large to show inline (%lld bytes)", path, (long long)st.st_size);
    char *bytes = NULL;
    size_t size = 0;
    if (yc_read_file(path, &bytes, &size, err)) return -1;
    cJSON *data, *meta;
    const char *slash = strrchr(path, '/');
    int rc = yc_mime_image(bytes, size, slash ? slash + 1 : path, &data, &meta);
    free(bytes);
    if (rc) return yc_err(err, "%s: not a PNG or JPEG image", path);
    yc_out_display(out, data, meta, NULL, false);
    return 0;
}

int yc_show_png(YcOut *out, const YcPng *png, const char *alt, const char *display_id, bool update, YcErr *err) {
    cJSON *data, *meta;
    if (yc_mime_image(png->data, png->size, alt, &data, &meta)) return yc_err(err, "%s: not a PNG", alt);
    yc_out_display(out, data, meta, display_id, update);
    return 0;
}
