/* The loader: identical batches whatever the number of workers, the batch
 * layout, epochs and seeds, close_mosaic, rect validation shapes (against the
 * reference's set_rectangle), RAM and disk caches, data parallel shares,
 * unreadable images, and the counter-based random numbers. */
#define _XOPEN_SOURCE 700
#include <cjson/cJSON.h>
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "augment.h"
#include "check.h"
#include "data_config.h"
#include "data_dataset.h"
#include "data_rng.h"
#include "fileio.h"
#include "loader.h"
#include "loader_plan.h"

static char tmp_root[256];
static YcDataConfig cfg;
static YcDataset train_set, val_set;
static bool have_data;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void copy_file(const char *src, const char *dst) {
    char *data;
    size_t n;
    YcErr err;
    char dir[4096];
    yc_path_dirname(dir, sizeof dir, dst);
    yc_mkdirs(dir, &err);
    if (yc_read_file(src, &data, &n, &err) == 0) {
        yc_write_file_atomic(dst, data, n, &err);
        free(data);
    }
}

/* A small copy of BCCD: 24 training and 10 validation images. */
static int make_dataset(void) {
    const char *splits[] = {"train", "val"};
    int counts[] = {24, 10};
    for (int s = 0; s < 2; s++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "share/datasets/bccd/images/%s", splits[s]);
        DIR *d = opendir(dir);
        if (!d) return -1;
        char *names[400];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < 400)
            if (strstr(e->d_name, ".jpg")) names[n++] = strdup(e->d_name);
        closedir(d);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (strcmp(names[j], names[i]) < 0) {
                    char *t = names[i];
                    names[i] = names[j];
                    names[j] = t;
                }
        for (int i = 0; i < n; i++) {
            if (i < counts[s]) {
                char src[4200], dst[4200];
                snprintf(src, sizeof src, "%s/%s", dir, names[i]);
                snprintf(dst, sizeof dst, "%s/images/%s/%s", tmp_root, splits[s], names[i]);
                copy_file(src, dst);
                char stem[256];
                snprintf(stem, sizeof stem, "%s", names[i]);
                *strrchr(stem, '.') = '\0';
                snprintf(src, sizeof src, "share/datasets/bccd/labels/%s/%s.txt", splits[s], stem);
                snprintf(dst, sizeof dst, "%s/labels/%s/%s.txt", tmp_root, splits[s], stem);
                copy_file(src, dst);
            }
            free(names[i]);
        }
    }
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/data.yaml", tmp_root);
    YcErr err;
    const char *text = "train: images/train\nval: images/val\nnames: [Platelets, RBC, WBC]\n";
    if (yc_write_file_atomic(yaml, text, strlen(text), &err)) return -1;
    if (yc_data_config_load(yaml, &cfg, &err)) return -1;
    YcDatasetOptions o;
    yc_dataset_options_default(&o, "train");
    if (yc_dataset_open(&train_set, &cfg, &o, &err)) return -1;
    yc_dataset_options_default(&o, "val");
    if (yc_dataset_open(&val_set, &cfg, &o, &err)) return -1;
    return 0;
}

static void train_options(YcLoaderOptions *o, int workers) {
    YcArgs args;
    yc_args_defaults(&args);
    args.imgsz.h = args.imgsz.w = 128;
    args.batch = 5;
    args.workers = workers;
    args.mixup = 0.3; /* exercise the mixup path too */
    args.degrees = 10;
    args.flipud = 0.2;
    args.bgr = 0.1;
    yc_loader_options_from_args(&args, true, o);
}

/* A digest of every batch of an epoch (images, targets, info). */
static uint64_t epoch_digest(YcLoader *l, int epoch, int *batches, int *images) {
    YcErr err;
    uint64_t h = 1469598103934665603ULL;
    *batches = *images = 0;
    if (!CHECK(yc_loader_start_epoch(l, epoch, &err) == 0)) return 0;
    const YcBatch *b;
    int rc;
    while ((rc = yc_loader_next(l, &b, &err)) == 1) {
        size_t n = (size_t)b->n * 3 * b->h * b->w;
        for (size_t i = 0; i < n; i++) h = (h ^ b->images[i]) * 1099511628211ULL;
        const unsigned char *t = (const unsigned char *)b->target;
        for (size_t i = 0; i < (size_t)b->targets * 6 * sizeof(float); i++) h = (h ^ t[i]) * 1099511628211ULL;
        for (int i = 0; i < b->n; i++) h = (h ^ (uint64_t)b->info[i].index) * 1099511628211ULL;
        (*batches)++;
        *images += b->n;
    }
    CHECK(rc == 0);
    return h;
}

