/* tb_policy.c - the `sim` module policies see, and the protected calls into their hooks. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "../sim/sim_sha256.h"
#include "tb_group.h"
#include "tb_io.h"
#include "tb_policy.h"

/* Where each hook is defined, for messages about what it returned. */
enum { H_ADMIT, H_RANK, H_PICK, H_DEQUEUE, H_ROUTE, H_DONE, H_TICK, H_RETRY, H_HEDGE, H_FANOUT, NHOOKS };
static const char *const hook_names[NHOOKS] = { "admit", "rank", "pick", "dequeue", "route",
                                                "on_done", "tick", "retry", "hedge", "fanout" };

static tb_model *model_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static tb_policy *policy_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(2));
}

static double secs(const tb_model *m, double ticks)
{
    return ticks / m->tps;
}

/* ---- argument checks ---------------------------------------------------- */

static tb_node *check_node(lua_State *L, int arg)
{
    tb_model *m = model_of(L);
    lua_Integer k = luaL_checkinteger(L, arg);
    if (k < 1 || k > m->nnodes)
        luaL_argerror(L, arg, lua_pushfstring(L, "node id %I out of range 1..%d", k, m->nnodes));
    return &m->nodes[k - 1];
}

static int check_class(lua_State *L, int arg)
{
    tb_model *m = model_of(L);
    lua_Integer c = luaL_checkinteger(L, arg);
    if (c < 1 || c > m->nclasses)
        luaL_argerror(L, arg, lua_pushfstring(L, "class id %I out of range 1..%d", c, m->nclasses));
    return (int)c - 1;
}

/* A job handle is valid only during the hook it was passed to: after that
 * the job may have left and its memory been reused. */
static const tb_job *check_job(lua_State *L, int arg)
{
    tb_model *m = model_of(L);
    const void *j = lua_touserdata(L, arg);
    if (!lua_islightuserdata(L, arg) || !j || j != m->hook_job)
        luaL_argerror(L, arg, "expected the job passed to the current hook "
                              "(job handles are valid only during that call)");
    return j;
}

/* ---- the sim module: views ---------------------------------------------- */

static int l_now(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, sim_seconds(m->eng->now, m->tps));
    return 1;
}

static int l_node(lua_State *L)
{
    tb_model *m = model_of(L);
    int k = tb_node_index(m, luaL_checkstring(L, 1));
    if (k < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, k + 1);
    return 1;
}

/* sim.group(name): the ids of a group's members, W1 first, in a new
 * table (keep it in a local: it does not change), or nil for a name that
 * is no group. */
static int l_group(lua_State *L)
{
    tb_model *m = model_of(L);
    const tb_group *g = tb_group_find(m->groups, m->ngroups, luaL_checkstring(L, 1));
    if (!g) {
        lua_pushnil(L);
        return 1;
    }
    sim_lua_charge(L, (double)g->count / 8); /* building a long list is work like any other */
    lua_createtable(L, g->count, 0);
    for (int i = 0; i < g->count; i++) {
        lua_pushinteger(L, g->first + i + 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_node_name(lua_State *L)
{
    lua_pushstring(L, check_node(L, 1)->name);
    return 1;
}

static int l_nnodes(lua_State *L)
{
    lua_pushinteger(L, model_of(L)->nnodes);
    return 1;
}

static int l_class_id(lua_State *L)
{
    tb_model *m = model_of(L);
    int c = tb_class_index(m, luaL_checkstring(L, 1));
    if (c < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, c + 1);
    return 1;
}

static int l_class_name(lua_State *L)
{
    lua_pushstring(L, model_of(L)->classes[check_class(L, 1)].name);
    return 1;
}

static int l_nclasses(lua_State *L)
{
    lua_pushinteger(L, model_of(L)->nclasses);
    return 1;
}

static int l_queued(lua_State *L)
{
    tb_node *nd = check_node(L, 1);
    if (lua_isnoneornil(L, 2))
        lua_pushinteger(L, nd->queued);
    else
        lua_pushinteger(L, nd->qclass[check_class(L, 2)]);
    return 1;
}

static int l_busy(lua_State *L)
{
    lua_pushinteger(L, check_node(L, 1)->busy);
    return 1;
}

static int l_workers(lua_State *L)
{
    lua_pushinteger(L, check_node(L, 1)->workers);
    return 1;
}

static int l_provisioning(lua_State *L)
{
    tb_node *nd = check_node(L, 1);
    lua_pushinteger(L, nd->provisioning_n - nd->prov_cancel);
    return 1;
}

/* Integrals since time 0 (job-seconds): difference two calls for the mean
 * over a control period. */
static int l_busy_integral(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, secs(m, sim_tavg_integral(&check_node(L, 1)->b, m->eng->now)));
    return 1;
}

static int l_queue_integral(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, secs(m, sim_tavg_integral(&check_node(L, 1)->q, m->eng->now)));
    return 1;
}

static int l_jobs(lua_State *L)
{
    tb_node *nd = check_node(L, 1);
    lua_pushinteger(L, nd->queued + nd->busy);
    return 1;
}

static int l_capacity(lua_State *L)
{
    tb_node *nd = check_node(L, 1);
    if (nd->capacity < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, nd->capacity);
    return 1;
}

static int l_work(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, secs(m, tb_node_work(m, check_node(L, 1))));
    return 1;
}

