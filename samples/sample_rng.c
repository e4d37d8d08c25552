/* sample_rng.c: the generator's own random numbers. rand() differs between C
 * libraries and shares state with the caller; xoshiro256** seeded through
 * splitmix64 gives the same bytes everywhere for the same seed. */
#include <math.h>

#include "sample_int.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void sample_rng_init(sample_rng *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    /* Mix the three inputs through separate splitmix rounds so that nearby
     * (purpose, index) pairs give unrelated streams. */
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (purpose * 0xd6e8feb86659fd93u);
    h = splitmix64(&x);
    x = h ^ (index * 0xa0761d6478bd642fu);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t v, int k)
{
    return (v << k) | (v >> (64 - k));
}

uint64_t sample_rng_next(sample_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sample_rng_uniform(sample_rng *r)
{
    return (double)(sample_rng_next(r) >> 11) * 0x1.0p-53;
}

double sample_rng_range(sample_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * sample_rng_uniform(r);
}

int sample_rng_below(sample_rng *r, int n)
{
    if (n <= 1)
        return 0;
    /* Multiply-shift: no modulo bias worth noticing at these sizes. */
    return (int)(((sample_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

int sample_rng_chance(sample_rng *r, double p)
{
    return sample_rng_uniform(r) < p;
}

double sample_rng_normal(sample_rng *r)
{
    /* Box-Muller with one draw thrown away keeps the stream stateless. */
    double u1 = sample_rng_uniform(r), u2 = sample_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
