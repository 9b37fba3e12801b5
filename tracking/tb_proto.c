/* Protobuf wire-format encoding (see tb_proto.h). Little-endian fixed-width
 * values are written byte by byte, so the output does not depend on the host. */
#include "tb_proto.h"

#include <stdlib.h>
#include <string.h>

void yc_pb_init(YcPb *pb) { memset(pb, 0, sizeof *pb); }

void yc_pb_free(YcPb *pb) {
    free(pb->data);
    memset(pb, 0, sizeof *pb);
}

void yc_pb_clear(YcPb *pb) {
    pb->len = 0;
    pb->failed = 0;
}

static int reserve(YcPb *pb, size_t extra) {
    if (pb->failed) return -1;
    if (pb->len + extra <= pb->cap) return 0;
    size_t cap = pb->cap ? pb->cap : 64;
    while (cap < pb->len + extra) cap *= 2;
    unsigned char *bigger = realloc(pb->data, cap);
    if (!bigger) {
        pb->failed = 1;
        return -1;
    }
    pb->data = bigger;
    pb->cap = cap;
    return 0;
}

void yc_pb_raw(YcPb *pb, const void *data, size_t n) {
    if (n == 0 || reserve(pb, n)) return;
    memcpy(pb->data + pb->len, data, n);
    pb->len += n;
}

void yc_pb_varint(YcPb *pb, uint64_t v) {
    if (reserve(pb, 10)) return;
    do {
        unsigned char byte = v & 0x7F;
        v >>= 7;
        pb->data[pb->len++] = byte | (v ? 0x80 : 0);
    } while (v);
}

void yc_pb_key(YcPb *pb, int field, int wire_type) { yc_pb_varint(pb, ((uint64_t)field << 3) | (uint64_t)wire_type); }

void yc_pb_uint(YcPb *pb, int field, uint64_t v) {
    yc_pb_key(pb, field, YC_PB_VARINT);
    yc_pb_varint(pb, v);
}

void yc_pb_int(YcPb *pb, int field, int64_t v) { yc_pb_uint(pb, field, (uint64_t)v); }

static void put_le(YcPb *pb, uint64_t bits, int bytes) {
    if (reserve(pb, (size_t)bytes)) return;
    for (int i = 0; i < bytes; i++) pb->data[pb->len++] = (unsigned char)(bits >> (8 * i));
}

static uint64_t double_bits(double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static uint32_t float_bits(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

void yc_pb_double(YcPb *pb, int field, double v) {
    yc_pb_key(pb, field, YC_PB_FIXED64);
    put_le(pb, double_bits(v), 8);
}

void yc_pb_float(YcPb *pb, int field, float v) {
    yc_pb_key(pb, field, YC_PB_FIXED32);
    put_le(pb, float_bits(v), 4);
}

void yc_pb_bytes(YcPb *pb, int field, const void *data, size_t n) {
    yc_pb_key(pb, field, YC_PB_BYTES);
    yc_pb_varint(pb, n);
    yc_pb_raw(pb, data, n);
}

void yc_pb_string(YcPb *pb, int field, const char *text) { yc_pb_bytes(pb, field, text, strlen(text)); }

void yc_pb_message(YcPb *pb, int field, const YcPb *sub) {
    if (sub->failed) {
        pb->failed = 1;
        return;
    }
    yc_pb_bytes(pb, field, sub->data, sub->len);
}

void yc_pb_packed_doubles(YcPb *pb, int field, const double *v, size_t n) {
    yc_pb_key(pb, field, YC_PB_BYTES);
    yc_pb_varint(pb, n * 8);
    for (size_t i = 0; i < n; i++) put_le(pb, double_bits(v[i]), 8);
}

void yc_pb_packed_floats(YcPb *pb, int field, const float *v, size_t n) {
    yc_pb_key(pb, field, YC_PB_BYTES);
    yc_pb_varint(pb, n * 4);
    for (size_t i = 0; i < n; i++) put_le(pb, float_bits(v[i]), 4);
}
