/* tb_model.c - the core job flow: queues, service, routing and links between nodes, arrivals, the run. */
#include "tb_model_int.h"

static int node_arrive(tb_model *m, tb_job *j, int k);
static void ev_renege(sim_engine *e, void *obj, uint64_t arg);
static void ev_quantum(sim_engine *e, void *obj, uint64_t arg);

static void trace(tb_model *m, const char *what, const tb_job *j, int node)
{
    fprintf(m->trace, "%.9f,%s,%s,%llu,%s\n", sim_seconds(m->eng->now, m->tps), what,
            m->classes[j->cls].name, (unsigned long long)j->id,
            node >= 0 ? m->nodes[node].name : "");
}

static inline void enqueue(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_queue *q = &nd->queues[nd->nqueues > 1 ? j->cls : 0];
    if (q_push(q, j) != 0) {
        m->nomem = 1;
        m->eng->stop = 1;
        return; /* the job is lost with the run */
    }
    j->queued_at = m->eng->now;
    nd->queued++;
    nd->qclass[j->cls]++;
    nd->work_queued += (double)j->service;
    if (j->give_up && !j->started_once) /* its patience, drawn on arrival: once it has waited that long it leaves */
        j->renege = sim_at(m->eng, j->arrived + j->give_up, ev_renege, j, 0);
}

/* j has left nd's queue: the counters follow and its patience timer stops. */
static inline void queue_left(tb_model *m, tb_node *nd, tb_job *j)
{
    if (j->renege.ev) {
        sim_cancel(m->eng, j->renege);
        j->renege.ev = NULL;
    }
    nd->queued--;
    nd->qclass[j->cls]--;
    nd->work_queued -= (double)j->service;
}

/* Take the head of queue qi (counters follow). */
static inline tb_job *pop_from(tb_model *m, tb_node *nd, int qi)
{
    assert(nd->queues[qi].n > 0 && nd->queued > 0); /* called only with a job waiting there */
    tb_job *j = q_pop(&nd->queues[qi]); /* (not NULL, asserted above; -fanalyzer cannot see it) */
    queue_left(m, nd, j);
    return j;
}

/* The next job to serve: the only queue's head, or the head of the class
 * queue the policy picks (by default the earliest by (rank, arrival)). */
static inline tb_job *dequeue(tb_model *m, tb_node *nd)
{
    int qi = 0;
    if (nd->nqueues > 1) {
        qi = decide_pick(m, nd);
        if (qi < 0 || nd->queues[qi].n == 0) {
            const tb_job *best = NULL;
            for (int i = 0; i < nd->nqueues; i++) {
                const tb_job *h = q_peek(&nd->queues[i]);
                if (h && (!best || job_before(h, best))) {
                    best = h;
                    qi = i;
                }
            }
        }
    }
    return pop_from(m, nd, qi);
}

double tb_job_remaining(const tb_model *m, const tb_job *j)
{
    const tb_node *nd = j->node >= 0 ? &m->nodes[j->node] : NULL;
    if (!nd || !sim_pending(m->eng, j->dep))
        return (double)j->service;
    if (nd->variable)
        return j->work - (double)(m->eng->now - j->seg) * nd->cur_speed;
    return (double)(j->end - m->eng->now);
}

double tb_job_attained(const tb_model *m, const tb_job *j)
{
    double a = (double)j->svc_total - tb_job_remaining(m, j);
    return a > 0 ? a : 0;
}

double tb_node_work(const tb_model *m, const tb_node *nd)
{
    if (nd->ps) /* sum of (tag - V): service still owed to each job */
        return nd->work_queued - (double)(nd->queued + nd->busy) * nd->ps_v;
    if (nd->variable)
        return tb__speed_work(m, nd);
    return nd->work_queued + nd->sum_end - (double)nd->busy * (double)m->eng->now;
}

/*
 * A request created at `created` ends now with outcome `o` (counted only if
 * it arrived after the warm-up).  Success records its latency; any other
 * outcome records the time it lasted as a censored latency.  For isolation,
 * requests created before and during the surge span are kept apart.
 */
static void ev_arrival(sim_engine *e, void *obj, uint64_t arg);

/* A closed class's user sends its next request after a think time. */
static void think(tb_model *m, tb_class *c)
{
    sim_time t = sim_ticks(sim_dist_sample(c->arr.interarrival, &c->arr_rng), m->tps);
    sim_at(m->eng, m->eng->now + t, ev_arrival, c, 0);
}

