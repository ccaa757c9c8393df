/* tb_model.c - the network's event handlers: arrivals, service, routing, links, warm-up, windows. */
#include <stdlib.h>
#include <string.h>
#include "tb_model.h"

#define JOB_CHUNK 1024

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
    for (int i = 0; i < nclasses; i++)
        m->classes[i].entry = TB_EXIT;
    m->tps = 1e9;
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
        sim_dist_free(c->interarrival);
        sim_dist_free(c->size);
        free(c->route);
        sim_hist_free(&c->wait.h);
        sim_hist_free(&c->sojourn.h);
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
        sim_hist_free(&nd->wait.h);
        sim_hist_free(&nd->sojourn.h);
    }
    for (int i = 0; i < m->nlinks; i++) {
        sim_dist_free(m->links[i].delay);
        sim_hist_free(&m->links[i].transit.h);
    }
    free(m->classes);
    free(m->nodes);
    free(m->links);
    for (size_t i = 0; i < m->njob_chunks; i++)
        free(m->job_chunks[i]);
    free(m->job_chunks);
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
        snprintf(name, sizeof name, "arrivals/%s", c->name);
        sim_rng_init(&c->arr_rng, m->seed, m->replication, name);
        snprintf(name, sizeof name, "size/%s", c->name);
        sim_rng_init(&c->size_rng, m->seed, m->replication, name);
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        snprintf(name, sizeof name, "route/%s", nd->name);
        sim_rng_init(&nd->route_rng, m->seed, m->replication, name);
        for (int i = 0; i < m->nclasses; i++) {
            snprintf(name, sizeof name, "service/%s/%s", nd->name, m->classes[i].name);
            sim_rng_init(&nd->svc[i].rng, m->seed, m->replication, name);
        }
        nd->nout = 0;
        free(nd->out);
        nd->out = NULL;
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        snprintf(name, sizeof name, "link/%s->%s", m->nodes[ln->from].name, m->nodes[ln->to].name);
        sim_rng_init(&ln->rng, m->seed, m->replication, name);
        tb_node *nd = &m->nodes[ln->from];
        tb_link **o = realloc(nd->out, (size_t)(nd->nout + 1) * sizeof *o);
        if (!o)
            return -1;
        o[nd->nout++] = ln;
        nd->out = o;
    }
    sim_engine_free(m->eng);
    m->eng = sim_engine_new(evq, m->tps);
    if (!m->eng)
        return -1;
    m->eng->user = m;
    return 0;
}

static tb_job *job_get(tb_model *m)
{
    if (!m->free_jobs) {
        if (m->njob_chunks == m->job_chunks_cap) {
            size_t ncap = m->job_chunks_cap ? 2 * m->job_chunks_cap : 16;
            void **nc = realloc(m->job_chunks, ncap * sizeof *nc);
            if (!nc)
                return NULL;
            m->job_chunks = nc;
            m->job_chunks_cap = ncap;
        }
        tb_job *c = malloc(JOB_CHUNK * sizeof *c);
        if (!c)
            return NULL;
        m->job_chunks[m->njob_chunks++] = c;
        for (size_t i = 0; i < JOB_CHUNK; i++) {
            c[i].next = m->free_jobs;
            m->free_jobs = &c[i];
        }
    }
    tb_job *j = m->free_jobs;
    m->free_jobs = j->next;
    j->next = NULL;
    return j;
}

