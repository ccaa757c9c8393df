/* check_engine.c - the pending-event sets and the engine against a naive sorted-array reference. */
#include <stdlib.h>
#include <string.h>
#include "../sim/sim_alloc.h"
#include "../sim/sim_engine.h"
#include "../sim/sim_rng.h"
#include "tb_test.h"

static const sim_evq_ops *const impls[] = { &sim_evq_heap, &sim_evq_calendar };

/* Reference: an unsorted array scanned for the minimum (time, seq). */
typedef struct {
    sim_time time;
    uint64_t seq;
} key;

static size_t ref_min(const key *k, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (k[i].time < k[best].time || (k[i].time == k[best].time && k[i].seq < k[best].seq))
            best = i;
    return best;
}

/* Random inserts and pops against the reference; `spread` controls how many
 * events share a time (small spread = many ties, broken by seq). */
static void differential(const sim_evq_ops *ops, sim_time spread, int steps, uint64_t seed)
{
    sim_rng r;
    sim_rng_init(&r, seed, 0, "differential");
    sim_evq *q = ops->create();
    ck_assert_ptr_nonnull(q);
    sim_event *evs = calloc((size_t)steps, sizeof *evs);
    key *ref = calloc((size_t)steps, sizeof *ref);
    size_t nref = 0, nev = 0;
    sim_time now = 0;
    uint64_t seq = 0;
    for (int s = 0; s < steps; s++) {
        /* Grow for the first half, then drift around a steady size. */
        int insert = nref == 0 || sim_rng_u01(&r) < (s < steps / 2 ? 0.7 : 0.5);
        if (insert) {
            sim_event *e = &evs[nev++];
            e->time = now + (sim_time)(sim_rng_next(&r) % (uint64_t)spread);
            e->seq = ++seq;
            ck_assert_int_eq(ops->insert(q, e), 0);
            ref[nref].time = e->time;
            ref[nref++].seq = e->seq;
        } else {
            size_t i = ref_min(ref, nref);
            sim_event *peek = ops->peek(q);
            sim_event *e = ops->pop_min(q);
            /* plain tests in the loop, one assertion after: Check's
             * assertions cost an allocation each under CK_FORK=no */
            if (!e || peek != e || e->time != ref[i].time || e->seq != ref[i].seq) {
                ck_abort_msg("step %d: popped seq %llu, want %llu", s,
                             e ? (unsigned long long)e->seq : 0ULL, (unsigned long long)ref[i].seq);
            }
            now = e->time;
            ref[i] = ref[--nref];
        }
        if (ops->size(q) != nref)
            ck_abort_msg("step %d: size %zu, want %zu", s, ops->size(q), nref);
    }
    while (nref > 0) {
        size_t i = ref_min(ref, nref);
        sim_event *e = ops->pop_min(q);
        if (!e || e->seq != ref[i].seq)
            ck_abort_msg("draining: wrong event");
        ref[i] = ref[--nref];
    }
    ck_assert_ptr_null(ops->pop_min(q));
    ops->destroy(q);
    free(evs);
    free(ref);
}

START_TEST(each_queue_pops_in_time_then_sequence_order)
{
    const sim_evq_ops *ops = impls[_i];
    differential(ops, 1000000, 20000, 1);  /* few ties, spread out */
    differential(ops, 3, 20000, 2);        /* mostly ties */
    differential(ops, 1, 5000, 3);         /* all at the same time */
    differential(ops, INT64_C(1) << 40, 20000, 4); /* sparse: calendar direct search */
}
END_TEST

/* Engine level: schedule, cancel at random, run; the order must match the
 * reference order of the events that were not cancelled. */
typedef struct {
    int *order;
    int n;
} log_t;

static void record(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    log_t *l = obj;
    l->order[l->n++] = (int)arg;
}

static int cmp_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Schedule N events, cancel `cancels` picks of them (repeats are no-ops),
 * run: exactly the others run, in (time, scheduling) order.  Past half of
 * them cancelled, the engine purges the dead from the queue at once. */
