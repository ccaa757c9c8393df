/* sim_calendar.c - a calendar-queue pending-event set (Brown, CACM 1988) with automatic resizing. */
#include <assert.h>
#include <stdlib.h>
#include "sim_alloc.h"
#include "sim_evq.h"

/*
 * The calendar is an array of nb buckets ("days"), each `width` ticks long;
 * an event at time t lives in bucket (t / width) mod nb, in a chain sorted by
 * (time, seq).  Dequeueing walks the days of the current "year" from the
 * last position: the first bucket whose head falls inside that day's window
 * holds the global minimum, because every time maps to exactly one bucket
 * and no event is earlier than the window being scanned.  If a whole year
 * passes with nothing due (sparse events), a direct search over the bucket
 * heads finds the minimum.
 *
 * Designed for large pending sets whose events are spread fairly evenly in
 * time (the hold model, many independent timers): with nb close to the number
 * of events and a width near three mean inter-event gaps, insert and pop are
 * O(1) on average.  The bucket count doubles or halves as the set grows or
 * shrinks, and the width is re-estimated from the earliest events then,
 * and also when a quarter of the pops since the last estimate found a whole
 * year without a due event (the width no longer fits).
 * Invariant: cur_start <= the time of every pending event.
 */
#define CAL_MIN_BUCKETS 16
#define CAL_SAMPLE 64

struct sim_evq {
    sim_event **bucket;
    size_t nb;          /* a power of two */
    sim_time width;     /* ticks per bucket, >= 1 */
    size_t n;
    size_t cur;         /* bucket being scanned */
    sim_time cur_start; /* start of that bucket's window in the current year */
    size_t pops, misses; /* since the width was last estimated: pops, and those that found a year empty */
};

static inline size_t bucket_of(const sim_evq *q, sim_time t)
{
    return (size_t)(t / q->width) & (q->nb - 1);
}

static sim_evq *cal_create(void)
{
    sim_evq *q = sim_calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->nb = CAL_MIN_BUCKETS;
    q->width = 1;
    q->bucket = sim_calloc(q->nb, sizeof *q->bucket);
    if (!q->bucket) {
        free(q);
        return NULL;
    }
    return q;
}

static void cal_destroy(sim_evq *q)
{
    if (!q)
        return;
    free(q->bucket);
    free(q);
}

static int cmp_events(const void *pa, const void *pb)
{
    const sim_event *a = *(sim_event *const *)pa, *b = *(sim_event *const *)pb;
    return sim_event_before(a, b) ? -1 : sim_event_before(b, a) ? 1 : 0;
}

/*
 * Width from the gaps between the earliest events, ignoring outliers
 * (Brown's rule), and ignoring gaps of zero: a simulation often holds many
 * events at one instant (a batch, zero-delay hops), and counting their
 * gaps gave a width of one tick, so that every later event was a year or
 * more away and each pop searched every bucket (the seed scenario ran
 * 100x slower than on the heap).  With no positive gap among the earliest
 * events the old width stays.
 */
static sim_time estimate_width(sim_event **sorted, size_t n, sim_time old)
{
    size_t m = n < CAL_SAMPLE ? n : CAL_SAMPLE;
    double sum = 0;
    size_t pos = 0;
    for (size_t i = 0; i + 1 < m; i++) {
        sim_time g = sorted[i + 1]->time - sorted[i]->time;
        if (g > 0) {
            sum += (double)g;
            pos++;
        }
    }
    if (pos == 0)
        return old;
    double avg = sum / (double)pos, sum2 = 0;
    size_t cnt = 0;
    for (size_t i = 0; i + 1 < m; i++) {
        double g = (double)(sorted[i + 1]->time - sorted[i]->time);
        if (g > 0 && g <= 2 * avg) {
            sum2 += g;
            cnt++;
        }
    }
    double w = cnt ? 3 * sum2 / (double)cnt : 3 * avg;
    if (w < 1)
        return 1;
    if (w > (double)(INT64_C(1) << 40))
        return INT64_C(1) << 40;
    return (sim_time)w;
}