static void test_workers_do_not_change_batches(void) {
    if (!have_data) return;
    uint64_t digest[3][2];
    int counts[] = {0, 1, 4};
    for (int w = 0; w < 3; w++) {
        YcLoaderOptions o;
        train_options(&o, counts[w]);
        YcLoader *l;
        YcErr err;
        if (!CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0)) return;
        for (int e = 0; e < 2; e++) {
            int nb, ni;
            digest[w][e] = epoch_digest(l, e, &nb, &ni);
            CHECK(nb == 5 && ni == 24);
        }
        CHECK(yc_loader_warning_count(l) == 0);
        yc_loader_free(l);
    }
    CHECK(digest[0][0] == digest[1][0] && digest[1][0] == digest[2][0]);
    CHECK(digest[0][1] == digest[1][1] && digest[1][1] == digest[2][1]);
    CHECK(digest[0][0] != digest[0][1]); /* a new epoch, new augmentations */
}

static void test_seed_and_epoch_order(void) {
    if (!have_data) return;
    YcLoaderOptions o;
    train_options(&o, 2);
    YcLoader *a, *b;
    YcErr err;
    CHECK(yc_loader_create(&a, &train_set, &o, &err) == 0);
    o.seed = 1;
    CHECK(yc_loader_create(&b, &train_set, &o, &err) == 0);
    int nb, ni;
    uint64_t x = epoch_digest(a, 3, &nb, &ni), y = epoch_digest(b, 3, &nb, &ni);
    CHECK(x != y);
    /* epochs can be visited in any order: epoch 3 again is the same */
    epoch_digest(a, 0, &nb, &ni);
    CHECK(epoch_digest(a, 3, &nb, &ni) == x);
    /* abandoning an epoch half way is fine */
    CHECK(yc_loader_start_epoch(a, 4, &err) == 0);
    const YcBatch *batch;
    CHECK(yc_loader_next(a, &batch, &err) == 1);
    CHECK(epoch_digest(a, 3, &nb, &ni) == x);
    yc_loader_free(a);
    yc_loader_free(b);
}

static void test_batch_layout(void) {
    if (!have_data) return;
    YcLoaderOptions o;
    train_options(&o, 2);
    YcLoader *l;
    YcErr err;
    if (!CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0)) return;
    CHECK(yc_loader_batches(l) == 5 && yc_loader_samples(l) == 24);
    CHECK(yc_loader_start_epoch(l, 0, &err) == 0);
    const YcBatch *b;
    int total = 0, last_n = 0;
    while (yc_loader_next(l, &b, &err) == 1) {
        CHECK(b->h == 128 && b->w == 128);
        last_n = b->n;
        for (int i = 0; i < b->targets; i++) {
            const float *t = b->target + 6 * i;
            CHECK(t[0] >= 0 && t[0] < b->n && t[0] == floorf(t[0]));
            CHECK(t[1] == 0 || t[1] == 1 || t[1] == 2);
            CHECK(t[2] >= 0 && t[2] <= 1 && t[3] >= 0 && t[3] <= 1 && t[4] > 0 && t[4] <= 1 && t[5] > 0 && t[5] <= 1);
            /* the reference's box filter keeps boxes over 2 pixels */
            CHECK(t[4] * 128 > 2 && t[5] * 128 > 2);
            if (i > 0) CHECK(t[0] >= b->target[6 * (i - 1)]);
        }
        for (int i = 0; i < b->n; i++) {
            CHECK(b->info[i].path && strstr(b->info[i].path, ".jpg"));
            CHECK(b->info[i].h0 == 480 && b->info[i].w0 == 640 && b->info[i].rh == 96 && b->info[i].rw == 128);
        }
        float *f = malloc(sizeof(float) * (size_t)b->n * 3 * b->h * b->w);
        yc_batch_to_float(b, f);
        CHECK(f[0] == b->images[0] / 255.0f && f[7] == b->images[7] / 255.0f);
        free(f);
        total += b->targets;
    }
    CHECK(last_n == 4);
    CHECK(total > 50);
    yc_loader_free(l);
}

