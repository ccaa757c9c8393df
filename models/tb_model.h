/* tb_model.h - the network model: jobs, workload classes, nodes with worker pools, links, routing. */
#ifndef TB_MODEL_H
#define TB_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include "../sim/sim_dist.h"
#include "../sim/sim_engine.h"
#include "../sim/sim_hist.h"
#include "../sim/sim_pool.h"
#include "../sim/sim_rng.h"
#include "../sim/sim_stats.h"
#include "tb_arrival.h"
#include "tb_decider.h"

/*
 * A model is built once (by the scenario loader or by hand in tests), run
 * once, then read.  Nodes, classes and links are referred to by index; names
 * exist for input and output only.  Jobs come from a pool and are threaded
 * through node queues by an intrusive pointer, so a run in steady state
 * allocates nothing.
 *
 * Ownership: a tb_model owns everything it points to (names, arrays,
 * distributions, deciders, the engine) and tb_model_free() releases all of
 * it, on every path, including a model the loader abandoned half built.
 * The streams it writes to (ts, trace, metrics) are the caller's: it
 * opens them, sets the pointers before tb_model_run(), and closes them.
 * Functions that can fail return 0 or -1 (with the message in m->error)
 * or NULL (out of memory); the rest cannot fail.
 */
#define TB_EXIT (-1) /* "leave the network" as a routing target */

struct tb_req;

typedef struct tb_job {
    struct tb_job *next; /* FIFO queue, or pool free list */
    struct tb_job *qprev; /* FIFO queue: the job before it */
    size_t qpos;         /* ranked queue: its index in the heap */
    sim_handle renege;   /* its patience timer, while it waits (classes with "patience") */
    sim_time give_up;    /* its patience at this node, ticks after arriving; 0 = none */
    double work;         /* on a node whose speed varies: service left (ticks at speed 1) at seg */
    sim_time svc_total;  /* the service it needed at this node on arrival */
    /* fan-out (tb_fork.c): a task is a copy of a parent held at a fork */
    int task;            /* a task: never a request, ends at its fork */
    int orphan;          /* a task cancelled where it could not be stopped: discarded when done */
    int fork_node, fork_target; /* a task's fork and target */
    struct tb_job *parent, *sib; /* a task's parent (NULL once cancelled), next task of the same parent */
    struct tb_job *tasks; /* a parent's tasks still out */
    int fork_sent, fork_done, fork_lost, fork_started;
    int fork_k, fork_need; /* a parent's copies, and how many must be done */
    double fork_work;    /* the longest done task's service, the parent's own need for slowdown */
    sim_handle hedge;    /* a parent's next hedged copy */
    double work_sum;     /* ticks of service it needed at every node so far (slowdown's denominator) */
    sim_time seg;
    struct tb_req *req;  /* the client request this attempt serves, or NULL */
    uint64_t id;         /* per class, from 1 */
    int cls;
    int node;            /* where it is, or is heading over a link */
    int hop;             /* index in the class's fixed route */
    int slot;            /* index in the node's in-service array (preemptive nodes) */
    int started_once;    /* service began at this node (wait recorded) */
    double size;
    double priority;     /* larger = more important (a fee, say) */
    double rank;         /* the discipline's key: smaller is served first */
    uint64_t qseq;       /* ties in rank: order of arrival at the node */
    sim_time created, arrived, queued_at; /* at the network, the node, the queue */
    sim_time deadline;   /* absolute; SIM_TIME_MAX when none */
    sim_time service;    /* service still required at this node */
    sim_time end;        /* when its service ends, while in service */
    sim_time waited;     /* total time queued so far */
    sim_handle dep;      /* its departure event, while in service */
    int next_hop;        /* where it goes after this node, once decided */
    int routed;          /* next_hop is decided */
    int credit_link;     /* the credit link it holds a credit of, or -1 */
    uint64_t batch;      /* at a batch node: the batch that carried it */
    int attempt;         /* 1 for a first try */
    int abandoned;       /* the client stopped waiting for it */
    int counted;         /* created after the warm-up: its outcome is counted */
    sim_time abandoned_at;
    struct tb_job *lprev, *lnext; /* the model's list of jobs in the network */
} tb_job;