static void cancel_and_run(const sim_evq_ops *ops, int cancels)
{
    enum { N = 20000 };
    sim_engine *e = sim_engine_new(ops, 1e9);
    sim_rng r;
    sim_rng_init(&r, 7, 0, "cancel");
    static sim_handle h[N];
    static key want[N];
    static int order[N];
    static char cancelled[N];
    log_t l = { order, 0 };
    for (int i = 0; i < N; i++) {
        sim_time t = (sim_time)(sim_rng_next(&r) % 5000);
        h[i] = sim_at(e, t, record, &l, (uint64_t)i);
        want[i].time = t;
        want[i].seq = (uint64_t)i; /* scheduling order */
        cancelled[i] = 0;
    }
    for (int i = 0; i < cancels; i++) {
        int k = (int)(sim_rng_next(&r) % N);
        sim_cancel(e, h[k]); /* cancelling twice is a no-op */
        cancelled[k] = 1;
    }
    int nwant = 0;
    for (int i = 0; i < N; i++)
        if (!cancelled[i])
            want[nwant++] = want[i];
    qsort(want, (size_t)nwant, sizeof *want, cmp_key);
    ck_assert_uint_eq(e->live, (size_t)nwant);
    if (N - nwant > nwant) { /* most are dead: purged, the queue holds at most as many dead as live */
        ck_assert_uint_le(ops->size(e->q), 2 * (size_t)nwant + 1025);
        for (int i = 0; i < N; i++)
            if (cancelled[i])
                ck_assert(!sim_pending(e, h[i])); /* a purged event's handle is stale */
    }
    ck_assert_int_eq(sim_run(e, SIM_TIME_MAX), SIM_END_EMPTY);
    ck_assert_int_eq(l.n, nwant);
    int wrong = 0;
    for (int i = 0; i < nwant; i++)
        wrong += order[i] != (int)want[i].seq;
    ck_assert_int_eq(wrong, 0);
    /* Handles of events that ran are stale: cancelling them changes nothing. */
    sim_cancel(e, h[order[0]]);
    ck_assert_uint_eq(e->live, 0);
    sim_engine_free(e);
}

START_TEST(cancelled_events_never_run_and_the_rest_keep_their_order)
{
    cancel_and_run(impls[_i], 20000 / 3);
    cancel_and_run(impls[_i], 3 * 20000); /* about 95% cancelled: purges */
}
END_TEST

/* Handlers that schedule none, one or several events and cancel others
 * (enough to purge while a handler runs): on the heap, the first event a
 * handler schedules takes the place of the one running (the fused pop and
 * push); the calendar queue pops first.  Half the events have one of three
 * fixed delays, scheduled on a lane each or by sim_at.  All four ways must
 * run the same events in the same order, which is (time, scheduling
 * order) checked pair by pair. */
typedef struct {
    sim_rng r;
    sim_handle h[16384];
    sim_time when[16384];
    int n, ran[16384], nran, purged;
    sim_lane *lane[3]; /* or NULL: sim_at */
} sched_mix;

static void mix_event(sim_engine *e, void *obj, uint64_t arg)
{
    sched_mix *c = obj;
    if (c->nran > 0 && c->when[c->ran[c->nran - 1]] > e->now)
        ck_abort_msg("time ran backwards");
    c->ran[c->nran++] = (int)arg;
    if (c->nran % 2500 == 0) { /* now and then, most of the pending at once, before scheduling */
        size_t before = e->ops->size(e->q);
        for (int i = 0; i < 2500 && i < c->n; i++)
            sim_cancel(e, c->h[c->n - 1 - i]);
        c->purged += e->ops->size(e->q) + 1 < before; /* the dead went at once */
    }
    int k = (int)(sim_rng_next(&c->r) % 4); /* 0..3 new events */
    for (int i = 0; i < k && c->n < 16384; i++) {
        static const sim_time delay[3] = { 5, 17, 40 };
        unsigned j = (unsigned)(sim_rng_next(&c->r) % 6);
        sim_time t = e->now + (j < 3 ? delay[j] : (sim_time)(sim_rng_next(&c->r) % 50));
        c->when[c->n] = t;
        c->h[c->n] = j < 3 && c->lane[j] ? sim_lane_at(e, c->lane[j], t, mix_event, c, (uint64_t)c->n)
                                         : sim_at(e, t, mix_event, c, (uint64_t)c->n);
        c->n++;
    }
    int x = (int)(sim_rng_next(&c->r) % 3); /* cancel up to two recent events */
    for (int i = 0; i < x && c->n > 0; i++)
        sim_cancel(e, c->h[c->n - 1 - (int)(sim_rng_next(&c->r) % (uint64_t)(c->n < 3000 ? c->n : 3000))]);
}

static void mix_run(const sim_evq_ops *ops, sched_mix *c, int lanes)
{
    sim_engine *e = sim_engine_new(ops, 1e9);
    ck_assert_ptr_nonnull(e);
    memset(c, 0, sizeof *c);
    for (int j = 0; lanes && j < 3; j++)
        ck_assert_ptr_nonnull(c->lane[j] = sim_lane_new(e));
    sim_rng_init(&c->r, 11, 0, "churn");
    for (int i = 0; i < 2000; i++) {
        c->when[c->n] = (sim_time)(sim_rng_next(&c->r) % 100);
        c->h[c->n] = sim_at(e, c->when[c->n], mix_event, c, (uint64_t)c->n);
        c->n++;
    }
    ck_assert_int_eq(sim_run(e, SIM_TIME_MAX), SIM_END_EMPTY);
    ck_assert_uint_eq(e->live, 0);
    sim_engine_free(e);
}

