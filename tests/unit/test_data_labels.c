/* Label checks against the reference (verify_image_label outcomes in
 * tests/fixtures/data/cases.json), bad input of every kind, the dataset
 * YAML, the scan and its cache. */
#define _XOPEN_SOURCE 700
#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data_config.h"
#include "data_dataset.h"
#include "data_files.h"
#include "fileio.h"
#include "label_check.h"
#include "strbuf.h"

#define FIX "tests/fixtures/data"

static char tmp_root[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir) {
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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
    if (!CHECK(yc_read_file(src, &data, &n, &err) == 0)) return;
    CHECK(yc_write_file_atomic(dst, data, n, &err) == 0);
    free(data);
}

static void test_reference_cases(void) {
    char *text;
    size_t n;
    YcErr err;
    if (!CHECK(yc_read_file(FIX "/cases.json", &text, &n, &err) == 0)) return;
    cJSON *cases = cJSON_Parse(text);
    free(text);
    const cJSON *it;
    int count = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "labels")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "text");
        if (!cJSON_IsString(t)) continue; /* the missing-file case is covered below */
        const char *name = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
        int nc = cJSON_GetObjectItemCaseSensitive(it, "nc")->valueint;
        bool single = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "single_cls"));
        bool corrupt = cJSON_GetObjectItemCaseSensitive(it, "corrupt")->valueint != 0;
        bool empty = cJSON_GetObjectItemCaseSensitive(it, "empty")->valueint != 0;
        float *rows;
        int count_rows, dups;
        char reason[300];
        int rc = yc_parse_label_text(t->valuestring, strlen(t->valuestring), nc, single, &rows, &count_rows, &dups, reason,
                                     sizeof reason);
        if (!CHECK((rc != 0) == corrupt)) fprintf(stderr, "    %s: corrupt=%d, reference %d (%s)\n", name, rc != 0, corrupt, reason);
        if (rc == 0) {
            if (!CHECK((count_rows == 0) == empty)) fprintf(stderr, "    %s: empty mismatch\n", name);
            const cJSON *want = cJSON_GetObjectItemCaseSensitive(it, "rows");
            if (CHECK(cJSON_GetArraySize(want) == count_rows)) {
                for (int r = 0; r < count_rows; r++)
                    for (int k = 0; k < 5; k++) {
                        double w = cJSON_GetArrayItem(cJSON_GetArrayItem(want, r), k)->valuedouble;
                        if (!CHECK(rows[5 * r + k] == (float)w))
                            fprintf(stderr, "    %s: row %d col %d = %.9g, reference %.9g\n", name, r, k, rows[5 * r + k], w);
                    }
            }
            const char *msg = cJSON_GetObjectItemCaseSensitive(it, "message")->valuestring;
            if (strstr(msg, "duplicate")) CHECK(dups == atoi(msg));
            free(rows);
        }
        count++;
    }
    CHECK(count >= 20);
    cJSON_Delete(cases);
}

static void test_parse_fuzz(void) {
    /* random bytes, and mutations of good files: any outcome but no crash */
    uint32_t seed = 7;
    char buf[512];
    for (int i = 0; i < 3000; i++) {
        int n = 0;
        const char *alphabet = "0123456789. \n\t\r-+eEinfa_x,;\x01\xff";
        size_t na = strlen(alphabet);
        seed = seed * 1664525u + 1013904223u;
        int len = (int)(seed % sizeof buf);
        for (; n < len; n++) {
            seed = seed * 1664525u + 1013904223u;
            buf[n] = i % 3 ? alphabet[seed % na] : (char)(seed >> 24);
        }
        float *rows;
        int count, dups;
        char reason[200];
        if (yc_parse_label_text(buf, (size_t)n, 3, i % 5 == 0, &rows, &count, &dups, reason, sizeof reason) == 0) {
            for (int r = 0; r < count; r++) CHECK(rows[5 * r + 1] <= 1.01f && rows[5 * r] >= -0.01f);
            free(rows);
        }
    }
    /* many rows and many duplicates */
    YcStr s;
    yc_str_init(&s);
    for (int i = 0; i < 20000; i++) yc_str_printf(&s, "%d 0.%04d 0.5 0.1 0.1\n", i % 3, i % 1000);
    float *rows;
    int count, dups;
    char reason[200];
    CHECK(yc_parse_label_text(s.data, s.len, 3, false, &rows, &count, &dups, reason, sizeof reason) == 0);
    CHECK(count == 3000 && dups == 17000);
    for (int r = 1; r < count; r++) CHECK(rows[5 * (r - 1)] <= rows[5 * r]); /* sorted like numpy's unique */
    free(rows);
    yc_str_free(&s);
}

