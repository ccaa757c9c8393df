/* tb_decider.h - the decisions a node hands to a decider (a Lua policy, or C): an ops table, where a NULL member keeps the built-in behaviour. */
#ifndef TB_DECIDER_H
#define TB_DECIDER_H

#include <stddef.h>
#include "../sim/sim_time.h"

struct tb_model;
struct tb_node;
struct tb_job;
struct tb_decider;

/* admit(): an answer (reject: the client may retry at once), or a silent
 * drop (as an AQM or a full buffer loses a packet: the client learns of it
 * only by its timeout). */
/* balk: the customer would not join (an abandonment, not the server refusing) */
enum tb_admit { TB_REJECT = 0, TB_ADMIT = 1, TB_DROP = 2, TB_BALK = 3 };

/*
 * What a decider does at each decision point, in the manner of sim_evq_ops.
 * The model calls a member only when it is not NULL, and otherwise does
 * what a node without a decider does, so a decider defines just the
 * decisions it changes.  Members may be set by prepare() (a Lua policy
 * fills in the hooks its script defines).  A decider that fails records
 * the error in m->error, sets m->failed, stops the engine and returns the
 * built-in answer; the model never calls it again once m->failed is set.
 *
 * | member  | called when                                 | returns                          |
 * | ------- | ------------------------------------------- | -------------------------------- |
 * | prepare | tb_model_prepare(), streams seeded          | 0, or -1 with a message in err   |
 * | admit   | a job arrives at the node                   | TB_ADMIT, TB_REJECT or TB_DROP   |
 * | rank    | a job joins the queue                       | smaller is served first          |
 * | pick    | a worker is free, per-class queues          | class index, or -1 for the default |
 * | dequeue | a job leaves the queue for service          | 1 serve, 0 drop                  |
 * | route   | a job leaves a node with candidates         | candidate index 0..ncand-1       |
 * | done    | a job finishes service                      |                                  |
 * | tick    | every d->tick, for each node it serves      |                                  |
 * | free    | the model is freed (the decider itself too) |                                  |
 */
typedef struct tb_decider_ops {
    int (*prepare)(struct tb_model *m, struct tb_decider *d, char *err, size_t n);
    enum tb_admit (*admit)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    double (*rank)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    int (*pick)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd);
    int (*dequeue)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    int (*route)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    void (*done)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    void (*tick)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd);
    /* a client's retry decision: seconds to wait before the next attempt, or < 0 for none */
    double (*retry)(struct tb_model *m, struct tb_decider *d, int cls, int attempt, int outcome);
    /* at a fork: how many copies job j gets (1 .. the fork's copies), or < 1 for the fork's */
    int (*fanout)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j);
    /* at a fork: seconds before the next copy of job j (copies already sent), or < 0 for none */
    double (*hedge)(struct tb_model *m, struct tb_decider *d, struct tb_node *nd, struct tb_job *j, int sent);
    void (*free)(struct tb_decider *d);
} tb_decider_ops;

/* One instance: it may serve several nodes (each call names the node). */
enum { TB_RANK_REMAINING = 1, TB_RANK_ATTAINED };

typedef struct tb_decider {
    tb_decider_ops ops;  /* this instance's own (prepare may fill members in) */
    char *name;          /* policies.NAME, or the node's name for an instance of its own (owned) */
    char *shown;         /* how messages name it: "lua/codel.lua" (owned) */
    sim_time tick;       /* period of tick() in ticks; 0 = none */
    double tick_s;       /* the same in seconds, as the scenario gave it */
    int per_class;       /* asks for one queue per class at its nodes */
    int preemptive;      /* asks for preemptive-resume by rank */
    int rerank;          /* preemptive: rank the jobs in service again before comparing (SRPT, LAS) */
    double quantum;      /* preemptive: seconds between re-rankings of the jobs in service; 0 = at arrivals only */
    int rank_by;         /* options.rank: TB_RANK_REMAINING or TB_RANK_ATTAINED, ranked in C; 0 = the hook */
    int ps;              /* asks for processor sharing */
} tb_decider;

#endif
