/* Pascal VOC -> YOLO layout (see convert.h). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"
#include "convert_xml.h"
#include "data_files.h"
#include "fileio.h"
#include "image.h"

typedef struct VocObject {
    char *name;
    double xmin, ymin, xmax, ymax;
    bool difficult;
    bool valid;            /* the box numbers parsed */
} VocObject;

typedef struct VocImage {
    char id[512];
    char file[512];        /* <filename>, or id.jpg */
    int width, height;     /* from <size>; 0 if absent */
    int nobj;
    VocObject *obj;
    bool parsed;
} VocImage;

static void free_image(VocImage *im) {
    for (int i = 0; i < im->nobj; i++) free(im->obj[i].name);
    free(im->obj);
    im->obj = NULL;
    im->nobj = 0;
}

static bool parse_number(const char *text, double *out) {
    if (!text || !*text) return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *text, int *out) {
    double v;
    if (!parse_number(text, &v) || v != floor(v) || v < 0 || v > 1e8) return false;
    *out = (int)v;
    return true;
}

/* Reads one annotation file; problems go to the report. Returns false when
 * the whole file is unusable. */
static bool read_annotation(const char *path, VocImage *im, YcConvertReport *r) {
    char *text = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(path, &text, &size, &err)) {
        yc_convert_note(r, "%s: %s (image skipped)", path, err.msg);
        return false;
    }
    YcXmlNode root;
    int rc = yc_xml_parse(text, size, &root, &err);
    free(text);
    if (rc) {
        yc_convert_note(r, "%s: invalid XML: %s (image skipped)", path, err.msg);
        return false;
    }
    bool ok = true;
    if (strcmp(root.name, "annotation") != 0) {
        yc_convert_note(r, "%s: root element is <%s>, not <annotation> (image skipped)", path, root.name);
        ok = false;
    }
    const char *fn = yc_xml_child_text(&root, "filename");
    if (fn && *fn && !strchr(fn, '/')) snprintf(im->file, sizeof im->file, "%s", fn);
    else snprintf(im->file, sizeof im->file, "%s.jpg", im->id);
    const YcXmlNode *sz = yc_xml_child(&root, "size");
    if (sz) {
        if (!parse_int(yc_xml_child_text(sz, "width"), &im->width)) im->width = 0;
        if (!parse_int(yc_xml_child_text(sz, "height"), &im->height)) im->height = 0;
    }
    for (int i = 0; ok && i < root.nchildren; i++) {
        const YcXmlNode *o = &root.children[i];
        if (strcmp(o->name, "object") != 0) continue;
        VocObject *g = realloc(im->obj, sizeof *g * (size_t)(im->nobj + 1));
        if (!g) {
            ok = false;
            break;
        }
        im->obj = g;
        VocObject *ob = &im->obj[im->nobj++];
        memset(ob, 0, sizeof *ob);
        const char *name = yc_xml_child_text(o, "name");
        ob->name = strdup(name ? name : "");
        int diff = 0;
        const char *dt = yc_xml_child_text(o, "difficult");
        ob->difficult = dt && parse_int(dt, &diff) && diff == 1;
        const YcXmlNode *bb = yc_xml_child(o, "bndbox");
        ob->valid = bb && parse_number(yc_xml_child_text(bb, "xmin"), &ob->xmin) &&
                    parse_number(yc_xml_child_text(bb, "ymin"), &ob->ymin) &&
                    parse_number(yc_xml_child_text(bb, "xmax"), &ob->xmax) &&
                    parse_number(yc_xml_child_text(bb, "ymax"), &ob->ymax);
    }
    yc_xml_free(&root);
    im->parsed = ok;
    return ok;
}

