/* tb_setup.c - a model's life: allocating it, freeing it, and preparing it to run (queues, streams, policies, first events). */
#include "tb_group.h"
#include "tb_model_int.h"

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
        m->nodes[i].ts_row = 1;
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
        sim_dist_free(c->patience);
        free(c->route);
        free(c->route_span);
        sim_hist_free(&c->wait.h);
        sim_hist_free(&c->sojourn.h);
        sim_hist_free(&c->confirm.h);
        sim_hist_free(&c->cens);
        sim_hist_free(&c->slowdown_h);
        for (int g = 0; g < 2; g++) {
            sim_hist_free(&c->sg_ok[g].h);
            sim_hist_free(&c->sg_cens[g]);
        }
        free(c->fee_lat);
        if (c->client)
            sim_dist_free(c->client->timeout);
        free(c->client);
    }
    free(m->ts_prev);
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
        free(nd->balk);
        if (nd->fork) {
            free(nd->fork->to);
            sim_dist_free(nd->fork->hedge);
            sim_hist_free(&nd->fork->join.h);
            sim_hist_free(&nd->fork->task.h);
            sim_hist_free(&nd->fork->seen);
            free(nd->fork);
        }
        free(nd->speed);
        free(nd->speed_steps);
        free(nd->worker_steps);
        free(nd->fail.at);
        sim_dist_free(nd->fail.up);
        sim_dist_free(nd->fail.down_dist);
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
        sim_dist_free(m->links[i].fail.up);
        sim_dist_free(m->links[i].fail.down_dist);
        free(m->links[i].fail.at);
        sim_hist_free(&m->links[i].transit.h);
    }
    for (int i = 0; i < m->ndeciders; i++)
        if (m->deciders[i]->ops.free)
            m->deciders[i]->ops.free(m->deciders[i]);
    free(m->deciders);
    free(m->node_by_name);
    free(m->class_by_name);
    tb_groups_free(m->groups, m->ngroups);
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

/* Sorting index arrays by name: qsort has no context argument, so the
 * names being sorted are passed through this (the loader is single-threaded). */
static const char *const *sort_names;
static size_t sort_stride;

static const char *name_at(int i)
{
    return *(const char *const *)((const char *)sort_names + (size_t)i * sort_stride);
}

static int by_name(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b, c = strcmp(name_at(x), name_at(y));
    return c ? c : (x > y) - (x < y); /* equal names: document order */
}

/* A sorted index over n names (each at names + i * stride), and the first
 * document index whose name an earlier one has (-1: none); NULL out of memory. */
static int *name_index(const char *const *names, size_t stride, int n, int *dup)
{
    int *ix = malloc((size_t)(n ? n : 1) * sizeof *ix);
    *dup = -1;
    if (!ix)
        return NULL;
    for (int i = 0; i < n; i++)
        ix[i] = i;
    sort_names = names;
    sort_stride = stride;
    qsort(ix, (size_t)n, sizeof *ix, by_name);
    for (int i = 1; i < n; i++)
        if (strcmp(name_at(ix[i - 1]), name_at(ix[i])) == 0 && (*dup < 0 || ix[i] < *dup))
            *dup = ix[i];
    return ix;
}

int tb_model_index_names(tb_model *m, int *dup_node, int *dup_class)
{
    free(m->node_by_name);
    free(m->class_by_name);
    m->node_by_name = name_index((const char *const *)&m->nodes[0].name, sizeof m->nodes[0], m->nnodes, dup_node);
    m->class_by_name =
        name_index((const char *const *)&m->classes[0].name, sizeof m->classes[0], m->nclasses, dup_class);
    return m->node_by_name && m->class_by_name ? 0 : -1;
}