/* Rebuild with nb buckets.  On allocation failure the queue is left as it was. */
static int resize(sim_evq *q, size_t nb)
{
    sim_event **all = sim_malloc((q->n ? q->n : 1) * sizeof *all);
    sim_event **nbkt = sim_calloc(nb, sizeof *nbkt);
    sim_event **tail = sim_calloc(nb, sizeof *tail);
    if (!all || !nbkt || !tail) {
        free(all);
        free(nbkt);
        free(tail);
        return -1;
    }
    size_t k = 0;
    for (size_t b = 0; b < q->nb; b++)
        for (sim_event *e = q->bucket[b]; e; e = e->next)
            all[k++] = e;
    qsort(all, k, sizeof *all, cmp_events);
    free(q->bucket);
    q->bucket = nbkt;
    q->nb = nb;
    q->width = estimate_width(all, k, q->width);
    /* Appending in sorted order keeps every chain sorted. */
    for (size_t i = 0; i < k; i++) {
        size_t b = bucket_of(q, all[i]->time);
        all[i]->next = NULL;
        if (tail[b])
            tail[b]->next = all[i];
        else
            nbkt[b] = all[i];
        tail[b] = all[i];
    }
    q->pops = q->misses = 0;
    /* Restart the scan at the window holding the old scan position, which
     * is no later than any pending or future event. */
    sim_time s = q->cur_start;
    q->cur_start = s - s % q->width;
    q->cur = bucket_of(q, q->cur_start);
    free(all);
    free(tail);
    return 0;
}

static int cal_insert(sim_evq *q, sim_event *ev)
{
    if (q->n + 1 > 2 * q->nb && resize(q, q->nb * 2) != 0 && q->n > 64 * q->nb)
        return -1; /* could not grow and chains are getting long: give up */
    sim_time t = ev->time;
    if (t < q->cur_start) { /* keep the invariant: scanning restarts here */
        q->cur_start = t - t % q->width;
        q->cur = bucket_of(q, t);
    }
    sim_event **pp = &q->bucket[bucket_of(q, t)];
    while (*pp && !sim_event_before(ev, *pp))
        pp = &(*pp)->next;
    ev->next = *pp;
    *pp = ev;
    q->n++;
    return 0;
}

/* Position cur on the bucket whose head is the minimum; requires n > 0. */
static void find_min(sim_evq *q)
{
    for (size_t j = 0; j < q->nb; j++) {
        sim_event *h = q->bucket[q->cur];
        if (h && h->time < q->cur_start + q->width)
            return;
        q->cur = (q->cur + 1) & (q->nb - 1);
        q->cur_start += q->width;
    }
    /* A year without a due event: search the heads directly. */
    q->misses++;
    sim_event *best = NULL;
    for (size_t b = 0; b < q->nb; b++)
        if (q->bucket[b] && (!best || sim_event_before(q->bucket[b], best)))
            best = q->bucket[b];
    assert(best); /* called only with events pending */
    q->cur_start = best->time - best->time % q->width;
    q->cur = bucket_of(q, best->time);
}

static sim_event *cal_pop(sim_evq *q)
{
    if (q->n == 0)
        return NULL;
    find_min(q);
    sim_event *ev = q->bucket[q->cur];
    q->bucket[q->cur] = ev->next;
    ev->next = NULL;
    q->n--;
    q->pops++;
    if (q->nb > CAL_MIN_BUCKETS && q->n < q->nb / 2)
        (void)resize(q, q->nb / 2); /* failure only costs speed */
    else if (q->misses >= 16 && 4 * q->misses >= q->pops)
        /* a quarter of the pops found a whole year empty: the width no
         * longer fits the events (a small set never resizes, and kept the
         * first width, one tick): estimate it again at the same size */
        (void)resize(q, q->nb);
    return ev;
}

/* Unlink the cancelled events from every chain (chains stay sorted), then
 * shrink as a pop would. */
static void cal_purge(sim_evq *q, void (*drop)(void *ctx, sim_event *ev), void *ctx)
{
    for (size_t b = 0; b < q->nb; b++)
        for (sim_event **pp = &q->bucket[b]; *pp;) {
            sim_event *e = *pp;
            if (e->cancelled) {
                *pp = e->next;
                e->next = NULL;
                q->n--;
                drop(ctx, e);
            } else {
                pp = &e->next;
            }
        }
    size_t nb = q->nb;
    while (nb > CAL_MIN_BUCKETS && q->n < nb / 2)
        nb /= 2;
    if (nb != q->nb)
        (void)resize(q, nb); /* failure only costs speed */
}

static sim_event *cal_peek(sim_evq *q)
{
    if (q->n == 0)
        return NULL;
    find_min(q);
    return q->bucket[q->cur];
}

static size_t cal_size(const sim_evq *q)
{
    return q->n;
}

const sim_evq_ops sim_evq_calendar = {
    "calendar", cal_create, cal_destroy, cal_insert, cal_pop, cal_peek, cal_size, cal_purge,
};