/*
 * A client request: the first attempt and its retries.  It exists only for
 * classes with a "client" (timeouts, retries); its timer fires the client's
 * timeout for the attempt in flight.
 */
typedef struct tb_req {
    struct tb_req *next;  /* pool free list */
    struct tb_req *lprev, *lnext; /* the model's list of open requests */
    int cls;
    int counted;          /* arrived after the warm-up: its outcome is counted */
    sim_time created;
    double size, priority; /* the request's, kept by every attempt */
    sim_time deadline;
    int attempts;
    tb_job *job;          /* the live attempt, or NULL (lost, or between attempts) */
    sim_handle timer;
} tb_req;

/* A class's client behaviour. */
typedef struct tb_client {
    sim_dist *timeout;    /* NULL: wait forever */
    int retries;          /* extra attempts after the first */
    double base, multiplier, cap; /* backoff: uniform(0, min(cap, base multiplier^(n-1))) */
    int budget;           /* 0 none, 1 token bucket, 2 gRPC throttle */
    double ratio, max_tokens, tokens;
    /* adaptive throttling (SRE): attempts are refused locally with probability
     * max(0, (requests - k accepts) / (requests + 1)), both counts decaying
     * with time constant `window`; throttle_k 0 = none */
    double throttle_k, throttle_window, requests, accepts;
    struct tb_decider *decider; /* "policy": a retry(class, attempt, outcome) hook decides retries; NULL = built in */
    sim_time throttle_at; /* when the counts were last decayed */
    uint64_t throttled;   /* attempts refused locally (measured period) */
} tb_client;

/*
 * A node's queue: a FIFO list, or (when a policy ranks jobs) a binary heap
 * ordered by (rank, qseq).  Both give FIFO order for equal ranks, so a
 * policy that ranks by arrival time reproduces the built-in FIFO exactly.
 */
typedef struct tb_queue {
    tb_job *head, *tail;
    tb_job **heap;
    size_t n, cap;
    int ranked;
} tb_queue;


/*
 * Every request (a client's logical request, across all its attempts; for a
 * class without a client, its one job) that arrives after the warm-up ends
 * in exactly one outcome, or is still in flight when the run ends:
 *     arrivals = succeeded + late + failed + rejected + dropped + abandoned + in_flight.
 * Attempts (jobs) likewise:
 *     attempts = completed + orphaned + rejected + dropped + abandoned + in_flight,
 * where an orphaned attempt completed after its client had timed out.
 * tb_model_run() counts what is in flight by walking the live jobs and
 * requests, and checks both sums (and that the jobs it finds are the ones
 * the nodes and links hold): a violation is an internal error.
 */
/* abandoned: the job gave up waiting (its patience ran out: reneging) or
 * would not join the queue it found (balking) */
enum tb_outcome { TB_OUT_SUCCEEDED, TB_OUT_LATE, TB_OUT_FAILED, TB_OUT_REJECTED, TB_OUT_DROPPED, TB_OUT_ABANDONED,
                  TB_NOUT };
enum tb_attempt_outcome { TB_ATT_COMPLETED, TB_ATT_ORPHANED, TB_ATT_REJECTED, TB_ATT_DROPPED, TB_ATT_ABANDONED,
                          TB_NATT };

/* Waiting time and sojourn statistics, in ticks. */
typedef struct tb_latency {
    sim_welford w;
    sim_hist h;
} tb_latency;

typedef enum { TB_NODE_QUEUE, TB_NODE_DELAY, TB_NODE_SINK, TB_NODE_ROUTER, TB_NODE_BATCH } tb_node_kind;
/* A failure's jobs in service: wait and go on (resume), start over (restart), or are lost. */
enum tb_fail_mode { TB_FAIL_RESUME, TB_FAIL_RESTART, TB_FAIL_LOST };

/* A node's or link's failures (tb_capacity.c): random (up and down
 * times) and scheduled outages; it is down while any is in progress. */
