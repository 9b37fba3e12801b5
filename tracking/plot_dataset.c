/* Dataset-based plots (see plot_dataset.h). */
#define _DEFAULT_SOURCE
#include "plot_dataset.h"

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <turbojpeg.h>
#include <yaml.h>

#include "args.h"
#include "fileio.h"
#include "plot.h"
#include "share.h"

#define BATCH_IMAGES 16

static int has_image_ext(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    static const char *exts[] = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i]) == 0) return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int add_image(YcDatasetView *v, const char *path, int *cap, YcErr *err) {
    if (v->nimages == *cap) {
        int bigger = *cap ? *cap * 2 : 256;
        char **p = realloc(v->images, sizeof(char *) * (size_t)bigger);
        if (!p) return yc_err(err, "%s: out of memory", v->yaml);
        v->images = p;
        *cap = bigger;
    }
    v->images[v->nimages] = strdup(path);
    if (!v->images[v->nimages]) return yc_err(err, "%s: out of memory", v->yaml);
    v->nimages++;
    return 0;
}

/* A train entry: a directory of images, or a .txt file listing them. */
static int add_entry(YcDatasetView *v, const char *entry, int *cap, YcErr *err) {
    char path[4096];
    if (yc_path_join(path, sizeof path, v->root, entry)) return yc_err(err, "%s: path too long", entry);
    if (yc_dir_exists(path)) {
        DIR *d = opendir(path);
        if (!d) return yc_err_errno(err, "%s: cannot list %s", v->yaml, path);
        struct dirent *de;
        int rc = 0;
        while (rc == 0 && (de = readdir(d))) {
            if (!has_image_ext(de->d_name)) continue;
            char file[4096 + 256];
            snprintf(file, sizeof file, "%s/%s", path, de->d_name);
            rc = add_image(v, file, cap, err);
        }
        closedir(d);
        return rc;
    }
    if (yc_file_exists(path)) {
        char *text;
        size_t size;
        if (yc_read_file(path, &text, &size, err)) return -1;
        int rc = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\r\n", &save); line && rc == 0; line = strtok_r(NULL, "\r\n", &save)) {
            if (!*line) continue;
            char file[8192];
            if (line[0] == '.' && line[1] == '/') line += 2;
            if (yc_path_join(file, sizeof file, v->root, line)) continue;
            rc = add_image(v, file, cap, err);
        }
        free(text);
        return rc;
    }
    return yc_err(err, "%s: train: %s does not exist", v->yaml, path);
}

void yc_dataset_view_free(YcDatasetView *v) {
    for (int i = 0; i < v->nimages; i++) free(v->images[i]);
    free(v->images);
    free(v->names);
    memset(v, 0, sizeof *v);
}

