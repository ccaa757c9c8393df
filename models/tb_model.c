/* tb_model.c - the network's event handlers: arrivals, service, routing, links, warm-up, windows. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "tb_model.h"
#include "tb_policy.h"


/* ---- allocation ------------------------------------------------------ */


tb_model *tb_model_alloc(int nclasses, int nnodes, int nlinks)
{
    tb_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nclasses = nclasses;
    m->nnodes = nnodes;
    m->nlinks = nlinks;
    m->classes = calloc((size_t)(nclasses ? nclasses : 1), sizeof *m->classes);
    m->nodes = calloc((size_t)(nnodes ? nnodes : 1), sizeof *m->nodes);
    m->links = calloc((size_t)(nlinks ? nlinks : 1), sizeof *m->links);
    if (!m->classes || !m->nodes || !m->links)
        goto fail;
    for (int i = 0; i < nnodes; i++) {
        m->nodes[i].svc = calloc((size_t)(nclasses ? nclasses : 1), sizeof *m->nodes[i].svc);
        if (!m->nodes[i].svc)
            goto fail;
        m->nodes[i].capacity = -1;
        m->nodes[i].workers = 1;
    }
    for (int i = 0; i < nclasses; i++) {
        m->classes[i].entry = TB_EXIT;
        m->classes[i].slo = SIM_TIME_MAX;
    }
    m->tps = 1e9;
    m->hot_factor = TB_HOT_FACTOR;
    m->max_jobs = 10000000;
    sim_pool_init(&m->jobs, sizeof(tb_job));
    sim_pool_init(&m->reqs, sizeof(tb_req));
    return m;
fail:
    tb_model_free(m);
    return NULL;
}

void tb_model_free(tb_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        free(c->name);
        tb_arrival_free(&c->arr);
        sim_dist_free(c->size);
        sim_dist_free(c->priority);
        sim_dist_free(c->deadline);
        free(c->route);
        sim_hist_free(&c->wait.h);
        sim_hist_free(&c->sojourn.h);
        sim_hist_free(&c->confirm.h);
        sim_hist_free(&c->cens);
        for (int g = 0; g < 2; g++) {
            sim_hist_free(&c->sg_ok[g].h);
            sim_hist_free(&c->sg_cens[g]);
        }
        free(c->fee_lat);
        if (c->client)
            sim_dist_free(c->client->timeout);
        free(c->client);
    }
    for (int i = 0; i < m->nnodes; i++) {
        tb_node *nd = &m->nodes[i];
        free(nd->name);
        /* per-class overrides are owned by the node's svc entries only when
         * they differ from the default */
        for (int c = 0; nd->svc && c < m->nclasses; c++)
            if (nd->svc[c].dist && nd->svc[c].dist != nd->service)
                sim_dist_free((sim_dist *)nd->svc[c].dist);
        sim_dist_free(nd->service);
        free(nd->svc);
        free(nd->next);
        free(nd->cum);
        free(nd->out);
        free(nd->in);
        free(nd->cand);
        free(nd->class_cap);
        free(nd->pclass);
        sim_dist_free(nd->batch_interval);
        sim_dist_free(nd->provisioning);
        for (int c = 0; nd->confirm && c < m->nclasses; c++) {
            free(nd->confirm[c].created);
            free(nd->confirm[c].fee);
            free(nd->confirm[c].target);
        }
        free(nd->confirm);
        for (int q = 0; nd->queues && q < nd->nqueues; q++)
            free(nd->queues[q].heap);
        free(nd->queues);
        free(nd->qclass);
        free(nd->serving);
        sim_hist_free(&nd->wait.h);
        sim_hist_free(&nd->sojourn.h);
    }
    for (int i = 0; i < m->nlinks; i++) {
        sim_dist_free(m->links[i].delay);
        free(m->links[i].credits);
        sim_hist_free(&m->links[i].transit.h);
    }
    for (int i = 0; i < m->npolicies; i++)
        tb_policy_free(&m->policies[i]);
    free(m->policies);
    free(m->classes);
    free(m->nodes);
    free(m->links);
    sim_pool_free(&m->jobs);
    sim_pool_free(&m->reqs);
    free(m->win_t);
    free(m->win_spread);
    free(m->win_goodput);
    free(m->mser);
    sim_engine_free(m->eng);
    free(m);
}

int tb_node_index(const tb_model *m, const char *name)
{
    for (int i = 0; i < m->nnodes; i++)
        if (m->nodes[i].name && strcmp(m->nodes[i].name, name) == 0)
            return i;
    return -1;
}

int tb_class_index(const tb_model *m, const char *name)
{
    for (int i = 0; i < m->nclasses; i++)
        if (m->classes[i].name && strcmp(m->classes[i].name, name) == 0)
            return i;
    return -1;
}

