/* tb_capacity.c - service speed that varies: with the jobs present, on a schedule, and to zero while a node is down. */
#include "tb_model_int.h"

/*
 * A node with any of "speed", "speed_schedule", "failures" or "outages"
 * (nd->variable) serves each job at the node's current speed: a job of
 * service S (ticks at speed 1) in service at speed s for t ticks has
 * S - s t left.  The speed is
 *     speed[min(n, nspeed) - 1] x schedule factor x (0 while down),
 * n the jobs at the node.  Whenever it changes, every job in service has
 * its work brought up to date and its departure moved (node_levels calls
 * tb__speed_update after each change at the node).  A job's departure is
 * never scheduled at speed 0: while the node is down, its jobs wait in
 * service ("resume"), start again from the beginning when it is repaired
 * ("restart"), or are lost at the failure ("lost", counted as dropped and
 * in the node's lost_in_failures).  A down node starts no service.
 */

static void ev_depart_at(tb_model *m, tb_node *nd, tb_job *j, double s)
{
    sim_engine *e = m->eng;
    sim_cancel(e, j->dep);
    j->dep.ev = NULL;
    nd->sum_end -= (double)j->end;
    if (s > 0) {
        double t = ceil(j->work / s); /* whole ticks: the job is done by then */
        j->end = e->now + (t < (double)(SIM_TIME_MAX / 4) ? (sim_time)t : SIM_TIME_MAX / 4);
        j->dep = sim_at(e, j->end, tb__ev_depart, j, 0);
    } else {
        j->end = e->now; /* (no departure: the node is down or stopped) */
    }
    nd->sum_end += (double)j->end;
}

double tb__speed_now(const tb_node *nd)
{
    if (nd->fail.down)
        return 0;
    long long n = nd->queued + nd->busy;
    double f = nd->nspeed && n > 0 ? nd->speed[(n < nd->nspeed ? n : nd->nspeed) - 1] : 1;
    return f * nd->sched_factor;
}

void tb__speed_update(tb_model *m, tb_node *nd)
{
    double s = tb__speed_now(nd);
    if (s == nd->cur_speed)
        return;
    sim_time now = m->eng->now;
    for (int i = 0; i < nd->nserving; i++) {
        tb_job *j = nd->serving[i];
        j->work -= (double)(now - j->seg) * nd->cur_speed;
        if (j->work < 0)
            j->work = 0;
        j->seg = now;
        ev_depart_at(m, nd, j, s);
    }
    nd->cur_speed = s;
}

void tb__speed_start(tb_model *m, tb_node *nd, tb_job *j)
{
    j->work = (double)j->service;
    j->seg = m->eng->now;
    j->dep.ev = NULL;
    j->end = m->eng->now;
    nd->sum_end += (double)j->end;
    ev_depart_at(m, nd, j, nd->cur_speed);
}

double tb__speed_work(const tb_model *m, const tb_node *nd)
{
    double w = nd->work_queued;
    for (int i = 0; i < nd->nserving; i++) {
        const tb_job *j = nd->serving[i];
        w += j->work - (double)(m->eng->now - j->seg) * nd->cur_speed;
    }
    return w;
}

/* ---- failures and repairs ------------------------------------------------ */

/* One reason more (or fewer) for the node to be down. */
static void set_down(tb_model *m, tb_node *nd, int delta)
{
    int was = nd->fail.down > 0;
    nd->fail.down += delta;
    assert(nd->fail.down >= 0);
    int is = nd->fail.down > 0;
    if (was == is)
        return;
    sim_time now = m->eng->now;
    if (is) { /* it fails */
        nd->fail.count += (uint64_t)m->measuring;
        nd->fail.since = now;
        if (nd->fail.mode == TB_FAIL_LOST) {
            while (nd->nserving > 0) {
                tb_job *j = nd->serving[nd->nserving - 1];
                sim_cancel(m->eng, j->dep);
                j->dep.ev = NULL;
                nd->busy--;
                nd->sum_end -= (double)j->end;
                tb__serving_remove(nd, j);
                if (m->measuring)
                    nd->lost_fail++;
                tb__dequeue_drop(m, nd, j);
            }
        }
        tb__speed_update(m, nd);
    } else { /* repaired */
        if (m->measuring)
            nd->fail.time += now - (nd->fail.since > m->measure_start ? nd->fail.since : m->measure_start);
        if (nd->fail.mode == TB_FAIL_RESTART)
            for (int i = 0; i < nd->nserving; i++) {
                tb_job *j = nd->serving[i];
                j->work = (double)j->service; /* what it had done is lost */
                j->seg = now;
            }
        tb__speed_update(m, nd);
        tb__start_waiting(m, nd);
    }
    node_levels(m, nd, now);
}

