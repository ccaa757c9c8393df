/* tb_policy.h - Lua policies attached to nodes: the `sim` module and the calls at each decision point. */
#ifndef TB_POLICY_H
#define TB_POLICY_H

#include <cjson/cJSON.h>
#include "../sim/sim_lua.h"
#include "tb_decider.h"
#include "tb_model.h"

/*
 * A policy instance is one script with its parameters and its own sandboxed
 * interpreter and random stream ("policy/NAME").  It may be attached to
 * several nodes; each hook receives the node it is called for.  Hooks the
 * script does not define fall back to the built-in behaviour, and a node
 * without a policy never calls Lua at all.  The hooks and the `sim` module
 * are documented in lua/README.md.
 */
typedef struct tb_policy {
    tb_decider d;     /* first: a tb_policy is a decider (its ops are the Lua hooks) */
    char *script;     /* path as resolved */
    char sha256[65];  /* of the script's bytes, for the manifest */
    cJSON *params;    /* owned */
    sim_lua *lua;
    sim_rng rng;
    long budget;  /* instructions per call; 0: "off" */
    int watchdog; /* with the budget off: wall-clock seconds per call */
    size_t memory;
    int ref_admit, ref_rank, ref_pick, ref_dequeue, ref_route, ref_done, ref_tick, ref_retry, ref_hedge, ref_fanout;
    char where[10][96];             /* "FILE:LINE" of each hook, for messages */
} tb_policy;

/* A new, empty Lua policy (free with its d.ops.free), or NULL out of
 * memory.  The loader sets d.name, d.shown, script, params, budget, memory
 * and d.tick; d.ops.prepare (called by tb_model_prepare) seeds its stream,
 * creates the interpreter, exposes `params` and `sim`, runs the script, and
 * fills in d.ops with the hooks the script defines and d.per_class,
 * d.preemptive, d.ps with its `options`. */
tb_policy *tb_policy_new(void);

/* The Lua policy a decider is, or NULL when it is another kind. */
const tb_policy *tb_policy_of(const tb_decider *d);

#endif