int tb_model_prepare(tb_model *m, const sim_evq_ops *evq)
{
    char name[512];
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        static const char *const what[] = { "arrivals", "size", "priority", "deadline", "phase",
                                            "timeout", "backoff" };
        sim_rng *rngs[] = { &c->arr_rng, &c->size_rng, &c->prio_rng, &c->dl_rng, &c->phase_rng,
                            &c->timeout_rng, &c->backoff_rng };
        for (int k = 0; k < 7; k++) {
            snprintf(name, sizeof name, "%s/%s", what[k], c->name);
            sim_rng_init(rngs[k], m->seed, m->replication, name);
        }
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        snprintf(name, sizeof name, "route/%s", nd->name);
        sim_rng_init(&nd->route_rng, m->seed, m->replication, name);
        snprintf(name, sizeof name, "batch/%s", nd->name);
        sim_rng_init(&nd->batch_rng, m->seed, m->replication, name);
        snprintf(name, sizeof name, "provisioning/%s", nd->name);
        sim_rng_init(&nd->prov_rng, m->seed, m->replication, name);
        for (int i = 0; i < m->nclasses; i++) {
            snprintf(name, sizeof name, "service/%s/%s", nd->name, m->classes[i].name);
            sim_rng_init(&nd->svc[i].rng, m->seed, m->replication, name);
        }
        nd->nout = nd->nin = 0;
        free(nd->out);
        free(nd->in);
        nd->out = nd->in = NULL;
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        snprintf(name, sizeof name, "link/%s->%s", m->nodes[ln->from].name, m->nodes[ln->to].name);
        sim_rng_init(&ln->rng, m->seed, m->replication, name);
        tb_node *nd = &m->nodes[ln->from], *to = &m->nodes[ln->to];
        tb_link **o = realloc(nd->out, (size_t)(nd->nout + 1) * sizeof *o);
        if (!o)
            goto nomem;
        o[nd->nout++] = ln;
        nd->out = o;
        o = realloc(to->in, (size_t)(to->nin + 1) * sizeof *o);
        if (!o)
            goto nomem;
        o[to->nin++] = ln;
        to->in = o;
        nd->gated |= ln->window > 0 || ln->xoff > 0;
        to->pause_in |= ln->xoff > 0;
        free(ln->credits);
        ln->credits = NULL;
        if (ln->window > 0) {
            int n = ln->per_class ? m->nclasses : 1;
            if (!(ln->credits = malloc((size_t)n * sizeof *ln->credits)))
                goto nomem;
            for (int c = 0; c < n; c++)
                ln->credits[c] = ln->window;
        }
    }
    sim_engine_free(m->eng);
    m->eng = sim_engine_new(evq, m->tps);
    if (!m->eng)
        goto nomem;
    m->eng->user = m;
    for (int i = 0; i < m->npolicies; i++) {
        tb_policy *p = &m->policies[i];
        snprintf(name, sizeof name, "policy/%s", p->name);
        sim_rng_init(&p->rng, m->seed, m->replication, name);
        if (tb_policy_load(m, p, m->error, sizeof m->error) != 0)
            return -1;
    }
    m->has_surge = 0;
    for (int i = 0; i < m->nclasses; i++) {
        sim_time s0, s1;
        if (tb_arrival_surge_span(&m->classes[i].arr, &s0, &s1)) {
            if (!m->has_surge || s0 < m->surge_start)
                m->surge_start = s0;
            if (!m->has_surge || s1 > m->surge_end)
                m->surge_end = s1;
            m->has_surge = 1;
        }
    }
    if (m->sustain <= 0)
        m->sustain = 5 * m->window;
    for (int k = 0; k < m->nnodes; k++) { /* unloaded service, for "hot" */
        tb_node *nd = &m->nodes[k];
        double sum = 0, wsum = 0;
        for (int i = 0; i < m->nclasses; i++)
            if (nd->svc[i].dist) { /* weighted by the classes' long-run arrival rates */
                double w = m->classes[i].arr.mean_rate > 0 ? m->classes[i].arr.mean_rate : 1;
                sum += w * nd->svc[i].dist->mean;
                wsum += w;
            }
        nd->unloaded = 0;
        if (nd->kind == TB_NODE_QUEUE && wsum > 0)
            nd->unloaded = sum / wsum * m->tps;
        else if (nd->kind == TB_NODE_BATCH)
            nd->unloaded = (nd->batch_interval->mean / 2 + (nd->service ? nd->service->mean : 0)) * m->tps;
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        const tb_policy *p = nd->policy;
        nd->nqueues = (p && p->per_class) || nd->per_class_queues ? m->nclasses : 1;
        nd->preemptive = p && p->preemptive;
        nd->ps = p && p->ps;
        if ((nd->ps || nd->preemptive) && nd->kind != TB_NODE_QUEUE) {
            snprintf(m->error, sizeof m->error,
                     "%s: policy \"%s\" asks for %s, which only a queue node has (node \"%s\")",
                     p->shown, p->name, nd->ps ? "processor sharing" : "preemption", nd->name);
            return -1;
        }
        if (nd->preemptive && p->ref_rank == SIM_LUA_NONE) {
            snprintf(m->error, sizeof m->error,
                     "%s: options.preemptive needs a rank() hook to compare jobs", p->shown);
            return -1;
        }
        if (nd->kind == TB_NODE_BATCH && nd->batch_by_size && nd->nqueues > 1) {
            snprintf(m->error, sizeof m->error,
                     "%s: per-class queues cannot fill batches by size (node \"%s\"): use "
                     "\"by\": \"count\" or one ranked queue", p->shown, nd->name);
            return -1;
        }
        free(nd->queues);
        free(nd->qclass);
        free(nd->pclass);
        nd->queues = calloc((size_t)nd->nqueues, sizeof *nd->queues);
        nd->qclass = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->qclass);
        nd->pclass = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->pclass);
        if (!nd->queues || !nd->qclass || !nd->pclass)
            goto nomem;
        if (nd->kind == TB_NODE_BATCH && !nd->confirm) {
            nd->confirm = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->confirm);
            if (!nd->confirm)
                goto nomem;
        }
        for (int q = 0; q < nd->nqueues; q++)
            nd->queues[q].ranked = nd->ps || (p && p->ref_rank != SIM_LUA_NONE);
    }
    return 0;
nomem:
    snprintf(m->error, sizeof m->error, "out of memory preparing the model");
    return -1;
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

/* ---- statistics helpers ----------------------------------------------- */

static inline void lat_add(tb_latency *l, sim_time v)
{
    sim_welford_add(&l->w, (double)v);
    sim_hist_add(&l->h, v);
}

static void lat_reset(tb_latency *l)
{
    memset(&l->w, 0, sizeof l->w);
    sim_hist_reset(&l->h);
}

static void pause_check(tb_model *m, tb_node *nd);

static inline void node_levels(tb_model *m, tb_node *nd, sim_time now)
{
    if (nd->pause_in)
        pause_check(m, nd);
    sim_tavg_set(&nd->q, now, (double)nd->queued);
    sim_tavg_set(&nd->b, now, (double)nd->busy);
    /* paid workers: removed workers are paid until their last job ends */
    sim_tavg_set(&nd->wk, now,
                 (double)(nd->busy > nd->workers ? nd->busy : nd->workers) + nd->provisioning_n -
                     nd->prov_cancel);
}

static void trace(tb_model *m, const char *what, const tb_job *j, int node)
{
    fprintf(m->trace, "%.9f,%s,%s,%llu,%s\n", sim_seconds(m->eng->now, m->tps), what,
            m->classes[j->cls].name, (unsigned long long)j->id,
            node >= 0 ? m->nodes[node].name : "");
}

/* ---- queues ------------------------------------------------------------ */

static inline int job_before(const tb_job *a, const tb_job *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->qseq < b->qseq);
}

/* Ranked queues only; FIFO pushes are inlined where they happen. */
static int heap_push(tb_queue *q, tb_job *j)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 64;
        tb_job **nh = realloc(q->heap, ncap * sizeof *nh);
        if (!nh)
            return -1;
        q->heap = nh;
        q->cap = ncap;
    }
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!job_before(j, q->heap[p]))
            break;
        q->heap[i] = q->heap[p];
        i = p;
    }
    q->heap[i] = j;
    return 0;
}

static inline int q_push(tb_queue *q, tb_job *j)
{
    if (q->ranked)
        return heap_push(q, j);
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n++;
    return 0;
}