/* Ids of a split file (first word of each line). */
static int read_ids(const char *path, char ***ids, int *n, YcErr *err) {
    char *text = NULL;
    size_t size = 0;
    *ids = NULL;
    *n = 0;
    if (yc_read_file(path, &text, &size, err)) return -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char id[512];
        if (sscanf(line, "%511s", id) != 1) continue;
        char **g = realloc(*ids, sizeof(char *) * (size_t)(*n + 1));
        if (!g) {
            free(text);
            return yc_err(err, "out of memory");
        }
        *ids = g;
        (*ids)[(*n)++] = strdup(id);
    }
    free(text);
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The stem of every .xml file in Annotations (sorted), for datasets without ImageSets. */
static int all_ids(const char *ann_dir, char ***ids, int *n, YcErr *err) {
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(ann_dir);
    if (!d) return yc_err_errno(err, "cannot read %s", ann_dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0 || e->d_name[0] == '.') continue;
        char **g = realloc(*ids, sizeof(char *) * (size_t)(*n + 1));
        if (!g) {
            closedir(d);
            return yc_err(err, "out of memory");
        }
        *ids = g;
        (*ids)[(*n)++] = strndup(e->d_name, len - 4);
    }
    closedir(d);
    qsort(*ids, (size_t)*n, sizeof(char *), cmp_str);
    return 0;
}

typedef struct Split {
    const char *name;
    char **ids;
    int n;
    VocImage *images;
} Split;