typedef struct tb_fail {
    sim_dist *up, *down_dist;   /* time to failure, time to repair; NULL = no random failures */
    struct tb_outage { sim_time at, len; } *at; /* scheduled outages, in order */
    int nat;
    int mode;                   /* enum tb_fail_mode (nodes) */
    sim_rng rng;                /* stream "failure/<node>" or "failure/<from>-><to>" */
    int down;                   /* reasons it is down now: > 0 = down */
    sim_time since, time;       /* down since; time down within the measured period */
    uint64_t count;             /* failures within the measured period */
} tb_fail;

/* Jobs of one class awaiting confirmation at a batch node: a FIFO ring of
 * (creation time, batch number that confirms it). */
typedef struct tb_confirm {
    sim_time *created;
    double *fee;          /* the job's priority, for confirmation latency by fee */
    uint64_t *target;
    size_t head, n, cap;
} tb_confirm;

typedef struct tb_svc {
    const sim_dist *dist; /* NULL where the class never visits the node */
    sim_rng rng;          /* stream "service/<node>/<class>" */
} tb_svc;

typedef struct tb_link tb_link;

/* A router's fan-out and join ("fork"; tb_fork.c). */
typedef struct tb_fork {
    int *to, nto;         /* the targets (queue or delay nodes) */
    int copies, need;     /* tasks per job; joined when `need` are done */
    sim_dist *hedge;      /* delay before each further copy; NULL = all at once (or by hedge_pct) */
    double hedge_pct;     /* > 0: the delay is this percentile of the copies' latency observed so far */
    sim_hist seen;        /* every completed copy's latency, warm-up included (for hedge_pct) */
    int cancel_on_start;  /* tied requests: the others go when one starts service */
    sim_rng rng;          /* stream "fork/<node>": targets chosen, hedge delays */
    uint64_t forks, sent, cancelled, joined, failed; /* measured period */
    double wasted;        /* ticks of service given to cancelled and orphaned tasks */
    tb_latency join, task; /* fork to join; fork to each task's completion */
} tb_fork;