static void path_in(char *out, size_t cap, const char *rel) {
    snprintf(out, cap, "%s/%s", tmp_root, rel);
}

static void test_image_checks(void) {
    char img[4096], lab[4096];
    struct {
        const char *src, *label, *expect;
        bool corrupt, missing;
    } cases[] = {
        {FIX "/plain.jpg", "0 0.5 0.5 0.1 0.1\n", "", false, false},
        {FIX "/truncated.jpg", "0 0.5 0.5 0.1 0.1\n", "corrupt JPEG", true, false},
        {FIX "/trailing.jpg", "0 0.5 0.5 0.1 0.1\n", "end marker", false, false},
        {FIX "/palette.png", NULL, "", false, true},
        {FIX "/orient6.jpg", "", "", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        path_in(img, sizeof img, "checks/images/x.jpg");
        path_in(lab, sizeof lab, "checks/labels/x.txt");
        unlink(lab);
        copy_file(cases[i].src, img);
        if (cases[i].label) write_text(lab, cases[i].label);
        YcLabelCheck c;
        yc_label_check(img, lab, 3, false, &c);
        if (!CHECK(c.corrupt == cases[i].corrupt && c.missing == cases[i].missing))
            fprintf(stderr, "    %s: corrupt %d missing %d: %s\n", cases[i].src, c.corrupt, c.missing, c.message);
        if (*cases[i].expect) CHECK(strstr(c.message, cases[i].expect) != NULL);
        if (strstr(cases[i].src, "orient6")) CHECK(c.w == 42 && c.h == 56 && c.empty);
        yc_label_check_free(&c);
    }
    /* not an image, too small, unsupported, missing, a directory, a huge label file */
    YcLabelCheck c;
    path_in(img, sizeof img, "checks/images/y.jpg");
    path_in(lab, sizeof lab, "checks/labels/y.txt");
    write_text(img, "this is not an image");
    yc_label_check(img, lab, 3, false, &c);
    CHECK(c.corrupt && strstr(c.message, "ignoring corrupt image/label"));
    yc_label_check_free(&c);
    write_text(img, "BM and then some bytes");
    yc_label_check(img, lab, 3, false, &c);
    CHECK(c.corrupt && strstr(c.message, "BMP"));
    yc_label_check_free(&c);
    yc_label_check("/nonexistent/dir/z.jpg", lab, 3, false, &c);
    CHECK(c.corrupt && strstr(c.message, "No such file"));
    yc_label_check_free(&c);
    copy_file(FIX "/plain.jpg", img);
    write_text(lab, "0 0.5 0.5 0.1 0.1\n");
    FILE *f = fopen(lab, "r+");
    if (CHECK(f != NULL)) {
        CHECK(ftruncate(fileno(f), YC_LABEL_MAX_BYTES + 1) == 0); /* sparse: no disk used */
        fclose(f);
    }
    yc_label_check(img, lab, 3, false, &c);
    CHECK(c.corrupt && c.found && strstr(c.message, "too large"));
    yc_label_check_free(&c);
}

static void test_tiny_image(void) {
    /* a 9-pixel-high PNG: the reference's <10 pixels rule */
    char img[4096], lab[4096];
    path_in(img, sizeof img, "tiny/images/t.png");
    path_in(lab, sizeof lab, "tiny/labels/t.txt");
    /* smallest valid PNG we can make by hand: 12x9 gray, stored deflate */
    static const unsigned char png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 12, 0, 0, 0, 9, 8, 0, 0, 0, 0,
        0x9a, 0xd6, 0x6f, 0x26};
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, img);
    YcErr err;
    yc_mkdirs(dir, &err);
    CHECK(yc_write_file_atomic(img, png, sizeof png, &err) == 0);
    YcLabelCheck c;
    yc_label_check(img, lab, 3, false, &c);
    CHECK(c.corrupt && strstr(c.message, "<10 pixels"));
    yc_label_check_free(&c);
}