static const char *scalar(yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int yc_dataset_view_open(const char *data, YcDatasetView *v, YcErr *err) {
    memset(v, 0, sizeof *v);
    if (!data || !data[0]) return yc_err(err, "args.yaml has no data= (the dataset YAML)");
    if (yc_resolve_share_file(data, "datasets", v->yaml, sizeof v->yaml, err)) return -1;
    FILE *fp = fopen(v->yaml, "rb");
    if (!fp) return yc_err_errno(err, "cannot open %s", v->yaml);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &doc)) {
        yc_err(err, "%s:%zu: invalid YAML", v->yaml, parser.problem_mark.line + 1);
        yaml_parser_delete(&parser);
        fclose(fp);
        return -1;
    }
    int rc = 0, cap = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *path_node = NULL, *train = NULL, *names = NULL;
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = yc_err(err, "%s: not a mapping", v->yaml);
        goto done;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *key = scalar(yaml_document_get_node(&doc, p->key));
        yaml_node_t *value = yaml_document_get_node(&doc, p->value);
        if (!key) continue;
        if (strcmp(key, "path") == 0) path_node = value;
        else if (strcmp(key, "train") == 0) train = value;
        else if (strcmp(key, "names") == 0) names = value;
    }
    /* root: path relative to the YAML's directory (then to the current one) */
    char yaml_dir[4096];
    yc_path_dirname(yaml_dir, sizeof yaml_dir, v->yaml);
    const char *p = scalar(path_node);
    if (!p || !*p) snprintf(v->root, sizeof v->root, "%s", yaml_dir);
    else if (p[0] == '/') snprintf(v->root, sizeof v->root, "%s", p);
    else if (yc_path_join(v->root, sizeof v->root, yaml_dir, p) || !yc_dir_exists(v->root))
        snprintf(v->root, sizeof v->root, "%s", p);
    /* names: a list, or a mapping index -> name */
    if (names && names->type == YAML_SEQUENCE_NODE) {
        v->nc = (int)(names->data.sequence.items.top - names->data.sequence.items.start);
        v->names = calloc((size_t)(v->nc ? v->nc : 1), sizeof *v->names);
        for (int i = 0; v->names && i < v->nc; i++) {
            const char *s = scalar(yaml_document_get_node(&doc, names->data.sequence.items.start[i]));
            snprintf(v->names[i], sizeof v->names[i], "%s", s ? s : "?");
        }
    } else if (names && names->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *q = names->data.mapping.pairs.start; q < names->data.mapping.pairs.top; q++) {
            const char *k = scalar(yaml_document_get_node(&doc, q->key));
            if (k && atoi(k) + 1 > v->nc) v->nc = atoi(k) + 1;
        }
        v->names = calloc((size_t)(v->nc ? v->nc : 1), sizeof *v->names);
        for (yaml_node_pair_t *q = names->data.mapping.pairs.start; v->names && q < names->data.mapping.pairs.top; q++) {
            const char *k = scalar(yaml_document_get_node(&doc, q->key));
            const char *s = scalar(yaml_document_get_node(&doc, q->value));
            if (k && atoi(k) >= 0 && atoi(k) < v->nc) snprintf(v->names[atoi(k)], sizeof v->names[0], "%s", s ? s : "?");
        }
    } else {
        rc = yc_err(err, "%s: 'names' must be a list or a mapping of class names", v->yaml);
        goto done;
    }
    if (!v->names) {
        rc = yc_err(err, "%s: out of memory", v->yaml);
        goto done;
    }
    if (!train) {
        rc = yc_err(err, "%s: no 'train' key", v->yaml);
        goto done;
    }
    if (train->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = train->data.sequence.items.start; rc == 0 && it < train->data.sequence.items.top; it++) {
            const char *s = scalar(yaml_document_get_node(&doc, *it));
            if (s) rc = add_entry(v, s, &cap, err);
        }
    } else if (scalar(train)) {
        rc = add_entry(v, scalar(train), &cap, err);
    }
    if (rc == 0 && v->nimages == 0) rc = yc_err(err, "%s: no training images found under %s", v->yaml, v->root);
    if (rc == 0) qsort(v->images, (size_t)v->nimages, sizeof(char *), cmp_str);
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    if (rc) yc_dataset_view_free(v);
    return rc;
}

/* .../images/x.jpg -> .../labels/x.txt */
static int label_path(const char *image, char *out, size_t cap) {
    const char *at = NULL;
    for (const char *s = strstr(image, "/images/"); s; s = strstr(s + 1, "/images/")) at = s;
    int n = at ? snprintf(out, cap, "%.*s/labels/%s", (int)(at - image), image, at + 8) : snprintf(out, cap, "%s", image);
    if (n < 0 || (size_t)n >= cap) return -1;
    char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (dot && (!slash || dot > slash)) *dot = '\0';
    if (strlen(out) + 5 > cap) return -1;
    strcat(out, ".txt");
    return 0;
}

int yc_dataset_read_labels(const char *image_path, float **rows, int *count, int *cap, YcErr *err) {
    char path[8192];
    if (label_path(image_path, path, sizeof path)) return yc_err(err, "%s: path too long", image_path);
    if (!yc_file_exists(path)) return 0;
    char *text;
    size_t size;
    if (yc_read_file(path, &text, &size, err)) return -1;
    char *save = NULL;
    int line_no = 0, rc = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        double v[2048];
        int n = 0;
        char *p = line, *end;
        while (n < 2048) {
            double x = strtod(p, &end);
            if (end == p) break;
            v[n++] = x;
            p = end;
        }
        if (n == 0) continue;
        if (n < 5) {
            rc = yc_err(err, "%s:%d: expected 'class cx cy w h', got %d numbers", path, line_no, n);
            break;
        }
        float row[5] = {(float)v[0], (float)v[1], (float)v[2], (float)v[3], (float)v[4]};
        if (n > 5) { /* a polygon: its bounding box */
            double x0 = 1, y0 = 1, x1 = 0, y1 = 0;
            for (int k = 1; k + 1 < n; k += 2) {
                x0 = fmin(x0, v[k]), x1 = fmax(x1, v[k]);
                y0 = fmin(y0, v[k + 1]), y1 = fmax(y1, v[k + 1]);
            }
            row[1] = (float)((x0 + x1) / 2), row[2] = (float)((y0 + y1) / 2);
            row[3] = (float)(x1 - x0), row[4] = (float)(y1 - y0);
        }
        if (*count == *cap) {
            int bigger = *cap ? *cap * 2 : 1024;
            float *r = realloc(*rows, sizeof(float) * 5 * (size_t)bigger);
            if (!r) {
                rc = yc_err(err, "%s: out of memory", path);
                break;
            }
            *rows = r;
            *cap = bigger;
        }
        memcpy(*rows + (size_t)*count * 5, row, sizeof row);
        (*count)++;
    }
    free(text);
    return rc;
}

