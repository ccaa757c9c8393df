/* sim_rng.c - xoshiro256** streams keyed by name, exposed to GSL as a gsl_rng_type. */
#include <stdlib.h>
#include <string.h>
#include "sim_rng.h"

/* SplitMix64 (Steele, Lea, Flood 2014): a bijective mixer used to expand
 * 64-bit keys into well-spread xoshiro states. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

uint64_t sim_hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3u;
    }
    return splitmix(&h);
}

static void seed_state(uint64_t s[4], uint64_t key)
{
    for (int i = 0; i < 4; i++)
        s[i] = splitmix(&key);
    if (!(s[0] | s[1] | s[2] | s[3])) /* the one forbidden state */
        s[0] = 1;
}

static void gsl_set(void *state, unsigned long seed)
{
    seed_state(state, (uint64_t)seed);
}

static unsigned long gsl_get(void *state)
{
    return (unsigned long)(sim_xoshiro_next(state) >> 32);
}

static double gsl_get_double(void *state)
{
    return (double)(sim_xoshiro_next(state) >> 11) * 0x1.0p-53;
}

/* GSL hands get() the state pointer, which for a sim_rng is its s[4]. */
static const gsl_rng_type type = {
    "xoshiro256**", 0xffffffffUL, 0, sizeof(uint64_t[4]), gsl_set, gsl_get, gsl_get_double,
};
const gsl_rng_type *sim_rng_type = &type;

void sim_rng_init(sim_rng *r, uint64_t seed, uint64_t replication, const char *name)
{
    uint64_t k = seed;
    uint64_t a = splitmix(&k);
    k = replication ^ 0x5851F42D4C957F2Du;
    uint64_t b = splitmix(&k);
    r->g.type = &type;
    r->g.state = r->s;
    seed_state(r->s, a ^ (b * 3) ^ sim_hash_str(name));
}

sim_rng *sim_rng_new(uint64_t seed, uint64_t replication, const char *name)
{
    sim_rng *r = malloc(sizeof *r);
    if (r)
        sim_rng_init(r, seed, replication, name);
    return r;
}
