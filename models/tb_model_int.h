/* tb_model_int.h - what the model's mechanism files share: job and request pools, level updates, and the tb__ functions they call in each other. */
#ifndef TB_MODEL_INT_H
#define TB_MODEL_INT_H

/*
 * Only models/tb_*.c of the model include this.  A mechanism file (tb_ps.c,
 * tb_batch.c, ...) owns its events and state; it reaches the core job flow
 * and the other mechanisms only through the tb__ functions below, each
 * defined once, in the file named beside its group.
 *
 * The invariants every file keeps (and tb_model_run() checks at the end):
 *  - Event order: the engine pops events by (time, sequence); every
 *    mechanism schedules through sim_at/sim_after, never by calling a
 *    handler directly, so both event queues give the same order.
 *  - Job ownership: a job is held by one node (in a queue or in service)
 *    or one link (in transit) at a time, and is on m->live_jobs from
 *    job_get() to job_put(), which only job_leave() (core) calls.
 *  - Counts: nd->queued is the sum of the queues' n; nd->busy the jobs in
 *    service; m->in_system = (queued + busy over nodes) + in transit.
 *  - Outcomes: every request that arrives ends in exactly one outcome
 *    (tb__request_end) or is in flight at the end; every attempt likewise.
 */

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tb_model.h"
#include "tb_decider.h"
#include "tb_queue.h"

enum leave { LEAVE_EXIT, LEAVE_DROP, LEAVE_REJECT, LEAVE_ABANDON };
#define TB_STAYS (-2) /* node_arrive: the job stays at the node (or has left) */

/* tb_model.c */
tb_job *tb__dequeue(tb_model *m, tb_node *nd);
void tb__request_end(tb_model *m, tb_class *c, sim_time created, int counted, enum tb_outcome o,
                     sim_time waited);
enum tb_outcome tb__success(const tb_class *c, sim_time created, sim_time now);
void tb__send(tb_model *m, tb_job *j, int from, int to);
int tb__route_of(tb_model *m, tb_job *j);
void tb__start_service(tb_model *m, tb_node *nd, tb_job *j);
void tb__ev_depart(sim_engine *e, void *obj, uint64_t arg);
void tb__serving_add(tb_node *nd, tb_job *j);
void tb__serving_remove(tb_node *nd, tb_job *j);
/* tb_capacity.c: speed that varies, failures, schedules */
double tb__speed_now(const tb_node *nd);
void tb__speed_update(tb_model *m, tb_node *nd);
void tb__speed_start(tb_model *m, tb_node *nd, tb_job *j);
double tb__speed_work(const tb_model *m, const tb_node *nd);
void tb__capacity_start(tb_model *m);
/* tb_fork.c: fan-out and join */
int tb__fork_arrive(tb_model *m, tb_node *fn, tb_job *p);
void tb__task_end(tb_model *m, tb_job *t, int ok);
void tb__task_started(tb_model *m, tb_job *t);
void tb__job_lost(tb_model *m, tb_job *j); /* leaves as dropped */
void tb__unqueue(tb_model *m, tb_node *nd, tb_job *j);
void tb__dequeue_drop(tb_model *m, tb_node *nd, tb_job *h);
void tb__start_waiting(tb_model *m, tb_node *nd);
void tb__ev_kick(sim_engine *e, void *obj, uint64_t arg);
void tb__finish(tb_model *m, tb_node *nd, tb_job *j);
void tb__move_on(tb_model *m, tb_job *j);
tb_job *tb__new_job(tb_model *m, tb_class *c, sim_time created, int first);

/* tb_link.c */
int tb__can_send(tb_model *m, tb_node *nd, tb_job *j);
void tb__release_credit(tb_model *m, tb_job *j);
void tb__take_credit(tb_model *m, tb_node *nd, tb_job *j);
void tb__pause_check(tb_model *m, tb_node *nd);

/* tb_ps.c */
void tb__ps_advance(tb_model *m, tb_node *nd);
void tb__ps_counts(tb_node *nd, long long n);
void tb__ps_schedule(tb_model *m, tb_node *nd);
void tb__ps_arrive(tb_model *m, tb_node *nd, tb_job *j);

/* tb_batch.c */
void tb__confirm_push(tb_confirm *q, sim_time created, double fee, uint64_t target);
void tb__ev_batch(sim_engine *e, void *obj, uint64_t arg);

/* tb_client.c */
void tb__budget_result(tb_client *cl, int success);
void tb__throttle_accept(tb_model *m, tb_client *cl); /* an attempt's success, for the adaptive throttle */
void tb__start_attempt(tb_model *m, tb_class *c, tb_req *r);
void tb__retry_or_fail(tb_model *m, tb_class *c, tb_req *r, enum tb_outcome last);
void tb__in_flight(tb_model *m, tb_class *c, sim_time created);