/* With every augmentation off but mosaic, closing mosaic leaves the letterboxed image. */
static void test_close_mosaic(void) {
    if (!have_data) return;
    YcArgs args;
    yc_args_defaults(&args);
    args.imgsz.h = args.imgsz.w = 128;
    args.batch = 4;
    args.workers = 0;
    args.translate = args.scale = args.hsv_h = args.hsv_s = args.hsv_v = args.fliplr = 0;
    YcLoaderOptions o;
    yc_loader_options_from_args(&args, true, &o);
    YcLoader *l;
    YcErr err;
    if (!CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0)) return;
    YcSample s;
    YcBatchInfo info;
    CHECK(yc_loader_sample(l, 0, 0, 3, &s, &info, &err) == 0);
    int boxes_mosaic = s.n;
    yc_sample_free(&s);
    yc_loader_close_mosaic(l);
    CHECK(yc_loader_mosaic_closed(l));
    CHECK(yc_loader_sample(l, 1, 0, 3, &s, &info, &err) == 0);
    YcSample ref = {0};
    int h0, w0;
    CHECK(yc_load_resized(train_set.items[3].image, 128, &ref.img, &h0, &w0, &err) == 0);
    yc_sample_set_boxes(&ref, train_set.items[3].boxes, train_set.items[3].count, ref.img.w, ref.img.h);
    YcLetterbox lb;
    CHECK(yc_sample_letterbox(&ref, 128, 128, true, &lb, &err) == 0);
    CHECK(s.img.h == 128 && s.img.w == 128 && memcmp(s.img.data, ref.img.data, yc_image_bytes(&ref.img)) == 0);
    CHECK(s.n <= train_set.items[3].count && boxes_mosaic != s.n);
    yc_sample_free(&s);
    yc_sample_free(&ref);
    yc_loader_free(l);
}

static void test_rect_shapes_match_reference(void) {
    char *text;
    size_t n;
    YcErr err;
    if (!CHECK(yc_read_file("tests/fixtures/data/cases.json", &text, &n, &err) == 0)) return;
    cJSON *cases = cJSON_Parse(text);
    free(text);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cases, "rect")) {
        const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(it, "shapes");
        YcDataset ds = {0};
        ds.count = cJSON_GetArraySize(shapes);
        YcDataItem items[16];
        memset(items, 0, sizeof items);
        for (int i = 0; i < ds.count; i++) {
            items[i].h = cJSON_GetArrayItem(cJSON_GetArrayItem(shapes, i), 0)->valueint;
            items[i].w = cJSON_GetArrayItem(cJSON_GetArrayItem(shapes, i), 1)->valueint;
        }
        ds.items = items;
        int *order, nb, *bh, *bw;
        CHECK(yc_rect_plan(&ds, cJSON_GetObjectItem(it, "batch")->valueint, cJSON_GetObjectItem(it, "imgsz")->valueint,
                           cJSON_GetObjectItem(it, "stride")->valueint, cJSON_GetObjectItem(it, "pad")->valuedouble, &order, &nb,
                           &bh, &bw, &err) == 0);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(it, "batch_shapes");
        CHECK(nb == cJSON_GetArraySize(want));
        for (int b = 0; b < nb && b < cJSON_GetArraySize(want); b++) {
            const cJSON *s = cJSON_GetArrayItem(want, b);
            if (!CHECK(bh[b] == cJSON_GetArrayItem(s, 0)->valueint && bw[b] == cJSON_GetArrayItem(s, 1)->valueint))
                fprintf(stderr, "    batch %d: %dx%d\n", b, bh[b], bw[b]);
        }
        /* the order sorts by aspect ratio (ties: ours is stable, numpy's may not be) */
        for (int i = 1; i < ds.count; i++)
            CHECK((double)items[order[i - 1]].h / items[order[i - 1]].w <= (double)items[order[i]].h / items[order[i]].w);
        free(order), free(bh), free(bw);
    }
    cJSON_Delete(cases);
}

