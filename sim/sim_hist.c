/* sim_hist.c - row allocation, quantiles and merging for the log-bucketed histogram. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "sim_hist.h"

void sim_hist_init(sim_hist *h)
{
    memset(h, 0, sizeof *h);
}

void sim_hist_free(sim_hist *h)
{
    for (unsigned i = 0; i < h->nrow; i++)
        free(h->row[i]);
    free(h->row);
    h->row = NULL;
    h->lo = h->nrow = 0;
}

void sim_hist_reset(sim_hist *h)
{
    for (unsigned i = 0; i < h->nrow; i++)
        if (h->row[i])
            memset(h->row[i], 0, SIM_HIST_SUB * sizeof *h->row[i]);
    h->n = 0;
    h->min = h->max = 0;
    h->failed = 0;
}

/* Row r, allocated (and the table widened to reach it) if need be; NULL
 * when out of memory. */
static uint64_t *row_for(sim_hist *h, unsigned r)
{
    assert(r < SIM_HIST_ROWS);
    uint64_t *have = sim_hist_row(h, r);
    if (have)
        return have;
    if (r < h->lo || r >= (unsigned)h->lo + h->nrow) {
        unsigned lo = h->nrow && h->lo < r ? h->lo : r;
        unsigned hi = h->nrow && (unsigned)h->lo + h->nrow - 1 > r ? (unsigned)h->lo + h->nrow - 1 : r;
        uint64_t **t = calloc(hi - lo + 1, sizeof *t);
        if (!t)
            return NULL;
        for (unsigned i = 0; i < h->nrow; i++)
            t[h->lo + i - lo] = h->row[i];
        free(h->row);
        h->row = t;
        h->lo = (unsigned char)lo;
        h->nrow = (unsigned char)(hi - lo + 1);
    }
    return h->row[r - h->lo] = calloc(SIM_HIST_SUB, sizeof **h->row);
}

void sim_hist_add_slow(sim_hist *h, int64_t v, unsigned r, unsigned s)
{
    if (!row_for(h, r)) {
        h->failed = 1;
        return;
    }
    (void)s;
    sim_hist_add(h, v);
}

/* Midpoint of bucket (r, s): exact in row 0, else of [lo, lo + width - 1]. */
static double representative(unsigned r, unsigned s)
{
    if (r == 0)
        return s;
    double width = ldexp(1.0, (int)r - 1);
    double lo = (double)(SIM_HIST_SUB + s) * width;
    return lo + (width - 1) / 2;
}

static uint64_t rank_of(uint64_t n, double q)
{
    double k = ceil(q * (double)n);
    return k < 1 ? 1 : k > (double)n ? n : (uint64_t)k;
}

double sim_hist_quantile(const sim_hist *h, double q)
{
    if (h->n == 0)
        return 0;
    return sim_hist_at_rank(h, rank_of(h->n, q));
}

void sim_hist_bucket_edges(double v, double *lo, double *hi)
{
    uint64_t u = v <= 0 ? 0 : v >= 9.2e18 ? (uint64_t)9.2e18 : (uint64_t)v;
    if (u < SIM_HIST_SUB) {
        *lo = *hi = (double)u;
        return;
    }
    unsigned e = 63u - (unsigned)__builtin_clzll(u), r = e - SIM_HIST_SUB_BITS + 1;
    unsigned s = (unsigned)(u >> (e - SIM_HIST_SUB_BITS)) & (SIM_HIST_SUB - 1);
    double width = ldexp(1.0, (int)r - 1);
    *lo = (double)(SIM_HIST_SUB + s) * width;
    *hi = *lo + width - 1;
}

void sim_hist_quantiles(const sim_hist *h, const double *q, size_t n, double *out)
{
    size_t i = 0;
    uint64_t seen = 0;
    if (h->n == 0) {
        for (; i < n; i++)
            out[i] = 0;
        return;
    }
    for (unsigned r = h->lo; r < (unsigned)h->lo + h->nrow && i < n; r++) {
        const uint64_t *row = sim_hist_row(h, r);
        if (!row)
            continue;
        for (unsigned s = 0; s < SIM_HIST_SUB && i < n; s++) {
            seen += row[s];
            while (i < n && seen >= rank_of(h->n, q[i])) { /* q ascending: ranks never decrease */
                assert(i == 0 || q[i] >= q[i - 1]);
                double x = representative(r, s);
                out[i++] = x < (double)h->min ? (double)h->min : x > (double)h->max ? (double)h->max : x;
            }
        }
    }
    for (; i < n; i++) /* (only if the counts were incomplete) */
        out[i] = (double)h->max;
}

