/* JPEG files from RGB pixels (see plot.h). */
#include <stdlib.h>
#include <turbojpeg.h>

#include "fileio.h"
#include "plot.h"

int yc_jpeg_save_rgb(const uint8_t *rgb, int h, int w, int quality, const char *path, YcErr *err) {
    if (!rgb || h <= 0 || w <= 0) return yc_err(err, "%s: no image to save (%dx%d)", path, w, h);
    if (quality < 1 || quality > 100) return yc_err(err, "%s: JPEG quality %d outside 1..100", path, quality);
    tjhandle tj = tjInitCompress();
    if (!tj) return yc_err(err, "%s: cannot start the JPEG encoder", path);
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    int rc = 0;
    if (tjCompress2(tj, rgb, w, w * 3, h, TJPF_RGB, &jpeg, &size, TJSAMP_420, quality, 0) != 0)
        rc = yc_err(err, "%s: JPEG encoding failed: %s", path, tjGetErrorStr2(tj));
    else
        rc = yc_write_file_atomic(path, jpeg, size, err);
    tjFree(jpeg);
    tjDestroy(tj);
    return rc;
}