void tb__request_end(tb_model *m, tb_class *c, sim_time created, int counted, enum tb_outcome o,
                     sim_time waited)
{
    sim_time now = m->eng->now, lat = now - created;
    if (c->arr.kind == TB_ARR_CLOSED)
        think(m, c);
    int ok = o == TB_OUT_SUCCEEDED || o == TB_OUT_LATE;
    if (ok) {
        c->w_good += lat <= c->slo; /* no SLO: every success */
        c->departed += (uint64_t)m->measuring;
    }
    if (!counted)
        return;
    c->out[o]++;
    if (ok) {
        c->completions++;
        lat_add(&c->sojourn, lat);
        lat_add(&c->wait, waited);
    } else {
        sim_hist_add(&c->cens, lat);
    }
    if (m->has_surge && created < m->surge_end) { /* counted: created after the warm-up */
        int g = created >= m->surge_start;
        c->sg_n[g]++;
        if (ok) {
            c->sg_good[g] += o == TB_OUT_SUCCEEDED;
            lat_add(&c->sg_ok[g], lat);
        } else {
            sim_hist_add(&c->sg_cens[g], lat);
        }
    }
    if (ok && m->max_completions && ++m->completed >= m->max_completions)
        m->eng->stop = 1;
}

enum tb_outcome tb__success(const tb_class *c, sim_time created, sim_time now)
{
    return now - created <= c->slo ? TB_OUT_SUCCEEDED : TB_OUT_LATE;
}

/* The request succeeded: its timer stops and it is freed. */
static void req_done(tb_model *m, tb_req *r, sim_time waited)
{
    tb_class *c = &m->classes[r->cls];
    tb__request_end(m, c, r->created, r->counted, tb__success(c, r->created, m->eng->now), waited);
    sim_cancel(m->eng, r->timer);
    req_put(m, r);
}

static void job_leave(tb_model *m, tb_job *j, enum leave how)
{
    static const char *const what[] = { "exit", "drop", "reject", "abandon" };
    static const enum tb_attempt_outcome att[] = { TB_ATT_COMPLETED, TB_ATT_DROPPED, TB_ATT_REJECTED,
                                                   TB_ATT_ABANDONED };
    static const enum tb_outcome out[] = { TB_OUT_SUCCEEDED, TB_OUT_DROPPED, TB_OUT_REJECTED, TB_OUT_ABANDONED };
    tb_class *c = &m->classes[j->cls];
    tb_req *r = j->req;
    if (j->credit_link >= 0) /* dropped or rejected where it held a credit */
        tb__release_credit(m, j);
    if (m->trace)
        trace(m, how == LEAVE_EXIT && j->abandoned ? "late" : what[how], j, j->node);
    if (j->task) { /* a fork's task: its fork counts it, never its class */
        tb__task_end(m, j, 0);
        return;
    }
    if (j->counted)
        c->att_out[how == LEAVE_EXIT && j->abandoned ? TB_ATT_ORPHANED : att[how]]++;
    if (how == LEAVE_EXIT && j->counted && !j->abandoned && j->work_sum > 0) {
        /* slowdown: its time in the network over the service it needed (1 = never waited) */
        double sd = (double)(m->eng->now - j->created) / j->work_sum;
        c->slowdown_sum += sd; /* (a sum, not Welford: the mean is all that is reported) */
        sim_hist_add(&c->slowdown_h, (int64_t)(sd * TB_SLOWDOWN_SCALE + 0.5));
    }
    if (!c->client) { /* the job is the request */
        tb__request_end(m, c, j->created, j->counted,
                        how == LEAVE_EXIT ? tb__success(c, j->created, m->eng->now) : out[how], j->waited);
    } else if (how == LEAVE_EXIT && r) { /* served while its client waits */
        tb__budget_result(c->client, 1);
        tb__throttle_accept(m, c->client);
        req_done(m, r, j->waited);
    } else if (how == LEAVE_ABANDON && r) { /* the client gave up waiting: the request ends, no retry */
        r->job = NULL;
        sim_cancel(m->eng, r->timer);
        tb__request_end(m, c, r->created, r->counted, TB_OUT_ABANDONED, 0);
        req_put(m, r);
    } else if (r) {
        r->job = NULL;
        if (how == LEAVE_REJECT || !c->client->timeout) {
            /* a rejection is an answer: the client reacts at once (a
             * silent drop is noticed only by the timeout, if any) */
            sim_cancel(m->eng, r->timer);
            tb__budget_result(c->client, 0);
            tb__retry_or_fail(m, c, r, how == LEAVE_REJECT ? TB_OUT_REJECTED : TB_OUT_DROPPED);
        }
    } /* else an orphan: its client gave up on it already */
    m->in_system--;
    sim_tavg_set(&m->sys, m->eng->now, (double)m->in_system);
    job_put(m, j);
}

