/* sim_stats.c - merging of Welford tallies, MSER-5, and exact order statistics by selection. */
#include <assert.h>
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

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return (x > y) - (x < y);
}

static void swap_time(sim_time *a, sim_time *b)
{
    sim_time t = *a;
    *a = *b;
    *b = t;
}

sim_time sim_select_time(sim_time *v, size_t n, size_t k)
{
    assert(k < n);
    size_t lo = 0, hi = n - 1, rounds = 8;
    for (size_t m = n; m > 1; m >>= 1)
        rounds += 2;
    while (lo < hi) {
        if (rounds-- == 0) { /* unlucky pivots: finish by sorting what is left */
            qsort(v + lo, hi - lo + 1, sizeof *v, cmp_time);
            break;
        }
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap_time(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_time(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_time(&v[hi], &v[mid]);
        sim_time pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) { /* Hoare's partition: [lo, j] <= pivot <= [i, hi] */
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swap_time(&v[i], &v[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j && j != (size_t)-1 && j >= lo)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break; /* j < k < i: v[k] equals the pivot and is in place */
    }
    return v[k];
}
