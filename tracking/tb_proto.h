/* A small protobuf (proto3 wire format) encoder: just what the TensorBoard
 * event messages need. Fields are appended in the order the caller writes
 * them; write them in field-number order to get the bytes protobuf's own
 * serialisers produce. Nested messages are encoded into their own buffer and
 * appended with yc_pb_message. Allocation failure sets `failed` and makes
 * every later call a no-op, so callers check once at the end. */
#ifndef YC_TB_PROTO_H
#define YC_TB_PROTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct YcPb {
    unsigned char *data;
    size_t len;
    size_t cap;
    int failed;
} YcPb;

enum { YC_PB_VARINT = 0, YC_PB_FIXED64 = 1, YC_PB_BYTES = 2, YC_PB_FIXED32 = 5 };

void yc_pb_init(YcPb *pb);
void yc_pb_free(YcPb *pb);
void yc_pb_clear(YcPb *pb);

/* Raw pieces. */
void yc_pb_raw(YcPb *pb, const void *data, size_t n);
void yc_pb_varint(YcPb *pb, uint64_t v);
void yc_pb_key(YcPb *pb, int field, int wire_type);

/* Fields (the key, then the value). int64/int32/enum/bool are varints; a
 * negative int is sent as its 64-bit two's complement (10 bytes), as protobuf does. */
void yc_pb_uint(YcPb *pb, int field, uint64_t v);
void yc_pb_int(YcPb *pb, int field, int64_t v);
void yc_pb_double(YcPb *pb, int field, double v);
void yc_pb_float(YcPb *pb, int field, float v);
void yc_pb_bytes(YcPb *pb, int field, const void *data, size_t n);
void yc_pb_string(YcPb *pb, int field, const char *text);
void yc_pb_message(YcPb *pb, int field, const YcPb *sub);
/* Packed repeated fields. */
void yc_pb_packed_doubles(YcPb *pb, int field, const double *v, size_t n);
void yc_pb_packed_floats(YcPb *pb, int field, const float *v, size_t n);

#endif
