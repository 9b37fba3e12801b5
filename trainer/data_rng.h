/* The data pipeline's random numbers: Philox4x32-10, a counter-based
 * generator, so that each sample's draws depend only on (seed, epoch, sample,
 * purpose) and never on which thread computes it or when. */
#ifndef YC_DATA_RNG_H
#define YC_DATA_RNG_H

#include <stdint.h>

typedef struct YcRng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t out[4];
    int avail;             /* unread words in out */
} YcRng;

/* Streams (the purpose of a sequence of draws). */
enum {
    YC_RNG_SHUFFLE = 1,    /* the epoch's order: index = rank */
    YC_RNG_SAMPLE = 2,     /* a training sample's augmentation: index = dataset index */
    YC_RNG_MIXUP = 3,      /* the mixup partner's own augmentation */
};

/* A stream for (seed, stream, epoch, index). */
void yc_rng_init(YcRng *r, uint64_t seed, uint32_t stream, uint32_t epoch, uint32_t index);
uint32_t yc_rng_u32(YcRng *r);
/* Uniform in [0, 1) with 53 random bits. */
double yc_rng_double(YcRng *r);
/* Uniform in [lo, hi) (Python's random.uniform(lo, hi)). */
double yc_rng_uniform(YcRng *r, double lo, double hi);
/* Uniform integer in [lo, hi] (Python's random.randint). */
int yc_rng_int(YcRng *r, int lo, int hi);
/* Standard normal (polar Box-Muller, one value per call). */
double yc_rng_normal(YcRng *r);
/* Beta(a, b) from two gamma draws (Marsaglia-Tsang), for mixup's ratio. */
double yc_rng_beta(YcRng *r, double a, double b);

/* One Philox4x32-10 block (exposed for the known-answer test). */
void yc_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif
