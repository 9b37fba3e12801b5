/* Vectorisable math for the CPU backend's loops. */
#ifndef YC_OPS_CPU_MATH_H
#define YC_OPS_CPU_MATH_H

/* The CPU backend's hot loops are simple enough for GCC to vectorise, which
 * the project-wide -O2 does not attempt (GCC 12's very-cheap cost model):
 * the ops_cpu_*.c files ask for -O3 for themselves. -O3 does not reorder
 * floating-point arithmetic, so results are the same as at -O2. */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE_SIZE__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3", "no-trapping-math")
#endif

/* The loop bodies of the heaviest elementwise work also get AVX2 and AVX-512
 * versions, chosen at run time by the CPU (GCC function multi-versioning).
 * The clones compute exactly what the baseline does: ISO C mode keeps
 * multiply-adds unfused, and no reduction is reordered. Off under the
 * sanitizers. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) && \
    !defined(__SANITIZE_ADDRESS__)
#define YC_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define YC_HOT
#endif

/* Sum of x[0..n) in float with 8 independent partial sums (so the loop
 * vectorises), the partials added in a fixed order: deterministic, and its
 * rounding error grows with n / 8. Callers keep n to a few hundred and add
 * the chunks in double. */
static inline float yc_sum8(const float *x, int64_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += x[i + k];
    for (; i < n; i++) acc[i & 7] += x[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

#include <stdint.h>
#include <string.h>

/* e^x for float, within 1 ulp of exp over [-87, 88]; e^-87.3 below that (not
 * 0: the smallest normal float), infinity above 88.03. Written
 * without branches or library calls so that loops calling it vectorise:
 * x = n ln2 + r with n rounded by the 1.5 * 2^23 trick, e^r by a degree-6
 * polynomial (Cephes' coefficients), 2^n put into the exponent bits. */
static inline float yc_expf(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.7f ? 88.7f : x;
    float t = x * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits - 0x4B400000 + 127) << 23; /* n + bias into the exponent */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float yc_sigmoidf(float x) { return 1.0f / (1.0f + yc_expf(-x)); }

#endif