static int load_run_args(const char *run_dir, YcArgs *args, YcErr *err) {
    char path[4096];
    if (yc_path_join(path, sizeof path, run_dir, "args.yaml")) return yc_err(err, "%s: path too long", run_dir);
    yc_args_defaults(args);
    if (!yc_file_exists(path)) return yc_err(err, "%s: no args.yaml (needed to find the dataset)", run_dir);
    return yc_args_load_yaml(args, path, YC_SRC_CFG, err);
}

static const char *const *name_list(const YcDatasetView *v, const char **list) {
    for (int i = 0; i < v->nc; i++) list[i] = v->names[i];
    return list;
}

int yc_plot_dataset_labels(const char *run_dir, YcPng *out, YcErr *err) {
    YcArgs args;
    YcDatasetView v;
    if (load_run_args(run_dir, &args, err) || yc_dataset_view_open(args.data, &v, err)) return -1;
    float *rows = NULL;
    int count = 0, cap = 0, rc = 0;
    for (int i = 0; i < v.nimages && rc == 0; i++) rc = yc_dataset_read_labels(v.images[i], &rows, &count, &cap, err);
    const char **names = calloc((size_t)(v.nc ? v.nc : 1), sizeof(char *));
    if (rc == 0 && !names) rc = yc_err(err, "labels: out of memory");
    if (rc == 0) {
        YcLabelSet set = {rows, count, name_list(&v, names), v.nc};
        rc = yc_plot_labels(&set, out, err);
    }
    free(names);
    free(rows);
    yc_dataset_view_free(&v);
    return rc;
}

/* Decodes a JPEG (TurboJPEG) or PNG (libpng) file to RGB. */
static int decode_image(const char *path, unsigned char **rgb, int *w, int *h, YcErr *err) {
    char *data;
    size_t size;
    *rgb = NULL;
    if (yc_read_file(path, &data, &size, err)) return -1;
    int rc = -1;
    if (size > 8 && memcmp(data, "\x89PNG", 4) == 0) {
        png_image img;
        memset(&img, 0, sizeof img);
        img.version = PNG_IMAGE_VERSION;
        if (png_image_begin_read_from_memory(&img, data, size)) {
            img.format = PNG_FORMAT_RGB;
            *rgb = malloc(PNG_IMAGE_SIZE(img));
            if (*rgb && png_image_finish_read(&img, NULL, *rgb, 0, NULL)) {
                *w = (int)img.width, *h = (int)img.height;
                rc = 0;
            }
            png_image_free(&img);
        }
    } else {
        tjhandle tj = tjInitDecompress();
        int subsamp, colorspace;
        if (tj && tjDecompressHeader3(tj, (unsigned char *)data, (unsigned long)size, w, h, &subsamp, &colorspace) == 0 &&
            *w > 0 && *h > 0 && (size_t)*w * (size_t)*h < (size_t)1 << 28) {
            *rgb = malloc((size_t)*w * (size_t)*h * 3);
            if (*rgb && tjDecompress2(tj, (unsigned char *)data, (unsigned long)size, *rgb, *w, 0, *h, TJPF_RGB, 0) == 0)
                rc = 0;
        }
        if (tj) tjDestroy(tj);
    }
    free(data);
    if (rc) {
        free(*rgb);
        *rgb = NULL;
        return yc_err(err, "%s: cannot decode (JPEG and PNG are supported here)", path);
    }
    return 0;
}

/* Letterboxes an RGB image into dst (3 x size x size, grey 114 padding) and
 * returns the scale and offsets used (for the labels). */