typedef struct tb_node {
    char *name;
    tb_node_kind kind;
    int workers;          /* queue nodes; delay nodes have as many as needed */
    long long capacity;   /* max jobs at the node (waiting + in service); -1 = unbounded */
    sim_dist *service;    /* default service time (seconds), or NULL */
    tb_svc *svc;          /* per class */
    /* probabilistic routing: next[i] with cumulative probability cum[i] */
    int nnext;
    int *next;
    double *cum;
    sim_rng route_rng;    /* stream "route/<node>" */
    tb_link **out;        /* outgoing links */
    int nout;
    tb_link **in;         /* incoming links */
    int nin;
    int gated;            /* some outgoing link has credits or pause */
    int pause_in;         /* some incoming link pauses on this node's queue */
    int per_class_queues; /* one queue per class without a policy asking for it */
    int kick_pending;     /* a zero-delay retry of start_waiting is scheduled */
    sim_tavg blk;         /* 1 while jobs wait, workers are free, and backpressure blocks them */
    double unloaded;      /* ticks: mean service (batch: half an interval + service); 0 = never hot */
    double baseline;      /* ticks: mean sojourn in the second half of the warm-up, 0 = unknown */
    double bl_sum;        /* sojourns and completions counted for the baseline */
    uint64_t bl_n;
    int hot;              /* at the last window */
    int ts_row;           /* writes its rows of timeseries.csv ("timeseries": {"nodes": ...}) */
    int *cand;            /* load-balancing candidates (node indices) */
    int ncand;
    tb_decider *decider;  /* NULL: built-in FIFO, admit all (shared, owned by the model) */
    int preemptive;       /* preemptive-resume by rank */
    int ps;               /* processor sharing */
    long long *class_cap; /* per-class capacity (waiting + in service), -1 = none; NULL = none */
    long long *pclass;    /* jobs present per class */
    /* batch nodes: every interval, take up to batch_max jobs (or size units) */
    sim_dist *batch_interval;
    double batch_max;
    int batch_by_size;
    uint64_t batch_no;
    sim_rng batch_rng;    /* stream "batch/<node>": intervals and batch service times */
    tb_confirm *confirm;  /* per class, for classes with confirmations */
    /* changing worker pools */
    sim_dist *provisioning; /* delay before a new worker serves; NULL = none */
    sim_rng prov_rng;     /* stream "provisioning/<node>" */
    int provisioning_n;   /* workers requested, not yet ready */
    int prov_cancel;      /* of those, how many were cancelled by a scale-down */
    sim_tavg wk;          /* paid workers: max(workers, busy) + provisioning */
    /* state */
    int busy;
    long long queued;
    tb_queue *queues;     /* one, or one per class */
    int nqueues;
    long long *qclass;    /* waiting jobs per class */
    tb_job **serving;     /* in service (preemptive nodes only) */
    int nserving, serving_cap;
    double work_queued;   /* ticks of service waiting in the queue */
    double sum_end;       /* sum of end times of jobs in service */
    double ewma;          /* smoothed sojourn, ticks (weight 1/16) */
    double ps_v;          /* processor sharing: virtual time (ticks of service per job) */
    sim_time ps_last;
    sim_handle ps_ev;
    uint64_t seq;         /* arrivals, for qseq */
    /* balking: an arriving job leaves at once with probability balk[min(n, nbalk - 1)],
     * n the jobs at the node (waiting and in service); NULL = never */
    double *balk;
    int nbalk;
    int impatient;        /* a queue or batch node (not PS) and some class has a patience: jobs may renege */
    tb_fork *fork;        /* a router that forks and joins, or NULL */
    long long holding;    /* parents waiting at this fork for their tasks */
    double by_size;       /* "service_by_size": seconds of service per unit of job size; 0 = "service" */
    int quantum_pending;  /* options.quantum: the next re-ranking is scheduled */
    /* speed that varies (tb_capacity.c): by jobs present, on a schedule, 0 while down */
    int variable;         /* any of speed, speed_schedule, failures, outages */
    double *speed;        /* speed[n - 1] with n jobs present (the last for more); NULL = 1 */
    int nspeed;
    double sched_factor;  /* speed_schedule's factor now (1 before its first step) */
    double cur_speed;     /* the speed in-service jobs progress at now */
    struct tb_step { sim_time at; double value; } *speed_steps, *worker_steps;
    int nspeed_steps, nworker_steps;
    tb_fail fail;         /* failures and outages */
    uint64_t lost_fail;   /* jobs lost in failures (measured period) */
    sim_rng balk_rng;     /* stream "balk/<node>": one draw per arrival */
    /* statistics (reset at the end of warm-up) */
    uint64_t arrivals, completions, drops, rejects, waited_jobs, reneged, balked;
    tb_latency wait, sojourn;
    sim_tavg q, b; /* queue length and busy workers; jobs at the node = q + b */
    /* time-series window */
    uint64_t w_arrivals, w_completions, w_drops;
    double w_q, w_b; /* integrals at the window's start */
} tb_node;

struct tb_link {
    int from, to;
    sim_dist *delay;      /* propagation delay (seconds) */
    double bandwidth;     /* size units per second; 0 = no serialisation */
    /* hop-by-hop backpressure: a credit window (free downstream buffer
     * slots, per class if per_class), or PFC-style pause on the downstream
     * queue length */
    long long window;     /* 0 = no credits */
    int per_class;
    long long *credits;   /* available, one or one per class */
    long long xoff, xon;  /* pause thresholds; xoff 0 = no pause */
    int paused;
    sim_tavg stalled;     /* 1 while the link is paused or out of credit for some class */
    sim_rng rng;          /* stream "link/<from>-><to>" */
    sim_time free_at;     /* when the transmitter is next free */
    sim_lane *lane;       /* a constant delay: arrivals come in order (sim_engine.h); else NULL */
    long long in_transit; /* jobs on the link now */
    uint64_t carried;
    sim_time busy;        /* ticks spent serialising, within the measured period */
    tb_latency transit;
    tb_fail fail;         /* while down, jobs sent over it are lost (a partition) */
    uint64_t lost;        /* jobs lost that way (measured period) */
};