/* Take j, waiting at nd, out of its queue wherever it is (its counters
 * follow, its patience timer stops): a reneging job, a cancelled copy. */
void tb__unqueue(tb_model *m, tb_node *nd, tb_job *j)
{
    q_remove(&nd->queues[nd->nqueues > 1 ? j->cls : 0], j);
    queue_left(m, nd, j);
    nd->pclass[j->cls]--;
}

/* A waiting job's patience ran out (reneging): it leaves the queue, unserved. */
static void ev_renege(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_node *nd = &m->nodes[j->node];
    j->renege.ev = NULL;
    tb__unqueue(m, nd, j);
    j->waited += e->now - j->queued_at;
    if (m->measuring)
        nd->reneged++;
    job_leave(m, j, LEAVE_ABANDON);
    node_levels(m, nd, e->now);
}

static void ev_link_arrive(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_link *ln = &m->links[arg];
    ln->in_transit--;
    if (m->measuring)
        lat_add(&ln->transit, e->now - j->arrived);
    int to = node_arrive(m, j, ln->to);
    if (to != TB_STAYS)
        tb__send(m, j, ln->to, to);
}

/* Move j from node `from` (-1 for the outside) to node `to` or out, and on
 * through any routers it meets.  A loop, not a recursion with node_arrive:
 * a job passing any number of routers in one instant uses no stack (and a
 * zero-time cycle, refused at load, could not overflow it). */
void tb__send(tb_model *m, tb_job *j, int from, int to)
{
    for (; to != TB_STAYS; from = to, to = node_arrive(m, j, to)) {
        if (to == TB_EXIT) {
            job_leave(m, j, LEAVE_EXIT);
            return;
        }
        if (from < 0)
            continue;
        tb_node *nd = &m->nodes[from];
        for (int i = 0; i < nd->nout; i++) {
            tb_link *ln = nd->out[i];
            if (ln->to != to)
                continue;
            sim_engine *e = m->eng;
            if (ln->fail.down) { /* a partition: what is sent is lost */
                if (m->measuring)
                    ln->lost++;
                job_leave(m, j, LEAVE_DROP);
                return;
            }
            /* One transmitter per link, FIFO: a job starts serialising when
             * the previous one is done, then propagates. */
            sim_time start = ln->free_at > e->now ? ln->free_at : e->now;
            sim_time ser = ln->bandwidth > 0 ? sim_ticks(j->size / ln->bandwidth, m->tps) : 0;
            ln->free_at = start + ser;
            if (m->measuring) {
                ln->carried++;
                ln->busy += ser;
            }
            sim_time delay = ln->delay ? sim_ticks(sim_dist_sample(ln->delay, &ln->rng), m->tps) : 0;
            j->arrived = e->now;
            j->node = to;
            ln->in_transit++;
            if (ln->lane) /* a constant delay: arrivals in the order sent */
                sim_lane_at(e, ln->lane, ln->free_at + delay, ev_link_arrive, j, (uint64_t)(ln - m->links));
            else
                sim_at(e, ln->free_at + delay, ev_link_arrive, j, (uint64_t)(ln - m->links));
            return;
        }
    }
}

