/* tb_policy.h - Lua policies attached to nodes: the `sim` module and the calls at each decision point. */
#ifndef TB_POLICY_H
#define TB_POLICY_H

#include <cjson/cJSON.h>
#include "../sim/sim_lua.h"
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
    char *name;
    char *script;     /* path as resolved */
    char *shown;      /* the name in messages: lua/NAME.lua, or as the scenario wrote it */
    char sha256[65];  /* of the script's bytes, for the manifest */
    cJSON *params;    /* owned */
    sim_lua *lua;
    sim_rng rng;
    long budget;
    size_t memory;
    sim_time tick;    /* period of the tick hook; 0 = none */
    double tick_s;    /* the same in seconds, as given */
    int ref_admit, ref_rank, ref_pick, ref_dequeue, ref_route, ref_done, ref_tick;
    int per_class, preemptive, ps; /* options the script asks of the C mechanism */
    char where[7][96];             /* "FILE:LINE" of each hook, for messages */
} tb_policy;

/* Create the interpreter, expose `params` and `sim`, run the script, find
 * its hooks and options.  0, or -1 with a one-line message in err. */
int tb_policy_load(tb_model *m, tb_policy *p, char *err, size_t errlen);
void tb_policy_free(tb_policy *p);

/* The decision points.  On a policy error they record it in m->error, stop
 * the engine, and return the built-in decision so the caller stays sane. */
/* admit(): true or "admit"; false or "reject" (an answer: the client may
 * retry at once); "drop" (silently lost, as an AQM or a full buffer does:
 * the client learns of it only by its timeout). */
enum tb_admit { TB_REJECT = 0, TB_ADMIT = 1, TB_DROP = 2 };
enum tb_admit tb_policy_admit(tb_model *m, tb_node *nd, tb_job *j);
double tb_policy_rank(tb_model *m, tb_node *nd, tb_job *j);     /* smaller first */
int tb_policy_pick(tb_model *m, tb_node *nd);                   /* class queue index, -1 default */
int tb_policy_dequeue(tb_model *m, tb_node *nd, tb_job *j);     /* 1 serve, 0 drop */
int tb_policy_route(tb_model *m, tb_node *nd, tb_job *j);       /* candidate index */
void tb_policy_done(tb_model *m, tb_node *nd, tb_job *j);
void tb_policy_tick(tb_model *m, tb_policy *p, tb_node *nd);

#endif