static void letterbox(const unsigned char *rgb, int w, int h, int size, uint8_t *dst, double *r, double *px, double *py) {
    cairo_surface_t *src = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_surface_t *out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
    unsigned char *sd = cairo_image_surface_get_data(src);
    int ss = cairo_image_surface_get_stride(src);
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(sd + (size_t)y * ss);
        const unsigned char *p = rgb + (size_t)y * w * 3;
        for (int x = 0; x < w; x++) row[x] = (uint32_t)p[3 * x] << 16 | (uint32_t)p[3 * x + 1] << 8 | p[3 * x + 2];
    }
    cairo_surface_mark_dirty(src);
    *r = fmin((double)size / w, (double)size / h);
    double nw = round(w * *r), nh = round(h * *r);
    *px = (size - nw) / 2, *py = (size - nh) / 2;
    cairo_t *cr = cairo_create(out);
    cairo_set_source_rgb(cr, 114 / 255.0, 114 / 255.0, 114 / 255.0);
    cairo_paint(cr);
    cairo_translate(cr, round(*px), round(*py));
    cairo_scale(cr, nw / w, nh / h);
    cairo_set_source_surface(cr, src, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(out);
    unsigned char *od = cairo_image_surface_get_data(out);
    int os = cairo_image_surface_get_stride(out);
    size_t plane = (size_t)size * size;
    for (int y = 0; y < size; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(od + (size_t)y * os);
        for (int x = 0; x < size; x++) {
            size_t i = (size_t)y * size + x;
            dst[i] = (uint8_t)(row[x] >> 16), dst[plane + i] = (uint8_t)(row[x] >> 8), dst[2 * plane + i] = (uint8_t)row[x];
        }
    }
    *px = round(*px), *py = round(*py);
    *r = nw / w; /* the scale actually used horizontally (vertical differs by < 1 px) */
    cairo_surface_destroy(src);
    cairo_surface_destroy(out);
}

int yc_plot_dataset_batch(const char *run_dir, YcPng *out, YcErr *err) {
    YcArgs args;
    YcDatasetView v;
    if (load_run_args(run_dir, &args, err) || yc_dataset_view_open(args.data, &v, err)) return -1;
    int size = args.imgsz.h > 0 ? args.imgsz.h : 640;
    int n = v.nimages < BATCH_IMAGES ? v.nimages : BATCH_IMAGES;
    uint8_t *images = malloc((size_t)n * 3 * size * size);
    float *boxes = NULL, *labels = NULL;
    int nboxes = 0, rc = images ? 0 : yc_err(err, "batch: out of memory");
    const char **names = calloc((size_t)(v.nc ? v.nc : 1), sizeof(char *));
    if (rc == 0 && !names) rc = yc_err(err, "batch: out of memory");
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned char *rgb;
        int w, h;
        if ((rc = decode_image(v.images[i], &rgb, &w, &h, err))) break;
        double r, px, py;
        letterbox(rgb, w, h, size, images + (size_t)i * 3 * size * size, &r, &px, &py);
        free(rgb);
        int count = 0, cap = 0;
        if ((rc = yc_dataset_read_labels(v.images[i], &labels, &count, &cap, err))) break;
        float *more = realloc(boxes, sizeof(float) * 6 * (size_t)(nboxes + count + 1));
        if (!more) {
            rc = yc_err(err, "batch: out of memory");
            break;
        }
        boxes = more;
        for (int k = 0; k < count; k++) {
            const float *l = labels + k * 5;
            float *b = boxes + (size_t)(nboxes + k) * 6;
            b[0] = (float)i, b[1] = l[0];
            b[2] = (float)((l[1] * w * r + px) / size), b[3] = (float)((l[2] * h * r + py) / size);
            b[4] = (float)(l[3] * w * r / size), b[5] = (float)(l[4] * h * r / size);
        }
        nboxes += count;
        free(labels);
        labels = NULL;
    }
    if (rc == 0) {
        YcImageBatch batch = {.images = images, .n = n, .h = size, .w = size, .boxes = boxes, .count = nboxes,
                              .names = name_list(&v, names), .nc = v.nc, .paths = (const char *const *)v.images};
        rc = yc_plot_image_grid(&batch, out, err);
    }
    free(labels);
    free(boxes);
    free(images);
    free(names);
    yc_dataset_view_free(&v);
    return rc;
}