static int l_latency(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, secs(m, check_node(L, 1)->ewma));
    return 1;
}

static int l_candidates(lua_State *L)
{
    lua_pushinteger(L, check_node(L, 1)->ncand);
    return 1;
}

static int l_candidate(lua_State *L)
{
    tb_node *nd = check_node(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    luaL_argcheck(L, i >= 1 && i <= nd->ncand, 2, "candidate index out of range");
    lua_pushinteger(L, nd->cand[i - 1] + 1);
    return 1;
}

/* Arguments (node[, class]): the node, and in *q the class queue (on a
 * per-class node) or 0, the node's one queue. */
static tb_node *queue_args(lua_State *L, int *q)
{
    tb_node *nd = check_node(L, 1);
    *q = 0;
    if (!lua_isnoneornil(L, 2)) {
        int c = check_class(L, 2);
        luaL_argcheck(L, nd->nqueues > 1, 2, "the node has one queue (set options.per_class)");
        *q = c;
    }
    return nd;
}

/* The head of a class queue (per-class nodes) or of the node's queue. */
static const tb_job *head(lua_State *L)
{
    int q;
    tb_node *nd = queue_args(L, &q);
    const tb_queue *qu = &nd->queues[q];
    return qu->ranked ? (qu->n ? qu->heap[0] : NULL) : qu->head;
}

static int l_head_size(lua_State *L)
{
    const tb_job *h = head(L);
    if (h)
        lua_pushnumber(L, h->size);
    else
        lua_pushnil(L);
    return 1;
}

/* sim.can_send(node[, class]): whether that queue's head may start now
 * (false when empty, or held by a shut credit window or a pause). */
static int l_can_send(lua_State *L)
{
    int q;
    tb_node *nd = queue_args(L, &q);
    lua_pushboolean(L, tb_node_can_send(model_of(L), nd, q));
    return 1;
}

static int l_head_wait(lua_State *L)
{
    tb_model *m = model_of(L);
    const tb_job *h = head(L);
    if (h)
        lua_pushnumber(L, sim_seconds(m->eng->now - h->queued_at, m->tps));
    else
        lua_pushnil(L);
    return 1;
}

static tb_link *check_link(lua_State *L, int arg)
{
    tb_model *m = model_of(L);
    lua_Integer l = luaL_checkinteger(L, arg);
    if (l < 1 || l > m->nlinks)
        luaL_argerror(L, arg, lua_pushfstring(L, "link id %I out of range 1..%d", l, m->nlinks));
    return &m->links[l - 1];
}

static int l_link(lua_State *L)
{
    tb_model *m = model_of(L);
    tb_node *from = check_node(L, 1), *to = check_node(L, 2);
    for (int l = 0; l < m->nlinks; l++)
        if (m->links[l].from == from - m->nodes && m->links[l].to == to - m->nodes) {
            lua_pushinteger(L, l + 1);
            return 1;
        }
    lua_pushnil(L);
    return 1;
}

static int l_links_in(lua_State *L)
{
    lua_pushinteger(L, check_node(L, 1)->nin);
    return 1;
}

static int l_link_in(lua_State *L)
{
    tb_model *m = model_of(L);
    tb_node *nd = check_node(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    luaL_argcheck(L, i >= 1 && i <= nd->nin, 2, "incoming link index out of range");
    lua_pushinteger(L, (lua_Integer)(nd->in[i - 1] - m->links) + 1);
    return 1;
}

static int l_link_window(lua_State *L)
{
    lua_pushinteger(L, check_link(L, 1)->window);
    return 1;
}

static int l_link_credits(lua_State *L)
{
    tb_link *ln = check_link(L, 1);
    luaL_argcheck(L, ln->window > 0, 1, "the link has no credit window");
    int c = 0;
    if (!lua_isnoneornil(L, 2)) {
        c = check_class(L, 2);
        if (!ln->per_class)
            c = 0;
    }
    lua_pushinteger(L, ln->credits[c]);
    return 1;
}

static int l_link_paused(lua_State *L)
{
    lua_pushboolean(L, check_link(L, 1)->paused);
    return 1;
}

/* Server-driven credits: change a credit link's window now. */
static int l_set_window(lua_State *L)
{
    tb_link *ln = check_link(L, 1);
    lua_Integer w = luaL_checkinteger(L, 2);
    luaL_argcheck(L, ln->window > 0, 1, "the link has no credit window (give it \"credits\")");
    luaL_argcheck(L, w >= 1 && w <= ((lua_Integer)1 << 40), 2, "expected a window >= 1");
    tb_link_set_window(model_of(L), ln, w);
    return 0;
}

/* ---- the sim module: the job in hand ------------------------------------ */

static int l_class(lua_State *L)
{
    lua_pushinteger(L, check_job(L, 1)->cls + 1);
    return 1;
}

/* options.rank: the job's remaining (SRPT) or attained (LAS) service, in C. */
static double builtin_rank(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    (void)nd;
    return (d->rank_by == TB_RANK_REMAINING ? tb_job_remaining(m, j) : tb_job_attained(m, j)) / m->tps; /* seconds, as sim.rank shows */
}

static int l_remaining(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, tb_job_remaining(m, check_job(L, 1)) / m->tps);
    return 1;
}

static int l_attained(lua_State *L)
{
    tb_model *m = model_of(L);
    const tb_job *j = check_job(L, 1);
    double a = tb_job_attained(m, j);
    lua_pushnumber(L, (a > 0 ? a : 0) / m->tps);
    return 1;
}

static int l_size(lua_State *L)
{
    lua_pushnumber(L, check_job(L, 1)->size);
    return 1;
}

static int l_priority(lua_State *L)
{
    lua_pushnumber(L, check_job(L, 1)->priority);
    return 1;
}

static int l_deadline(lua_State *L)
{
    tb_model *m = model_of(L);
    const tb_job *j = check_job(L, 1);
    lua_pushnumber(L, j->deadline == SIM_TIME_MAX ? HUGE_VAL : sim_seconds(j->deadline, m->tps));
    return 1;
}

static int l_created(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, sim_seconds(check_job(L, 1)->created, m->tps));
    return 1;
}

