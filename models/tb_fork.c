/* tb_fork.c - fan-out and join: a router that splits a job into copies or tasks, joins them, cancels the rest. */
#include "tb_model_int.h"

/*
 * A router with "fork" holds each job that reaches it (the parent) and
 * sends `copies` task jobs to distinct targets (all of them, or a uniform
 * choice), at once or one after another `hedge` apart (hedged requests).
 * Each task is served at its target and comes back; when `need` of them
 * are done the parent is joined and goes on by the router's `next` (or
 * its route), and the tasks still out are cancelled: taken out of the
 * queue they wait in, or stopped in service (the service they got is
 * wasted work).  Tasks that cannot be reached in time (on a link, at a
 * processor-sharing or batch node) run on as orphans and are discarded
 * when done, their whole service wasted.  With "cancel": "start" (tied
 * requests) the other copies are cancelled as soon as one starts service.
 * If too many tasks are lost (dropped, rejected, abandoned) for the join
 * to happen, the parent is dropped.
 *
 * Tasks are jobs (in the network, held by nodes) that are not requests:
 * they are never counted among a class's attempts or outcomes; the
 * parent is.  A parent waiting at the fork is held by it (nd->holding).
 */

static void task_free(tb_model *m, tb_job *t)
{
    m->in_system--;
    sim_tavg_set(&m->sys, m->eng->now, (double)m->in_system);
    job_put(m, t);
}

/* Unlink t from its parent's list of tasks out. */
static void unlink_task(tb_job *t)
{
    tb_job *p = t->parent;
    for (tb_job **q = &p->tasks; *q; q = &(*q)->sib)
        if (*q == t) {
            *q = t->sib;
            break;
        }
    t->parent = NULL;
}

/* Is t waiting in one of node w's queues? (the queue's own links say) */
static int waiting_at(const tb_node *w, const tb_job *t)
{
    const tb_queue *q = &w->queues[w->nqueues > 1 ? t->cls : 0];
    if (q->ranked)
        return t->qpos < q->n && q->heap[t->qpos] == t;
    return t->qprev || q->head == t;
}

/* Cancel task t (already unlinked): out of its queue, out of service, or
 * left to run on as an orphan. */
static void cancel_task(tb_model *m, tb_fork *f, tb_job *t)
{
    sim_engine *e = m->eng;
    tb_node *w = &m->nodes[t->node];
    int measured = m->measuring;
    f->cancelled += (uint64_t)measured;
    if (w->ps || w->kind == TB_NODE_BATCH || w->kind == TB_NODE_SINK || w->kind == TB_NODE_ROUTER || !w->queues) {
        t->orphan = 1;
        return;
    }
    if (sim_pending(e, t->dep)) { /* in service: stopped, its service so far wasted */
        if (measured)
            f->wasted += tb_job_attained(m, t);
        sim_cancel(e, t->dep);
        t->dep.ev = NULL;
        w->busy--;
        w->sum_end -= (double)t->end;
        if (w->preemptive || w->variable)
            tb__serving_remove(w, t);
        w->pclass[t->cls]--;
        task_free(m, t);
        tb__start_waiting(m, w);
        node_levels(m, w, e->now);
        return;
    }
    if (waiting_at(w, t)) { /* waiting: taken out of the queue */
        tb__unqueue(m, w, t);
        task_free(m, t);
        node_levels(m, w, e->now);
        return;
    }
    t->orphan = 1; /* on a link: it arrives, is served and discarded */
}

/* Cancel every task of p still out, except `keep`. */
static void cancel_all(tb_model *m, tb_fork *f, tb_job *p, const tb_job *keep)
{
    tb_job *t = p->tasks, *kept = NULL;
    p->tasks = NULL;
    while (t) {
        tb_job *nx = t->sib;
        if (t == keep) {
            t->sib = kept;
            kept = t;
        } else {
            t->parent = NULL;
            cancel_task(m, f, t);
        }
        t = nx;
    }
    p->tasks = kept;
}

/* Copies go one after another: a hedge delay, a percentile, or the router's hedge() hook. */
static int hedging(const tb_node *fn)
{
    return fn->fork->hedge || fn->fork->hedge_pct > 0 || (fn->decider && fn->decider->ops.hedge);
}

/* A copy of p (same class, size, priority and deadline) to one target. */
static void send_copy(tb_model *m, tb_node *fn, tb_job *p)
{
    tb_fork *f = fn->fork;
    int target;
    if (p->fork_k == f->nto && !hedging(fn)) { /* all of them, at once */
        target = f->to[p->fork_sent];
    } else { /* a target no copy of p has gone to: a uniform choice among the rest (hedging: the
              * first copy too, or the first target would take every first copy) */
        for (;;) {
            target = f->to[sim_rng_below(&f->rng, (uint64_t)f->nto)];
            int used = 0;
            for (const tb_job *t = p->tasks; t && !used; t = t->sib)
                used = t->fork_target == target;
            if (!used)
                break;
        }
    }
    tb_job *t = job_get(m);
    if (!t) {
        m->nomem = 1;
        m->eng->stop = 1;
        return;
    }
    t->id = p->id;
    t->cls = p->cls;
    t->hop = 0;
    t->created = p->created;
    t->waited = 0;
    t->req = NULL;
    t->attempt = p->attempt;
    t->abandoned = 0;
    t->routed = 0;
    t->credit_link = -1;
    t->renege.ev = NULL;
    t->dep.ev = NULL;
    t->give_up = 0;
    t->work_sum = 0;
    t->counted = 0; /* not a request: the parent is */
    t->size = p->size;
    t->priority = p->priority;
    t->deadline = p->deadline;
    t->task = 1;
    t->orphan = 0;
    t->tasks = NULL;
    t->parent = p;
    t->fork_target = target;
    t->fork_node = (int)(fn - m->nodes);
    t->sib = p->tasks;
    p->tasks = t;
    p->fork_sent++;
    f->sent += (uint64_t)m->measuring;
    m->in_system++;
    sim_tavg_set(&m->sys, m->eng->now, (double)m->in_system);
    tb__send(m, t, (int)(fn - m->nodes), target);
}