static inline tb_job *q_peek(const tb_queue *q)
{
    return q->ranked ? (q->n ? q->heap[0] : NULL) : q->head;
}

static tb_job *heap_pop(tb_queue *q)
{
    tb_job *top = q->heap[0], *x = q->heap[--q->n];
    size_t i = 0, n = q->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && job_before(q->heap[c + 1], q->heap[c]))
            c++;
        if (!job_before(q->heap[c], x))
            break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (n > 0)
        q->heap[i] = x;
    return top;
}

static inline tb_job *q_pop(tb_queue *q)
{
    if (q->n == 0)
        return NULL;
    if (q->ranked)
        return heap_pop(q);
    tb_job *j = q->head;
    q->head = j->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    return j;
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
}

/* Take the head of queue qi (counters follow). */
static inline tb_job *pop_from(tb_node *nd, int qi)
{
    tb_job *j = q_pop(&nd->queues[qi]);
    nd->queued--;
    nd->qclass[j->cls]--;
    nd->work_queued -= (double)j->service;
    return j;
}

/* The next job to serve: the only queue's head, or the head of the class
 * queue the policy picks (by default the earliest by (rank, arrival)). */
static inline tb_job *dequeue(tb_model *m, tb_node *nd)
{
    int qi = 0;
    if (nd->nqueues > 1) {
        qi = nd->policy ? tb_policy_pick(m, nd) : -1;
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
    return pop_from(nd, qi);
}

double tb_node_work(const tb_model *m, const tb_node *nd)
{
    if (nd->ps) /* sum of (tag - V): service still owed to each job */
        return nd->work_queued - (double)(nd->queued + nd->busy) * nd->ps_v;
    return nd->work_queued + nd->sum_end - (double)nd->busy * (double)m->eng->now;
}

/* ---- job flow --------------------------------------------------------- */

enum leave { LEAVE_EXIT, LEAVE_DROP, LEAVE_REJECT };

static int node_arrive(tb_model *m, tb_job *j, int k);
#define TB_STAYS (-2) /* node_arrive: the job stays at the node (or has left) */
static void send(tb_model *m, tb_job *j, int from, int to);

static void retry_or_fail(tb_model *m, tb_class *c, tb_req *r, enum tb_outcome last);
static void release_credit(tb_model *m, tb_job *j);

/*
 * A request created at `created` ends now with outcome `o` (counted only if
 * it arrived after the warm-up).  Success records its latency; any other
 * outcome records the time it lasted as a censored latency.  For isolation,
 * requests created before and during the surge span are kept apart.
 */
static void request_end(tb_model *m, tb_class *c, sim_time created, int counted, enum tb_outcome o,
                        sim_time waited)
{
    sim_time now = m->eng->now, lat = now - created;
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

static enum tb_outcome success(const tb_class *c, sim_time created, sim_time now)
{
    return now - created <= c->slo ? TB_OUT_SUCCEEDED : TB_OUT_LATE;
}

/* The request succeeded: its timer stops and it is freed. */
static void req_done(tb_model *m, tb_req *r, sim_time waited)
{
    tb_class *c = &m->classes[r->cls];
    request_end(m, c, r->created, r->counted, success(c, r->created, m->eng->now), waited);
    sim_cancel(m->eng, r->timer);
    req_put(m, r);
}

/* The retry budget: may the client retry now?  Spends a token if so. */
static int budget_allows(tb_client *cl)
{
    if (cl->budget == 1) { /* token bucket: a retry costs one token */
        if (cl->tokens < 1)
            return 0;
        cl->tokens -= 1;
        return 1;
    }
    if (cl->budget == 2) /* gRPC throttle: retry while above half */
        return cl->tokens > cl->max_tokens / 2;
    return 1;
}

static void budget_result(tb_client *cl, int success)
{
    if (success)
        cl->tokens = fmin(cl->max_tokens, cl->tokens + cl->ratio);
    else if (cl->budget == 2)
        cl->tokens = fmax(0, cl->tokens - 1);
}

static void job_leave(tb_model *m, tb_job *j, enum leave how)
{
    tb_class *c = &m->classes[j->cls];
    tb_req *r = j->req;
    if (j->credit_link >= 0) /* dropped or rejected where it held a credit */
        release_credit(m, j);
    if (m->trace)
        trace(m, how == LEAVE_EXIT ? (j->abandoned ? "late" : "exit")
                 : how == LEAVE_DROP ? "drop" : "reject", j, j->node);
    if (j->counted)
        c->att_out[how == LEAVE_EXIT ? (j->abandoned ? TB_ATT_ORPHANED : TB_ATT_COMPLETED)
                   : how == LEAVE_DROP ? TB_ATT_DROPPED : TB_ATT_REJECTED]++;
    if (!c->client) { /* the job is the request */
        request_end(m, c, j->created, j->counted,
                    how == LEAVE_EXIT   ? success(c, j->created, m->eng->now)
                    : how == LEAVE_DROP ? TB_OUT_DROPPED
                                        : TB_OUT_REJECTED,
                    j->waited);
    } else if (how == LEAVE_EXIT && r) { /* served while its client waits */
        budget_result(c->client, 1);
        req_done(m, r, j->waited);
    } else if (r) {
        r->job = NULL;
        if (how == LEAVE_REJECT || !c->client->timeout) {
            /* a rejection is an answer: the client reacts at once (a
             * silent drop is noticed only by the timeout, if any) */
            sim_cancel(m->eng, r->timer);
            budget_result(c->client, 0);
            retry_or_fail(m, c, r, how == LEAVE_REJECT ? TB_OUT_REJECTED : TB_OUT_DROPPED);
        }
    } /* else an orphan: its client gave up on it already */
    m->in_system--;
    sim_tavg_set(&m->sys, m->eng->now, (double)m->in_system);
    job_put(m, j);
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
        send(m, j, ln->to, to);
}

/* Move j from node `from` (-1 for the outside) to node `to` or out, and on
 * through any routers it meets.  A loop, not a recursion with node_arrive:
 * a job passing any number of routers in one instant uses no stack (and a
 * zero-time cycle, refused at load, could not overflow it). */
static void send(tb_model *m, tb_job *j, int from, int to)
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
            sim_at(e, ln->free_at + delay, ev_link_arrive, j, (uint64_t)(ln - m->links));
            return;
        }
    }
}

static int next_hop(tb_model *m, tb_job *j)
{
    tb_class *c = &m->classes[j->cls];
    if (c->route)
        return ++j->hop < c->nroute ? c->route[j->hop] : TB_EXIT;
    tb_node *nd = &m->nodes[j->node];
    if (nd->ncand > 0)
        return nd->cand[tb_policy_route(m, nd, j)];
    if (nd->nnext == 0)
        return TB_EXIT;
    double u = sim_rng_u01(&nd->route_rng);
    int i = 0;
    while (i + 1 < nd->nnext && u >= nd->cum[i])
        i++;
    return nd->next[i];
}