static int l_arrived(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, sim_seconds(check_job(L, 1)->arrived, m->tps));
    return 1;
}

static int l_service(lua_State *L)
{
    tb_model *m = model_of(L);
    lua_pushnumber(L, sim_seconds(check_job(L, 1)->service, m->tps));
    return 1;
}

static int l_rank(lua_State *L)
{
    lua_pushnumber(L, check_job(L, 1)->rank);
    return 1;
}

static int l_attempt(lua_State *L)
{
    lua_pushinteger(L, check_job(L, 1)->attempt);
    return 1;
}

static int l_abandoned(lua_State *L)
{
    lua_pushboolean(L, check_job(L, 1)->abandoned);
    return 1;
}

/* ---- the sim module: actions ---------------------------------------------- */

static void ev_set_workers(sim_engine *e, void *obj, uint64_t arg)
{
    tb_node_set_workers(e->user, obj, (int)arg);
}

/* Applied by an event at the current time, after the hook returns: a hook
 * never re-enters the model (or its own interpreter) through an action. */
static int l_set_workers(lua_State *L)
{
    tb_model *m = model_of(L);
    tb_node *nd = check_node(L, 1);
    lua_Integer k = luaL_checkinteger(L, 2);
    luaL_argcheck(L, k >= 0 && k <= 1000000, 2, "expected a worker count in 0..1000000");
    luaL_argcheck(L, nd->kind == TB_NODE_QUEUE, 1, "only queue nodes have workers");
    sim_at(m->eng, m->eng->now, ev_set_workers, nd, (uint64_t)k);
    return 0;
}

