/* CRC-32C (Castagnoli) as TFRecord framing uses it: reflected polynomial
 * 0x82F63B78, initial value and final xor 0xFFFFFFFF, and TensorFlow's mask
 * (rotate right by 15, add 0xA282EAD8) applied to every CRC stored in a record. */
#ifndef YC_TB_CRC32C_H
#define YC_TB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of n bytes. */
uint32_t yc_crc32c(const void *data, size_t n);

/* Continues a CRC: yc_crc32c_extend(yc_crc32c(a, na), b, nb) == yc_crc32c(a ++ b). */
uint32_t yc_crc32c_extend(uint32_t crc, const void *data, size_t n);

/* TensorFlow's masked form of a CRC (what records store). */
uint32_t yc_crc32c_mask(uint32_t crc);

/* yc_crc32c_mask(yc_crc32c(data, n)). */
uint32_t yc_crc32c_masked(const void *data, size_t n);

#endif