/* Where j goes after its current node, decided once per visit: at
 * departure normally, earlier when a backpressured link must be checked
 * before service starts. */
static int route_of(tb_model *m, tb_job *j)
{
    if (!j->routed) {
        j->next_hop = next_hop(m, j);
        j->routed = 1;
    }
    return j->next_hop;
}

static tb_link *link_to(const tb_node *nd, int to)
{
    for (int i = 0; i < nd->nout; i++)
        if (nd->out[i]->to == to)
            return nd->out[i];
    return NULL;
}

static void link_stalled(tb_model *m, tb_link *ln)
{
    int stalled = ln->paused;
    for (int c = 0; ln->window > 0 && c < (ln->per_class ? m->nclasses : 1); c++)
        stalled |= ln->credits[c] <= 0;
    sim_tavg_set(&ln->stalled, m->eng->now, stalled);
}

static void ev_kick(sim_engine *e, void *obj, uint64_t arg);

/* Try again to start jobs at nd, by an event at the current time: the
 * caller may be deep inside another node's processing or a hook. */
static void kick(tb_model *m, tb_node *nd)
{
    if (!nd->kick_pending) {
        nd->kick_pending = 1;
        sim_at(m->eng, m->eng->now, ev_kick, nd, 0);
    }
}

/* May j start service at nd, given backpressure on the link it will take? */
static int can_send(tb_model *m, tb_node *nd, tb_job *j)
{
    int to = route_of(m, j);
    tb_link *ln = to == TB_EXIT ? NULL : link_to(nd, to);
    if (!ln)
        return 1;
    if (ln->xoff > 0 && ln->paused)
        return 0;
    return ln->window == 0 || ln->credits[ln->per_class ? j->cls : 0] > 0;
}

/* The job leaves the buffer it entered over a credit link: the credit
 * goes back to the sender, which may be waiting for it. */
static void release_credit(tb_model *m, tb_job *j)
{
    tb_link *ln = &m->links[j->credit_link];
    ln->credits[ln->per_class ? j->cls : 0]++;
    j->credit_link = -1;
    link_stalled(m, ln);
    kick(m, &m->nodes[ln->from]);
}

/* Service starts at nd: spend a credit of the link the job will take. */
static void take_credit(tb_model *m, tb_node *nd, tb_job *j)
{
    int to = route_of(m, j);
    tb_link *ln = to == TB_EXIT ? NULL : link_to(nd, to);
    if (ln && ln->window > 0) {
        ln->credits[ln->per_class ? j->cls : 0]--;
        j->credit_link = (int)(ln - m->links);
        link_stalled(m, ln);
    }
}

/* PFC-style pause: a link into nd pauses while nd's queue is at or above
 * xoff, and resumes at or below xon. */
static void pause_check(tb_model *m, tb_node *nd)
{
    for (int i = 0; i < nd->nin; i++) {
        tb_link *ln = nd->in[i];
        if (ln->xoff == 0)
            continue;
        if (!ln->paused && nd->queued >= ln->xoff) {
            ln->paused = 1;
            link_stalled(m, ln);
        } else if (ln->paused && nd->queued <= ln->xon) {
            ln->paused = 0;
            link_stalled(m, ln);
            kick(m, &m->nodes[ln->from]);
        }
    }
}

void tb_link_set_window(tb_model *m, tb_link *ln, long long window)
{
    long long d = window - ln->window;
    ln->window = window;
    for (int c = 0; c < (ln->per_class ? m->nclasses : 1); c++)
        ln->credits[c] += d;
    link_stalled(m, ln);
    if (d > 0)
        kick(m, &m->nodes[ln->from]);
}

static void ev_depart(sim_engine *e, void *obj, uint64_t arg);

static void serving_add(tb_node *nd, tb_job *j)
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

static void serving_remove(tb_node *nd, tb_job *j)
{
    tb_job *last = nd->serving[--nd->nserving];
    nd->serving[j->slot] = last;
    last->slot = j->slot;
}

static void start_service(tb_model *m, tb_node *nd, tb_job *j)
{
    sim_engine *e = m->eng;
    if (j->credit_link >= 0)
        release_credit(m, j);
    if (nd->gated)
        take_credit(m, nd, j);
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
    nd->busy++;
    j->end = e->now + j->service;
    nd->sum_end += (double)j->end;
    if (nd->preemptive)
        serving_add(nd, j);
    j->dep = sim_at(e, j->end, ev_depart, j, 0);
}

/* Start waiting jobs while workers are free; a dequeue hook may drop some. */
/* A job the dequeue hook refused leaves the node as a drop. */
static void dequeue_drop(tb_model *m, tb_node *nd, tb_job *h)
{
    nd->w_drops++;
    if (m->measuring)
        nd->drops++;
    nd->pclass[h->cls]--;
    job_leave(m, h, LEAVE_DROP);
}

int tb_node_can_send(tb_model *m, tb_node *nd, int q)
{
    tb_job *h = q_peek(&nd->queues[q]);
    return h && can_send(m, nd, h);
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
        if (h && (best < 0 || job_before(h, q_peek(&nd->queues[best]))) && can_send(m, nd, h))
            best = i;
    }
    return best;
}

static void start_waiting(tb_model *m, tb_node *nd)
{
    if (nd->kind == TB_NODE_BATCH) /* batches start on their own clock */
        return;
    while (nd->busy < nd->workers && nd->queued > 0 && !m->failed) {
        tb_job *h;
        if (nd->gated) {
            int qi = eligible_queue(m, nd);
            if (qi < 0)
                break;
            if (nd->nqueues > 1 && nd->policy) { /* something may go: let the policy choose */
                int pq = tb_policy_pick(m, nd);
                if (pq >= 0 && tb_node_can_send(m, nd, pq))
                    qi = pq;
            }
            h = pop_from(nd, qi);
        } else {
            h = dequeue(m, nd);
        }
        if (nd->policy && !tb_policy_dequeue(m, nd, h)) {
            dequeue_drop(m, nd, h);
            continue;
        }
        start_service(m, nd, h);
    }
    if (nd->gated)
        sim_tavg_set(&nd->blk, m->eng->now, nd->busy < nd->workers && nd->queued > 0);
}

static void ev_kick(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->kick_pending = 0;
    start_waiting(m, nd);
    node_levels(m, nd, e->now);
}

