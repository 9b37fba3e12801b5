/* safetensors writing and reading, and refusal of corrupt files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "safetensors.h"

static char dir[64];

static void path_in_dir(char *buf, size_t cap, const char *name) { snprintf(buf, cap, "%s/%s", dir, name); }

static void test_round_trip(void) {
    char path[128];
    path_in_dir(path, sizeof path, "a.safetensors");
    float w[6] = {1, 2, 3, 4, 5, 6.5f};
    int64_t lv[2] = {-3, 7};
    uint16_t bf[2] = {0x3f80, 0xc000}; /* 1.0, -2.0 in bfloat16 */
    int64_t s23[2] = {2, 3}, s2[1] = {2};
    YcStWriter w_;
    YcErr err = {0};
    yc_stw_init(&w_);
    CHECK(yc_stw_add(&w_, "model.0.conv.weight", YC_ST_F32, 2, s23, w, &err) == 0);
    CHECK(yc_stw_add(&w_, "counts", YC_ST_I64, 1, s2, lv, &err) == 0);
    CHECK(yc_stw_add(&w_, "half", YC_ST_BF16, 1, s2, bf, &err) == 0);
    CHECK(yc_stw_add(&w_, "counts", YC_ST_I64, 1, s2, lv, &err) != 0); /* duplicate */
    CHECK(yc_stw_meta(&w_, "epoch", "3", &err) == 0);
    CHECK(yc_stw_meta(&w_, "epoch", "4", &err) == 0); /* replaced */
    CHECK(yc_stw_save(&w_, path, &err) == 0);
    yc_stw_free(&w_);

    YcSafetensors st;
    if (!CHECK(yc_st_load(path, &st, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(st.count == 3);
    CHECK_STR(yc_st_meta(&st, "epoch"), "4");
    const YcStTensor *t = yc_st_find(&st, "model.0.conv.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->dtype == YC_ST_F32);
    float back[6];
    CHECK(yc_st_read_f32(&st, "model.0.conv.weight", back, 6, &err) == 0);
    CHECK(memcmp(back, w, sizeof w) == 0);
    CHECK(yc_st_read_f32(&st, "counts", back, 2, &err) == 0 && back[0] == -3 && back[1] == 7);
    CHECK(yc_st_read_f32(&st, "half", back, 2, &err) == 0 && back[0] == 1.0f && back[1] == -2.0f);
    CHECK(yc_st_read_f32(&st, "half", back, 3, &err) != 0);
    CHECK(strstr(err.msg, "has 2 values, expected 3") != NULL);
    CHECK(yc_st_read_f32(&st, "nope", back, 1, &err) != 0);
    /* The data section starts 8-byte aligned. */
    CHECK(((size_t)(st.data - (const uint8_t *)st.map)) % 8 == 0);
    yc_st_free(&st);
    unlink(path);
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, n, fp);
    fclose(fp);
}

static void test_corrupt_files_are_refused(void) {
    char path[128];
    path_in_dir(path, sizeof path, "bad.safetensors");
    YcSafetensors st;
    YcErr err = {0};
    write_bytes(path, "abc", 3);
    CHECK(yc_st_load(path, &st, &err) != 0 && strstr(err.msg, "too short"));
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'};
    write_bytes(path, huge, sizeof huge);
    CHECK(yc_st_load(path, &st, &err) != 0 && strstr(err.msg, "does not fit the file"));
    const char *json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
    uint8_t buf[256] = {0};
    size_t len = strlen(json);
    buf[0] = (uint8_t)len;
    memcpy(buf + 8, json, len);
    write_bytes(path, buf, 8 + len + 8); /* only 8 of the 16 data bytes */
    CHECK(yc_st_load(path, &st, &err) != 0 && strstr(err.msg, "tensor 'x' has data offsets"));
    const char *badjson = "{\"x\":{\"dtype\":\"F32\",";
    len = strlen(badjson);
    memset(buf, 0, sizeof buf);
    buf[0] = (uint8_t)len;
    memcpy(buf + 8, badjson, len);
    write_bytes(path, buf, 8 + len);
    CHECK(yc_st_load(path, &st, &err) != 0 && strstr(err.msg, "not valid JSON"));
    CHECK(yc_st_load("/nonexistent.safetensors", &st, &err) != 0 && strstr(err.msg, "cannot open"));
    unlink(path);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/yoloc-test-st-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    static const CheckCase cases[] = {
        {"round_trip", test_round_trip},
        {"corrupt_files_are_refused", test_corrupt_files_are_refused},
    };
    int rc = check_run(cases, 2);
    rmdir(dir);
    return rc;
}