static int class_index(char *const *names, int nc, const char *name) {
    for (int i = 0; i < nc; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* Writes one image and its label file; returns -1 only on a fatal error. */
static int write_image(const YcConvertVocOptions *opt, const char *split, VocImage *im, char *const *names, int nc,
                       YcConvertReport *r, int *difficult, YcErr *err) {
    char src_img[4200], ann[4200];
    snprintf(src_img, sizeof src_img, "%s/JPEGImages/%s", opt->src, im->file);
    snprintf(ann, sizeof ann, "%s/Annotations/%s.xml", opt->src, im->id);
    if (!yc_file_exists(src_img)) {
        yc_convert_note(r, "%s: image %s not found (image skipped)", ann, src_img);
        r->skipped_images++;
        return 0;
    }
    int W = im->width, H = im->height;
    if (W <= 0 || H <= 0) {
        /* no usable <size>: the image header says */
        char *data = NULL;
        size_t size = 0;
        YcImageInfo info;
        YcErr e2;
        if (yc_read_file(src_img, &data, &size, &e2) || yc_image_probe((uint8_t *)data, size, &info, &e2)) {
            yc_convert_note(r, "%s: no <size> and the image cannot be read: %s (image skipped)", ann, e2.msg);
            free(data);
            r->skipped_images++;
            return 0;
        }
        free(data);
        W = info.oriented_w;
        H = info.oriented_h;
    }
    YcStr rows;
    yc_str_init(&rows);
    int kept = 0;
    for (int i = 0; i < im->nobj; i++) {
        VocObject *o = &im->obj[i];
        int k = i + 1; /* objects are numbered from 1 in the reports */
        if (!o->valid) {
            yc_convert_note(r, "%s: object %d (%s): missing or non-numeric bndbox (skipped)", ann, k, o->name);
            r->skipped_boxes++;
            continue;
        }
        if (o->difficult && !opt->keep_difficult) {
            (*difficult)++;
            continue;
        }
        int cls = class_index(names, nc, o->name);
        if (cls < 0) {
            yc_convert_note(r, "%s: object %d: class '%s' is not in classes= (skipped)", ann, k, o->name);
            r->skipped_boxes++;
            continue;
        }
        if (!(o->xmax > o->xmin) || !(o->ymax > o->ymin)) {
            yc_convert_note(r, "%s: object %d (%s): degenerate box xmin=%g ymin=%g xmax=%g ymax=%g (zero %s; skipped)", ann, k,
                            o->name, o->xmin, o->ymin, o->xmax, o->ymax,
                            !(o->xmax > o->xmin) && !(o->ymax > o->ymin) ? "width and height" : !(o->xmax > o->xmin) ? "width" : "height");
            r->skipped_boxes++;
            continue;
        }
        double x1 = o->xmin, y1 = o->ymin, x2 = o->xmax, y2 = o->ymax;
        if (x1 < 0 || y1 < 0 || x2 > W + 1 || y2 > H + 1) {
            double cx1 = fmax(x1, 0), cy1 = fmax(y1, 0), cx2 = fmin(x2, W + 1), cy2 = fmin(y2, H + 1);
            if (!(cx2 > cx1) || !(cy2 > cy1)) {
                yc_convert_note(r, "%s: object %d (%s): box xmin=%g ymin=%g xmax=%g ymax=%g lies outside the %dx%d image (skipped)",
                                ann, k, o->name, x1, y1, x2, y2, W, H);
                r->skipped_boxes++;
                continue;
            }
            yc_convert_note(r, "%s: object %d (%s): box xmin=%g ymin=%g xmax=%g ymax=%g passes the %dx%d image edge (clipped)",
                            ann, k, o->name, x1, y1, x2, y2, W, H);
            x1 = cx1, y1 = cy1, x2 = cx2, y2 = cy2;
        }
        /* the reference's VOC recipe: 1-based pixel coordinates */
        double cx = (x1 + x2) / 2.0 - 1, cy = (y1 + y2) / 2.0 - 1, bw = x2 - x1, bh = y2 - y1;
        yc_convert_row(&rows, cls, cx / W, cy / H, bw / W, bh / H);
        kept++;
    }
    char dst_img[4200], dst_lab[4200], stem[512];
    yc_convert_stem(im->file, stem, sizeof stem);
    snprintf(dst_img, sizeof dst_img, "%s/images/%s/%s", opt->dst, split, im->file);
    snprintf(dst_lab, sizeof dst_lab, "%s/labels/%s/%s.txt", opt->dst, split, stem);
    int rc = rows.failed ? yc_err(err, "out of memory") : 0;
    if (rc == 0) rc = yc_convert_copy(src_img, dst_img, err);
    if (rc == 0) rc = yc_write_file_atomic(dst_lab, rows.data ? rows.data : "", rows.len, err);
    yc_str_free(&rows);
    if (rc) return -1;
    r->images++;
    r->boxes += kept;
    return 0;
}

int yc_convert_voc(const YcConvertVocOptions *opt, YcConvertReport *r, YcErr *err) {
    memset(r, 0, sizeof *r);
    char ann_dir[4200], jpg_dir[4200], sets[4200];
    snprintf(ann_dir, sizeof ann_dir, "%s/Annotations", opt->src);
    snprintf(jpg_dir, sizeof jpg_dir, "%s/JPEGImages", opt->src);
    snprintf(sets, sizeof sets, "%s/ImageSets/Main", opt->src);
    if (!yc_dir_exists(opt->src)) return yc_err(err, "src: %s is not a directory", opt->src);
    if (!yc_dir_exists(ann_dir)) return yc_err(err, "src: %s has no Annotations/ directory (not a Pascal VOC dataset)", opt->src);
    if (!yc_dir_exists(jpg_dir)) return yc_err(err, "src: %s has no JPEGImages/ directory (not a Pascal VOC dataset)", opt->src);

    Split splits[3] = {{"train", NULL, 0, NULL}, {"val", NULL, 0, NULL}, {"test", NULL, 0, NULL}};
    int nsplits = 0, rc = 0;
    char **names = NULL;
    int nc = 0;
    for (int i = 0; i < 3; i++) {
        char f[4300];
        snprintf(f, sizeof f, "%s/%s.txt", sets, splits[i].name);
        if (yc_file_exists(f)) {
            if (read_ids(f, &splits[i].ids, &splits[i].n, err)) {
                rc = -1;
                goto done;
            }
            nsplits++;
        }
    }
    if (nsplits == 0) {
        yc_convert_note(r, "%s: no ImageSets/Main/{train,val,test}.txt: every annotation goes to train", opt->src);
        if (all_ids(ann_dir, &splits[0].ids, &splits[0].n, err)) {
            rc = -1;
            goto done;
        }
    }

    /* read every annotation first: the class list may come from them */
    for (int s = 0; s < 3; s++) {
        splits[s].images = calloc((size_t)(splits[s].n > 0 ? splits[s].n : 1), sizeof(VocImage));
        if (!splits[s].images) {
            rc = yc_err(err, "out of memory");
            goto done;
        }
        for (int i = 0; i < splits[s].n; i++) {
            VocImage *im = &splits[s].images[i];
            snprintf(im->id, sizeof im->id, "%s", splits[s].ids[i]);
            char path[4300];
            snprintf(path, sizeof path, "%s/%s.xml", ann_dir, im->id);
            if (!read_annotation(path, im, r)) r->skipped_images++;
        }
    }
    if (opt->classes && *opt->classes) {
        if (yc_convert_split_list(opt->classes, &names, &nc, err)) {
            rc = yc_err_prefix(err, "classes");
            goto done;
        }
        if (nc == 0) {
            rc = yc_err(err, "classes: expected a comma-separated list of class names");
            goto done;
        }
    } else {
        for (int s = 0; s < 3; s++)
            for (int i = 0; i < splits[s].n; i++) {
                VocImage *im = &splits[s].images[i];
                for (int k = 0; im->parsed && k < im->nobj; k++) {
                    VocObject *o = &im->obj[k];
                    if (!o->name[0] || (o->difficult && !opt->keep_difficult) || class_index(names, nc, o->name) >= 0) continue;
                    char **g = realloc(names, sizeof(char *) * (size_t)(nc + 1));
                    if (!g) {
                        rc = yc_err(err, "out of memory");
                        goto done;
                    }
                    names = g;
                    names[nc++] = strdup(o->name);
                }
            }
        qsort(names, (size_t)nc, sizeof(char *), cmp_str);
        if (nc == 0) {
            rc = yc_err(err, "%s: no objects with a class name found", opt->src);
            goto done;
        }
    }
    r->nc = nc;
    int difficult = 0;
    for (int s = 0; s < 3; s++) {
        if (splits[s].n == 0) continue;
        char d1[4300], d2[4300];
        snprintf(d1, sizeof d1, "%s/images/%s", opt->dst, splits[s].name);
        snprintf(d2, sizeof d2, "%s/labels/%s", opt->dst, splits[s].name);
        if (yc_mkdirs(d1, err) || yc_mkdirs(d2, err)) {
            rc = -1;
            goto done;
        }
        int before = r->images;
        for (int i = 0; i < splits[s].n; i++) {
            VocImage *im = &splits[s].images[i];
            if (!im->parsed) continue;
            if (write_image(opt, splits[s].name, im, names, nc, r, &difficult, err)) {
                rc = -1;
                goto done;
            }
        }
        yc_convert_record_split(r, splits[s].name, r->images - before);
    }
    if (difficult)
        yc_convert_note(r, "%d objects marked difficult were left out, as the reference's VOC recipe does (difficult=true keeps them)",
                        difficult);
    char yaml[4200];
    if (opt->yaml && *opt->yaml) snprintf(yaml, sizeof yaml, "%s", opt->yaml);
    else yc_convert_default_yaml(opt->dst, yaml, sizeof yaml);
    char source[4300];
    snprintf(source, sizeof source, "Pascal VOC (%s)", opt->src);
    rc = yc_convert_write_yaml(yaml, opt->dst, names, nc, source, r, err);
done:
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < splits[s].n; i++) {
            free(splits[s].ids[i]);
            if (splits[s].images) free_image(&splits[s].images[i]);
        }
        free(splits[s].ids);
        free(splits[s].images);
    }
    for (int i = 0; i < nc; i++) free(names[i]);
    free(names);
    return rc;
}