static void ev_hedge(sim_engine *e, void *obj, uint64_t arg);

static void schedule_hedge(tb_model *m, tb_node *fn, tb_job *p)
{
    tb_fork *f = fn->fork;
    sim_time d;
    if (fn->decider && fn->decider->ops.hedge) { /* the router's policy decides: a delay, or no more copies */
        double s = fn->decider->ops.hedge(m, fn->decider, fn, p, p->fork_sent);
        if (s < 0)
            return;
        d = sim_ticks(s, m->tps);
    } else if (f->hedge) {
        d = sim_ticks(sim_dist_sample(f->hedge, &f->rng), m->tps);
    } else { /* a percentile of what the copies took so far; until 20 are seen, the next copy waits 0 */
        d = f->seen.n >= 20 ? (sim_time)sim_hist_quantile(&f->seen, f->hedge_pct / 100) : 0;
    }
    p->hedge = sim_at(m->eng, m->eng->now + d, ev_hedge, p, (uint64_t)(fn - m->nodes));
}

/* The hedge delay passed and p is still waiting: one more copy. */
static void ev_hedge(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_job *p = obj;
    tb_node *fn = &m->nodes[arg];
    p->hedge.ev = NULL;
    if (fn->fork->cancel_on_start && p->fork_started)
        return; /* tied: a copy is being served already */
    send_copy(m, fn, p);
    if (p->fork_sent < p->fork_k && p->node == (int)arg && !m->failed)
        schedule_hedge(m, fn, p);
}

int tb__fork_arrive(tb_model *m, tb_node *fn, tb_job *p)
{
    tb_fork *f = fn->fork;
    f->forks += (uint64_t)m->measuring;
    fn->holding++;
    p->tasks = NULL;
    p->fork_sent = p->fork_done = p->fork_lost = p->fork_started = 0;
    p->fork_work = 0;
    /* how many copies: the fork's, or what the router's policy's fanout(node, job) says (1..copies) */
    p->fork_k = f->copies;
    if (fn->decider && fn->decider->ops.fanout) {
        int k = fn->decider->ops.fanout(m, fn->decider, fn, p);
        if (k >= 1)
            p->fork_k = k < f->copies ? k : f->copies;
    }
    p->fork_need = f->need < p->fork_k ? f->need : p->fork_k; /* "all" of fewer copies: all of those */
    p->hedge.ev = NULL;
    if (hedging(fn)) {
        send_copy(m, fn, p);
        if (p->fork_sent < p->fork_k && p->node == (int)(fn - m->nodes))
            schedule_hedge(m, fn, p);
    } else {
        for (int i = 0; i < p->fork_k && !m->failed && !m->nomem; i++) {
            if (f->cancel_on_start && p->fork_started)
                break; /* tied: a copy started at once, the others are not needed */
            send_copy(m, fn, p);
        }
    }
    return TB_STAYS;
}

/* p's fork is over: joined (ok) or failed.  The rest are cancelled. */
static void fork_end(tb_model *m, tb_job *p, int ok)
{
    tb_node *fn = &m->nodes[p->node];
    tb_fork *f = fn->fork;
    sim_cancel(m->eng, p->hedge);
    p->hedge.ev = NULL;
    cancel_all(m, f, p, NULL);
    fn->holding--;
    if (ok) {
        if (m->measuring) {
            f->joined++;
            lat_add(&f->join, m->eng->now - p->arrived);
        }
        p->work_sum += p->fork_work;
        tb__move_on(m, p);
    } else {
        f->failed += (uint64_t)m->measuring;
        tb__job_lost(m, p);
    }
}

void tb__task_end(tb_model *m, tb_job *t, int ok)
{
    tb_job *p = t->parent;
    if (!p) { /* an orphan: all it did was wasted */
        if (ok && m->measuring)
            m->nodes[t->fork_node].fork->wasted += (double)t->svc_total;
        task_free(m, t);
        return;
    }
    tb_fork *f = m->nodes[p->node].fork;
    unlink_task(t);
    if (ok) {
        p->fork_done++;
        if ((double)t->work_sum > p->fork_work)
            p->fork_work = t->work_sum; /* the longest task's service: the parent's own need */
        if (m->measuring)
            lat_add(&f->task, m->eng->now - p->arrived);
        sim_hist_add(&f->seen, m->eng->now - p->arrived);
    } else {
        p->fork_lost++;
    }
    task_free(m, t);
    int out = 0;
    for (const tb_job *s = p->tasks; s; s = s->sib)
        out++;
    if (p->fork_done >= p->fork_need)
        fork_end(m, p, 1);
    else if (p->fork_done + out + (p->fork_k - p->fork_sent) < p->fork_need)
        fork_end(m, p, 0); /* too many lost: the join can no longer happen */
    else if (!ok && hedging(&m->nodes[p->node]) && p->fork_sent < p->fork_k && out == 0 && !p->hedge.ev)
        send_copy(m, &m->nodes[p->node], p); /* nothing out: the next copy goes now */
}

void tb__task_started(tb_model *m, tb_job *t)
{
    tb_job *p = t->parent;
    if (!p || p->fork_started || !m->nodes[p->node].fork->cancel_on_start)
        return;
    p->fork_started = 1;
    tb_fork *f = m->nodes[p->node].fork;
    sim_cancel(m->eng, p->hedge);
    p->hedge.ev = NULL;
    cancel_all(m, f, p, t);
}