typedef struct tb_class {
    char *name;
    tb_arrival arr;         /* the arrival process */
    sim_dist *size;         /* abstract units (e.g. bytes); default 1 */
    sim_dist *priority;     /* default 0 */
    sim_dist *deadline;     /* relative, seconds; NULL = none */
    sim_rng arr_rng, size_rng, prio_rng, dl_rng, phase_rng, timeout_rng, backoff_rng, throttle_rng;
    tb_client *client;      /* NULL: jobs are fire-and-forget */
    sim_lane *timeout_lane; /* a constant timeout: the timers, in order (sim_engine.h); else NULL */
    sim_time slo;           /* goodput deadline from request creation; SIM_TIME_MAX = none */
    sim_dist *patience;     /* reneging: the longest a job waits in a queue, drawn per visit; NULL = forever */
    sim_rng patience_rng;   /* stream "patience/<class>": one draw per arrival at a queue */
    int confirmations;      /* at batch nodes: confirmed after this many further batches */
    tb_latency confirm;     /* creation to confirmation */
    int *route;             /* fixed route, or NULL: start at entry, route by probabilities */
    int *route_span;        /* per step: a group's members route[k] .. + span - 1, one of them
                             * uniformly at random; NULL when every step is one node */
    int nroute;
    sim_rng route_rng;      /* stream "route-step/<class>": the member at a group's step */
    int entry;
    /* statistics over the requests that arrived after the warm-up */
    uint64_t generated;     /* jobs made, for ids */
    uint64_t arrivals;      /* requests */
    uint64_t out[TB_NOUT];  /* requests ended, by outcome */
    uint64_t in_flight;     /* requests still in the network at the end (set by tb_model_run) */
    uint64_t completions;   /* out[SUCCEEDED] + out[LATE] */
    uint64_t departed;      /* successes while measuring, whenever the request arrived: throughput */
    uint64_t attempts, att_out[TB_NATT], att_in_flight;
    uint64_t timeouts, retries;
    double wasted;          /* ticks of service spent after the client gave up */
    uint64_t w_good;        /* goodput (or completions, without an SLO) in the current window */
    tb_latency wait, sojourn; /* of succeeded requests (late ones included) */
    double slowdown_sum;    /* completed jobs' time in the network / the service they needed: the sum */
    sim_hist slowdown_h;    /* the same, times TB_SLOWDOWN_SCALE (slowdown_h.n counts them) */
    sim_hist cens;          /* ticks from creation to the end, of requests that did not succeed
                             * (in-flight ones: to the end of the run): censored latencies */
    /* isolation: requests created before the surge span (after warm-up),
     * [0], and during it, [1]: how many, how many succeeded within the
     * SLO, the latencies of those that succeeded and the censored ones */
    uint64_t sg_n[2], sg_good[2];
    tb_latency sg_ok[2];
    sim_hist sg_cens[2];
    /* every measured confirmation as (fee, latency), for latency by fee decile */
    struct tb_fee_lat { double fee; sim_time lat; } *fee_lat;
    size_t nfee_lat, cap_fee_lat;
} tb_class;

#define TB_SLOWDOWN_SCALE 1000.0 /* slowdowns are kept to 1/1000 in their histogram */

/* The columns of timeseries.csv after time_s and node ("timeseries":
 * {"fields": [...]}), in their default order. */
enum tb_ts_field { TB_TS_QUEUE, TB_TS_IN_NODE, TB_TS_BUSY, TB_TS_ARRIVALS, TB_TS_COMPLETIONS, TB_TS_DROPS,
                   TB_TS_HOT, TB_TS_NFIELDS };
extern const char *const tb_ts_field_names[TB_TS_NFIELDS];

/* A group of nodes under "nodes" ("W": {"count": 8}): members first..first+count-1,
 * named W1..W8 (tb_group.h). */
typedef struct tb_group {
    char *name;
    int first, count;
} tb_group;

