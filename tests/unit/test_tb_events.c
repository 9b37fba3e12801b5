/* TensorBoard event files: CRC-32C and TFRecord framing against the test
 * vectors of ../shared/docs/tfevents.md, and protobuf bytes against
 * known-good encodings (tfevents.md; the scalar payload was serialised by
 * tensorboard's own protobuf classes). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "tb_crc32c.h"
#include "tb_summary.h"
#include "tb_writer.h"

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int hex_equal(const YcPb *pb, const char *hex) {
    size_t n = strlen(hex) / 2;
    if (pb->len != n) {
        fprintf(stderr, "    length %zu, want %zu\n", pb->len, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        if (pb->data[i] != v) {
            fprintf(stderr, "    byte %zu: %02x, want %02x\n", i, pb->data[i], v);
            return 0;
        }
    }
    return 1;
}

static void test_crc32c_vectors(void) {
    CHECK(yc_crc32c("123456789", 9) == 0xE3069283u);
    unsigned char zeros[32] = {0};
    CHECK(yc_crc32c(zeros, 32) == 0x8A9136AAu);
    CHECK(yc_crc32c_masked(zeros, 8) == 0x07980329u);
    CHECK(yc_crc32c("", 0) == 0);
}

/* The slicing path (8 bytes at a time) must agree with the byte-at-a-time
 * path for every length and alignment, and extend must compose. */
static void test_crc32c_slicing_agrees(void) {
    unsigned char buf[300];
    for (int i = 0; i < 300; i++) buf[i] = (unsigned char)(i * 131 + 7);
    for (int start = 0; start < 8; start++)
        for (int n = 0; n < 64; n++) {
            uint32_t whole = yc_crc32c(buf + start, (size_t)n);
            uint32_t bytewise = 0;
            for (int k = 0; k < n; k++) bytewise = yc_crc32c_extend(bytewise, buf + start + k, 1);
            if (!CHECK(whole == bytewise)) return;
        }
    uint32_t a = yc_crc32c(buf, 300);
    uint32_t b = yc_crc32c_extend(yc_crc32c(buf, 123), buf + 123, 177);
    CHECK(a == b);
}

static void test_first_record(void) {
    YcPb ev;
    yc_pb_init(&ev);
    yc_tb_event_file_version(&ev, 1599759586.0);
    CHECK(hex_equal(&ev, "0900008038" "99d6d7411a0d627261696e2e4576656e743a32"));
    unsigned char header[12], footer[4];
    yc_tb_record_frame(ev.data, ev.len, header, footer);
    CHECK(ev.len + 16 == 40);
    static const unsigned char len24[8] = {0x18, 0, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(header, len24, 8) == 0);
    CHECK(le32(header + 8) == 0x224B7FA3u);
    CHECK(le32(footer) == 0xAB364B12u);
    yc_pb_free(&ev);
}

static void test_scalar_record(void) {
    YcPb summary, ev;
    yc_pb_init(&summary);
    yc_pb_init(&ev);
    yc_tb_value_scalar_tensor(&summary, "accuracy", 0.99f);
    yc_tb_event_summary(&ev, 1599759586.0, 77, &summary);
    CHECK(hex_equal(&ev, "090000803899d6d741104d2a250a230a086163637572616379420a080112002a04a4707d3f"
                         "4a0b0a090a077363616c617273"));
    unsigned char header[12], footer[4];
    yc_tb_record_frame(ev.data, ev.len, header, footer);
    CHECK(ev.len == 50);
    CHECK(le32(header + 8) == 0xEC561924u);
    yc_pb_free(&summary);
    yc_pb_free(&ev);
}

static void test_hparams_known_bytes(void) {
    YcTbHParam lr = {.name = "lr", .type = YC_TB_HP_NUMBER, .number = 0.1};
    const char *metrics[] = {"accuracy"};
    YcPb c;
    yc_pb_init(&c);
    yc_tb_hparams_experiment(&c, &lr, 1, metrics, 1);
    CHECK(hex_equal(&c, "121622060a026c7220032a0c0a0a1208" "6163637572616379"));
    yc_pb_clear(&c);
    yc_tb_hparams_session_start(&c, &lr, 1, "", 0);
    CHECK(hex_equal(&c, "1a110a0f0a026c72120911" "9a9999999999b93f"));
    yc_pb_clear(&c);
    yc_tb_hparams_session_end(&c, YC_TB_STATUS_SUCCESS, 0);
    CHECK(hex_equal(&c, "22020801"));
    yc_pb_free(&c);
}