static int l_emit(lua_State *L)
{
    tb_model *m = model_of(L);
    tb_policy *p = policy_of(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    int ok = len >= 1 && len <= 64;
    for (size_t i = 0; ok && i < len; i++) /* a CSV field as it is: no quoting, no new rows */
        ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
             (name[i] >= '0' && name[i] <= '9') || strchr("_.:-", name[i]);
    luaL_argcheck(L, ok, 1, "expected a metric name of 1-64 letters, digits, '_', '.', ':' or '-'");
    luaL_argcheck(L, lua_type(L, 2) == LUA_TNUMBER, 2, "expected a number");
    double v = lua_tonumber(L, 2);
    if (m->metrics)
        fprintf(m->metrics, "%.9g,%s,%s,%s,%.17g\n", sim_seconds(m->eng->now, m->tps), p->d.name,
                m->hook_node ? m->hook_node->name : "", name, v);
    return 0;
}

static int l_random(lua_State *L)
{
    lua_pushnumber(L, sim_rng_u01(&policy_of(L)->rng));
    return 1;
}

/* sim.least(nodes, field): the position in `nodes` (a dispatcher's node
 * id, meaning its candidates in order, or a sequence of node ids) of the
 * node with the least `field`, ties broken uniformly by one draw from the
 * policy's stream after the scan; nil when there is none.  The same
 * comparisons and the same draw as lua/choose.lua's argmin over
 * sim.FIELD(id), so a policy gives the same bytes either way, without a
 * call back into C per candidate. */
enum { LEAST_JOBS, LEAST_QUEUED, LEAST_BUSY, LEAST_WORK, LEAST_LATENCY };

static double least_value(tb_model *m, const tb_node *nd, int field)
{
    switch (field) {
    case LEAST_JOBS:
        return (double)(nd->queued + nd->busy);
    case LEAST_QUEUED:
        return (double)nd->queued;
    case LEAST_BUSY:
        return (double)nd->busy;
    case LEAST_WORK:
        return secs(m, tb_node_work(m, nd));
    default:
        return secs(m, nd->ewma);
    }
}

/* The k-th (1-based) node of the list at argument 1. */
static const tb_node *least_node(lua_State *L, tb_model *m, const tb_node *disp, lua_Integer k)
{
    if (disp)
        return &m->nodes[disp->cand[k - 1]];
    lua_Integer id = (lua_rawgeti(L, 1, k), lua_tointegerx(L, -1, NULL));
    lua_pop(L, 1);
    if (id < 1 || id > m->nnodes)
        luaL_error(L, "sim.least: nodes[%I]: expected a node id in 1..%d", k, m->nnodes);
    return &m->nodes[id - 1];
}

static int l_least(lua_State *L)
{
    static const char *const fields[] = { "jobs", "queued", "busy", "work", "latency", NULL };
    tb_model *m = model_of(L);
    const tb_node *disp = lua_type(L, 1) == LUA_TTABLE ? NULL : check_node(L, 1);
    int field = luaL_checkoption(L, 2, NULL, fields);
    lua_Integer n = disp ? disp->ncand : (lua_Integer)lua_rawlen(L, 1);
    sim_lua_charge(L, (double)n / 8); /* a scan of a long list is work like any other */
    double best = HUGE_VAL;
    lua_Integer ties = 0;
    for (lua_Integer k = 1; k <= n; k++) {
        double v = least_value(m, least_node(L, m, disp, k), field);
        if (v < best)
            best = v, ties = 1;
        else if (v == best)
            ties++;
    }
    if (ties == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_Integer pick = ties > 1 ? (lua_Integer)sim_rng_below(&policy_of(L)->rng, (uint64_t)ties) : 0;
    for (lua_Integer k = 1; k <= n; k++)
        if (least_value(m, least_node(L, m, disp, k), field) == best && pick-- == 0) {
            lua_pushinteger(L, k);
            return 1;
        }
    return luaL_error(L, "sim.least: the list changed during the scan");
}

static int l_readonly(lua_State *L)
{
    return luaL_error(L, "the sim module is read-only");
}

static const luaL_Reg sim_funcs[] = {
    { "now", l_now },           { "node", l_node },         { "node_name", l_node_name },
    { "group", l_group },
    { "nnodes", l_nnodes },     { "class_id", l_class_id }, { "class_name", l_class_name },
    { "nclasses", l_nclasses }, { "queued", l_queued },     { "busy", l_busy },
    { "workers", l_workers },   { "jobs", l_jobs },         { "capacity", l_capacity },
    { "work", l_work },         { "latency", l_latency },   { "candidates", l_candidates },
    { "candidate", l_candidate }, { "head_size", l_head_size }, { "head_wait", l_head_wait },
    { "can_send", l_can_send },
    { "class", l_class },       { "size", l_size },         { "priority", l_priority },
    { "deadline", l_deadline }, { "created", l_created },   { "arrived", l_arrived },
    { "service", l_service },   { "rank", l_rank },         { "attempt", l_attempt },
    { "abandoned", l_abandoned }, { "provisioning", l_provisioning },
    { "busy_integral", l_busy_integral }, { "queue_integral", l_queue_integral },
    { "link", l_link },         { "links_in", l_links_in }, { "link_in", l_link_in },
    { "link_window", l_link_window }, { "link_credits", l_link_credits },
    { "link_paused", l_link_paused }, { "set_window", l_set_window },
    { "set_workers", l_set_workers }, { "emit", l_emit },   { "random", l_random },
    { "least", l_least },       { "remaining", l_remaining }, { "attained", l_attained },
    { NULL, NULL },
};

/* ---- loading -------------------------------------------------------------- */

static void policy_free(tb_decider *d)
{
    tb_policy *p = (tb_policy *)d;
    sim_lua_free(p->lua);
    free(p->d.name);
    free(p->script);
    free(p->d.shown);
    cJSON_Delete(p->params);
    free(p);
}

/* The script's `options` table (read raw: no metamethod runs). */
static int read_options(tb_policy *p, lua_State *L, char *err, size_t n)
{
    int t = sim_lua_global(p->lua, "options");
    if (t < 0) {
        snprintf(err, n, "%s: %s", p->d.shown, sim_lua_error(p->lua));
        lua_pop(L, 1);
        return -1;
    }
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (t != LUA_TTABLE) {
        snprintf(err, n, "%s: 'options' must be a table", p->d.shown);
        lua_pop(L, 1);
        return -1;
    }
    static const char *const known[] = { "per_class", "preemptive", "processor_sharing", "rerank", "quantum",
                                         "rank", NULL };
    int *flags[] = { &p->d.per_class, &p->d.preemptive, &p->d.ps, &p->d.rerank, NULL, NULL };
    lua_pushnil(L);
    while (lua_next(L, -2)) { /* validation only: order does not matter */
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int i;
        for (i = 0; known[i]; i++)
            if (strcmp(k, known[i]) == 0)
                break;
        if (known[i] && !flags[i] && strcmp(k, "rank") == 0) { /* a rank computed in C, no hook call */
            const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            p->d.rank_by = strcmp(v, "remaining") == 0 ? TB_RANK_REMAINING : strcmp(v, "attained") == 0 ? TB_RANK_ATTAINED : 0;
            if (!p->d.rank_by) {
                snprintf(err, n, "%s: options.rank: expected \"remaining\" or \"attained\"", p->d.shown);
                lua_pop(L, 3);
                return -1;
            }
            lua_pop(L, 1);
            continue;
        }
        if (known[i] && !flags[i]) { /* quantum: seconds */
            double q = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
            if (!(q > 0 && q <= 1e9)) {
                snprintf(err, n, "%s: options.quantum: expected seconds > 0", p->d.shown);
                lua_pop(L, 3);
                return -1;
            }
            p->d.quantum = q;
            lua_pop(L, 1);
            continue;
        }
        if (!known[i] || lua_type(L, -1) != LUA_TBOOLEAN) {
            snprintf(err, n, known[i] ? "%s: options.%s: expected true or false"
                                      : "%s: unknown option '%s' (expected per_class, preemptive, "
                                        "processor_sharing, rerank, quantum, rank)", p->d.shown, k);
            lua_pop(L, 3);
            return -1;
        }
        *flags[i] = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if ((p->d.rerank || p->d.quantum > 0) && !p->d.preemptive) {
        snprintf(err, n, "%s: options.%s needs options.preemptive = true", p->d.shown,
                 p->d.rerank ? "rerank" : "quantum");
        return -1;
    }
    return 0;
}

/* The `sim` module (the functions, with (model, policy) upvalues) and `params`, built protected: allocation can fail. */
typedef struct setup_args {
    tb_model *m;
    tb_policy *p;
} setup_args;

static int setup_sim(lua_State *L)
{
    /* a plain table of C functions, so a lookup is one table access; the
     * metatable refuses new fields, and a policy replacing one changes
     * only its own interpreter (every policy instance has its own) */
    setup_args *a = lua_touserdata(L, 1);
    lua_newtable(L);              /* the functions */
    lua_pushlightuserdata(L, a->m);
    lua_pushlightuserdata(L, a->p);
    luaL_setfuncs(L, sim_funcs, 2);
    lua_newtable(L);              /* metatable */
    lua_pushcfunction(L, l_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setglobal(L, "sim");
    if (a->p->params)
        sim_lua_push_json(L, a->p->params);
    else
        lua_newtable(L);
    lua_setglobal(L, "params");
    return 0;
}

static enum tb_admit policy_admit(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);
static double policy_rank(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);
static int policy_pick(tb_model *m, tb_decider *d, tb_node *nd);
static int policy_dequeue(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);
static int policy_route(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);
static void policy_done(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);
static void policy_tick(tb_model *m, tb_decider *d, tb_node *nd);
static double policy_retry(tb_model *m, tb_decider *d, int cls, int attempt, int outcome);
static double policy_hedge(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j, int sent);
static int policy_fanout(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j);

static int policy_prepare(tb_model *m, tb_decider *d, char *err, size_t errlen)
{
    tb_policy *p = (tb_policy *)d;
    char stream[300];
    snprintf(stream, sizeof stream, "policy/%s", p->d.name);
    sim_rng_init(&p->rng, m->seed, m->replication, stream);
    sim_lua_free(p->lua); /* prepared before (a model is prepared once per run) */
    p->lua = NULL;
    size_t len;
    char *text = tb_read_file(p->script, &len);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read the script", p->d.shown);
        return -1;
    }
    sim_sha256_hex(text, len, p->sha256);
    free(text);
    p->lua = sim_lua_new(&p->rng, p->memory, p->budget, p->watchdog);
    if (!p->lua) {
        snprintf(err, errlen, "%s: cannot create a Lua interpreter (out of memory)", p->d.shown);
        return -1;
    }
    lua_State *L = sim_lua_state(p->lua);
    setup_args a = { m, p };
    if (sim_lua_setup(p->lua, setup_sim, &a) != 0 || sim_lua_load(p->lua, p->script, p->d.shown) != 0) {
        snprintf(err, errlen, "%s", sim_lua_error(p->lua));
        return -1;
    }
    int *refs[NHOOKS] = { &p->ref_admit, &p->ref_rank, &p->ref_pick, &p->ref_dequeue,
                          &p->ref_route, &p->ref_done, &p->ref_tick, &p->ref_retry, &p->ref_hedge, &p->ref_fanout };
    for (int h = 0; h < NHOOKS; h++) {
        *refs[h] = sim_lua_ref(p->lua, hook_names[h], p->where[h], sizeof p->where[h]);
        if (*refs[h] == -2) {
            snprintf(err, errlen, "%s: %s", p->d.shown, sim_lua_error(p->lua));
            return -1;
        }
    }
    if (read_options(p, L, err, errlen) != 0)
        return -1;
    /* the hooks the script defines, and only those: the model keeps its
     * built-in behaviour wherever a member is NULL */
    p->d.ops.admit = p->ref_admit != SIM_LUA_NONE ? policy_admit : NULL;
    p->d.ops.rank = p->ref_rank != SIM_LUA_NONE ? policy_rank : p->d.rank_by ? builtin_rank : NULL;
    if (p->ref_rank != SIM_LUA_NONE && p->d.rank_by) {
        snprintf(err, errlen, "%s: options.rank and a rank() hook: expected one of them", p->d.shown);
        return -1;
    }
    p->d.ops.pick = p->ref_pick != SIM_LUA_NONE ? policy_pick : NULL;
    p->d.ops.dequeue = p->ref_dequeue != SIM_LUA_NONE ? policy_dequeue : NULL;
    p->d.ops.route = p->ref_route != SIM_LUA_NONE ? policy_route : NULL;
    p->d.ops.done = p->ref_done != SIM_LUA_NONE ? policy_done : NULL;
    p->d.ops.tick = p->ref_tick != SIM_LUA_NONE ? policy_tick : NULL;
    p->d.ops.retry = p->ref_retry != SIM_LUA_NONE ? policy_retry : NULL;
    p->d.ops.hedge = p->ref_hedge != SIM_LUA_NONE ? policy_hedge : NULL;
    p->d.ops.fanout = p->ref_fanout != SIM_LUA_NONE ? policy_fanout : NULL;
    return 0;
}

tb_policy *tb_policy_new(void)
{
    tb_policy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->d.ops.prepare = policy_prepare;
    p->d.ops.free = policy_free;
    p->budget = 1000000;
    p->watchdog = 10;
    p->memory = (size_t)64 << 20;
    return p;
}

const tb_policy *tb_policy_of(const tb_decider *d)
{
    return d && d->ops.free == policy_free ? (const tb_policy *)d : NULL;
}

/* ---- calling hooks ---------------------------------------------------------- */

static void fail(tb_model *m, tb_node *nd, const char *hook, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(tb_model *m, tb_node *nd, const char *hook, const char *fmt, ...)
{
    if (m->failed)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(m->error, sizeof m->error, "%s (in %s() %s %s, t=%.9g s)", msg, hook, nd ? "at node" : "of class",
             nd ? nd->name : m->classes[m->hook_class].name, sim_seconds(m->eng->now, m->tps));
    m->failed = 1;
    m->eng->stop = 1;
}

/* Push the hook and its (node, job) arguments; returns the state. */
static lua_State *begin(tb_model *m, tb_policy *p, int ref, tb_node *nd, tb_job *j)
{
    lua_State *L = sim_lua_state(p->lua);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushinteger(L, (lua_Integer)(nd - m->nodes) + 1);
    if (j)
        lua_pushlightuserdata(L, j);
    m->hook_job = j;
    m->hook_node = nd;
    return L;
}

static int finish_call(tb_model *m, tb_policy *p, tb_node *nd, int hook, int nargs, int nres)
{
    int rc = sim_lua_pcall(p->lua, nargs, nres);
    m->hook_job = NULL;
    m->hook_node = NULL;
    if (rc != 0 && sim_lua_interrupted(p->lua)) { /* a signal: the run stops, partial, not failed */
        m->eng->stop = 1;
        m->hook_interrupted = 1;
        return -1;
    }
    if (rc != 0) {
        fail(m, nd, hook_names[hook], "%s", sim_lua_error(p->lua));
        return -1;
    }
    return 0;
}

static const char *found(lua_State *L, int idx, char *buf, size_t n)
{
    if (lua_type(L, idx) == LUA_TNUMBER)
        snprintf(buf, n, "%.17g", lua_tonumber(L, idx));
    else if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, n, "\"%.40s\"", lua_tostring(L, idx));
    else
        snprintf(buf, n, "%s", luaL_typename(L, idx));
    return buf;
}

static enum tb_admit policy_admit(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return TB_ADMIT;
    lua_State *L = begin(m, p, p->ref_admit, nd, j);
    if (finish_call(m, p, nd, H_ADMIT, 2, 1) != 0)
        return TB_ADMIT;
    enum tb_admit a = TB_ADMIT;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (lua_isboolean(L, -1)) {
        a = lua_toboolean(L, -1) ? TB_ADMIT : TB_REJECT;
    } else if (s && strcmp(s, "admit") == 0) {
        a = TB_ADMIT;
    } else if (s && strcmp(s, "reject") == 0) {
        a = TB_REJECT;
    } else if (s && strcmp(s, "drop") == 0) {
        a = TB_DROP;
    } else if (s && strcmp(s, "balk") == 0) {
        a = TB_BALK;
    } else {
        char f[64];
        fail(m, nd, "admit", "%s: admit() returned %s, expected true or \"admit\", false or \"reject\" (an "
                             "answer), \"drop\" (silently lost) or \"balk\" (the customer would not join)",
             p->where[H_ADMIT], found(L, -1, f, sizeof f));
    }
    lua_pop(L, 1);
    return a;
}

static double policy_rank(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return 0;
    lua_State *L = begin(m, p, p->ref_rank, nd, j);
    if (finish_call(m, p, nd, H_RANK, 2, 1) != 0)
        return 0;
    double r = 0;
    int isnum = lua_type(L, -1) == LUA_TNUMBER; /* a number, not a string that looks like one */
    if (isnum)
        r = lua_tonumber(L, -1);
    if (!isnum || isnan(r)) {
        char f[64];
        fail(m, nd, "rank", "%s: rank() returned %s, expected a number (smaller is served first)",
             p->where[H_RANK], found(L, -1, f, sizeof f));
        r = 0;
    }
    lua_pop(L, 1);
    return r;
}

static int policy_pick(tb_model *m, tb_decider *d, tb_node *nd)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return -1;
    lua_State *L = begin(m, p, p->ref_pick, nd, NULL);
    if (finish_call(m, p, nd, H_PICK, 1, 1) != 0)
        return -1;
    int pick = -1;
    if (!lua_isnil(L, -1)) {
        int isint = 0;
        lua_Integer c = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
        if (!isint || c < 1 || c > m->nclasses || nd->queues[c - 1].n == 0) {
            char f[64];
            fail(m, nd, "pick", "%s: pick() returned %s, expected the id of a class with waiting "
                                "jobs (or nil)", p->where[H_PICK],
                 found(L, -1, f, sizeof f));
        } else {
            pick = (int)c - 1;
        }
    }
    lua_pop(L, 1);
    return pick;
}

static int policy_dequeue(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return 1;
    lua_State *L = begin(m, p, p->ref_dequeue, nd, j);
    if (finish_call(m, p, nd, H_DEQUEUE, 2, 1) != 0)
        return 1;
    int serve = 1;
    if (!lua_isboolean(L, -1)) {
        char f[64];
        fail(m, nd, "dequeue", "%s: dequeue() returned %s, expected true (serve) or false (drop)",
             p->where[H_DEQUEUE], found(L, -1, f, sizeof f));
    } else {
        serve = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return serve;
}

static int policy_route(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return 0;
    lua_State *L = begin(m, p, p->ref_route, nd, j);
    if (finish_call(m, p, nd, H_ROUTE, 2, 1) != 0)
        return 0;
    int isint = 0, pick = 0;
    lua_Integer i = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
    if (!isint || i < 1 || i > nd->ncand) {
        char f[64];
        fail(m, nd, "route", "%s: route() returned %s, expected a candidate index in 1..%d",
             p->where[H_ROUTE], found(L, -1, f, sizeof f), nd->ncand);
    } else {
        pick = (int)i - 1;
    }
    lua_pop(L, 1);
    return pick;
}

static void policy_done(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return;
    begin(m, p, p->ref_done, nd, j);
    finish_call(m, p, nd, H_DONE, 2, 0);
}

/* A client's retry(class, attempt, outcome): a delay in seconds, or nil
 * for no retry (the request ends with that outcome). */
static double policy_retry(tb_model *m, tb_decider *d, int cls, int attempt, int outcome)
{
    static const char *const outcomes[TB_NOUT] = { "succeeded", "late", "failed", "rejected", "dropped",
                                                   "abandoned" };
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return -1;
    lua_State *L = sim_lua_state(p->lua);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref_retry);
    lua_pushinteger(L, cls + 1);
    lua_pushinteger(L, attempt);
    lua_pushstring(L, outcomes[outcome]);
    m->hook_class = cls;
    if (finish_call(m, p, NULL, H_RETRY, 3, 1) != 0)
        return -1;
    double v = -1;
    char f[64];
    if (lua_isnil(L, -1)) {
        v = -1;
    } else if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 0 && lua_tonumber(L, -1) <= 1e9) {
        v = lua_tonumber(L, -1);
    } else {
        fail(m, NULL, "retry", "%s: retry() returned %s, expected a delay in seconds (>= 0) or nil (no retry)",
             p->where[H_RETRY], found(L, -1, f, sizeof f));
        v = -1;
    }
    lua_pop(L, 1);
    return v;
}

/* At a fork: hedge(node, job, sent) gives the delay before the next copy
 * (sent copies are out), or nil for no more. */
static double policy_hedge(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j, int sent)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return -1;
    lua_State *L = begin(m, p, p->ref_hedge, nd, j);
    lua_pushinteger(L, sent);
    if (finish_call(m, p, nd, H_HEDGE, 3, 1) != 0)
        return -1;
    double v = -1;
    char f[64];
    if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 0 && lua_tonumber(L, -1) <= 1e9)
        v = lua_tonumber(L, -1);
    else if (!lua_isnil(L, -1))
        fail(m, nd, "hedge", "%s: hedge() returned %s, expected a delay in seconds (>= 0) or nil (no more copies)",
             p->where[H_HEDGE], found(L, -1, f, sizeof f));
    lua_pop(L, 1);
    return v;
}

/* At a fork: fanout(node, job) gives the number of copies (a whole number
 * >= 1; more than the fork's copies are capped), nil for the fork's. */
static int policy_fanout(tb_model *m, tb_decider *d, tb_node *nd, tb_job *j)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return 0;
    lua_State *L = begin(m, p, p->ref_fanout, nd, j);
    if (finish_call(m, p, nd, H_FANOUT, 2, 1) != 0)
        return 0;
    int k = 0;
    char f[64];
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1)
        k = lua_tointeger(L, -1) > 1000000 ? 1000000 : (int)lua_tointeger(L, -1);
    else if (!lua_isnil(L, -1))
        fail(m, nd, "fanout", "%s: fanout() returned %s, expected a whole number of copies >= 1 or nil",
             p->where[H_FANOUT], found(L, -1, f, sizeof f));
    lua_pop(L, 1);
    return k;
}

static void policy_tick(tb_model *m, tb_decider *d, tb_node *nd)
{
    tb_policy *p = (tb_policy *)d;
    if (m->failed)
        return;
    lua_State *L = begin(m, p, p->ref_tick, nd, NULL);
    lua_pushnumber(L, sim_seconds(m->eng->now, m->tps));
    finish_call(m, p, nd, H_TICK, 2, 0);
}