static void test_validation_loader(void) {
    if (!have_data) return;
    YcArgs args;
    yc_args_defaults(&args);
    args.batch = 4;
    args.workers = 2;
    YcLoaderOptions o;
    yc_loader_options_from_args(&args, false, &o);
    CHECK(o.rect && o.pad == 0.5 && !o.shuffle);
    YcLoader *l;
    YcErr err;
    if (!CHECK(yc_loader_create(&l, &val_set, &o, &err) == 0)) return;
    CHECK(yc_loader_start_epoch(l, 0, &err) == 0);
    const YcBatch *b;
    int n = 0;
    while (yc_loader_next(l, &b, &err) == 1) {
        /* 640x480 images: the reference's rect shape is 512 x 672 (pad 0.5) */
        CHECK(b->h == 512 && b->w == 672);
        for (int i = 0; i < b->n; i++) {
            const YcBatchInfo *in = &b->info[i];
            CHECK(in->ratio_h == 1 && in->scale == 1 && in->pad_left == 16 && in->pad_top == 16);
        }
        for (int i = 0; i < b->targets; i++) {
            /* a box maps back to the original pixels */
            const float *t = b->target + 6 * i;
            const YcBatchInfo *in = &b->info[(int)t[0]];
            double x0 = (t[2] * b->w - in->pad_left) / (in->ratio_w * in->scale);
            CHECK(x0 > 0 && x0 < in->w0);
        }
        n += b->n;
    }
    CHECK(n == 10);
    yc_loader_free(l);
}

static void test_caches(void) {
    if (!have_data) return;
    YcLoaderOptions o;
    train_options(&o, 2);
    uint64_t plain, ram, disk, disk2;
    int nb, ni;
    YcLoader *l;
    YcErr err;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    plain = epoch_digest(l, 1, &nb, &ni);
    yc_loader_free(l);
    /* RAM: every decoded image kept; the mosaic draws partners from the whole set (as the reference does) */
    o.cache = YC_CACHE_RAM;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    ram = epoch_digest(l, 1, &nb, &ni);
    CHECK(yc_image_store_bytes(yc_loader_store(l)) == (size_t)24 * 96 * 128 * 3);
    CHECK(epoch_digest(l, 1, &nb, &ni) == ram);
    yc_loader_free(l);
    (void)plain;
    /* disk: files next to the images; a second loader reads them back; the same batches */
    o.cache = YC_CACHE_DISK;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    disk = epoch_digest(l, 1, &nb, &ni);
    yc_loader_free(l);
    char f[4200];
    yc_disk_cache_path(train_set.items[0].image, f, sizeof f);
    CHECK(yc_file_exists(f));
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    disk2 = epoch_digest(l, 1, &nb, &ni);
    yc_loader_free(l);
    CHECK(disk == disk2);
    /* a damaged cache file is rewritten, not trusted */
    FILE *fp = fopen(f, "r+");
    if (CHECK(fp != NULL)) {
        fseek(fp, 500, SEEK_SET);
        fputc(0x5a, fp);
        fclose(fp);
    }
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    CHECK(epoch_digest(l, 1, &nb, &ni) == disk);
    yc_loader_free(l);
}

static void test_data_parallel_shares(void) {
    if (!have_data) return;
    YcLoaderOptions o;
    train_options(&o, 1);
    o.world_size = 2;
    YcErr err;
    YcImageStore *store = yc_image_store_create(&train_set, 128, YC_CACHE_RAM, 1, &err);
    o.store = store;
    o.cache = YC_CACHE_RAM;
    int seen[24] = {0};
    for (int r = 0; r < 2; r++) {
        o.rank = r;
        YcLoader *l;
        if (!CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0)) break;
        CHECK(yc_loader_samples(l) == 12);
        CHECK(yc_loader_start_epoch(l, 0, &err) == 0);
        const YcBatch *b;
        while (yc_loader_next(l, &b, &err) == 1)
            for (int i = 0; i < b->n; i++) seen[b->info[i].index]++;
        yc_loader_free(l);
    }
    for (int i = 0; i < 24; i++) CHECK(seen[i] == 1);
    /* both ranks filled one shared copy */
    CHECK(yc_image_store_bytes(store) == (size_t)24 * 96 * 128 * 3);
    yc_image_store_release(store);
}

static void test_unreadable_image_is_a_warning(void) {
    if (!have_data) return;
    /* an image that disappears after the scan */
    char moved[4200];
    snprintf(moved, sizeof moved, "%s.moved", train_set.items[5].image);
    CHECK(rename(train_set.items[5].image, moved) == 0);
    YcLoaderOptions o;
    train_options(&o, 2);
    o.aug.mosaic = 0;
    o.aug.mixup = 0;
    YcLoader *l;
    YcErr err;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    int nb, ni;
    epoch_digest(l, 0, &nb, &ni);
    CHECK(ni == 24);
    CHECK(yc_loader_warning_count(l) == 1);
    char w[1200];
    CHECK(yc_loader_warning(l, 0, w, sizeof w) == 0 && strstr(w, "blank image"));
    yc_loader_free(l);
    CHECK(rename(moved, train_set.items[5].image) == 0);
}