static void job_put(tb_model *m, tb_job *j)
{
    j->next = m->free_jobs;
    m->free_jobs = j;
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

static inline void node_levels(tb_node *nd, sim_time now)
{
    sim_tavg_set(&nd->q, now, (double)nd->queued);
    sim_tavg_set(&nd->b, now, (double)nd->busy);
}

static void trace(tb_model *m, const char *what, const tb_job *j, int node)
{
    fprintf(m->trace, "%.9f,%s,%s,%llu,%s\n", sim_seconds(m->eng->now, m->tps), what,
            m->classes[j->cls].name, (unsigned long long)j->id,
            node >= 0 ? m->nodes[node].name : "");
}

/* ---- job flow --------------------------------------------------------- */

static void node_arrive(tb_model *m, tb_job *j, int k);

static void job_leave(tb_model *m, tb_job *j, int dropped)
{
    tb_class *c = &m->classes[j->cls];
    if (m->trace)
        trace(m, dropped ? "drop" : "exit", j, j->node);
    if (m->measuring) {
        if (dropped) {
            c->drops++;
        } else {
            c->completions++;
            lat_add(&c->sojourn, m->eng->now - j->created);
            lat_add(&c->wait, j->waited);
            if (m->max_completions && ++m->completed >= m->max_completions)
                m->eng->stop = 1;
        }
    }
    m->in_system--;
    job_put(m, j);
}

static void ev_link_arrive(sim_engine *e, void *obj, uint64_t arg)
{
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_link *ln = &m->links[arg];
    if (m->measuring)
        lat_add(&ln->transit, e->now - j->arrived);
    node_arrive(m, j, ln->to);
}

/* Move j from node `from` (-1 for the outside) to node `to` or out. */
static void send(tb_model *m, tb_job *j, int from, int to)
{
    if (to == TB_EXIT) {
        job_leave(m, j, 0);
        return;
    }
    if (from >= 0) {
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
            sim_at(e, ln->free_at + delay, ev_link_arrive, j, (uint64_t)(ln - m->links));
            return;
        }
    }
    node_arrive(m, j, to);
}

static int next_hop(tb_model *m, tb_job *j)
{
    tb_class *c = &m->classes[j->cls];
    if (c->route)
        return ++j->hop < c->nroute ? c->route[j->hop] : TB_EXIT;
    tb_node *nd = &m->nodes[j->node];
    if (nd->nnext == 0)
        return TB_EXIT;
    double u = sim_rng_u01(&nd->route_rng);
    int i = 0;
    while (i + 1 < nd->nnext && u >= nd->cum[i])
        i++;
    return nd->next[i];
}

static void ev_depart(sim_engine *e, void *obj, uint64_t arg);

static void start_service(tb_model *m, tb_node *nd, tb_job *j)
{
    sim_engine *e = m->eng;
    sim_time w = e->now - j->arrived;
    j->waited += w;
    j->started = e->now;
    nd->busy++;
    if (m->measuring) {
        lat_add(&nd->wait, w);
        nd->waited_jobs += w > 0;
    }
    if (m->trace)
        trace(m, "start", j, j->node);
    tb_svc *s = &nd->svc[j->cls];
    sim_at(e, e->now + sim_ticks(sim_dist_sample(s->dist, &s->rng), m->tps), ev_depart, j, 0);
}

static void node_arrive(tb_model *m, tb_job *j, int k)
{
    tb_node *nd = &m->nodes[k];
    sim_engine *e = m->eng;
    j->node = k;
    j->arrived = e->now;
    nd->w_arrivals++;
    if (m->measuring)
        nd->arrivals++;
    if (m->trace)
        trace(m, "arrive", j, k);
    if (nd->kind == TB_NODE_SINK) {
        nd->w_completions++;
        if (m->measuring)
            nd->completions++;
        job_leave(m, j, 0);
        return;
    }
    if (nd->capacity >= 0 && nd->queued + nd->busy >= nd->capacity) {
        nd->w_drops++;
        if (m->measuring)
            nd->drops++;
        job_leave(m, j, 1);
        return;
    }
    if (nd->kind == TB_NODE_DELAY || nd->busy < nd->workers) {
        start_service(m, nd, j);
    } else {
        if (nd->tail)
            nd->tail->next = j;
        else
            nd->head = j;
        nd->tail = j;
        j->next = NULL;
        nd->queued++;
    }
    node_levels(nd, e->now);
}