START_TEST(handlers_that_schedule_and_cancel_run_the_same_on_both_queues)
{
    static sched_mix a, b[3];
    mix_run(&sim_evq_heap, &a, 0);
    mix_run(&sim_evq_calendar, &b[0], 0);
    mix_run(&sim_evq_heap, &b[1], 1);
    mix_run(&sim_evq_calendar, &b[2], 1);
    ck_assert_int_gt(a.n, 3000);        /* handlers scheduled many */
    ck_assert_int_lt(a.nran, a.n - 500); /* and cancelled many */
    ck_assert_int_gt(a.purged, 0);       /* purges ran inside handlers */
    for (int v = 0; v < 3; v++) {
        ck_assert_int_eq(a.nran, b[v].nran);
        ck_assert_msg(memcmp(a.ran, b[v].ran, (size_t)a.nran * sizeof a.ran[0]) == 0, "way %d differs", v);
    }
    for (int i = 1; i < a.nran; i++) { /* (time, scheduling order) */
        int p = a.ran[i - 1], q = a.ran[i];
        if (a.when[p] > a.when[q] || (a.when[p] == a.when[q] && p > q))
            ck_abort_msg("event %d ran before %d", p, q);
    }
}
END_TEST

/* Timers on lanes against a naive reference: random delays of a few
 * fixed lengths, random cancellations (of waiting and of earliest
 * timers), run in bursts; exactly the uncancelled ones run, in (time,
 * scheduling) order, and the queue holds one entry per lane at most. */
typedef struct {
    int *order, n;
} lane_log;

static void lane_record(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    lane_log *l = obj;
    l->order[l->n++] = (int)arg;
}

START_TEST(lanes_run_like_sim_at_under_random_schedules_and_cancels)
{
    enum { N = 30000, L = 4 };
    static const sim_time delay[L] = { 10, 100, 1000, 1000 }; /* two lanes of one delay */
    sim_engine *e = sim_engine_new(impls[_i], 1e9);
    sim_lane *lane[L];
    for (int j = 0; j < L; j++)
        lane[j] = sim_lane_new(e);
    static sim_handle h[N];
    static key want[N];
    static int order[N], cancelled[N];
    lane_log log = { order, 0 };
    sim_rng r;
    sim_rng_init(&r, 9, 0, "lanes");
    int nwant = 0;
    size_t most = 0;
    for (int i = 0; i < N; i++) {
        if (i % 100 == 0) /* let time pass: some run, some are still waiting */
            ck_assert_int_ne(sim_run(e, e->now + (sim_time)(sim_rng_next(&r) % 400)), SIM_END_NOMEM);
        int j = (int)(sim_rng_next(&r) % L);
        want[i].time = e->now + delay[j];
        want[i].seq = (uint64_t)i;
        h[i] = sim_lane_at(e, lane[j], want[i].time, lane_record, &log, (uint64_t)i);
        cancelled[i] = 0;
        if (sim_rng_next(&r) % 3 == 0) { /* cancel one of the last 300, pending or not */
            int k = i - (int)(sim_rng_next(&r) % (uint64_t)(i < 300 ? i + 1 : 300));
            if (sim_pending(e, h[k]))
                cancelled[k] = 1;
            sim_cancel(e, h[k]);
        }
        if (e->ops->size(e->q) > most)
            most = e->ops->size(e->q);
    }
    ck_assert_int_eq(sim_run(e, SIM_TIME_MAX), SIM_END_EMPTY);
    ck_assert_uint_le(most, L); /* the lanes' earliest only (dead ones included) */
    for (int i = 0; i < N; i++)
        if (!cancelled[i])
            want[nwant++] = want[i];
    qsort(want, (size_t)nwant, sizeof *want, cmp_key);
    ck_assert_int_eq(log.n, nwant);
    int wrong = 0;
    for (int i = 0; i < nwant; i++)
        wrong += order[i] != (int)want[i].seq;
    ck_assert_int_eq(wrong, 0);
    ck_assert_uint_eq(e->live, 0);
    sim_engine_free(e);
}
END_TEST

static void noop(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)obj;
    (void)arg;
}