static int next_hop(tb_model *m, tb_job *j)
{
    tb_class *c = &m->classes[j->cls];
    if (c->route)
        return ++j->hop < c->nroute ? tb__route_step(c, j->hop) : TB_EXIT;
    tb_node *nd = &m->nodes[j->node];
    if (nd->ncand > 0)
        return nd->cand[decide_route(m, nd, j)];
    if (nd->nnext == 0)
        return TB_EXIT;
    /* the first entry whose cumulative probability exceeds u (the last
     * one catches rounding): a binary search, O(log n) on wide fan-outs */
    double u = sim_rng_u01(&nd->route_rng);
    int lo = 0, hi = nd->nnext - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (u >= nd->cum[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return nd->next[lo];
}

/* Where j goes after its current node, decided once per visit: at
 * departure normally, earlier when a backpressured link must be checked
 * before service starts. */
static inline int route_of(tb_model *m, tb_job *j)
{
    if (!j->routed) {
        j->next_hop = next_hop(m, j);
        j->routed = 1;
    }
    return j->next_hop;
}

void tb__serving_add(tb_node *nd, tb_job *j)
{
    if (nd->nserving == nd->serving_cap) {
        int ncap = nd->serving_cap ? 2 * nd->serving_cap : 8;
        tb_job **ns = realloc(nd->serving, (size_t)ncap * sizeof *ns);
        if (!ns)
            return; /* only preemption candidates are lost; caller checks slot */
        nd->serving = ns;
        nd->serving_cap = ncap;
    }
    j->slot = nd->nserving;
    nd->serving[nd->nserving++] = j;
}

void tb__serving_remove(tb_node *nd, tb_job *j)
{
    assert(nd->nserving > 0 && nd->serving[j->slot] == j); /* j is in service here */
    tb_job *last = nd->serving[--nd->nserving];
    nd->serving[j->slot] = last;
    last->slot = j->slot;
}

void tb__start_service(tb_model *m, tb_node *nd, tb_job *j)
{
    assert(j); /* every caller has a job in hand (-fanalyzer follows a NULL from q_pop here) */
    sim_engine *e = m->eng;
    if (j->credit_link >= 0)
        tb__release_credit(m, j);
    if (nd->gated)
        tb__take_credit(m, nd, j);
    j->waited += e->now - j->queued_at;
    if (!j->started_once) {
        sim_time w = e->now - j->arrived;
        j->started_once = 1;
        if (m->measuring) {
            lat_add(&nd->wait, w);
            nd->waited_jobs += w > 0;
        }
    }
    if (m->trace)
        trace(m, "start", j, j->node);
    if (m->observe)
        m->observe(m->observe_ctx, m, j, nd, TB_OBS_START);
    if (j->task) /* tied copies: the others may go now */
        tb__task_started(m, j);
    nd->busy++;
    if (nd->variable) { /* its departure follows the node's speed */
        tb__serving_add(nd, j);
        tb__speed_start(m, nd, j);
        return;
    }
    j->end = e->now + j->service;
    nd->sum_end += (double)j->end;
    if (nd->preemptive) {
        tb__serving_add(nd, j);
        if (!nd->quantum_pending && nd->decider->quantum > 0) {
            nd->quantum_pending = 1;
            sim_after(e, sim_ticks(nd->decider->quantum, m->tps), ev_quantum, nd, 0);
        }
    }
    j->dep = sim_at(e, j->end, tb__ev_depart, j, 0);
}

/* Start waiting jobs while workers are free; a dequeue hook may drop some. */
/* A job the dequeue hook refused leaves the node as a drop. */
void tb__dequeue_drop(tb_model *m, tb_node *nd, tb_job *h)
{
    nd->w_drops++;
    if (m->measuring)
        nd->drops++;
    nd->pclass[h->cls]--;
    job_leave(m, h, LEAVE_DROP);
}

/* With backpressure: the queue whose head may be sent now, or -1.  One
 * shared queue is blocked by its head (head-of-line blocking); with one
 * queue per class, the policy's pick() chooses when its choice may go
 * (pick sees which may: sim.can_send), else the earliest head that can go
 * goes. */
static int eligible_queue(tb_model *m, tb_node *nd)
{
    int best = -1;
    for (int i = 0; i < nd->nqueues; i++) {
        tb_job *h = q_peek(&nd->queues[i]);
        if (h && (best < 0 || job_before(h, q_peek(&nd->queues[best]))) && tb__can_send(m, nd, h))
            best = i;
    }
    return best;
}

void tb__start_waiting(tb_model *m, tb_node *nd)
{
    if (nd->kind == TB_NODE_BATCH) /* batches start on their own clock */
        return;
    while (nd->busy < nd->workers && nd->queued > 0 && !nd->fail.down && !m->failed) {
        tb_job *h;
        if (nd->gated) {
            int qi = eligible_queue(m, nd);
            if (qi < 0)
                break;
            if (nd->nqueues > 1 && nd->decider) { /* something may go: let the policy choose */
                int pq = decide_pick(m, nd);
                if (pq >= 0 && tb_node_can_send(m, nd, pq))
                    qi = pq;
            }
            h = pop_from(m, nd, qi);
        } else {
            h = dequeue(m, nd);
        }
        if (!decide_dequeue(m, nd, h)) {
            tb__dequeue_drop(m, nd, h);
            continue;
        }
        tb__start_service(m, nd, h);
    }
    if (nd->gated)
        sim_tavg_set(&nd->blk, m->eng->now, nd->busy < nd->workers && nd->queued > 0);
}

void tb__ev_kick(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->kick_pending = 0;
    tb__start_waiting(m, nd);
    node_levels(m, nd, e->now);
}

/* The least urgent job in service (rank, then arrival), ranked again
 * first when the discipline asks (options.rerank: SRPT's remaining work,
 * LAS's attained service change while a job is served). */
static tb_job *least_urgent(tb_model *m, tb_node *nd)
{
    tb_job *victim = NULL;
    int rerank = nd->decider && nd->decider->rerank;
    for (int i = 0; i < nd->nserving; i++) {
        tb_job *s = nd->serving[i];
        if (rerank)
            s->rank = decide_rank(m, nd, s);
        if (!victim || job_before(victim, s))
            victim = s;
    }
    return victim;
}

/* victim, in service, goes back to the queue with the service it still
 * needs (ranked again under rerank); j starts in its place. */
static void preempt(tb_model *m, tb_node *nd, tb_job *victim, tb_job *j)
{
    sim_time now = m->eng->now;
    sim_cancel(m->eng, victim->dep);
    victim->dep.ev = NULL;
    victim->service = victim->end - now;
    nd->sum_end -= (double)victim->end;
    nd->busy--;
    tb__serving_remove(nd, victim);
    if (m->trace)
        trace(m, "preempt", victim, victim->node);
    if (nd->decider->rerank)
        victim->rank = decide_rank(m, nd, victim);
    enqueue(m, nd, victim);
    tb__start_service(m, nd, j);
}

/* Preemptive-resume: the arriving job displaces the least urgent job in
 * service if it ranks strictly before it; that job keeps its place (rank,
 * arrival order) and resumes later with the service it still needs. */
static int try_preempt(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_job *victim = least_urgent(m, nd);
    if (!victim || !job_before(j, victim))
        return 0;
    preempt(m, nd, victim, j);
    return 1;
}

/* options.quantum: every quantum while jobs are served, rank them again
 * and let a waiting job that now comes first take the place of the least
 * urgent (LAS: the job served longest gives way to one served less). */
static void ev_quantum(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    /* (quantum_pending stays set: the service started below must not start a second clock) */
    while (nd->queued > 0 && !m->failed) {
        tb_job *victim = least_urgent(m, nd), *h = q_peek(&nd->queues[0]);
        if (!victim || !h || !job_before(h, victim))
            break;
        preempt(m, nd, victim, pop_from(m, nd, 0));
    }
    if (nd->busy > 0)
        sim_after(e, sim_ticks(nd->decider->quantum, m->tps), ev_quantum, nd, 0);
    else
        nd->quantum_pending = 0;
    node_levels(m, nd, e->now);
}

/* j arrives at node k.  Returns where it goes on to at once (a router's
 * choice, for tb__send() to take it there), or TB_STAYS. */
static int node_arrive(tb_model *m, tb_job *j, int k)
{
    tb_node *nd = &m->nodes[k];
    sim_engine *e = m->eng;
    j->node = k;
    j->routed = 0;
    j->arrived = j->queued_at = e->now;
    nd->w_arrivals++;
    if (m->measuring)
        nd->arrivals++;
    if (m->trace)
        trace(m, "arrive", j, k);
    if (m->observe)
        m->observe(m->observe_ctx, m, j, nd, TB_OBS_ARRIVE);
    if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER) {
        nd->w_completions++;
        if (m->measuring)
            nd->completions++;
        if (j->credit_link >= 0)
            tb__release_credit(m, j);
        if (nd->kind == TB_NODE_ROUTER)
            return nd->fork ? tb__fork_arrive(m, nd, j) : route_of(m, j);
        job_leave(m, j, LEAVE_EXIT);
        return TB_STAYS;
    }
    enum tb_admit a = decide_admit(m, nd, j);
    if (a != TB_ADMIT) {
        if (a == TB_REJECT) {
            if (m->measuring)
                nd->rejects++;
            job_leave(m, j, LEAVE_REJECT);
        } else if (a == TB_DROP) { /* an AQM's early drop: lost like an overflow */
            nd->w_drops++;
            if (m->measuring)
                nd->drops++;
            job_leave(m, j, LEAVE_DROP);
        } else { /* the policy's balking decision: the customer's, an abandonment */
            if (m->measuring)
                nd->balked++;
            job_leave(m, j, LEAVE_ABANDON);
        }
        return TB_STAYS;
    }
    if ((nd->capacity >= 0 && nd->queued + nd->busy >= nd->capacity) ||
        (nd->class_cap && nd->class_cap[j->cls] >= 0 && nd->pclass[j->cls] >= nd->class_cap[j->cls])) {
        nd->w_drops++;
        if (m->measuring)
            nd->drops++;
        job_leave(m, j, LEAVE_DROP);
        return TB_STAYS;
    }
    if (nd->balk) { /* one draw per arrival, so balking never shifts the other streams */
        long long n = nd->queued + nd->busy;
        double u = sim_rng_u01(&nd->balk_rng);
        if (u < nd->balk[n < nd->nbalk ? n : nd->nbalk - 1]) {
            if (m->measuring)
                nd->balked++;
            job_leave(m, j, LEAVE_ABANDON);
            return TB_STAYS;
        }
    }
    nd->pclass[j->cls]++;
    j->started_once = 0;
    j->give_up = 0;
    if (nd->impatient && m->classes[j->cls].patience) {
        tb_class *c = &m->classes[j->cls];
        sim_time g = sim_ticks(sim_dist_sample(c->patience, &c->patience_rng), m->tps);
        j->give_up = g > 0 ? g : 1; /* 0 means none: a zero patience leaves after one tick */
    }
    if (nd->kind == TB_NODE_BATCH) {
        j->service = 0; /* set per batch */
        j->rank = decide_rank(m, nd, j);
        j->qseq = ++nd->seq;
        enqueue(m, nd, j);
        node_levels(m, nd, e->now);
        return TB_STAYS;
    }
    tb_svc *s = &nd->svc[j->cls];
    j->service = nd->by_size > 0 ? sim_ticks(j->size * nd->by_size, m->tps)
                                 : sim_ticks(sim_dist_sample(s->dist, &s->rng), m->tps);
    j->svc_total = j->service;
    j->work_sum += (double)j->service;
    if (nd->ps) {
        tb__ps_arrive(m, nd, j);
    } else {
        j->rank = decide_rank(m, nd, j);
        j->qseq = ++nd->seq;
        if (nd->gated) { /* join the queue; start whatever backpressure allows */
            enqueue(m, nd, j);
            tb__start_waiting(m, nd);
        } else if (nd->kind == TB_NODE_DELAY || (nd->busy < nd->workers && !nd->fail.down)) {
            tb__start_service(m, nd, j);
        } else if (!(nd->preemptive && try_preempt(m, nd, j))) {
            enqueue(m, nd, j);
        }
    }
    node_levels(m, nd, e->now);
    return TB_STAYS;
}

/* Statistics, the completion hook and onward routing of a job done at nd. */
void tb__finish(tb_model *m, tb_node *nd, tb_job *j)
{
    sim_time soj = m->eng->now - j->arrived;
    nd->pclass[j->cls]--;
    if (nd->kind == TB_NODE_BATCH && m->classes[j->cls].confirmations > 0)
        tb__confirm_push(&nd->confirm[j->cls], j->created, j->priority,
                         j->batch + (uint64_t)m->classes[j->cls].confirmations);
    nd->w_completions++;
    if (m->measuring) {
        nd->completions++;
        lat_add(&nd->sojourn, soj);
    }
    nd->ewma += ((double)soj - nd->ewma) / 16;
    if (m->baseline_open) {
        nd->bl_sum += (double)soj;
        nd->bl_n++;
    }
    if (j->abandoned && m->measuring) {
        /* service given after the client gave up (for processor sharing,
         * the share of the job's sojourn since then) */
        double w;
        if (nd->ps)
            w = (double)j->service * (double)(m->eng->now - (j->abandoned_at > j->arrived ? j->abandoned_at : j->arrived)) /
                (double)(soj > 0 ? soj : 1);
        else
            w = (double)(j->end - (j->abandoned_at > j->end - j->service ? j->abandoned_at : j->end - j->service));
        m->classes[j->cls].wasted += w > 0 ? w : 0;
    }
    if (m->observe)
        m->observe(m->observe_ctx, m, j, nd, TB_OBS_DONE);
    if (m->trace)
        trace(m, "done", j, j->node);
    decide_done(m, nd, j);
}

/* After service: on to the next node, or out. */
void tb__job_lost(tb_model *m, tb_job *j)
{
    job_leave(m, j, LEAVE_DROP);
}

void tb__move_on(tb_model *m, tb_job *j)
{
    if (j->task) { /* back to its fork */
        tb__task_end(m, j, 1);
        return;
    }
    int to = route_of(m, j);
    j->routed = 0;
    tb__send(m, j, j->node, to);
}

void tb__ev_depart(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_node *nd = &m->nodes[j->node];
    nd->busy--;
    nd->sum_end -= (double)j->end;
    if (nd->preemptive || nd->variable)
        tb__serving_remove(nd, j);
    tb__finish(m, nd, j);
    tb__start_waiting(m, nd);
    node_levels(m, nd, e->now);
    tb__move_on(m, j);
}

/* A new job of class c: the first attempt of a request created at `created`,
 * or a retry of it. */
/* An unstable network grows without bound: stop before memory runs out,
 * and say where the jobs pile up and what to change. */
static void job_limit(tb_model *m)
{
    const tb_node *worst = NULL;
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        if (!worst || nd->queued + nd->busy > worst->queued + worst->busy)
            worst = nd;
    }
    assert(worst); /* called with jobs in the network, so with at least one node */
    double t = sim_seconds(m->eng->now, m->tps);
    double busy = sim_tavg_integral(&worst->b, m->eng->now) / (double)(m->eng->now ? m->eng->now : 1);
    snprintf(m->error, sizeof m->error,
             "tailback: stopped at simulated time %.6g s with %lld jobs in the network (limits.jobs): node "
             "\"%s\" holds %lld of them, %.3g of its %d worker(s) busy on average - it is offered more than it "
             "can serve. Add workers, bound its queue (\"capacity\"), shed load with a policy, or raise "
             "limits.jobs; the statistics so far are written, marked partial",
             t, m->in_system, worst->name, worst->queued + worst->busy, busy, worst->workers);
    m->limit_hit = 1;
    m->eng->stop = 1;
}