static void test_label_paths(void) {
    char out[4096];
    yc_label_path("/d/images/train/a.jpg", out, sizeof out);
    CHECK_STR(out, "/d/labels/train/a.txt");
    yc_label_path("/d/images/x/images/b.v2.PNG", out, sizeof out);
    CHECK_STR(out, "/d/images/x/labels/b.v2.txt");
    yc_label_path("/d/pics/c.jpeg", out, sizeof out);
    CHECK_STR(out, "/d/pics/c.txt");
    CHECK(yc_is_image_name("a.JPG") && yc_is_image_name("b.webp") && !yc_is_image_name("c.txt") && !yc_is_image_name("noext"));
    yc_path_normalize("/a/./b/../c//d/", out, sizeof out);
    CHECK_STR(out, "/a/c/d");
}

static void make_dataset(const char *root) {
    char p[4096];
    const char *imgs[] = {"images/train/a.jpg", "images/train/sub/b.jpg", "images/train/c.jpg", "images/train/d.jpg",
                          "images/train/e.jpg", "images/val/v.jpg", "images/train/.hidden.jpg"};
    const char *srcs[] = {FIX "/plain.jpg", FIX "/orient6.jpg", FIX "/truncated.jpg", FIX "/plain.jpg", FIX "/rgb.png",
                          FIX "/plain.jpg", FIX "/plain.jpg"};
    for (int i = 0; i < 7; i++) {
        snprintf(p, sizeof p, "%s/%s", root, imgs[i]);
        copy_file(srcs[i], p);
    }
    snprintf(p, sizeof p, "%s/labels/train/a.txt", root);
    write_text(p, "0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n1 0.3 0.3 0.1 0.1\n");
    snprintf(p, sizeof p, "%s/labels/train/sub/b.txt", root);
    write_text(p, "");
    snprintf(p, sizeof p, "%s/labels/train/d.txt", root);
    write_text(p, "5 0.5 0.5 0.2 0.2\n"); /* class out of range */
    snprintf(p, sizeof p, "%s/labels/val/v.txt", root);
    write_text(p, "2 0.5 0.5 0.2 0.2\n");
    snprintf(p, sizeof p, "%s/notes.txt", root);
    write_text(p, "not an image list\n");
    snprintf(p, sizeof p, "%s/data.yaml", root);
    write_text(p, "path: .\ntrain: images/train\nval: [images/val]\nnames:\n  0: cat\n  1: dog\n  2: 'bird: small'\n");
}