START_TEST(run_stops_at_the_horizon_and_resumes_where_it_left_off)
{
    sim_engine *e = sim_engine_new(impls[_i], 1e9);
    int order[4];
    log_t l = { order, 0 };
    sim_at(e, 10, record, &l, 0);
    sim_at(e, 20, record, &l, 1);
    sim_at(e, 20, record, &l, 2);
    sim_at(e, 30, record, &l, 3);
    ck_assert_int_eq(sim_run(e, 20), SIM_END_TIME);
    ck_assert_int_eq(l.n, 3); /* events at the horizon itself run */
    ck_assert_int_eq(e->now, 20);
    ck_assert_int_eq(sim_run(e, 25), SIM_END_TIME);
    ck_assert_int_eq(e->now, 25);
    ck_assert_int_eq(sim_run(e, 100), SIM_END_EMPTY);
    ck_assert_int_eq(l.n, 4);
    ck_assert_int_eq(order[3], 3);
    sim_engine_free(e);
}
END_TEST

/* A hold model: each event schedules its successor. */
static void hold(sim_engine *e, void *obj, uint64_t arg)
{
    sim_rng *r = obj;
    sim_after(e, 1 + (sim_time)(sim_rng_next(r) % 1000), hold, r, arg);
    if (e->events >= 200000)
        e->stop = 1;
}

START_TEST(steady_state_allocates_no_new_events)
{
    sim_engine *e = sim_engine_new(impls[_i], 1e9);
    sim_rng r;
    sim_rng_init(&r, 3, 0, "hold");
    for (int i = 0; i < 3000; i++)
        sim_at(e, i, hold, &r, 0);
    sim_run(e, 1000);
    size_t chunks = e->pool.n;
    ck_assert_int_eq(sim_run(e, SIM_TIME_MAX), SIM_END_STOP);
    ck_assert_uint_eq(e->pool.n, chunks);
    ck_assert_uint_eq(e->live, 3000);
    sim_engine_free(e);
    (void)noop;
}
END_TEST

/* For the allocation-failure test: events that schedule successors. */
typedef struct {
    sim_rng r;
    sim_time last;
    long ran, disorder;
} churn;

static void churn_event(sim_engine *e, void *obj, uint64_t arg)
{
    churn *c = obj;
    c->disorder += e->now < c->last;
    c->last = e->now;
    c->ran++;
    /* two successors now and then: the pending set grows, forcing growth */
    int k = (sim_rng_next(&c->r) % 4 == 0) ? 2 : 1;
    for (int i = 0; i < k && e->live < 3000; i++)
        sim_after(e, 1 + (sim_time)(sim_rng_next(&c->r) % 1000), churn_event, c, arg);
}

START_TEST(every_allocation_failure_is_reported_and_nothing_leaks)
{
    /* Fail the n-th allocation (alone, then that one and all after) for
     * every n through a run that grows the pool and the queue: the engine
     * either finishes or reports SIM_END_NOMEM, never crashes, never runs
     * an event out of order, and frees everything (ASan and valgrind check
     * the last part). */
    const sim_evq_ops *ops = impls[_i];
    long nomem = 0, ok = 0;
    for (int sticky = 0; sticky <= 1; sticky++)
        for (long n = 1; n <= 60; n++) {
            sim_alloc_fail_at(n, sticky);
            sim_engine *e = sim_engine_new(ops, 1e9);
            if (!e) {
                nomem++;
                continue;
            }
            churn c = { .last = 0 };
            sim_rng_init(&c.r, 5, 0, "alloc");
            for (int i = 0; i < 100; i++)
                sim_at(e, i, churn_event, &c, 0);
            enum sim_run_end end = sim_run(e, 5000);
            if (end == SIM_END_NOMEM)
                nomem++;
            else if (end == SIM_END_TIME)
                ok++;
            else
                ck_abort_msg("n=%ld: unexpected end %d", n, (int)end);
            ck_assert_int_eq(c.disorder, 0);
            sim_engine_free(e);
        }
    sim_alloc_fail_at(0, 0);
    ck_assert_int_gt(nomem, 10); /* the failure paths were taken */
    ck_assert_int_gt(ok, 10);    /* and late single failures are absorbed or beyond the run */
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("order");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, each_queue_pops_in_time_then_sequence_order, 0, 2);
    tcase_add_loop_test(tc, cancelled_events_never_run_and_the_rest_keep_their_order, 0, 2);
    tcase_add_loop_test(tc, run_stops_at_the_horizon_and_resumes_where_it_left_off, 0, 2);
    tcase_add_test(tc, handlers_that_schedule_and_cancel_run_the_same_on_both_queues);
    tcase_add_loop_test(tc, lanes_run_like_sim_at_under_random_schedules_and_cancels, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("pool");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, steady_state_allocates_no_new_events, 0, 2);
    tcase_add_loop_test(tc, every_allocation_failure_is_reported_and_nothing_leaks, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