/* Binary search of a sorted name index. */
static int find_name(const int *ix, const char *const *names, size_t stride, int n, const char *name)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *s = *(const char *const *)((const char *)names + (size_t)ix[mid] * stride);
        int c = strcmp(s, name);
        if (c == 0)
            return ix[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int tb_node_index(const tb_model *m, const char *name)
{
    if (m->node_by_name && m->nnodes > 0)
        return find_name(m->node_by_name, (const char *const *)&m->nodes[0].name, sizeof m->nodes[0], m->nnodes,
                         name);
    for (int i = 0; i < m->nnodes; i++)
        if (m->nodes[i].name && strcmp(m->nodes[i].name, name) == 0)
            return i;
    return -1;
}

int tb_class_index(const tb_model *m, const char *name)
{
    if (m->class_by_name && m->nclasses > 0)
        return find_name(m->class_by_name, (const char *const *)&m->classes[0].name, sizeof m->classes[0],
                         m->nclasses, name);
    for (int i = 0; i < m->nclasses; i++)
        if (m->classes[i].name && strcmp(m->classes[i].name, name) == 0)
            return i;
    return -1;
}

double tb_node_unloaded(const tb_model *m, const tb_node *nd)
{
    double sum = 0, wsum = 0;
    for (int i = 0; i < m->nclasses; i++)
        if (nd->svc[i].dist) { /* weighted by the classes' long-run arrival rates */
            double w = m->classes[i].arr.mean_rate > 0 ? m->classes[i].arr.mean_rate : 1;
            sum += w * nd->svc[i].dist->mean;
            wsum += w;
        }
    if (nd->kind == TB_NODE_QUEUE && wsum > 0)
        return sum / wsum * m->tps;
    if (nd->kind == TB_NODE_BATCH)
        return (nd->batch_interval->mean / 2 + (nd->service ? nd->service->mean : 0)) * m->tps;
    return 0;
}

int tb_model_add_decider(tb_model *m, tb_decider *d)
{
    tb_decider **nd = realloc(m->deciders, (size_t)(m->ndeciders + 1) * sizeof *nd);
    if (!nd) {
        if (d->ops.free)
            d->ops.free(d);
        return -1;
    }
    m->deciders = nd;
    m->deciders[m->ndeciders++] = d;
    return 0;
}

/* Each decider's prepare(), then what the model needs of the hooks it has:
 * tick() for a tick period, route() at a node with candidates. */
static int prepare_deciders(tb_model *m)
{
    for (int i = 0; i < m->ndeciders; i++) {
        tb_decider *d = m->deciders[i];
        if (d->ops.prepare && d->ops.prepare(m, d, m->error, sizeof m->error) != 0)
            return -1;
        if (d->tick > 0 && !d->ops.tick) {
            snprintf(m->error, sizeof m->error, "%s: the scenario gives policy \"%s\" a tick period, but the "
                                                "script defines no tick() hook", d->shown, d->name);
            return -1;
        }
    }
    for (int i = 0; i < m->nclasses; i++) {
        const tb_client *cl = m->classes[i].client;
        if (cl && cl->decider && !cl->decider->ops.retry) {
            snprintf(m->error, sizeof m->error, "%s: class \"%s\"'s client uses policy \"%s\", whose script "
                     "defines no retry() hook", cl->decider->shown, m->classes[i].name, cl->decider->name);
            return -1;
        }
    }
    for (int k = 0; k < m->nnodes; k++) {
        const tb_node *nd = &m->nodes[k];
        if (nd->decider && nd->ncand > 0 && !nd->decider->ops.route) {
            snprintf(m->error, sizeof m->error, "%s: node \"%s\" balances over candidates, so its policy "
                                                "needs a route() hook", nd->decider->shown, nd->name);
            return -1;
        }
    }
    return 0;
}

static int nomem(tb_model *m)
{
    snprintf(m->error, sizeof m->error, "out of memory preparing the model");
    return -1;
}

/* Every random stream, named by what it drives (docs/scenario.md): the
 * same name gives the same numbers whatever else the scenario holds. */
static void seed_streams(tb_model *m)
{
    char name[512];
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        static const char *const what[] = { "arrivals", "size", "priority", "deadline", "phase",
                                            "timeout", "backoff", "route-step" };
        sim_rng *rngs[] = { &c->arr_rng, &c->size_rng, &c->prio_rng, &c->dl_rng, &c->phase_rng,
                            &c->timeout_rng, &c->backoff_rng, &c->route_rng };
        for (int k = 0; k < 8; k++) {
            snprintf(name, sizeof name, "%s/%s", what[k], c->name);
            sim_rng_init(rngs[k], m->seed, m->replication, name);
        }
        if (c->client && c->client->throttle_k > 0) {
            snprintf(name, sizeof name, "throttle/%s", c->name);
            sim_rng_init(&c->throttle_rng, m->seed, m->replication, name);
        }
        if (c->patience) {
            snprintf(name, sizeof name, "patience/%s", c->name);
            sim_rng_init(&c->patience_rng, m->seed, m->replication, name);
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
        if (nd->fork) {
            snprintf(name, sizeof name, "fork/%s", nd->name);
            sim_rng_init(&nd->fork->rng, m->seed, m->replication, name);
        }
        if (nd->balk) {
            snprintf(name, sizeof name, "balk/%s", nd->name);
            sim_rng_init(&nd->balk_rng, m->seed, m->replication, name);
        }
        if (nd->fail.up) {
            snprintf(name, sizeof name, "failure/%s", nd->name);
            sim_rng_init(&nd->fail.rng, m->seed, m->replication, name);
        }
        for (int i = 0; i < m->nclasses; i++) {
            snprintf(name, sizeof name, "service/%s/%s", nd->name, m->classes[i].name);
            sim_rng_init(&nd->svc[i].rng, m->seed, m->replication, name);
        }
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        snprintf(name, sizeof name, "link/%s->%s", m->nodes[ln->from].name, m->nodes[ln->to].name);
        sim_rng_init(&ln->rng, m->seed, m->replication, name);
        if (ln->fail.up) {
            snprintf(name, sizeof name, "failure/%s->%s", m->nodes[ln->from].name, m->nodes[ln->to].name);
            sim_rng_init(&ln->fail.rng, m->seed, m->replication, name);
        }
    }
}

/* Each node's links out and in, gating and pause flags, full credit windows.
 * (The arrays are the model's, freed with it on every path: the leaks
 * -fanalyzer reports here and in tb_model_prepare are not.) */
static int index_links(tb_model *m)
{
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->nout = nd->nin = 0;
        free(nd->out);
        free(nd->in);
        nd->out = nd->in = NULL;
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        tb_node *nd = &m->nodes[ln->from], *to = &m->nodes[ln->to];
        tb_link **o = realloc(nd->out, (size_t)(nd->nout + 1) * sizeof *o);
        if (!o)
            return nomem(m);
        o[nd->nout++] = ln;
        nd->out = o;
        o = realloc(to->in, (size_t)(to->nin + 1) * sizeof *o);
        if (!o)
            return nomem(m);
        o[to->nin++] = ln;
        to->in = o;
        nd->gated |= ln->window > 0 || ln->xoff > 0;
        to->pause_in |= ln->xoff > 0;
        free(ln->credits);
        ln->credits = NULL;
        if (ln->window > 0) {
            int n = ln->per_class ? m->nclasses : 1;
            if (!(ln->credits = malloc((size_t)n * sizeof *ln->credits)))
                return nomem(m);
            for (int c = 0; c < n; c++)
                ln->credits[c] = ln->window;
        }
    }
    return 0;
}

