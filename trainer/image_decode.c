/* Decoding dispatch and JPEG through libjpeg-turbo's TurboJPEG API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "fileio.h"
#include "image.h"
#include "image_png.h"

static int unsupported(YcImageFormat f, YcErr *err) {
    if (f == YC_FMT_UNKNOWN) return yc_err(err, "not a JPEG or PNG image (unrecognised file header)");
    return yc_err(err, "%s images are not supported (yoloc reads JPEG and PNG)", yc_image_format_name(f));
}

static int jpeg_probe(const uint8_t *data, size_t size, YcImageInfo *info, YcErr *err) {
    tjhandle tj = tjInitDecompress();
    if (!tj) return yc_err(err, "cannot start the JPEG decoder");
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    int rc = tjDecompressHeader3(tj, data, (unsigned long)size, &w, &h, &subsamp, &colorspace);
    if (rc != 0) {
        yc_err(err, "corrupt JPEG header: %s", tjGetErrorStr2(tj));
        tjDestroy(tj);
        return -1;
    }
    tjDestroy(tj);
    info->w = w;
    info->h = h;
    info->channels = colorspace == TJCS_GRAY ? 1 : (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) ? 4 : 3;
    info->orientation = yc_jpeg_exif_orientation(data, size);
    info->jpeg_complete = size >= 2 && data[size - 2] == 0xFF && data[size - 1] == 0xD9;
    return 0;
}

int yc_image_probe(const uint8_t *data, size_t size, YcImageInfo *info, YcErr *err) {
    memset(info, 0, sizeof *info);
    info->orientation = 1;
    info->format = yc_image_sniff(data, size);
    int rc;
    if (info->format == YC_FMT_JPEG) rc = jpeg_probe(data, size, info, err);
    else if (info->format == YC_FMT_PNG) rc = yc_png_probe(data, size, &info->w, &info->h, &info->channels, err);
    else return unsupported(info->format, err);
    if (rc) return -1;
    if (info->w <= 0 || info->h <= 0) return yc_err(err, "invalid image size %dx%d", info->w, info->h);
    bool swap = info->orientation >= 5;
    info->oriented_w = swap ? info->h : info->w;
    info->oriented_h = swap ? info->w : info->h;
    return 0;
}

/* Adobe-inverted CMYK to RGB, as OpenCV's JPEG reader converts it. */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t pixels) {
    for (size_t i = 0; i < pixels; i++, cmyk += 4, rgb += 3) {
        int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        rgb[0] = (uint8_t)(k - ((255 - c) * k >> 8));
        rgb[1] = (uint8_t)(k - ((255 - m) * k >> 8));
        rgb[2] = (uint8_t)(k - ((255 - y) * k >> 8));
    }
}

static int jpeg_decode(const uint8_t *data, size_t size, bool strict, uint8_t *buf, size_t cap, YcImage *out,
                       YcErr *err) {
    out->data = NULL;
    tjhandle tj = tjInitDecompress();
    if (!tj) return yc_err(err, "cannot start the JPEG decoder");
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    if (tjDecompressHeader3(tj, data, (unsigned long)size, &w, &h, &subsamp, &colorspace) != 0) {
        yc_err(err, "corrupt JPEG header: %s", tjGetErrorStr2(tj));
        tjDestroy(tj);
        return -1;
    }
    bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    YcImage raw = {0};
    int orientation = yc_jpeg_exif_orientation(data, size);
    bool into_buf = buf && !cmyk && orientation == 1 && (long long)w * h <= YC_IMAGE_MAX_PIXELS &&
                    yc_image_alloc_bytes(h, w, 3) <= cap;
    if (into_buf) {
        raw = (YcImage){.h = h, .w = w, .c = 3, .data = buf};
    } else if (yc_image_alloc(&raw, h, w, cmyk ? 4 : 3, err)) {
        tjDestroy(tj);
        return -1;
    }
    int flags = strict ? TJFLAG_STOPONWARNING : 0;
    if (tjDecompress2(tj, data, (unsigned long)size, raw.data, w, 0, h, cmyk ? TJPF_CMYK : TJPF_RGB, flags) != 0) {
        bool warning = tjGetErrorCode(tj) == TJERR_WARNING;
        if (strict || !warning) {
            yc_err(err, "corrupt JPEG data: %s", tjGetErrorStr2(tj));
            tjDestroy(tj);
            if (!into_buf) yc_image_free(&raw);
            return -1;
        }
        /* a warning (e.g. premature end of data): the decoder filled what it could */
    }
    tjDestroy(tj);
    if (cmyk) {
        YcImage rgb;
        if (yc_image_alloc(&rgb, h, w, 3, err)) {
            yc_image_free(&raw);
            return -1;
        }
        cmyk_to_rgb(raw.data, rgb.data, (size_t)w * h);
        yc_image_free(&raw);
        raw = rgb;
    }
    if (orientation != 1) {
        YcImage turned;
        int rc = yc_image_orient(&raw, orientation, &turned, err);
        yc_image_free(&raw);
        if (rc) return -1;
        raw = turned;
    }
    *out = raw;
    return 0;
}

int yc_image_decode(const uint8_t *data, size_t size, bool strict, YcImage *out, YcErr *err) {
    out->data = NULL;
    out->h = out->w = out->c = 0;
    YcImageFormat f = yc_image_sniff(data, size);
    if (f == YC_FMT_JPEG) return jpeg_decode(data, size, strict, NULL, 0, out, err);
    if (f == YC_FMT_PNG) return yc_png_decode(data, size, out, err);
    return unsupported(f, err);
}

int yc_image_read(const char *path, YcImage *out, YcErr *err) {
    return yc_image_read_into(path, NULL, 0, out, err);
}

int yc_image_read_into(const char *path, uint8_t *buf, size_t cap, YcImage *out, YcErr *err) {
    char *data = NULL;
    size_t size = 0;
    out->data = NULL;
    if (yc_read_file(path, &data, &size, err)) return -1;
    int rc;
    if (yc_image_sniff((const uint8_t *)data, size) == YC_FMT_JPEG) {
        out->h = out->w = out->c = 0;
        rc = jpeg_decode((const uint8_t *)data, size, false, buf, cap, out, err);
    } else {
        rc = yc_image_decode((const uint8_t *)data, size, false, out, err);
    }
    free(data);
    if (rc) return yc_err_prefix(err, "%s", path);
    return 0;
}