tb_job *tb__new_job(tb_model *m, tb_class *c, sim_time created, int first)
{
    sim_engine *e = m->eng;
    if (m->max_jobs > 0 && m->in_system >= m->max_jobs) {
        job_limit(m);
        return NULL;
    }
    tb_job *j = job_get(m);
    if (!j) {
        m->nomem = 1;
        e->stop = 1;
        return NULL;
    }
    j->id = ++c->generated;
    j->cls = (int)(c - m->classes);
    j->hop = 0;
    j->created = created;
    j->waited = 0;
    j->node = TB_EXIT;
    j->req = NULL;
    j->attempt = 1;
    j->abandoned = 0;
    j->routed = 0;
    j->credit_link = -1;
    j->renege.ev = NULL;
    j->give_up = 0;
    j->work_sum = 0;
    j->task = 0;
    j->counted = m->measuring;
    if (first) { /* a retry takes its request's attributes instead (no draws) */
        j->size = sim_dist_sample(c->size, &c->size_rng);
        if (c->arr.trace_size) /* a replayed trace carries its own sizes */
            j->size = c->arr.trace_size[c->arr.next - 1];
        j->priority = c->priority ? sim_dist_sample(c->priority, &c->prio_rng) : 0;
        j->deadline = c->deadline
                          ? created + sim_ticks(sim_dist_sample(c->deadline, &c->dl_rng), m->tps)
                          : SIM_TIME_MAX;
    }
    if (m->measuring)
        c->attempts++;
    m->in_system++;
    sim_tavg_set(&m->sys, e->now, (double)m->in_system);
    return j;
}