static void test_varints(void) {
    YcPb pb;
    yc_pb_init(&pb);
    yc_pb_uint(&pb, 2, 300);
    CHECK(hex_equal(&pb, "10ac02"));
    yc_pb_clear(&pb);
    yc_pb_int(&pb, 1, -1);
    CHECK(hex_equal(&pb, "08ffffffffffffffffff01"));
    yc_pb_clear(&pb);
    yc_pb_string(&pb, 1, "");
    CHECK(hex_equal(&pb, "0a00"));
    yc_pb_free(&pb);
}

static void test_histogram_buckets(void) {
    float v[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, NAN, INFINITY};
    YcTbHistogram h;
    yc_tb_histogram_from_floats(v, 12, 10, &h);
    CHECK(h.num == 10 && h.skipped == 2);
    CHECK_NEAR(h.min, 0, 0);
    CHECK_NEAR(h.max, 9, 0);
    CHECK_NEAR(h.sum, 45, 0);
    CHECK_NEAR(h.sum_squares, 285, 0);
    double total = 0;
    for (int b = 0; b < h.buckets; b++) total += h.count[b];
    CHECK_NEAR(total, 10, 0);
    CHECK_NEAR(h.limit[h.buckets - 1], 9, 0);
    float same[] = {2, 2, 2};
    yc_tb_histogram_from_floats(same, 3, 30, &h);
    CHECK(h.buckets == 1 && h.count[0] == 3);
}

/* A writer's file parses as records with valid CRCs, starts with the
 * file-version event, and refuses a step that does not increase. */
static void test_writer_file(void) {
    char dir[] = "/tmp/yc_tb_test_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return;
    YcErr err;
    YcTbWriter *w;
    if (!CHECK(yc_tb_writer_open(&w, dir, &err) == 0)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    const char *base = strrchr(yc_tb_writer_path(w), '/') + 1;
    CHECK(strncmp(base, "events.out.tfevents.", 20) == 0);
    CHECK(strlen(base) > 31 && base[30] == '.');
    CHECK(yc_tb_add_scalar(w, "train/box_loss", 1, 1.5, 0, &err) == 0);
    CHECK(yc_tb_add_scalar(w, "train/box_loss", 2, 1.25, 0, &err) == 0);
    CHECK(yc_tb_add_scalar(w, "train/box_loss", 2, 9.0, 0, &err) == 1);
    CHECK(yc_tb_add_scalar(w, "train/cls_loss", 1, 2.0, 0, &err) == 0);
    char path[4096];
    snprintf(path, sizeof path, "%s", yc_tb_writer_path(w));
    CHECK(yc_tb_writer_close(w, &err) == 0);

    char *data;
    size_t size;
    if (!CHECK(yc_read_file(path, &data, &size, &err) == 0)) return;
    int records = 0;
    size_t at = 0;
    while (at + 12 <= size) {
        const unsigned char *p = (const unsigned char *)data + at;
        uint64_t len = 0;
        for (int i = 0; i < 8; i++) len |= (uint64_t)p[i] << (8 * i);
        CHECK(le32(p + 8) == yc_crc32c_masked(p, 8));
        if (!CHECK(at + 12 + len + 4 <= size)) break;
        CHECK(le32(p + 12 + len) == yc_crc32c_masked(p + 12, len));
        if (records == 0) CHECK(memmem(p + 12, len, "brain.Event:2", 13) != NULL);
        at += 12 + len + 4;
        records++;
    }
    CHECK(at == size);
    CHECK(records == 4);
    free(data);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    static const CheckCase cases[] = {
        {"crc32c_vectors", test_crc32c_vectors},
        {"crc32c_slicing_agrees", test_crc32c_slicing_agrees},
        {"first_record", test_first_record},
        {"scalar_record", test_scalar_record},
        {"hparams_known_bytes", test_hparams_known_bytes},
        {"varints", test_varints},
        {"histogram_buckets", test_histogram_buckets},
        {"writer_file", test_writer_file},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