static void test_dataset_scan_and_cache(void) {
    char root[4096], yaml[4096];
    path_in(root, sizeof root, "ds");
    make_dataset(root);
    snprintf(yaml, sizeof yaml, "%s/data.yaml", root);
    YcDataConfig cfg;
    YcErr err;
    if (!CHECK(yc_data_config_load(yaml, &cfg, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(cfg.nc == 3);
    CHECK_STR(cfg.names[2], "bird: small");
    YcDatasetOptions o;
    yc_dataset_options_default(&o, "train");
    YcDataset ds;
    if (!CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        yc_data_config_free(&cfg);
        return;
    }
    /* a, sub/b, c (truncated: corrupt), d (bad class: corrupt), e (no label); .hidden skipped */
    CHECK(ds.listed == 5);
    CHECK(ds.count == 3);
    CHECK(ds.found == 3 && ds.missing == 1 && ds.empty == 1 && ds.corrupt == 2);
    CHECK(ds.duplicates == 1 && ds.instances == 2);
    CHECK(!ds.from_cache && ds.rescanned == 5);
    CHECK(ds.message_count == 3); /* duplicate, truncated JPEG, class out of range: once each */
    CHECK(strstr(ds.summary, "3 images, 2 backgrounds (1 missing, 1 empty), 2 corrupt") != NULL);
    for (int i = 0; i < ds.count; i++)
        if (strstr(ds.items[i].image, "sub/b.jpg")) CHECK(ds.items[i].w == 42 && ds.items[i].h == 56); /* EXIF-rotated size */
    CHECK(strstr(ds.items[2].image, "sub/b.jpg") != NULL); /* sorted by path, as the reference sorts */
    CHECK(yc_file_exists(ds.cache_path));
    yc_dataset_free(&ds);

    /* again: everything from the cache, same answers */
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    CHECK(ds.from_cache && ds.rescanned == 0 && ds.count == 3 && ds.corrupt == 2 && ds.message_count == 3);
    yc_dataset_free(&ds);

    /* one label changes: only that file is checked again */
    char p[4096];
    snprintf(p, sizeof p, "%s/labels/train/d.txt", root);
    sleep(0); /* mtimes are nanoseconds; the size changes too */
    write_text(p, "2 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.05 0.05\n");
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    CHECK(!ds.from_cache && ds.rescanned == 1 && ds.count == 4 && ds.corrupt == 1);
    yc_dataset_free(&ds);

    /* a damaged cache is ignored and rebuilt */
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    char cache[4096];
    snprintf(cache, sizeof cache, "%s", ds.cache_path);
    yc_dataset_free(&ds);
    FILE *f = fopen(cache, "r+");
    if (CHECK(f != NULL)) {
        fseek(f, 40, SEEK_SET);
        fputc('X', f);
        fclose(f);
    }
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    CHECK(!ds.from_cache && ds.rescanned == 5 && ds.count == 4);
    yc_dataset_free(&ds);

    /* single_cls: classes become 0 (and the cache is keyed by it) */
    o.single_cls = true;
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    CHECK(!ds.from_cache);
    for (int i = 0; i < ds.count; i++)
        for (int b = 0; b < ds.items[i].count; b++) CHECK(ds.items[i].boxes[5 * b] == 0);
    yc_dataset_free(&ds);
    o.single_cls = false;

    /* fraction keeps the first round(n * f) of the sorted list */
    o.fraction = 0.4;
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0);
    CHECK(ds.listed == 2);
    yc_dataset_free(&ds);
    o.fraction = 0.01;
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == -1 && strstr(err.msg, "fraction"));

    /* val given as a list */
    yc_dataset_options_default(&o, "val");
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == 0 && ds.count == 1);
    yc_dataset_free(&ds);
    yc_dataset_options_default(&o, "test");
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == -1 && strstr(err.msg, "no 'test' split"));
    yc_data_config_free(&cfg);
}

static void test_image_lists(void) {
    char root[4096], p[4096];
    path_in(root, sizeof root, "ds");
    snprintf(p, sizeof p, "%s/train.txt", root);
    write_text(p, "./images/train/a.jpg\nimages/val/v.jpg\n\n  ./images/train/d.jpg  \nnotes.txt\n");
    snprintf(p, sizeof p, "%s/list.yaml", root);
    write_text(p, "train: train.txt\nval: images/val\nnc: 3\n");
    YcDataConfig cfg;
    YcErr err;
    if (!CHECK(yc_data_config_load(p, &cfg, &err) == 0)) return;
    CHECK_STR(cfg.names[1], "class_1");
    char **files;
    int n;
    CHECK(yc_list_images(&cfg.train, &files, &n, &err) == 0);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(strstr(files[0], "/ds/images/train/a.jpg") != NULL);
        CHECK(strstr(files[2], "/ds/images/val/v.jpg") != NULL);
    }
    yc_free_list(files, n);
    yc_data_config_free(&cfg);
}

