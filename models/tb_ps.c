/* tb_ps.c - processor sharing: every job at a node served at once, at rate min(1, c/n). */
#include "tb_model_int.h"

static void ev_ps_done(sim_engine *e, void *obj, uint64_t arg);

/*
 * With n jobs and c workers every job is served at rate min(1, c/n).  The
 * node keeps a virtual time V, the service each job present has received
 * since V = 0 began; a job arriving at V needing S finishes when V reaches
 * V + S (its tag, kept as its rank in a heap).  One completion event is
 * pending at a time and is rescheduled whenever n changes.
 */
static double ps_rate(const tb_node *nd, long long n)
{
    return n <= nd->workers ? 1.0 : (double)nd->workers / (double)n;
}

void tb__ps_advance(tb_model *m, tb_node *nd)
{
    sim_time now = m->eng->now;
    nd->ps_v += (double)(now - nd->ps_last) * ps_rate(nd, nd->queued + nd->busy);
    nd->ps_last = now;
}

void tb__ps_counts(tb_node *nd, long long n)
{
    nd->busy = (int)(n < nd->workers ? n : nd->workers);
    nd->queued = n - nd->busy;
}

void tb__ps_schedule(tb_model *m, tb_node *nd)
{
    sim_cancel(m->eng, nd->ps_ev);
    long long n = nd->queued + nd->busy;
    if (n == 0)
        return;
    const tb_job *h = q_peek(&nd->queues[0]);
    assert(h); /* n > 0 jobs are present, all in the one ranked queue */
    double rate = ps_rate(nd, n);
    if (!(rate > 0)) /* no workers: nobody progresses */
        return;
    double dt = ceil((h->rank - nd->ps_v) / rate);
    nd->ps_ev = sim_after(m->eng, dt > 0 ? (sim_time)dt : 0, ev_ps_done, nd, 0);
}

void tb__ps_arrive(tb_model *m, tb_node *nd, tb_job *j)
{
    if (j->credit_link >= 0)
        tb__release_credit(m, j);
    tb__ps_advance(m, nd);
    j->rank = nd->ps_v + (double)j->service;
    j->qseq = ++nd->seq;
    j->queued_at = m->eng->now;
    j->started_once = 1;
    if (m->measuring) {
        lat_add(&nd->wait, 0);
    }
    if (q_push(&nd->queues[0], j) != 0) {
        m->nomem = 1;
        m->eng->stop = 1;
        return;
    }
    nd->work_queued += j->rank;
    nd->qclass[j->cls]++;
    tb__ps_counts(nd, nd->queued + nd->busy + 1);
    tb__ps_schedule(m, nd);
}

static void ev_ps_done(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->ps_ev.ev = NULL;
    tb__ps_advance(m, nd);
    tb_job *j = q_pop(&nd->queues[0]);
    assert(j); /* the completion event is pending only while jobs are present */
    if (nd->ps_v < j->rank)
        nd->ps_v = j->rank; /* rounding to whole ticks lands at or just past the tag */
    nd->work_queued -= j->rank;
    nd->qclass[j->cls]--;
    tb__ps_counts(nd, nd->queued + nd->busy - 1);
    tb__finish(m, nd, j);
    tb__ps_schedule(m, nd);
    node_levels(m, nd, e->now);
    tb__move_on(m, j);
}