/* The span of every class's surges together, for isolation and recovery. */
static void surge_span(tb_model *m)
{
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
}

/* A node's queues as its decider asks (one per class, preemption,
 * processor sharing), and its per-class counters. */
static int prepare_queues(tb_model *m, tb_node *nd)
{
    const tb_decider *p = nd->decider;
    nd->nqueues = (p && p->per_class) || nd->per_class_queues ? m->nclasses : 1;
    nd->preemptive = p && p->preemptive;
    nd->ps = p && p->ps;
    if ((nd->ps || nd->preemptive) && nd->kind != TB_NODE_QUEUE) {
        snprintf(m->error, sizeof m->error,
                 "%s: policy \"%s\" asks for %s, which only a queue node has (node \"%s\")",
                 p->shown, p->name, nd->ps ? "processor sharing" : "preemption", nd->name);
        return -1;
    }
    if (nd->variable && (nd->ps || nd->preemptive)) {
        snprintf(m->error, sizeof m->error,
                 "%s: policy \"%s\" asks for %s, which a node whose speed varies (speed, speed_schedule, "
                 "failures) does not support (node \"%s\")",
                 p->shown, p->name, nd->ps ? "processor sharing" : "preemption", nd->name);
        return -1;
    }
    if (p && p->quantum > 0 && nd->nqueues > 1) {
        snprintf(m->error, sizeof m->error, "%s: options.quantum needs one queue at the node, not one per class "
                 "(node \"%s\")", p->shown, nd->name);
        return -1;
    }
    if (nd->preemptive && !p->ops.rank) {
        snprintf(m->error, sizeof m->error,
                 "%s: options.preemptive needs a rank() hook to compare jobs", p->shown);
        return -1;
    }
    if (nd->kind == TB_NODE_BATCH && nd->batch_by_size && nd->nqueues > 1) { /* per_class_queues, or a policy's */
        snprintf(m->error, sizeof m->error,
                 "%s: per-class queues cannot fill batches by size (node \"%s\"): use "
                 "\"by\": \"count\" or one ranked queue", p ? p->shown : "per_class_queues", nd->name);
        return -1;
    }
    free(nd->queues);
    free(nd->qclass);
    free(nd->pclass);
    nd->queues = calloc((size_t)nd->nqueues, sizeof *nd->queues);
    nd->qclass = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->qclass);
    nd->pclass = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->pclass);
    if (!nd->queues || !nd->qclass || !nd->pclass)
        return nomem(m);
    if (nd->kind == TB_NODE_BATCH && !nd->confirm) {
        nd->confirm = calloc((size_t)(m->nclasses ? m->nclasses : 1), sizeof *nd->confirm);
        if (!nd->confirm)
            return nomem(m);
    }
    for (int q = 0; q < nd->nqueues; q++)
        nd->queues[q].ranked = nd->ps || (p && p->ops.rank);
    return 0;
}