static void test_bad_options(void) {
    if (!have_data) return;
    YcLoaderOptions o;
    train_options(&o, 1);
    YcLoader *l;
    YcErr err;
    o.batch = 0;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == -1 && strstr(err.msg, "batch"));
    train_options(&o, 1);
    o.imgsz = 8;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == -1 && strstr(err.msg, "imgsz"));
    train_options(&o, 1);
    o.rank = 3;
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == -1 && strstr(err.msg, "rank"));
    train_options(&o, 1);
    CHECK(yc_loader_create(&l, &train_set, &o, &err) == 0);
    const YcBatch *b;
    CHECK(yc_loader_next(l, &b, &err) == -1 && strstr(err.msg, "no epoch"));
    yc_loader_free(l);
}

static void test_rng(void) {
    /* Philox4x32-10 known answers (Random123) */
    uint32_t out[4];
    uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
    yc_philox4x32(c0, k0, out);
    CHECK(out[0] == 0x6627e8d5u && out[1] == 0xe169c58du && out[2] == 0xbc57ac4cu && out[3] == 0x9b00dbd8u);
    uint32_t c1[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, k1[2] = {0xffffffffu, 0xffffffffu};
    yc_philox4x32(c1, k1, out);
    CHECK(out[0] == 0x408f276du && out[1] == 0x41c83b0eu && out[2] == 0xa20bc7c6u && out[3] == 0x6d5451fdu);
    uint32_t c2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, k2[2] = {0xa4093822u, 0x299f31d0u};
    yc_philox4x32(c2, k2, out);
    CHECK(out[0] == 0xd16cfe09u && out[1] == 0x94fdccebu && out[2] == 0x5001e420u && out[3] == 0x24126ea1u);
    /* distributions */
    YcRng r;
    yc_rng_init(&r, 0, YC_RNG_SAMPLE, 0, 7);
    double sum = 0, sum2 = 0, lo = 1, hi = 0;
    int hist[6] = {0};
    for (int i = 0; i < 20000; i++) {
        double u = yc_rng_double(&r);
        lo = fmin(lo, u), hi = fmax(hi, u);
        hist[yc_rng_int(&r, 0, 5)]++;
        double b = yc_rng_beta(&r, 32, 32);
        sum += b, sum2 += b * b;
    }
    CHECK(lo >= 0 && lo < 0.001 && hi < 1 && hi > 0.999);
    for (int k = 0; k < 6; k++) CHECK(abs(hist[k] - 20000 / 6) < 300);
    double mean = sum / 20000, var = sum2 / 20000 - mean * mean;
    CHECK(fabs(mean - 0.5) < 0.005);
    CHECK(fabs(var - 0.25 / 65) < 0.0006); /* Beta(32, 32): variance 1 / (4 * 65) */
    /* streams differ by each key part */
    YcRng a, b2;
    yc_rng_init(&a, 0, YC_RNG_SAMPLE, 0, 7);
    yc_rng_init(&b2, 0, YC_RNG_SAMPLE, 1, 7);
    CHECK(yc_rng_u32(&a) != yc_rng_u32(&b2));
}

static void test_dataset_ready(void) {
    CHECK(have_data);
    CHECK(train_set.count == 24 && val_set.count == 10);
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/yc_test_loader.XXXXXX");
    if (!mkdtemp(tmp_root)) {
        printf("cannot make a temporary directory\n0 passed, 1 failed\n");
        return 1;
    }
    have_data = make_dataset() == 0;
    if (!have_data) fprintf(stderr, "cannot build the test dataset from share/datasets/bccd\n");
    const CheckCase all[] = {
        {"dataset_ready", test_dataset_ready},
        {"workers_do_not_change_batches", test_workers_do_not_change_batches},
        {"seed_and_epoch_order", test_seed_and_epoch_order},
        {"batch_layout", test_batch_layout},
        {"close_mosaic", test_close_mosaic},
        {"rect_shapes_match_reference", test_rect_shapes_match_reference},
        {"validation_loader", test_validation_loader},
        {"ram_and_disk_caches", test_caches},
        {"data_parallel_shares", test_data_parallel_shares},
        {"unreadable_image_is_a_warning", test_unreadable_image_is_a_warning},
        {"bad_options", test_bad_options},
        {"rng", test_rng},
    };
    int rc = check_run(all, (int)(sizeof all / sizeof all[0]));
    yc_dataset_free(&train_set);
    yc_dataset_free(&val_set);
    yc_data_config_free(&cfg);
    nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