static void ev_arrival(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_class *c = obj;
    sim_time next = tb_arrival_next(&c->arr, e->now, m->tps, &c->arr_rng, &c->phase_rng, NULL);
    if (next != SIM_TIME_MAX)
        sim_at(e, next, ev_arrival, c, 0);
    if (c->client) {
        tb_req *r = req_get(m);
        if (!r) {
            m->nomem = 1;
            e->stop = 1;
            return;
        }
        r->cls = (int)(c - m->classes);
        r->created = e->now;
        r->attempts = 1;
        r->job = NULL;
        r->timer.ev = NULL;
        r->counted = m->measuring;
        c->arrivals += (uint64_t)m->measuring; /* it is open now: an outcome, or in flight */
        tb__start_attempt(m, c, r);
        return;
    }
    tb_job *j = tb__new_job(m, c, e->now, 1);
    if (j) {
        c->arrivals += (uint64_t)j->counted;
        tb__send(m, j, -1, tb__first_node(c));
    }
}

static void ev_tick(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_decider *p = obj;
    for (int k = 0; k < m->nnodes && !m->failed; k++)
        if (m->nodes[k].decider == p)
            p->ops.tick(m, p, &m->nodes[k]); /* a tick period needs tick(): tb_model_prepare checks */
    if (e->now + p->tick <= m->duration)
        sim_after(e, p->tick, ev_tick, p, 0);
}