typedef struct tb_model {
    sim_engine *eng;
    int nclasses, nnodes, nlinks;
    tb_class *classes;
    tb_node *nodes;
    tb_link *links;
    tb_decider **deciders;   /* owned: freed by their ops.free */
    int *node_by_name;       /* node indices sorted by name, for tb_node_index (NULL: search) */
    int *class_by_name;      /* the same for classes */
    tb_group *groups;        /* node groups, sorted by name */
    int ngroups;
    int ndeciders;
    /* run parameters */
    uint64_t seed, replication;
    double tps;              /* ticks per second */
    sim_time duration, warmup, window;
    uint64_t max_completions; /* 0 = no limit */
    long long max_jobs;      /* jobs in the network at once; beyond it the run stops (partial) */
    /* run state */
    int measuring;           /* warm-up is over */
    sim_time measure_start;
    uint64_t completed;      /* jobs that left the network while measuring */
    sim_pool jobs, reqs;     /* jobs and client requests, recycled */
    long long in_system;
    tb_job *live_jobs;       /* every job in the network, newest first */
    tb_req *live_reqs;       /* every open client request */
    int baseline_open;       /* in the second half of the warm-up: hot baselines accumulate */
    FILE *ts;                /* time-series CSV, or NULL */
    unsigned char ts_field[TB_TS_NFIELDS]; /* its columns after time_s,node, in order (tb_ts_field) */
    int ts_nfields;          /* 0: all of them, in the documented order */
    double *ts_prev;         /* "rows": "changed": each node's last written values (NaN: none yet), else NULL */
    FILE *trace;             /* per-job event trace, or NULL */
    FILE *metrics;           /* metrics emitted by policies, or NULL */
    /* congestion: per window, the fraction of hot nodes and the goodput */
    double hot_factor;       /* hot: smoothed sojourn > factor x max(baseline, unloaded service) */
    sim_time sustain;        /* recovery must hold this long */
    int hot_unloaded;        /* judge hot against unloaded service only (no warm-up baseline) */
    int has_surge;
    sim_time surge_start, surge_end;
    sim_time *win_t;         /* window ends */
    double *win_spread, *win_goodput;
    sim_tavg sys;            /* jobs in the network */
    double *mser;            /* its mean over each of TB_MSER_POINTS spans of the run, for MSER-5 */
    size_t nmser;
    sim_time mser_dt;
    double mser_last;
    size_t nwin, win_cap;
    sim_time ts_last;        /* start of the current window */
    int nomem;
    int failed;              /* a policy failed: error holds the message */
    int limit_hit;           /* max_jobs was reached: error explains */
    int hook_interrupted;    /* a signal stopped a policy in the middle of a hook */
    char error[640];
    const tb_job *hook_job;  /* the job a running hook may look at */
    const tb_node *hook_node;
    int hook_class;          /* the class of a client hook in progress (retry), for messages */
    /* For tests: called as a job arrives at a node (before anything is
     * decided), starts service, and completes service. */
    void (*observe)(void *ctx, const struct tb_model *m, const tb_job *j, const tb_node *nd,
                    int event);
    void *observe_ctx;
} tb_model;

enum { TB_OBS_ARRIVE, TB_OBS_START, TB_OBS_DONE };

/* Points of the series MSER-5 truncates (so at most 100 batches of 5), and
 * the fewest batches it needs to choose a warm-up: with fewer (a run cut
 * short) its choice is not reported. */
#define TB_MSER_POINTS 500

/* A network of at most this many nodes writes every node's rows of
 * timeseries.csv by default; a larger one only those it names. */
#define TB_TS_ALL_NODES 1000

#define TB_MSER_MIN_BATCHES 25

/* How a run ended. */
typedef enum { TB_RUN_OK, TB_RUN_INTERRUPTED, TB_RUN_NOMEM, TB_RUN_ERROR, TB_RUN_LIMIT } tb_run_status;

/* An empty model with counts and arrays allocated (names NULL); free with
 * tb_model_free() (NULL is a no-op).  The loader fills it in, then calls
 * tb_model_prepare(). */
tb_model *tb_model_alloc(int nclasses, int nnodes, int nlinks);
void tb_model_free(tb_model *m);