/* tb_measure.c */
void tb__ts_header(const tb_model *m);
void tb__start_measuring(tb_model *m);
void tb__ev_warmup(sim_engine *e, void *obj, uint64_t arg);
void tb__ev_baseline(sim_engine *e, void *obj, uint64_t arg);
void tb__write_window(tb_model *m);
void tb__ev_mser(sim_engine *e, void *obj, uint64_t arg);
void tb__ev_window(sim_engine *e, void *obj, uint64_t arg);

/* The decision points (models/tb_decider.h): the node's decider when it
 * has that member and the run has not failed, else the built-in answer. */
static inline enum tb_admit decide_admit(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_decider *d = nd->decider;
    return d && d->ops.admit && !m->failed ? d->ops.admit(m, d, nd, j) : TB_ADMIT;
}

static inline double decide_rank(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_decider *d = nd->decider;
    return d && d->ops.rank && !m->failed ? d->ops.rank(m, d, nd, j) : 0;
}

static inline int decide_pick(tb_model *m, tb_node *nd)
{
    tb_decider *d = nd->decider;
    return d && d->ops.pick && !m->failed ? d->ops.pick(m, d, nd) : -1;
}

static inline int decide_dequeue(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_decider *d = nd->decider;
    return d && d->ops.dequeue && !m->failed ? d->ops.dequeue(m, d, nd, j) : 1;
}

/* Only at a node with candidates, whose decider has route() (checked by
 * tb_model_prepare). */
static inline int decide_route(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_decider *d = nd->decider;
    return !m->failed ? d->ops.route(m, d, nd, j) : 0;
}

static inline void decide_done(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_decider *d = nd->decider;
    if (d && d->ops.done && !m->failed)
        d->ops.done(m, d, nd, j);
}

/* Jobs in the network are on the model's live list (for counting what is
 * in flight at the end): they join it when made and leave it when freed. */
static inline tb_job *job_get(tb_model *m)
{
    tb_job *j = sim_pool_get(&m->jobs);
    if (j) {
        j->next = NULL;
        j->lprev = NULL;
        j->lnext = m->live_jobs;
        if (m->live_jobs)
            m->live_jobs->lprev = j;
        m->live_jobs = j;
    }
    return j;
}

static inline void job_put(tb_model *m, tb_job *j)
{
    if (j->lprev)
        j->lprev->lnext = j->lnext;
    else
        m->live_jobs = j->lnext;
    if (j->lnext)
        j->lnext->lprev = j->lprev;
    sim_pool_put(&m->jobs, j);
}

/* Client requests likewise, from arrival until their outcome. */
static inline tb_req *req_get(tb_model *m)
{
    tb_req *r = sim_pool_get(&m->reqs);
    if (r) {
        r->lprev = NULL;
        r->lnext = m->live_reqs;
        if (m->live_reqs)
            m->live_reqs->lprev = r;
        m->live_reqs = r;
    }
    return r;
}

static inline void req_put(tb_model *m, tb_req *r)
{
    if (r->lprev)
        r->lprev->lnext = r->lnext;
    else
        m->live_reqs = r->lnext;
    if (r->lnext)
        r->lnext->lprev = r->lprev;
    sim_pool_put(&m->reqs, r);
}

/* The node at step k of c's fixed route: a group's step draws one of its
 * members, uniformly, from the class's route-step stream. */
static inline int tb__route_step(tb_class *c, int k)
{
    int span = c->route_span ? c->route_span[k] : 1;
    return c->route[k] + (span > 1 ? (int)sim_rng_below(&c->route_rng, (uint64_t)span) : 0);
}

/* Where c's jobs enter. */
static inline int tb__first_node(tb_class *c)
{
    return c->route ? tb__route_step(c, 0) : c->entry;
}

static inline void lat_add(tb_latency *l, sim_time v)
{
    sim_welford_add(&l->w, (double)v);
    sim_hist_add(&l->h, v);
}

static inline void node_levels(tb_model *m, tb_node *nd, sim_time now)
{
    if (nd->pause_in)
        tb__pause_check(m, nd);
    if (nd->variable) /* the jobs present changed: so may the speed */
        tb__speed_update(m, nd);
    sim_tavg_set(&nd->q, now, (double)nd->queued);
    sim_tavg_set(&nd->b, now, (double)nd->busy);
    /* paid workers: removed workers are paid until their last job ends */
    sim_tavg_set(&nd->wk, now,
                 (double)(nd->busy > nd->workers ? nd->busy : nd->workers) + nd->provisioning_n -
                     nd->prov_cancel);
}

#endif