/* Preemptive-resume: the arriving job displaces the least urgent job in
 * service if it ranks strictly before it; that job keeps its place (rank,
 * arrival order) and resumes later with the service it still needs. */
static int try_preempt(tb_model *m, tb_node *nd, tb_job *j)
{
    tb_job *victim = NULL;
    for (int i = 0; i < nd->nserving; i++)
        if (!victim || job_before(victim, nd->serving[i]))
            victim = nd->serving[i];
    if (!victim || !job_before(j, victim))
        return 0;
    sim_time now = m->eng->now;
    sim_cancel(m->eng, victim->dep);
    victim->service = victim->end - now;
    nd->sum_end -= (double)victim->end;
    nd->busy--;
    serving_remove(nd, victim);
    if (m->trace)
        trace(m, "preempt", victim, victim->node);
    enqueue(m, nd, victim);
    start_service(m, nd, j);
    return 1;
}

/* ---- processor sharing ------------------------------------------------- */

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

static void ps_advance(tb_model *m, tb_node *nd)
{
    sim_time now = m->eng->now;
    nd->ps_v += (double)(now - nd->ps_last) * ps_rate(nd, nd->queued + nd->busy);
    nd->ps_last = now;
}

static void ps_counts(tb_node *nd, long long n)
{
    nd->busy = (int)(n < nd->workers ? n : nd->workers);
    nd->queued = n - nd->busy;
}

static void ev_ps_done(sim_engine *e, void *obj, uint64_t arg);

static void ps_schedule(tb_model *m, tb_node *nd)
{
    sim_cancel(m->eng, nd->ps_ev);
    long long n = nd->queued + nd->busy;
    if (n == 0)
        return;
    const tb_job *h = q_peek(&nd->queues[0]);
    double rate = ps_rate(nd, n);
    if (!(rate > 0)) /* no workers: nobody progresses */
        return;
    double dt = ceil((h->rank - nd->ps_v) / rate);
    nd->ps_ev = sim_after(m->eng, dt > 0 ? (sim_time)dt : 0, ev_ps_done, nd, 0);
}

static void ps_arrive(tb_model *m, tb_node *nd, tb_job *j)
{
    if (j->credit_link >= 0)
        release_credit(m, j);
    ps_advance(m, nd);
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
    ps_counts(nd, nd->queued + nd->busy + 1);
    ps_schedule(m, nd);
}

static void ev_worker_ready(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->provisioning_n--;
    if (nd->prov_cancel > 0) { /* a scale-down cancelled this one meanwhile */
        nd->prov_cancel--;
    } else {
        if (nd->ps)
            ps_advance(m, nd);
        nd->workers++;
        if (nd->ps) {
            ps_counts(nd, nd->queued + nd->busy);
            ps_schedule(m, nd);
        } else {
            start_waiting(m, nd);
        }
    }
    node_levels(m, nd, e->now);
}

/*
 * Scale a node's worker pool to `target`.  Growing: new workers serve only
 * after the node's provisioning delay (if any), each drawn independently.
 * Shrinking: workers still being provisioned are cancelled first; then
 * active workers are removed, busy ones finishing their job first (they
 * stay paid until then).
 */
void tb_node_set_workers(tb_model *m, tb_node *nd, int target)
{
    if (nd->ps)
        ps_advance(m, nd);
    int pending = nd->provisioning_n - nd->prov_cancel, total = nd->workers + pending;
    if (target > total) {
        int add = target - total, restore = add < nd->prov_cancel ? add : nd->prov_cancel;
        nd->prov_cancel -= restore;
        add -= restore;
        if (!nd->provisioning) {
            nd->workers += add;
        } else {
            for (int i = 0; i < add; i++) {
                nd->provisioning_n++;
                sim_after(m->eng, sim_ticks(sim_dist_sample(nd->provisioning, &nd->prov_rng), m->tps),
                          ev_worker_ready, nd, 0);
            }
        }
    } else if (target < total) {
        int remove = total - target, cancel = remove < pending ? remove : pending;
        nd->prov_cancel += cancel;
        nd->workers -= remove - cancel;
    }
    if (nd->ps) {
        ps_counts(nd, nd->queued + nd->busy);
        ps_schedule(m, nd);
    } else {
        start_waiting(m, nd);
    }
    node_levels(m, nd, m->eng->now);
}

/* ---- batch nodes ---------------------------------------------------------- */

static void confirm_push(tb_confirm *q, sim_time created, double fee, uint64_t target)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 64;
        sim_time *nc = malloc(ncap * sizeof *nc);
        double *nf = malloc(ncap * sizeof *nf);
        uint64_t *nt = malloc(ncap * sizeof *nt);
        if (!nc || !nf || !nt) {
            free(nc);
            free(nf);
            free(nt);
            return; /* the confirmation goes unrecorded; counts stay consistent */
        }
        for (size_t i = 0; i < q->n; i++) {
            nc[i] = q->created[(q->head + i) % q->cap];
            nf[i] = q->fee[(q->head + i) % q->cap];
            nt[i] = q->target[(q->head + i) % q->cap];
        }
        free(q->created);
        free(q->fee);
        free(q->target);
        q->created = nc;
        q->fee = nf;
        q->target = nt;
        q->head = 0;
        q->cap = ncap;
    }
    size_t i = (q->head + q->n++) % q->cap;
    q->created[i] = created;
    q->fee[i] = fee;
    q->target[i] = target;
}

/* Keep (fee, latency) of a measured confirmation; on allocation failure the
 * pair is left out of the by-fee statistics (the totals still count it). */
static void fee_lat_add(tb_class *c, double fee, sim_time lat)
{
    if (c->nfee_lat == c->cap_fee_lat) {
        size_t ncap = c->cap_fee_lat ? 2 * c->cap_fee_lat : 1024;
        struct tb_fee_lat *n = realloc(c->fee_lat, ncap * sizeof *n);
        if (!n)
            return;
        c->fee_lat = n;
        c->cap_fee_lat = ncap;
    }
    c->fee_lat[c->nfee_lat].fee = fee;
    c->fee_lat[c->nfee_lat++].lat = lat;
}

/*
 * A batch epoch: take up to batch_max jobs (or size units) in the order the
 * node's discipline gives, and serve them together for one service time
 * (the node's "service", default 0).  Epochs come every `interval` whether
 * or not jobs wait (a block producer makes empty blocks).  Jobs carried in
 * batch b are confirmed when batch b + k is made.
 */
