/* HMAC-SHA256 signatures of Jupyter messages (OpenSSL libcrypto).
 * One YcHmac per thread: the OpenSSL context is not thread-safe. */
#ifndef YC_KERNEL_HMAC_H
#define YC_KERNEL_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define YC_HMAC_HEX_LEN 64 /* lowercase hex of a SHA-256 digest */

typedef struct YcHmac {
    void *mac_ctx;   /* EVP_MAC_CTX *, keyed; NULL when the key is empty */
} YcHmac;

/* key may be empty (no signing: signatures are empty and not checked). */
int yc_hmac_init(YcHmac *h, const char *key, size_t key_len, YcErr *err);
void yc_hmac_free(YcHmac *h);
bool yc_hmac_enabled(const YcHmac *h);

/* The signature over the given parts, in order, as 64 lowercase hex digits
 * plus a NUL into hex[65]. Returns -1 on an OpenSSL failure. */
int yc_hmac_sign(YcHmac *h, const void *const *parts, const size_t *sizes, int count, char hex[YC_HMAC_HEX_LEN + 1]);

/* True when sig (sig_len bytes, not NUL-terminated) is the signature of the
 * parts: the length is checked first, then the bytes in constant time. */
bool yc_hmac_verify(YcHmac *h, const void *const *parts, const size_t *sizes, int count, const void *sig,
                    size_t sig_len);

#endif