int tb_model_prepare(tb_model *m, const sim_evq_ops *evq)
{
    seed_streams(m);
    if (index_links(m) != 0)
        return -1;
    sim_engine_free(m->eng);
    m->eng = sim_engine_new(evq, m->tps);
    if (!m->eng)
        return nomem(m);
    m->eng->user = m;
    /* events that come due in the order they are scheduled wait in lanes:
     * a constant client timeout (thousands of timers running, most of them
     * cancelled), a link of constant delay (FIFO) */
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        c->timeout_lane = NULL;
        if (c->client && c->client->timeout && c->client->timeout->kind == SIM_DIST_CONSTANT &&
            !(c->timeout_lane = sim_lane_new(m->eng)))
            return nomem(m);
    }
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        ln->lane = NULL;
        if ((!ln->delay || ln->delay->kind == SIM_DIST_CONSTANT) && !(ln->lane = sim_lane_new(m->eng)))
            return nomem(m);
    }
    if (prepare_deciders(m) != 0)
        return -1;
    surge_span(m);
    if (m->sustain <= 0)
        m->sustain = 5 * m->window;
    int patience = 0;
    for (int i = 0; i < m->nclasses; i++)
        patience |= m->classes[i].patience != NULL;
    for (int k = 0; k < m->nnodes; k++) { /* unloaded service, for "hot"; where jobs may renege */
        tb_node *nd = &m->nodes[k];
        nd->unloaded = tb_node_unloaded(m, nd);
        nd->impatient = patience && !nd->ps && (nd->kind == TB_NODE_QUEUE || nd->kind == TB_NODE_BATCH);
    }
    for (int k = 0; k < m->nnodes; k++)
        if (prepare_queues(m, &m->nodes[k]) != 0)
            return -1;
    return 0;
}