static void ev_batch(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->batch_no++;
    sim_time svc = nd->service ? sim_ticks(sim_dist_sample(nd->service, &nd->batch_rng), m->tps) : 0;
    double used = 0;
    long long taken = 0;
    while (nd->queued > 0 && !m->failed) {
        if (nd->batch_by_size) {
            const tb_job *h = q_peek(&nd->queues[0]);
            if (taken > 0 && used + h->size > nd->batch_max)
                break; /* strict order: the next job waits for the next batch */
        } else if ((double)taken >= nd->batch_max) {
            break;
        }
        tb_job *j = dequeue(m, nd);
        if (nd->policy && !tb_policy_dequeue(m, nd, j)) {
            dequeue_drop(m, nd, j);
            continue;
        }
        used += j->size;
        taken++;
        j->service = svc;
        j->batch = nd->batch_no;
        start_service(m, nd, j);
    }
    for (int c = 0; c < m->nclasses; c++) {
        tb_confirm *q = &nd->confirm[c];
        while (q->n > 0 && q->target[q->head] <= nd->batch_no) {
            if (m->measuring) {
                lat_add(&m->classes[c].confirm, e->now - q->created[q->head]);
                fee_lat_add(&m->classes[c], q->fee[q->head], e->now - q->created[q->head]);
            }
            q->head = (q->head + 1) % q->cap;
            q->n--;
        }
    }
    node_levels(m, nd, e->now);
    sim_after(e, sim_ticks(sim_dist_sample(nd->batch_interval, &nd->batch_rng), m->tps), ev_batch, nd, 0);
}

/* ---- arrivals and departures ------------------------------------------ */

/* j arrives at node k.  Returns where it goes on to at once (a router's
 * choice, for send() to take it there), or TB_STAYS. */
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
            release_credit(m, j);
        if (nd->kind == TB_NODE_ROUTER)
            return route_of(m, j);
        job_leave(m, j, LEAVE_EXIT);
        return TB_STAYS;
    }
    enum tb_admit a = nd->policy ? tb_policy_admit(m, nd, j) : TB_ADMIT;
    if (a == TB_REJECT) {
        if (m->measuring)
            nd->rejects++;
        job_leave(m, j, LEAVE_REJECT);
        return TB_STAYS;
    }
    if (a == TB_DROP) { /* an AQM's early drop: lost like an overflow */
        nd->w_drops++;
        if (m->measuring)
            nd->drops++;
        job_leave(m, j, LEAVE_DROP);
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
    nd->pclass[j->cls]++;
    j->started_once = 0;
    if (nd->kind == TB_NODE_BATCH) {
        j->service = 0; /* set per batch */
        j->rank = nd->policy ? tb_policy_rank(m, nd, j) : 0;
        j->qseq = ++nd->seq;
        enqueue(m, nd, j);
        node_levels(m, nd, e->now);
        return TB_STAYS;
    }
    tb_svc *s = &nd->svc[j->cls];
    j->service = sim_ticks(sim_dist_sample(s->dist, &s->rng), m->tps);
    if (nd->ps) {
        ps_arrive(m, nd, j);
    } else {
        j->rank = nd->policy ? tb_policy_rank(m, nd, j) : 0;
        j->qseq = ++nd->seq;
        if (nd->gated) { /* join the queue; start whatever backpressure allows */
            enqueue(m, nd, j);
            start_waiting(m, nd);
        } else if (nd->kind == TB_NODE_DELAY || nd->busy < nd->workers) {
            start_service(m, nd, j);
        } else if (!(nd->preemptive && try_preempt(m, nd, j))) {
            enqueue(m, nd, j);
        }
    }
    node_levels(m, nd, e->now);
    return TB_STAYS;
}