/*
 * The end of the run: count what is in flight by walking the live jobs and
 * requests, then check that every request and attempt is accounted for
 * (see tb_model.h) and that the jobs found are exactly those the nodes and
 * links hold.  These counts are kept by different code (the outcome at
 * each exit, the live lists, the nodes' occupancy), so a path that loses
 * or double-counts a job shows here.  0, or -1 with m->error set.
 */
static int account(tb_model *m)
{
    long long njobs = 0, held = 0;
    for (tb_req *r = m->live_reqs; r; r = r->lnext)
        if (r->counted)
            tb__in_flight(m, &m->classes[r->cls], r->created);
    for (tb_job *j = m->live_jobs; j; j = j->lnext) {
        tb_class *c = &m->classes[j->cls];
        njobs++;
        c->att_in_flight += (uint64_t)j->counted;
        if (!c->client && j->counted)
            tb__in_flight(m, c, j->created);
    }
    for (int k = 0; k < m->nnodes; k++)
        held += m->nodes[k].queued + m->nodes[k].busy + m->nodes[k].holding;
    for (int l = 0; l < m->nlinks; l++)
        held += m->links[l].in_transit;
    if (njobs != m->in_system || held != m->in_system) {
        snprintf(m->error, sizeof m->error,
                 "tailback: internal error: %lld jobs are in the network by the job count, %lld on the live "
                 "list and %lld held by nodes and links (a bug in tailback: please report it with the "
                 "scenario); no results written", m->in_system, njobs, held);
        return -1;
    }
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        uint64_t ended = 0, tried = 0;
        for (int o = 0; o < TB_NOUT; o++)
            ended += c->out[o];
        for (int o = 0; o < TB_NATT; o++)
            tried += c->att_out[o];
        assert(c->completions == c->out[TB_OUT_SUCCEEDED] + c->out[TB_OUT_LATE]);
        if (ended + c->in_flight != c->arrivals || tried + c->att_in_flight != c->attempts) {
            snprintf(m->error, sizeof m->error,
                     "tailback: internal error: class \"%s\": %llu requests arrived but %llu ended and %llu are "
                     "in flight; %llu attempts were made but %llu ended and %llu are in flight (a bug in "
                     "tailback: please report it with the scenario); no results written", c->name,
                     (unsigned long long)c->arrivals, (unsigned long long)ended,
                     (unsigned long long)c->in_flight, (unsigned long long)c->attempts,
                     (unsigned long long)tried, (unsigned long long)c->att_in_flight);
            return -1;
        }
    }
    return 0;
}

