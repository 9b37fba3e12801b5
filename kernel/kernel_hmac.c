#include "kernel_hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

int yc_hmac_init(YcHmac *h, const char *key, size_t key_len, YcErr *err) {
    h->mac_ctx = NULL;
    if (key_len == 0) return 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac) return yc_err(err, "OpenSSL has no HMAC");
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (!ctx) return yc_err(err, "OpenSSL: cannot create an HMAC context");
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, (const unsigned char *)key, key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return yc_err(err, "OpenSSL: cannot key HMAC-SHA256");
    }
    h->mac_ctx = ctx;
    return 0;
}

void yc_hmac_free(YcHmac *h) {
    EVP_MAC_CTX_free(h->mac_ctx);
    h->mac_ctx = NULL;
}

bool yc_hmac_enabled(const YcHmac *h) { return h->mac_ctx != NULL; }

static int digest(YcHmac *h, const void *const *parts, const size_t *sizes, int count, unsigned char out[32]) {
    EVP_MAC_CTX *ctx = h->mac_ctx;
    /* A NULL key re-initialises with the key given before. */
    if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1) return -1;
    for (int i = 0; i < count; i++)
        if (sizes[i] && EVP_MAC_update(ctx, parts[i], sizes[i]) != 1) return -1;
    size_t len = 0;
    if (EVP_MAC_final(ctx, out, &len, 32) != 1 || len != 32) return -1;
    return 0;
}

int yc_hmac_sign(YcHmac *h, const void *const *parts, const size_t *sizes, int count, char hex[YC_HMAC_HEX_LEN + 1]) {
    hex[0] = '\0';
    if (!h->mac_ctx) return 0;
    unsigned char d[32];
    if (digest(h, parts, sizes, count, d)) return -1;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[YC_HMAC_HEX_LEN] = '\0';
    return 0;
}

bool yc_hmac_verify(YcHmac *h, const void *const *parts, const size_t *sizes, int count, const void *sig,
                    size_t sig_len) {
    if (!h->mac_ctx) return true;
    if (sig_len != YC_HMAC_HEX_LEN) return false;
    char want[YC_HMAC_HEX_LEN + 1];
    if (yc_hmac_sign(h, parts, sizes, count, want)) return false;
    return CRYPTO_memcmp(want, sig, YC_HMAC_HEX_LEN) == 0;
}