/* Statistics, the completion hook and onward routing of a job done at nd. */
static void finish(tb_model *m, tb_node *nd, tb_job *j)
{
    sim_time soj = m->eng->now - j->arrived;
    nd->pclass[j->cls]--;
    if (nd->kind == TB_NODE_BATCH && m->classes[j->cls].confirmations > 0)
        confirm_push(&nd->confirm[j->cls], j->created, j->priority,
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
    if (nd->policy)
        tb_policy_done(m, nd, j);
}

/* After service: on to the next node, or out. */
static void move_on(tb_model *m, tb_job *j)
{
    int to = route_of(m, j);
    j->routed = 0;
    send(m, j, j->node, to);
}

static void ev_depart(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_node *nd = &m->nodes[j->node];
    nd->busy--;
    nd->sum_end -= (double)j->end;
    if (nd->preemptive)
        serving_remove(nd, j);
    finish(m, nd, j);
    start_waiting(m, nd);
    node_levels(m, nd, e->now);
    move_on(m, j);
}

static void ev_ps_done(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->ps_ev.ev = NULL;
    ps_advance(m, nd);
    tb_job *j = q_pop(&nd->queues[0]);
    if (nd->ps_v < j->rank)
        nd->ps_v = j->rank; /* rounding to whole ticks lands at or just past the tag */
    nd->work_queued -= j->rank;
    nd->qclass[j->cls]--;
    ps_counts(nd, nd->queued + nd->busy - 1);
    finish(m, nd, j);
    ps_schedule(m, nd);
    node_levels(m, nd, e->now);
    move_on(m, j);
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

static tb_job *new_job(tb_model *m, tb_class *c, sim_time created, int first)
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

static void ev_timeout(sim_engine *e, void *obj, uint64_t arg);

/* Send the request's next attempt, with the client's timer running.  A
 * retry is the same request: it keeps the first attempt's size, priority
 * and deadline. */
static void start_attempt(tb_model *m, tb_class *c, tb_req *r)
{
    tb_job *j = new_job(m, c, r->created, r->attempts == 1);
    if (!j)
        return;
    if (r->attempts == 1) {
        r->size = j->size;
        r->priority = j->priority;
        r->deadline = j->deadline;
    } else {
        j->size = r->size;
        j->priority = r->priority;
        j->deadline = r->deadline;
    }
    j->req = r;
    j->attempt = r->attempts;
    r->job = j;
    r->timer.ev = NULL;
    if (c->client->timeout)
        r->timer = sim_after(m->eng, sim_ticks(sim_dist_sample(c->client->timeout, &c->timeout_rng), m->tps),
                             ev_timeout, r, 0);
    send(m, j, -1, c->route ? c->route[0] : c->entry);
}

static void ev_retry(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_req *r = obj;
    r->attempts++;
    start_attempt(m, &m->classes[r->cls], r);
}

/* The attempt in flight ended without success (`last`: timed out, i.e.
 * failed, rejected or dropped): retry while attempts remain and the budget
 * allows; else the request ends with that outcome, or as failed when the
 * budget refused a retry. */
static void retry_or_fail(tb_model *m, tb_class *c, tb_req *r, enum tb_outcome last)
{
    tb_client *cl = c->client;
    if (r->attempts <= cl->retries) {
        if (budget_allows(cl)) {
            if (m->measuring)
                c->retries++;
            /* capped exponential backoff with full jitter (gRPC's form) */
            double ceiling = fmin(cl->cap, cl->base * pow(cl->multiplier, r->attempts - 1));
            sim_after(m->eng, sim_ticks(ceiling * sim_rng_u01(&c->backoff_rng), m->tps), ev_retry, r, 0);
            return;
        }
        last = TB_OUT_FAILED; /* refused by the retry budget */
    }
    request_end(m, c, r->created, r->counted, last, 0);
    req_put(m, r);
}

static void ev_timeout(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_req *r = obj;
    tb_class *c = &m->classes[r->cls];
    r->timer.ev = NULL;
    if (m->measuring)
        c->timeouts++;
    if (r->job) { /* it goes on consuming servers' time: wasted work */
        r->job->abandoned = 1;
        r->job->abandoned_at = e->now;
        r->job->req = NULL;
        r->job = NULL;
    }
    budget_result(c->client, 0);
    retry_or_fail(m, c, r, TB_OUT_FAILED);
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
        start_attempt(m, c, r);
        return;
    }
    tb_job *j = new_job(m, c, e->now, 1);
    if (j) {
        c->arrivals += (uint64_t)j->counted;
        send(m, j, -1, c->route ? c->route[0] : c->entry);
    }
}

/* ---- policies' timers and actions --------------------------------------- */

static void ev_tick(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_policy *p = obj;
    for (int k = 0; k < m->nnodes && !m->failed; k++)
        if (m->nodes[k].policy == p)
            tb_policy_tick(m, p, &m->nodes[k]);
    if (e->now + p->tick <= m->duration)
        sim_after(e, p->tick, ev_tick, p, 0);
}

/* ---- warm-up and time series ------------------------------------------ */

static void start_measuring(tb_model *m)
{
    sim_time now = m->eng->now;
    m->measuring = 1;
    m->measure_start = now;
    m->completed = 0;
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        c->arrivals = c->completions = c->departed = c->in_flight = 0;
        memset(c->out, 0, sizeof c->out);
        c->attempts = c->att_in_flight = c->timeouts = c->retries = 0;
        memset(c->att_out, 0, sizeof c->att_out);
        c->wasted = 0;
        lat_reset(&c->confirm);
        for (int g = 0; g < 2; g++) {
            c->sg_n[g] = c->sg_good[g] = 0;
            lat_reset(&c->sg_ok[g]);
            sim_hist_reset(&c->sg_cens[g]);
        }
        c->nfee_lat = 0;
        lat_reset(&c->wait);
        lat_reset(&c->sojourn);
        sim_hist_reset(&c->cens);
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->arrivals = nd->completions = nd->drops = nd->rejects = nd->waited_jobs = 0;
        lat_reset(&nd->wait);
        lat_reset(&nd->sojourn);
        sim_tavg_reset(&nd->q, now);
        sim_tavg_reset(&nd->b, now);
        sim_tavg_reset(&nd->wk, now);
        sim_tavg_reset(&nd->blk, now);
        /* the node's normal state, for "hot": its mean sojourn over the
         * second half of the warm-up, when that saw enough completions */
        nd->baseline = !m->hot_unloaded && nd->bl_n >= TB_BASELINE_MIN ? nd->bl_sum / (double)nd->bl_n : 0;
    }
    m->baseline_open = 0;
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        ln->carried = 0;
        ln->busy = 0;
        sim_tavg_reset(&ln->stalled, now);
        lat_reset(&ln->transit);
    }
}

static void ev_warmup(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)arg;
    start_measuring(obj);
}

static void ev_baseline(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)arg;
    tb_model *m = obj;
    m->baseline_open = 1;
}

double tb_node_hot_threshold(const tb_model *m, const tb_node *nd)
{
    return m->hot_factor * (nd->baseline > nd->unloaded ? nd->baseline : nd->unloaded);
}

/* Hot: the node's smoothed sojourn, or the age of its oldest waiting job
 * (a stalled node completes nothing), exceeds hot_factor x its normal
 * sojourn (the baseline measured in the warm-up; its unloaded service time
 * when there was none, or when that is larger).  In a ranked queue the oldest job is not the head (a fee
 * queue serves new high fees at once while low fees starve, so the smoothed
 * sojourn of what completes stays low): the heap is scanned.  This runs
 * once per window, so the scan costs little. */
static int node_hot(const tb_model *m, const tb_node *nd)
{
    if (nd->unloaded <= 0)
        return 0;
    double age = 0;
    for (int q = 0; q < nd->nqueues; q++) {
        const tb_queue *qu = &nd->queues[q];
        const tb_job *h = q_peek(qu);
        for (size_t i = 1; qu->ranked && i < qu->n; i++)
            if (qu->heap[i]->queued_at < h->queued_at)
                h = qu->heap[i];
        if (h && (double)(m->eng->now - h->queued_at) > age)
            age = (double)(m->eng->now - h->queued_at);
    }
    return (nd->ewma > age ? nd->ewma : age) > tb_node_hot_threshold(m, nd);
}

/* The window [ts_last, now): hot nodes, spread and goodput, and one
 * time-series row per node. */
static void write_window(tb_model *m)
{
    sim_time now = m->eng->now;
    double len = (double)(now - m->ts_last);
    if (len <= 0)
        return;
    int hot = 0, eligible = 0;
    uint64_t good = 0;
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->hot = node_hot(m, nd);
        hot += nd->hot;
        eligible += nd->unloaded > 0;
    }
    for (int i = 0; i < m->nclasses; i++) {
        good += m->classes[i].w_good;
        m->classes[i].w_good = 0;
    }
    if (m->nwin == m->win_cap) {
        size_t ncap = m->win_cap ? 2 * m->win_cap : 256;
        sim_time *nt = realloc(m->win_t, ncap * sizeof *nt);
        double *ns = nt ? realloc(m->win_spread, ncap * sizeof *ns) : NULL;
        double *ng = ns ? realloc(m->win_goodput, ncap * sizeof *ng) : NULL;
        if (nt)
            m->win_t = nt;
        if (ns)
            m->win_spread = ns;
        if (ng) {
            m->win_goodput = ng;
            m->win_cap = ncap;
        }
    }
    if (m->nwin < m->win_cap) {
        m->win_t[m->nwin] = now;
        m->win_spread[m->nwin] = eligible ? (double)hot / eligible : 0;
        m->win_goodput[m->nwin] = (double)good / (len / m->tps);
        m->nwin++;
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        double iq = sim_tavg_integral(&nd->q, now), ib = sim_tavg_integral(&nd->b, now);
        double q = (iq - nd->w_q) / len, b = (ib - nd->w_b) / len;
        if (m->ts)
            fprintf(m->ts, "%.9g,%s,%.9g,%.9g,%.9g,%llu,%llu,%llu,%d\n", sim_seconds(now, m->tps),
                    nd->name, q, q + b, b, (unsigned long long)nd->w_arrivals,
                    (unsigned long long)nd->w_completions, (unsigned long long)nd->w_drops, nd->hot);
        nd->w_q = iq;
        nd->w_b = ib;
        nd->w_arrivals = nd->w_completions = nd->w_drops = 0;
    }
    m->ts_last = now;
}

