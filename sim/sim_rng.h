/* sim_rng.h - named random streams: small, independent, seeded from (master seed, replication, name). */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/*
 * One stream per (component, purpose), e.g. "arrivals/tx" or
 * "service/verifier/tx".  The state is seeded from a hash of the master
 * seed, the replication number and the stream's name, so adding a stream
 * or drawing more from one never changes what another draws: two policies
 * run with the same seed see the very same arrivals (common random numbers).
 *
 * The generator is xoshiro256** (Blackman and Vigna, 2018): 32 bytes of
 * state, period 2^256 - 1, and it passes BigCrush.  `g` is a gsl_rng whose
 * state points into this struct, so GSL's distributions draw from the stream
 * directly.  Because of that inner pointer a sim_rng must not be copied or
 * moved after sim_rng_init().
 */
typedef struct sim_rng {
    gsl_rng g;
    uint64_t s[4];
} sim_rng;

/* The gsl_rng_type of these streams; gsl_rng_alloc(sim_rng_type) works too. */
extern const gsl_rng_type *sim_rng_type;

void sim_rng_init(sim_rng *r, uint64_t seed, uint64_t replication, const char *name);

/* Returns a new stream; free with free().  NULL when out of memory. */
sim_rng *sim_rng_new(uint64_t seed, uint64_t replication, const char *name);

/* The next 64 random bits of a raw xoshiro256** state. */
static inline uint64_t sim_xoshiro_next(uint64_t s[4])
{
    uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* The next 64 random bits. */
static inline uint64_t sim_rng_next(sim_rng *r)
{
    return sim_xoshiro_next(r->s);
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double sim_rng_u01(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1]: never 0, so its logarithm is finite. */
static inline double sim_rng_u01_pos(sim_rng *r)
{
    return (double)((sim_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform on [0, span) by rejection, so without modulo bias (span 0: the
 * whole 64-bit range).  math.random(n) in a policy is 1 + this (n). */
static inline uint64_t sim_rng_below(sim_rng *r, uint64_t span)
{
    if (span == 0)
        return sim_rng_next(r);
    uint64_t limit = UINT64_MAX - UINT64_MAX % span, x;
    do
        x = sim_rng_next(r);
    while (x >= limit);
    return x % span;
}

/* 64-bit hash of a string (FNV-1a followed by a strong finaliser). */
uint64_t sim_hash_str(const char *s);

#endif