/* A link goes down or comes back; while down, what is sent over it is lost. */
static void set_link_down(tb_model *m, tb_link *ln, int delta)
{
    int was = ln->fail.down > 0;
    ln->fail.down += delta;
    assert(ln->fail.down >= 0);
    if (was == (ln->fail.down > 0))
        return;
    sim_time now = m->eng->now;
    if (!was) {
        ln->fail.count += (uint64_t)m->measuring;
        ln->fail.since = now;
    } else if (m->measuring) {
        ln->fail.time += now - (ln->fail.since > m->measure_start ? ln->fail.since : m->measure_start);
    }
}

/* The failure events of nodes and links: obj is the node or link, arg's
 * low bit says which (1: a link), the next whether the outage was
 * scheduled (no random failure follows its repair), the rest its index. */
static tb_fail *fail_of(void *obj, uint64_t arg)
{
    return arg & 1 ? &((tb_link *)obj)->fail : &((tb_node *)obj)->fail;
}

static void change(tb_model *m, void *obj, uint64_t arg, int delta)
{
    if (arg & 1)
        set_link_down(m, obj, delta);
    else
        set_down(m, obj, delta);
}

static void ev_fail(sim_engine *e, void *obj, uint64_t arg);

static void ev_repair(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_fail *f = fail_of(obj, arg);
    change(m, obj, arg, -1);
    if (!(arg & 2)) /* a random failure: the next one after the up time */
        sim_after(e, sim_ticks(sim_dist_sample(f->up, &f->rng), m->tps), ev_fail, obj, arg);
}

static void ev_fail(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_fail *f = fail_of(obj, arg);
    change(m, obj, arg, 1);
    sim_time d = sim_ticks(sim_dist_sample(f->down_dist, &f->rng), m->tps);
    sim_after(e, d > 0 ? d : 1, ev_repair, obj, arg);
}

/* A scheduled outage: it ends after its length. */
static void ev_outage(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    const struct tb_outage *o = &fail_of(obj, arg)->at[arg >> 2];
    change(m, obj, arg, 1);
    sim_after(e, o->len > 0 ? o->len : 1, ev_repair, obj, arg & 3);
}

static void fail_start(tb_model *m, tb_fail *f, void *obj, uint64_t link)
{
    for (int i = 0; i < f->nat; i++)
        sim_at(m->eng, f->at[i].at, ev_outage, obj, (uint64_t)i << 2 | 2 | link);
    if (f->up)
        sim_at(m->eng, sim_ticks(sim_dist_sample(f->up, &f->rng), m->tps), ev_fail, obj, link);
}

/* ---- schedules ------------------------------------------------------------- */

static void ev_speed_step(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->sched_factor = nd->speed_steps[arg].value;
    tb__speed_update(m, nd);
    if (nd->sched_factor > 0)
        tb__start_waiting(m, nd);
    node_levels(m, nd, e->now);
}

static void ev_workers_step(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_node *nd = obj;
    tb_node_set_workers(m, nd, (int)nd->worker_steps[arg].value);
}

void tb__capacity_start(tb_model *m)
{
    sim_engine *e = m->eng;
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        for (int i = 0; i < nd->nspeed_steps; i++)
            sim_at(e, nd->speed_steps[i].at, ev_speed_step, nd, (uint64_t)i);
        for (int i = 0; i < nd->nworker_steps; i++)
            sim_at(e, nd->worker_steps[i].at, ev_workers_step, nd, (uint64_t)i);
        fail_start(m, &nd->fail, nd, 0);
        if (nd->variable)
            nd->cur_speed = tb__speed_now(nd);
    }
    for (int l = 0; l < m->nlinks; l++)
        fail_start(m, &m->links[l].fail, &m->links[l], 1);
}