/* The mean number of jobs in the network over each of TB_MSER_POINTS equal
 * spans of the run: the series MSER-5 truncates (finer than the time
 * series' windows, so that it always has enough batches). */
static void ev_mser(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = obj;
    double now = sim_tavg_integral(&m->sys, e->now);
    if (m->nmser < TB_MSER_POINTS)
        m->mser[m->nmser++] = (now - m->mser_last) / (double)m->mser_dt;
    m->mser_last = now;
    if (e->now + m->mser_dt <= m->duration)
        sim_after(e, m->mser_dt, ev_mser, m, 0);
}

static void ev_window(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = obj;
    write_window(m);
    if (e->now + m->window <= m->duration)
        sim_after(e, m->window, ev_window, m, 0);
}

int tb_model_recovery(const tb_model *m, double *blast, double *mean_spread, double *recovery,
                      double *horizon)
{
    *blast = *mean_spread = 0;
    *recovery = -1;
    *horizon = 0;
    size_t n = 0;
    double pre = 0;
    size_t npre = 0;
    for (size_t i = 0; i < m->nwin; i++) {
        if (m->win_t[i] <= m->warmup)
            continue;
        if (m->win_spread[i] > *blast)
            *blast = m->win_spread[i];
        *mean_spread += m->win_spread[i];
        n++;
        if (m->has_surge && m->win_t[i] <= m->surge_start) {
            pre += m->win_goodput[i];
            npre++;
        }
    }
    if (n)
        *mean_spread /= (double)n;
    if (!m->has_surge)
        return 0;
    if (npre == 0)
        return 1; /* no measured windows before the surge: nothing to recover to */
    pre /= (double)npre;
    /*
     * The first window end after the surge from which, for `sustain`,
     * nothing is hot and goodput is back to its pre-surge mean: at least
     * 95% of it, or within Poisson noise of it (3 standard deviations of the
     * count expected over the period), whichever is the looser, so that a
     * network that never left its normal state is never judged unrecovered
     * for the noise of a low rate.  Averaged over the period: single
     * windows are noisy.
     */
    for (size_t i = 0; i < m->nwin; i++) {
        if (m->win_t[i] < m->surge_end)
            continue;
        if (m->win_t[m->nwin - 1] < m->win_t[i] + m->sustain)
            break; /* not enough run left to tell */
        *horizon = sim_seconds(m->win_t[i] - m->window - m->surge_end, m->tps);
        int ok = 1;
        double good = 0;
        size_t j, k = 0;
        for (j = i; j < m->nwin && m->win_t[j] <= m->win_t[i] + m->sustain; j++, k++) {
            ok &= m->win_spread[j] == 0;
            good += m->win_goodput[j];
        }
        double span = (double)k * sim_seconds(m->window, m->tps), expect = pre * span;
        double allowance = fmax(0.05 * expect, 3 * sqrt(expect));
        if (ok && good / (double)k * span >= expect - allowance) {
            *recovery = fmax(0, sim_seconds(m->win_t[i] - m->window - m->surge_end, m->tps));
            return 1;
        }
    }
    if (*horizon < 0)
        *horizon = 0;
    return 1;
}

/* In flight at the end: a request still open (its latency is censored at
 * the end of the run), an attempt still in the network. */
static void in_flight(tb_model *m, tb_class *c, sim_time created)
{
    c->in_flight++;
    sim_time lat = m->eng->now - created;
    sim_hist_add(&c->cens, lat);
    if (m->has_surge && created < m->surge_end) {
        int g = created >= m->surge_start;
        c->sg_n[g]++;
        sim_hist_add(&c->sg_cens[g], lat);
    }
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
            in_flight(m, &m->classes[r->cls], r->created);
    for (tb_job *j = m->live_jobs; j; j = j->lnext) {
        tb_class *c = &m->classes[j->cls];
        njobs++;
        c->att_in_flight += (uint64_t)j->counted;
        if (!c->client && j->counted)
            in_flight(m, c, j->created);
    }
    for (int k = 0; k < m->nnodes; k++)
        held += m->nodes[k].queued + m->nodes[k].busy;
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
        sim_at(e, m->warmup, ev_warmup, m, 0);
        if (m->warmup / 2 > 0)
            sim_at(e, m->warmup / 2, ev_baseline, m, 0);
    } else {
        start_measuring(m);
    }
    if (m->ts)
        fprintf(m->ts, "time_s,node,queue_length,in_node,busy,arrivals,completions,drops,hot\n");
    if (m->window > 0 && m->window <= m->duration)
        sim_at(e, m->window, ev_window, m, 0);
    m->mser_dt = m->duration / TB_MSER_POINTS > 0 ? m->duration / TB_MSER_POINTS : 1;
    free(m->mser);
    m->nmser = 0;
    m->mser_last = 0;
    if ((m->mser = malloc(TB_MSER_POINTS * sizeof *m->mser)) != NULL)
        sim_at(e, m->mser_dt, ev_mser, m, 0);
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        sim_time first = tb_arrival_next(&c->arr, 0, m->tps, &c->arr_rng, &c->phase_rng, NULL);
        if (first != SIM_TIME_MAX)
            sim_at(e, first, ev_arrival, c, 0);
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        node_levels(m, nd, 0);
        if (nd->kind == TB_NODE_BATCH)
            sim_at(e, sim_ticks(sim_dist_sample(nd->batch_interval, &nd->batch_rng), m->tps), ev_batch,
                   nd, 0);
    }
    for (int i = 0; i < m->npolicies; i++)
        if (m->policies[i].tick > 0 && m->policies[i].tick <= m->duration)
            sim_at(e, m->policies[i].tick, ev_tick, &m->policies[i], 0);
    enum sim_run_end end = sim_run(e, m->duration);
    for (int k = 0; k < m->nnodes; k++)
        node_levels(m, &m->nodes[k], e->now);
    write_window(m);
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
