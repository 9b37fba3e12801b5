/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3")
 * and the distributions the augmentations draw from. */
#include <math.h>

#include "data_rng.h"

void yc_philox4x32(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4]) {
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

void yc_rng_init(YcRng *r, uint64_t seed, uint32_t stream, uint32_t epoch, uint32_t index) {
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = index;
    r->ctr[2] = epoch;
    r->ctr[3] = stream;
    r->avail = 0;
}

uint32_t yc_rng_u32(YcRng *r) {
    if (r->avail == 0) {
        yc_philox4x32(r->ctr, r->key, r->out);
        r->ctr[0]++;
        r->avail = 4;
    }
    return r->out[4 - r->avail--];
}

double yc_rng_double(YcRng *r) {
    uint32_t a = yc_rng_u32(r) >> 5, b = yc_rng_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

double yc_rng_uniform(YcRng *r, double lo, double hi) {
    return lo + (hi - lo) * yc_rng_double(r);
}

int yc_rng_int(YcRng *r, int lo, int hi) {
    if (hi <= lo) return lo;
    uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;
    /* rejection sampling: no modulo bias */
    uint64_t limit = (UINT64_C(1) << 32) - ((UINT64_C(1) << 32) % span);
    for (;;) {
        uint64_t v = yc_rng_u32(r);
        if (v < limit) return (int)(lo + (int64_t)(v % span));
    }
}

double yc_rng_normal(YcRng *r) {
    for (;;) {
        double u = 2.0 * yc_rng_double(r) - 1.0, v = 2.0 * yc_rng_double(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0 && s < 1) return u * sqrt(-2.0 * log(s) / s);
    }
}

/* Gamma(a, 1) for a >= 1 (Marsaglia and Tsang, 2000). */
static double gamma_draw(YcRng *r, double a) {
    if (a < 1) {
        double u = yc_rng_double(r);
        return gamma_draw(r, a + 1) * pow(u > 0 ? u : 1e-300, 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = yc_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = yc_rng_double(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (u > 0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

double yc_rng_beta(YcRng *r, double a, double b) {
    double x = gamma_draw(r, a), y = gamma_draw(r, b);
    return x / (x + y);
}