/* A node's service time with no load, in ticks (a batch node: half an
 * interval plus the service; 0 for nodes that are never "hot"), from the
 * built model alone: nothing needs preparing. */
double tb_node_unloaded(const tb_model *m, const tb_node *nd);

/* Index the node and class names for tb_node_index and tb_class_index
 * (O(log n) instead of a linear search); call once every name is set.
 * Returns the index (in document order) of the first node whose name an
 * earlier node already has, or -1, in *dup_node, and likewise *dup_class.
 * 0, or -1 out of memory. */
int tb_model_index_names(tb_model *m, int *dup_node, int *dup_class);

/* Take ownership of a decider (freed with the model by d->ops.free, even
 * when this fails); nodes then point at it.  0, or -1 out of memory. */
int tb_model_add_decider(tb_model *m, tb_decider *d);

/* Seed every stream, index links by node, create the engine, and prepare
 * every decider (a Lua policy loads its script here): 0, or -1 with the
 * message in m->error. */
int tb_model_prepare(tb_model *m, const sim_evq_ops *evq);

/* Run to the horizon or the completion limit.  `interrupt` may be NULL. */
tb_run_status tb_model_run(tb_model *m, volatile int *interrupt);

/* Congestion over the measured windows: blast radius (max spread), mean
 * spread, and the recovery time after the surges (seconds; -1 = not
 * recovered within *horizon seconds after the surge, the latest start of
 * a recovery the run could still confirm).  Returns whether the scenario
 * has surges. */
int tb_model_recovery(const tb_model *m, double *blast, double *mean_spread, double *recovery,
                      double *horizon);

/* End of the measured period and its length in seconds. */
double tb_model_measured_seconds(const tb_model *m);

int tb_node_index(const tb_model *m, const char *name);

/* A hot node's threshold, ticks: hot_factor x the larger of its baseline
 * (mean sojourn in the second half of the warm-up, if it saw at least
 * TB_BASELINE_MIN completions there) and its unloaded service time. */
#define TB_BASELINE_MIN 100
/* The default hot factor.  For an M/M/1 at load rho the smoothed sojourn
 * (the mean of about the last 16) passes f x its mean about as often as
 * the queue passes f / (1 - rho) jobs, rho^(f / (1 - rho)) <= e^-f: at
 * f = 15 a node in its normal state is hot with probability about 3e-7 at
 * a window's end, and still below 1e-4 when its baseline was estimated
 * 30% low in a short warm-up.  Measured (docs/results.md, and the
 * calibration test in tests/check_backpressure.c): M/M/1 at rho 0.3-0.95
 * with a warm-up of 20 relaxation times, 2000 windows per run: no hot
 * window in 60 runs (at f = 10: 9 of 40 runs had one). */
#define TB_HOT_FACTOR 15
/* Most windows over a run, and most calls of a policy's tick hook: beyond,
 * a run would take hours or all memory (a window of 1e-7 s, say). */
#define TB_MAX_PERIODS 1e7
double tb_node_hot_threshold(const tb_model *m, const tb_node *nd);

/* Change a node's worker count now: more workers start waiting jobs at
 * once; with fewer, busy workers finish their job first. */
void tb_node_set_workers(tb_model *m, tb_node *nd, int workers);

/* Change a credit link's window now (credits follow; a sender waiting for
 * credit is woken). */
void tb_link_set_window(tb_model *m, tb_link *ln, long long window);

/* Outstanding work at a node (service still required by every job there), ticks. */
double tb_node_work(const tb_model *m, const tb_node *nd);

/* Service (ticks) a job still needs at its node, and has received there:
 * in service, from its departure time; waiting, what it will need. */
double tb_job_remaining(const tb_model *m, const tb_job *j);
double tb_job_attained(const tb_model *m, const tb_job *j);

/* Whether the head of queue q (a class, on a node with per-class queues;
 * else 0) exists and may start now: its outgoing link has a credit and is
 * not paused. */
int tb_node_can_send(tb_model *m, tb_node *nd, int q);
int tb_class_index(const tb_model *m, const char *name);

#endif