static void test_config_errors(void) {
    struct {
        const char *yaml, *expect;
    } bad[] = {
        {"val: a\nnames: [x]\n", "'train:' key missing"},
        {"train: a\nnames: [x]\n", "'val:' key missing"},
        {"train: a\nval: a\n", "'names' or 'nc'"},
        {"train: a\nval: a\nnames: [x, y]\nnc: 3\n", "'names' has 2 entries but nc is 3"},
        {"train: a\nval: a\nnames: {0: x, 2: y}\n", "class indices 0-1"},
        {"train: a\nval: a\nnames: {zero: x}\n", "not a class index"},
        {"train: a\nval: a\nnc: -2\n", "nc: expected a class count"},
        {"train: missing_dir\nval: missing_dir\nnames: [x]\n", "images not found"},
        {"train: [a\nval: a\n", "invalid YAML"},
        {"- just\n- a list\n", "expected a mapping"},
        {"train: a\nval: a\nnames: [x]\nchannels: 1\n", "3-channel"},
    };
    char p[4096], dir[4096];
    path_in(p, sizeof p, "cfg/a/x.jpg");
    copy_file(FIX "/plain.jpg", p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path_in(p, sizeof p, "cfg/bad.yaml");
        write_text(p, bad[i].yaml);
        YcDataConfig cfg;
        YcErr err;
        if (!CHECK(yc_data_config_load(p, &cfg, &err) == -1)) {
            yc_data_config_free(&cfg);
            continue;
        }
        if (!CHECK(strstr(err.msg, bad[i].expect) != NULL)) fprintf(stderr, "    got '%s', want '%s'\n", err.msg, bad[i].expect);
        CHECK(strstr(err.msg, "bad.yaml") != NULL); /* errors name the file */
    }
    /* a relative path: resolves against the YAML's directory, not the current one */
    path_in(p, sizeof p, "cfg/sub/rel.yaml");
    write_text(p, "path: ..\ntrain: a\nval: a\nnames: [x]\n");
    YcDataConfig cfg;
    YcErr err;
    CHECK(yc_data_config_load(p, &cfg, &err) == 0);
    path_in(dir, sizeof dir, "cfg/a");
    if (cfg.train.count == 1) CHECK_STR(cfg.train.paths[0], dir);
    yc_data_config_free(&cfg);
    /* the bundled datasets resolve from share/ */
    CHECK(yc_data_config_load("coco8.yaml", &cfg, &err) == 0 && cfg.nc == 80);
    yc_data_config_free(&cfg);
    CHECK(yc_data_config_load("bccd.yaml", &cfg, &err) == 0 && cfg.nc == 3 && cfg.test.count == 1);
    yc_data_config_free(&cfg);
    CHECK(yc_data_config_load("nope.yaml", &cfg, &err) == -1 && strstr(err.msg, "nope.yaml"));
}

static void test_all_corrupt_fails_clearly(void) {
    char p[4096];
    path_in(p, sizeof p, "allbad/images/train/a.jpg");
    write_text(p, "garbage");
    path_in(p, sizeof p, "allbad/data.yaml");
    write_text(p, "train: images/train\nval: images/train\nnames: [x]\n");
    YcDataConfig cfg;
    YcErr err;
    if (!CHECK(yc_data_config_load(p, &cfg, &err) == 0)) return;
    YcDatasetOptions o;
    yc_dataset_options_default(&o, "train");
    YcDataset ds;
    CHECK(yc_dataset_open(&ds, &cfg, &o, &err) == -1);
    CHECK(strstr(err.msg, "no valid images") && strstr(err.msg, "a.jpg"));
    yc_data_config_free(&cfg);
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/yc_test_labels.XXXXXX");
    if (!mkdtemp(tmp_root)) {
        printf("cannot make a temporary directory\n0 passed, 1 failed\n");
        return 1;
    }
    const CheckCase all[] = {
        {"label_text_matches_reference", test_reference_cases},
        {"label_text_fuzz_and_duplicates", test_parse_fuzz},
        {"image_checks", test_image_checks},
        {"image_under_10_pixels", test_tiny_image},
        {"label_paths", test_label_paths},
        {"dataset_scan_counts_and_cache", test_dataset_scan_and_cache},
        {"image_lists_in_txt_files", test_image_lists},
        {"dataset_yaml_errors_and_paths", test_config_errors},
        {"all_corrupt_fails_clearly", test_all_corrupt_fails_clearly},
    };
    int rc = check_run(all, (int)(sizeof all / sizeof all[0]));
    rm_tree(tmp_root);
    return rc;
}
