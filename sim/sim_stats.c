/* sim_stats.c - merging of Welford tallies. */
#include <stdlib.h>
#include "sim_stats.h"

void sim_welford_merge(sim_welford *a, const sim_welford *b)
{
    if (b->n == 0)
        return;
    double n = (double)a->n + (double)b->n, d = b->mean - a->mean;
    a->mean += d * (double)b->n / n;
    a->m2 += b->m2 + d * d * (double)a->n * (double)b->n / n;
    a->n += b->n;
}

size_t sim_mser5(const double *x, size_t n)
{
    size_t k = n / 5;
    if (k < 2)
        return 0;
    double *z = malloc(k * sizeof *z);
    if (!z)
        return 0;
    for (size_t j = 0; j < k; j++) {
        z[j] = 0;
        for (size_t i = 0; i < 5; i++)
            z[j] += x[5 * j + i] / 5;
    }
    /* suffix sums make each MSER(d) O(1): sum (Z - m)^2 = S2 - S1^2 / c */
    double s1 = 0, s2 = 0, best = INFINITY;
    size_t bestd = 0;
    for (size_t j = k; j-- > 0;) {
        s1 += z[j];
        s2 += z[j] * z[j];
        size_t d = j, c = k - d;
        if (d <= k / 2) {
            double ss = s2 - s1 * s1 / (double)c;
            double mser = (ss > 0 ? ss : 0) / ((double)c * (double)c);
            if (mser <= best) { /* ties: the shorter warm-up (smaller d, seen later) */
                best = mser;
                bestd = d;
            }
        }
    }
    free(z);
    return 5 * bestd;
}