tb_run_status tb_model_run(tb_model *m, volatile int *interrupt)
{
    sim_engine *e = m->eng;
    e->interrupt = interrupt;
    if (m->warmup > 0) {
        sim_at(e, m->warmup, tb__ev_warmup, m, 0);
        if (m->warmup / 2 > 0)
            sim_at(e, m->warmup / 2, tb__ev_baseline, m, 0);
    } else {
        tb__start_measuring(m);
    }
    if (m->ts)
        tb__ts_header(m);
    if (m->window > 0 && m->window <= m->duration)
        sim_at(e, m->window, tb__ev_window, m, 0);
    m->mser_dt = m->duration / TB_MSER_POINTS > 0 ? m->duration / TB_MSER_POINTS : 1;
    free(m->mser);
    m->nmser = 0;
    m->mser_last = 0;
    if ((m->mser = malloc(TB_MSER_POINTS * sizeof *m->mser)) != NULL)
        sim_at(e, m->mser_dt, tb__ev_mser, m, 0);
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        sim_time first = tb_arrival_next(&c->arr, 0, m->tps, &c->arr_rng, &c->phase_rng, NULL);
        if (first != SIM_TIME_MAX)
            sim_at(e, first, ev_arrival, c, 0);
        for (long long u = 0; c->arr.kind == TB_ARR_CLOSED && u < c->arr.population; u++)
            think(m, c); /* every user thinks first */
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        node_levels(m, nd, 0);
        if (nd->kind == TB_NODE_BATCH)
            sim_at(e, sim_ticks(sim_dist_sample(nd->batch_interval, &nd->batch_rng), m->tps), tb__ev_batch,
                   nd, 0);
    }
    tb__capacity_start(m);
    for (int i = 0; i < m->ndeciders; i++)
        if (m->deciders[i]->tick > 0 && m->deciders[i]->tick <= m->duration)
            sim_at(e, m->deciders[i]->tick, ev_tick, m->deciders[i], 0);
    enum sim_run_end end = sim_run(e, m->duration);
    for (int k = 0; k < m->nnodes; k++)
        node_levels(m, &m->nodes[k], e->now);
    tb__write_window(m);
    if (!m->failed && !m->nomem && end != SIM_END_NOMEM && account(m) != 0)
        m->failed = 1; /* an internal error: m->error says which count is off */
    if (m->failed)
        return TB_RUN_ERROR;
    if (m->limit_hit)
        return TB_RUN_LIMIT;
    if (m->nomem || end == SIM_END_NOMEM)
        return TB_RUN_NOMEM;
    if (end == SIM_END_INTERRUPT || m->hook_interrupted || (interrupt && *interrupt))
        return TB_RUN_INTERRUPTED;
    return TB_RUN_OK;
}

double tb_model_measured_seconds(const tb_model *m)
{
    if (!m->measuring)
        return 0;
    return sim_seconds(m->eng->now - m->measure_start, m->tps);
}

/* dequeue() for the batch node; the core keeps the static one, which the compiler inlines */
tb_job *tb__dequeue(tb_model *m, tb_node *nd)
{
    return dequeue(m, nd);
}

/* route_of() for the link layer; the core keeps the static one, which the compiler inlines */
int tb__route_of(tb_model *m, tb_job *j)
{
    return route_of(m, j);
}
