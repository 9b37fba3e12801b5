/* The importers: the XML reader on good and broken input, a small Pascal VOC
 * set with every kind of problem, a small COCO set, and that what they write
 * opens as a dataset. (The full BCCD import is checked by the pytest suite.) */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "convert.h"
#include "convert_xml.h"
#include "data_config.h"
#include "data_dataset.h"
#include "fileio.h"

static char tmp_root[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void write_text(const char *path, const char *text) {
    YcErr err;
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, path);
    yc_mkdirs(dir, &err);
    CHECK(yc_write_file_atomic(path, text, strlen(text), &err) == 0);
}

static void copy_file(const char *src, const char *dst) {
    char *data;
    size_t n;
    YcErr err;
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, dst);
    yc_mkdirs(dir, &err);
    if (CHECK(yc_read_file(src, &data, &n, &err) == 0)) {
        yc_write_file_atomic(dst, data, n, &err);
        free(data);
    }
}

static void test_xml_reader(void) {
    const char *doc =
        "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!DOCTYPE x>\n<!-- c -->\n<annotation verified=\"no\" a='>'>\n"
        "  <filename> a &amp; b.jpg </filename>\n  <empty/>\n  <size><width>640</width><height>480</height></size>\n"
        "  <object><name>R&#66;C</name><bndbox><xmin>1</xmin></bndbox></object>\n"
        "  <note><![CDATA[<raw> & text]]></note>\n</annotation>\n<!-- trailing -->\n";
    YcXmlNode root;
    YcErr err;
    if (!CHECK(yc_xml_parse(doc, strlen(doc), &root, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_STR(root.name, "annotation");
    CHECK_STR(yc_xml_child_text(&root, "filename"), "a & b.jpg");
    CHECK_STR(yc_xml_child_text(&root, "empty"), "");
    CHECK_STR(yc_xml_child_text(yc_xml_child(&root, "size"), "height"), "480");
    CHECK_STR(yc_xml_child_text(yc_xml_child(&root, "object"), "name"), "RBC");
    CHECK_STR(yc_xml_child_text(&root, "note"), "<raw> & text");
    CHECK(yc_xml_child(&root, "missing") == NULL && yc_xml_child_text(&root, "missing") == NULL);
    yc_xml_free(&root);

    const char *bad[] = {"", "   ", "text", "<a>", "<a></b>", "<a><b></a>", "<a>&bogus;</a>", "<a>&#xZZ;</a>", "<a b='x>",
                         "<a><!-- x</a>", "<a></a><b></b>", "<>", "<a><![CDATA[x</a>", "</a>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!CHECK(yc_xml_parse(bad[i], strlen(bad[i]), &root, &err) == -1)) {
            fprintf(stderr, "    accepted: %s\n", bad[i]);
            yc_xml_free(&root);
        } else {
            CHECK(strstr(err.msg, "line ") != NULL);
        }
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[4000];
    size_t o = 0;
    for (int i = 0; i < 300; i++) o += (size_t)snprintf(deep + o, sizeof deep - o, "<a>");
    CHECK(yc_xml_parse(deep, o, &root, &err) == -1 && strstr(err.msg, "deeply"));
    /* random mutations of a good document: never a crash */
    uint32_t seed = 3;
    size_t n = strlen(doc);
    char *copy = malloc(n);
    for (int t = 0; t < 2000; t++) {
        memcpy(copy, doc, n);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1664525u + 1013904223u;
            copy[seed % n] = "<>/&;!?-[]\"' ax0"[(seed >> 20) % 16];
        }
        if (yc_xml_parse(copy, n - (t % 7), &root, &err) == 0) yc_xml_free(&root);
    }
    free(copy);
}

static void voc_annotation(const char *root, const char *id, const char *objects, const char *size) {
    char path[4096], text[8192];
    snprintf(path, sizeof path, "%s/voc/Annotations/%s.xml", root, id);
    snprintf(text, sizeof text, "<annotation>\n<filename>%s.jpg</filename>\n%s\n%s</annotation>\n", id, size, objects);
    write_text(path, text);
}

static const char *obj(char *buf, size_t cap, const char *name, int difficult, const char *box) {
    snprintf(buf, cap, "<object><name>%s</name><difficult>%d</difficult><bndbox>%s</bndbox></object>\n", name, difficult, box);
    return buf;
}

static void test_voc(void) {
    const char *size = "<size><width>56</width><height>42</height><depth>3</depth></size>";
    char a[512], b[512], c[512], d[512], e[512], objs[4096];
    snprintf(objs, sizeof objs, "%s%s%s", obj(a, sizeof a, "cat", 0, "<xmin>1</xmin><ymin>1</ymin><xmax>29</xmax><ymax>22</ymax>"),
             obj(b, sizeof b, "dog", 0, "<xmin>10</xmin><ymin>10</ymin><xmax>10</xmax><ymax>20</ymax>"),
             obj(c, sizeof c, "dog", 1, "<xmin>5</xmin><ymin>5</ymin><xmax>25</xmax><ymax>25</ymax>"));
    voc_annotation(tmp_root, "img1", objs, size);
    snprintf(objs, sizeof objs, "%s%s", obj(d, sizeof d, "dog", 0, "<xmin>30</xmin><ymin>-5</ymin><xmax>70</xmax><ymax>40</ymax>"),
             obj(e, sizeof e, "cat", 0, "<xmin>3</xmin><ymin>x</ymin><xmax>9</xmax><ymax>9</ymax>"));
    voc_annotation(tmp_root, "img2", objs, ""); /* no <size>: read from the image */
    voc_annotation(tmp_root, "img3", obj(a, sizeof a, "bird", 0, "<xmin>2</xmin><ymin>2</ymin><xmax>20</xmax><ymax>20</ymax>"), size);
    char path[4096];
    snprintf(path, sizeof path, "%s/voc/Annotations/img4.xml", tmp_root);
    write_text(path, "<annotation><object></annotation>");
    const char *ids[] = {"img1", "img2", "img3"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/voc/JPEGImages/%s.jpg", tmp_root, ids[i]);
        copy_file("tests/fixtures/data/plain.jpg", path);
    }
    snprintf(path, sizeof path, "%s/voc/ImageSets/Main/train.txt", tmp_root);
    write_text(path, "img1\nimg2\nimg4\n");
    snprintf(path, sizeof path, "%s/voc/ImageSets/Main/val.txt", tmp_root);
    write_text(path, "img3\nimg5\n");

    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/voc", tmp_root);
    snprintf(dst, sizeof dst, "%s/out/pets", tmp_root);
    YcConvertVocOptions o = {.src = src, .dst = dst};
    YcConvertReport r;
    YcErr err;
    if (!CHECK(yc_convert_voc(&o, &r, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        yc_convert_report_free(&r);
        return;
    }
    CHECK(r.images == 3 && r.nc == 3 && r.splits == 2);
    CHECK(r.boxes == 3); /* cat (img1), dog clipped (img2), bird (img3) */
    int degenerate = 0, clipped = 0, numeric = 0, broken = 0, missing = 0, difficult = 0;
    for (int i = 0; i < r.message_count; i++) {
        const char *m = r.messages[i];
        degenerate += strstr(m, "img1.xml: object 2 (dog): degenerate box") != NULL;
        clipped += strstr(m, "img2.xml: object 1 (dog)") && strstr(m, "clipped");
        numeric += strstr(m, "img2.xml: object 2 (cat): missing or non-numeric") != NULL;
        broken += strstr(m, "img4.xml: invalid XML") != NULL;
        missing += strstr(m, "img5.xml") != NULL;
        difficult += strstr(m, "1 objects marked difficult") != NULL;
    }
    CHECK(degenerate == 1 && clipped == 1 && numeric == 1 && broken == 1 && missing == 1 && difficult == 1);
    char *label;
    size_t n;
    snprintf(path, sizeof path, "%s/labels/train/img1.txt", dst);
    if (CHECK(yc_read_file(path, &label, &n, &err) == 0)) {
        /* classes sorted (bird, cat, dog); VOC 1-based centre: (1 + 29) / 2 - 1 = 14 */
        int cls;
        double cx, cy, w, h;
        CHECK(sscanf(label, "%d %lf %lf %lf %lf", &cls, &cx, &cy, &w, &h) == 5);
        CHECK(cls == 1 && fabs(cx - 14.0 / 56) < 1e-7 && fabs(cy - 10.5 / 42) < 1e-7 && fabs(w - 28.0 / 56) < 1e-7 &&
              fabs(h - 21.0 / 42) < 1e-7);
        free(label);
    }
    /* what it wrote opens as a dataset */
    YcDataConfig cfg;
    CHECK(yc_data_config_load(r.yaml, &cfg, &err) == 0);
    CHECK(cfg.nc == 3 && strcmp(cfg.names[0], "bird") == 0);
    YcDatasetOptions dopt;
    yc_dataset_options_default(&dopt, "train");
    YcDataset ds;
    CHECK(yc_dataset_open(&ds, &cfg, &dopt, &err) == 0 && ds.count == 2 && ds.corrupt == 0);
    yc_dataset_free(&ds);
    yc_data_config_free(&cfg);
    yc_convert_report_free(&r);

    /* classes= fixes the order; unknown names are reported; difficult=true keeps them */
    YcConvertVocOptions o2 = {.src = src, .dst = dst, .classes = "dog, cat", .keep_difficult = true};
    CHECK(yc_convert_voc(&o2, &r, &err) == 0);
    int unknown = 0;
    for (int i = 0; i < r.message_count; i++) unknown += strstr(r.messages[i], "class 'bird' is not in classes=") != NULL;
    CHECK(unknown == 1 && r.nc == 2 && r.boxes == 3);
    yc_convert_report_free(&r);

    YcConvertVocOptions o3 = {.src = "/nonexistent", .dst = dst};
    CHECK(yc_convert_voc(&o3, &r, &err) == -1 && strstr(err.msg, "src"));
    yc_convert_report_free(&r);
}

static void test_coco(void) {
    char json[4096], imgs[4096], dst[4096], path[4096];
    snprintf(json, sizeof json, "%s/coco/instances_val2017.json", tmp_root);
    snprintf(imgs, sizeof imgs, "%s/coco/val2017", tmp_root);
    snprintf(dst, sizeof dst, "%s/out/coco", tmp_root);
    write_text(json,
               "{\"images\": [{\"id\": 7, \"file_name\": \"a.jpg\", \"width\": 56, \"height\": 42},"
               "{\"id\": 9, \"file_name\": \"b.jpg\", \"width\": 56, \"height\": 42},"
               "{\"id\": 11, \"file_name\": \"gone.jpg\", \"width\": 56, \"height\": 42},"
               "{\"id\": 12, \"file_name\": \"c.jpg\"}],"
               "\"categories\": [{\"id\": 18, \"name\": \"dog\"}, {\"id\": 1, \"name\": \"person\"}, {\"id\": 3, \"name\": \"car\"}],"
               "\"annotations\": ["
               "{\"id\": 1, \"image_id\": 7, \"category_id\": 18, \"bbox\": [10, 5, 20, 10], \"iscrowd\": 0},"
               "{\"id\": 2, \"image_id\": 7, \"category_id\": 18, \"bbox\": [10, 5, 20, 10], \"iscrowd\": 0},"
               "{\"id\": 3, \"image_id\": 7, \"category_id\": 1, \"bbox\": [0, 0, 0, 10]},"
               "{\"id\": 4, \"image_id\": 7, \"category_id\": 3, \"bbox\": [1, 1, 5, 5], \"iscrowd\": 1},"
               "{\"id\": 5, \"image_id\": 99, \"category_id\": 3, \"bbox\": [1, 1, 5, 5]},"
               "{\"id\": 6, \"image_id\": 11, \"category_id\": 3, \"bbox\": [1, 1, 5, 5]},"
               "{\"id\": 7, \"image_id\": 7, \"category_id\": 3, \"bbox\": \"oops\"}]}");
    snprintf(path, sizeof path, "%s/a.jpg", imgs);
    copy_file("tests/fixtures/data/plain.jpg", path);
    snprintf(path, sizeof path, "%s/b.jpg", imgs);
    copy_file("tests/fixtures/data/plain.jpg", path);
    YcConvertCocoOptions o = {.src = json, .images = imgs, .dst = dst};
    YcConvertReport r;
    YcErr err;
    if (!CHECK(yc_convert_coco(&o, &r, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        yc_convert_report_free(&r);
        return;
    }
    CHECK(r.images == 2 && r.boxes == 1 && r.nc == 3);
    CHECK(strcmp(r.split_names[0], "val") == 0); /* from the file name */
    int dup = 0, degenerate = 0, crowd = 0, unknown = 0, gone = 0, bad = 0, incomplete = 0;
    for (int i = 0; i < r.message_count; i++) {
        const char *m = r.messages[i];
        dup += strstr(m, "annotation 2 (id 2) of a.jpg: duplicate") != NULL;
        degenerate += strstr(m, "annotation 3 (id 3) of a.jpg: degenerate") != NULL;
        crowd += strstr(m, "1 crowd annotations") != NULL;
        unknown += strstr(m, "unknown image_id 99") != NULL;
        gone += strstr(m, "gone.jpg not found") != NULL;
        bad += strstr(m, "annotation 7 (id 7): missing") != NULL;
        incomplete += strstr(m, "c.jpg lacks") != NULL;
    }
    CHECK(dup == 1 && degenerate == 1 && crowd == 1 && unknown == 1 && gone == 1 && bad == 1 && incomplete == 1);
    char *label;
    size_t n;
    snprintf(path, sizeof path, "%s/labels/val/a.txt", dst);
    if (CHECK(yc_read_file(path, &label, &n, &err) == 0)) {
        /* categories in id order: person 0, car 1, dog 2; centre (10 + 10, 5 + 5) */
        CHECK(strcmp(label, "2 0.35714286 0.23809524 0.35714286 0.23809524\n") == 0);
        free(label);
    }
    snprintf(path, sizeof path, "%s/labels/val/b.txt", dst);
    CHECK(yc_read_file(path, &label, &n, &err) == 0 && n == 0); /* no boxes: an empty label file */
    free(label);
    YcDataConfig cfg;
    CHECK(yc_data_config_load(r.yaml, &cfg, &err) == 0);
    CHECK(cfg.nc == 3 && strcmp(cfg.names[2], "dog") == 0);
    yc_data_config_free(&cfg);
    yc_convert_report_free(&r);

    write_text(json, "{\"images\": [");
    CHECK(yc_convert_coco(&o, &r, &err) == -1 && strstr(err.msg, "not valid JSON"));
    yc_convert_report_free(&r);
    write_text(json, "{\"images\": []}");
    CHECK(yc_convert_coco(&o, &r, &err) == -1 && strstr(err.msg, "categories"));
    yc_convert_report_free(&r);
    YcConvertCocoOptions o2 = {.src = json, .images = imgs, .dst = dst, .split = "holdout"};
    CHECK(yc_convert_coco(&o2, &r, &err) == -1 && strstr(err.msg, "split"));
    yc_convert_report_free(&r);
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/yc_test_convert.XXXXXX");
    if (!mkdtemp(tmp_root)) {
        printf("cannot make a temporary directory\n0 passed, 1 failed\n");
        return 1;
    }
    const CheckCase all[] = {
        {"xml_reader", test_xml_reader},
        {"voc_import", test_voc},
        {"coco_import", test_coco},
    };
    int rc = check_run(all, (int)(sizeof all / sizeof all[0]));
    nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