sim_cquantile sim_hist_cquantile(const sim_hist *ok, const sim_hist *cens, double q)
{
    sim_cquantile r = { 0, 0, 0 };
    uint64_t n = ok->n + cens->n;
    if (n == 0) {
        r.empty = 1;
        return r;
    }
    uint64_t k = rank_of(n, q);
    if (k <= ok->n) {
        r.value = sim_hist_at_rank(ok, k);
    } else {
        r.value = sim_hist_at_rank(cens, k - ok->n);
        r.censored = 1;
    }
    return r;
}

uint64_t sim_hist_count_le(const sim_hist *h, double v)
{
    if (!(v >= 0))
        return 0;
    if (v >= 9.2e18)
        return h->n;
    uint64_t u = (uint64_t)v, seen = 0;
    unsigned r, s;
    if (u < SIM_HIST_SUB) {
        r = 0;
        s = (unsigned)u;
    } else {
        unsigned e = 63u - (unsigned)__builtin_clzll(u);
        r = e - SIM_HIST_SUB_BITS + 1;
        s = (unsigned)(u >> (e - SIM_HIST_SUB_BITS)) & (SIM_HIST_SUB - 1);
    }
    for (unsigned rr = 0; rr <= r; rr++) {
        const uint64_t *row = sim_hist_row(h, rr);
        for (unsigned ss = 0; row && ss < (rr < r ? SIM_HIST_SUB : s + 1); ss++)
            seen += row[ss];
    }
    return seen;
}

double sim_hist_at_rank(const sim_hist *h, uint64_t rank)
{
    uint64_t seen = 0;
    assert(rank >= 1 && rank <= h->n);
    for (unsigned r = h->lo; r < (unsigned)h->lo + h->nrow; r++) {
        const uint64_t *row = sim_hist_row(h, r);
        if (!row)
            continue;
        for (unsigned s = 0; s < SIM_HIST_SUB; s++) {
            seen += row[s];
            if (seen >= rank) {
                double x = representative(r, s);
                if (x < (double)h->min)
                    x = (double)h->min;
                if (x > (double)h->max)
                    x = (double)h->max;
                return x;
            }
        }
    }
    return (double)h->max;
}

int sim_hist_merge(sim_hist *dst, const sim_hist *src)
{
    if (src->n == 0)
        return 0;
    for (unsigned r = src->lo; r < (unsigned)src->lo + src->nrow; r++) {
        const uint64_t *from = sim_hist_row(src, r);
        if (!from)
            continue;
        uint64_t *to = row_for(dst, r);
        if (!to)
            return -1;
        for (int s = 0; s < SIM_HIST_SUB; s++)
            to[s] += from[s];
    }
    if (dst->n == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->n == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->n += src->n;
    dst->failed |= src->failed;
    return 0;
}

cJSON *sim_hist_to_json(const sim_hist *h)
{
    cJSON *o = cJSON_CreateObject(), *b = cJSON_AddArrayToObject(o, "b");
    if (!o || !b) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddNumberToObject(o, "n", (double)h->n);
    cJSON_AddNumberToObject(o, "min", (double)h->min);
    cJSON_AddNumberToObject(o, "max", (double)h->max);
    for (unsigned r = h->lo; r < (unsigned)h->lo + h->nrow; r++) {
        const uint64_t *row = sim_hist_row(h, r);
        for (unsigned s = 0; row && s < SIM_HIST_SUB; s++)
            if (row[s]) {
                cJSON_AddItemToArray(b, cJSON_CreateNumber((double)(r * SIM_HIST_SUB + s)));
                cJSON_AddItemToArray(b, cJSON_CreateNumber((double)row[s]));
            }
    }
    return o;
}

int sim_hist_from_json(sim_hist *h, const cJSON *o)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n"), *lo = cJSON_GetObjectItemCaseSensitive(o, "min"),
                *hi = cJSON_GetObjectItemCaseSensitive(o, "max"), *b = cJSON_GetObjectItemCaseSensitive(o, "b");
    if (!cJSON_IsNumber(n) || !cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || !cJSON_IsArray(b))
        return -1;
    uint64_t total = 0;
    for (const cJSON *it = b->child; it; it = it->next ? it->next->next : NULL) {
        const cJSON *cnt = it->next;
        if (!cJSON_IsNumber(it) || !cJSON_IsNumber(cnt) || it->valuedouble < 0 ||
            it->valuedouble >= SIM_HIST_ROWS * SIM_HIST_SUB || cnt->valuedouble < 0)
            return -1;
        unsigned idx = (unsigned)it->valuedouble, r = idx / SIM_HIST_SUB, s = idx % SIM_HIST_SUB;
        uint64_t *row = row_for(h, r);
        if (!row)
            return -1;
        row[s] += (uint64_t)cnt->valuedouble;
        total += (uint64_t)cnt->valuedouble;
    }
    if (total != (uint64_t)n->valuedouble)
        return -1;
    h->n = total;
    h->min = (int64_t)lo->valuedouble;
    h->max = (int64_t)hi->valuedouble;
    return 0;
}