static void ev_depart(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_job *j = obj;
    tb_node *nd = &m->nodes[j->node];
    nd->busy--;
    nd->w_completions++;
    if (m->measuring) {
        nd->completions++;
        lat_add(&nd->sojourn, e->now - j->arrived);
    }
    if (m->trace)
        trace(m, "done", j, j->node);
    if (nd->head) {
        tb_job *h = nd->head;
        nd->head = h->next;
        if (!nd->head)
            nd->tail = NULL;
        nd->queued--;
        start_service(m, nd, h);
    }
    node_levels(nd, e->now);
    int from = j->node;
    send(m, j, from, next_hop(m, j));
}

static void ev_arrival(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_class *c = obj;
    tb_job *j = job_get(m);
    if (!j) {
        m->nomem = 1;
        e->stop = 1;
        return;
    }
    j->id = ++c->generated;
    j->cls = (int)(c - m->classes);
    j->hop = 0;
    j->created = e->now;
    j->waited = 0;
    j->node = TB_EXIT;
    j->size = sim_dist_sample(c->size, &c->size_rng);
    if (m->measuring)
        c->arrivals++;
    m->in_system++;
    sim_after(e, sim_ticks(sim_dist_sample(c->interarrival, &c->arr_rng), m->tps), ev_arrival, c, 0);
    send(m, j, -1, c->route ? c->route[0] : c->entry);
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
        c->arrivals = c->completions = c->drops = 0;
        lat_reset(&c->wait);
        lat_reset(&c->sojourn);
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->arrivals = nd->completions = nd->drops = nd->waited_jobs = 0;
        lat_reset(&nd->wait);
        lat_reset(&nd->sojourn);
        sim_tavg_reset(&nd->q, now);
        sim_tavg_reset(&nd->b, now);
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        ln->carried = 0;
        ln->busy = 0;
        lat_reset(&ln->transit);
    }
}

static void ev_warmup(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)arg;
    start_measuring(obj);
}

/* One row per node for the window [ts_last, now). */
static void write_window(tb_model *m)
{
    sim_time now = m->eng->now;
    double len = (double)(now - m->ts_last);
    if (len <= 0)
        return;
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        double iq = sim_tavg_integral(&nd->q, now), ib = sim_tavg_integral(&nd->b, now);
        double q = (iq - nd->w_q) / len, b = (ib - nd->w_b) / len;
        fprintf(m->ts, "%.9g,%s,%.9g,%.9g,%.9g,%llu,%llu,%llu\n", sim_seconds(now, m->tps),
                nd->name, q, q + b, b, (unsigned long long)nd->w_arrivals,
                (unsigned long long)nd->w_completions, (unsigned long long)nd->w_drops);
        nd->w_q = iq;
        nd->w_b = ib;
        nd->w_arrivals = nd->w_completions = nd->w_drops = 0;
    }
    m->ts_last = now;
}

static void ev_window(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = obj;
    write_window(m);
    if (e->now + m->window <= m->duration)
        sim_after(e, m->window, ev_window, m, 0);
}

tb_run_status tb_model_run(tb_model *m, volatile int *interrupt)
{
    sim_engine *e = m->eng;
    e->interrupt = interrupt;
    if (m->warmup > 0)
        sim_at(e, m->warmup, ev_warmup, m, 0);
    else
        start_measuring(m);
    if (m->ts) {
        fprintf(m->ts, "time_s,node,queue_length,in_node,busy,arrivals,completions,drops\n");
        if (m->window > 0 && m->window <= m->duration)
            sim_at(e, m->window, ev_window, m, 0);
    }
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        sim_at(e, sim_ticks(sim_dist_sample(c->interarrival, &c->arr_rng), m->tps), ev_arrival, c,
               0);
    }
    enum sim_run_end end = sim_run(e, m->duration);
    for (int k = 0; k < m->nnodes; k++)
        node_levels(&m->nodes[k], e->now);
    if (m->ts)
        write_window(m);
    if (m->nomem || end == SIM_END_NOMEM)
        return TB_RUN_NOMEM;
    if (end == SIM_END_INTERRUPT)
        return TB_RUN_INTERRUPTED;
    return TB_RUN_OK;
}

double tb_model_measured_seconds(const tb_model *m)
{
    if (!m->measuring)
        return 0;
    return sim_seconds(m->eng->now - m->measure_start, m->tps);
}
