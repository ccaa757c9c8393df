/* gen_scenario.h - random small networks as scenario JSON, for the conservation suite and the fuzz harnesses. */
#ifndef GEN_SCENARIO_H
#define GEN_SCENARIO_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "../sim/sim_rng.h"

typedef struct gen {
    sim_rng r;                   /* the choices come from this stream, */
    const unsigned char *bytes;  /* or, when set, from these (a fuzzer's input: 0 once used up) */
    size_t nbytes, at;
    int wild;                    /* also make choices the loader must refuse or that strain the model */
    char *buf;                   /* the scenario's JSON text */
    size_t len, cap;
} gen;

/* The next choice, uniform in [0, 1). */
static double gen_u01(gen *g)
{
    if (!g->bytes)
        return sim_rng_u01(&g->r);
    if (g->at + 2 > g->nbytes)
        return 0;
    double v = (double)(g->bytes[g->at] << 8 | g->bytes[g->at + 1]) / 65536.0;
    g->at += 2;
    return v;
}

static void out(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(gen *g, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if ((size_t)k < g->cap - g->len) {
            g->len += (size_t)k;
            return;
        }
        g->cap = 2 * g->cap + (size_t)k;
        g->buf = realloc(g->buf, g->cap);
        if (!g->buf)
            abort();
    }
}

static double uni(gen *g, double lo, double hi)
{
    return lo + (hi - lo) * gen_u01(g);
}

static int pick(gen *g, int n)
{
    return (int)(gen_u01(g) * n);
}

/* With g->wild, a one-in-n chance (no draw otherwise, so tame streams
 * give the same scenarios as before the wild choices existed). */
static int wild(gen *g, int n)
{
    return g->wild && pick(g, n) == 0;
}

/* Policies that need no parameters beyond these, at a queue node. */
static const char *const node_policies[] = {
    "\"fifo\"", "\"lifo\"", "\"sjf\"", "\"edf\"", "\"ps\"", "\"red\"", "\"codel\"", "\"drop_stale\"",
    "{\"script\": \"drop_tail\", \"params\": {\"capacity\": 4}}",
    "{\"script\": \"token_bucket\", \"params\": {\"rate\": 2, \"burst\": 3}}",
    "{\"script\": \"aimd\", \"params\": {\"initial\": 3}}",
    "{\"script\": \"priority\", \"params\": {\"preemptive\": true}}",
};

/*
 * A random network of up to 6 nodes: queue nodes (some bounded, some with
 * a policy), delay and batch nodes, a router, a sink; classes with fixed
 * routes or entry points and routing by probabilities (forward, and back
 * only into queue nodes, so no loop takes zero time); clients with
 * timeouts, retries and budgets; impatience (patience, balking); speed
 * by jobs present and failures; forks (join all or first, tied, hedged);
 * links with delays, credits, pause and partitions.
 * Offered load is drawn up to 1.6 of capacity, so some overload.
 */
static void random_scenario(gen *g)
{
    int nn = 2 + pick(g, 5), nc = 1 + pick(g, 3), kind[8], npdecl = 0;
    char pdecl[8][160];
    g->len = 0;
    /* (every draw in its own statement: C leaves the order of arguments open) */
    double duration = uni(g, 50, 200), warmup = uni(g, 0, 20);
    out(g, "{\"duration\": %.0f, \"warmup\": %.0f, \"window\": 5, \"limits\": {\"jobs\": 5000},\n \"nodes\": {",
        duration, warmup);
    for (int k = 0; k < nn; k++) {
        /* 0 queue, 1 delay, 2 batch, 3 router, 4 sink; node 0 is a queue, the last may be a sink */
        kind[k] = k == 0 ? 0 : k == nn - 1 && pick(g, 3) == 0 ? 4 : pick(g, 10) < 6 ? 0 : 1 + pick(g, 3);
        out(g, "%s\"n%d\": {", k ? ", " : "", k);
        static const char *const kinds[] = { "queue", "delay", "batch", "router", "sink" };
        out(g, "\"kind\": \"%s\"", kinds[kind[k]]);
        if (kind[k] == 0 && wild(g, 6)) { /* a zero or possibly negative service */
            static const char *const odd[] = { "0", "{\"type\": \"normal\", \"mean\": 0.5, \"sd\": 1}",
                                               "{\"type\": \"normal\", \"mean\": -1, \"sd\": 1, \"truncate\": true}",
                                               "{\"type\": \"empirical\", \"values\": [0, 0.5]}" };
            int w = 1 + pick(g, 3);
            out(g, ", \"workers\": %d, \"service\": %s", w, odd[pick(g, 4)]);
        } else if (kind[k] == 0) {
            int w = 1 + pick(g, 3);
            out(g, ", \"workers\": %d, \"service\": {\"type\": \"exponential\", \"mean\": %.3f}", w,
                uni(g, 0.05, 1));
            if (pick(g, 3) == 0)
                out(g, ", \"capacity\": %d", 1 + pick(g, 10));
            if (pick(g, 3) == 0) {
                const char *pol = node_policies[pick(g, (int)(sizeof node_policies / sizeof *node_policies))];
                if (pol[0] == '{') { /* an instance with parameters, declared under "policies" */
                    out(g, ", \"policy\": \"p%d\"", k);
                    snprintf(pdecl[npdecl++], sizeof pdecl[0], "\"p%d\": %s", k, pol);
                } else {
                    out(g, ", \"policy\": %s", pol);
                }
            }
            else if (pick(g, 4) == 0)
                out(g, ", \"per_class_queues\": true");
            if (pick(g, 6) == 0) { /* speed by jobs present, and failures that resume, restart or lose jobs */
                double s2 = uni(g, 0.5, 2);
                out(g, ", \"speed\": [1, %.3f]", s2);
            }
            if (pick(g, 5) == 0) {
                static const char *const fates[] = { "resume", "restart", "lost" };
                double up = uni(g, 5, 40), down = uni(g, 0.5, 5);
                out(g, ", \"failures\": {\"up\": {\"type\": \"exponential\", \"mean\": %.2f}, \"down\": %.2f, "
                       "\"at\": [[%.1f, %.1f]], \"jobs\": \"%s\"}", up, down, uni(g, 1, 30), uni(g, 0, 10),
                    fates[pick(g, 3)]);
            }
            if (pick(g, 5) == 0) { /* balking: more likely the more are present */
                double b1 = uni(g, 0, 0.5);
                out(g, ", \"balk\": [0, %.3f, %.3f]", b1, wild(g, 3) ? 1.5 : 0.5 + b1);
            }
        } else if (kind[k] == 1) {
            out(g, ", \"service\": {\"type\": \"uniform\", \"min\": 0.1, \"max\": %.2f}", uni(g, 0.2, 3));
        } else if (kind[k] == 2) {
            double interval = uni(g, 0.2, 2);
            int size = 1 + pick(g, 20);
            out(g, ", \"batch\": {\"interval\": %.2f, \"size\": %d%s}, \"service\": 0.05", interval, size,
                wild(g, 3) ? ", \"by\": \"size\"" : "");
            if (wild(g, 3)) /* refused with "by": "size" (a crash once, with two classes) */
                out(g, ", \"per_class_queues\": true");
        }
        if (kind[k] == 3 && pick(g, 3) == 0) { /* a fork to earlier queue or delay nodes: copies, join, hedging */
            int targets[8], nt = 0;
            for (int t = 0; t < k; t++)
                if (kind[t] == 0 || kind[t] == 1)
                    targets[nt++] = t;
            out(g, ", \"fork\": {\"to\": [");
            for (int t = 0; t < nt; t++)
                out(g, "%s\"n%d\"", t ? ", " : "", targets[t]);
            int how = pick(g, 4);
            out(g, "]%s%s}", how == 0 ? ", \"join\": \"first\"" : how == 1 ? ", \"join\": \"first\", \"cancel\": \"start\"" : "",
                how == 2 && nt > 1 ? ", \"join\": \"first\", \"hedge\": 0.3" : "");
        }
        if (kind[k] == 3 || (kind[k] != 4 && pick(g, 2))) { /* onward: later nodes, exit, or back into a queue */
            out(g, ", \"next\": [");
            int targets = 1 + pick(g, 2);
            double left = 1;
            for (int t = 0; t < targets; t++) {
                int to = k + 1 + pick(g, nn - k);
                if (kind[k] != 3 && pick(g, 5) == 0 && kind[0] == 0)
                    to = 0; /* feedback into the first queue, which takes time */
                if (wild(g, 4))
                    to = pick(g, nn); /* anywhere, itself included: loops the loader must judge */
                double p = t == targets - 1 ? left : uni(g, 0, left);
                left -= p;
                if (to >= nn || (kind[k] == 3 && to <= k && !g->wild))
                    out(g, "%s{\"node\": \"exit\", \"p\": %.17g}", t ? ", " : "", p);
                else
                    out(g, "%s{\"node\": \"n%d\", \"p\": %.17g}", t ? ", " : "", to, p);
            }
            out(g, "]");
        }
        out(g, "}");
    }
    out(g, "},\n \"classes\": {");
    for (int c = 0; c < nc; c++) {
        out(g, "%s\"c%d\": {\"arrival\": {\"process\": \"poisson\", \"rate\": %.3f}", c ? ", " : "", c,
            uni(g, 0.3, 1.6) / nc);
        if (pick(g, 2)) { /* a fixed route through queue and delay nodes */
            out(g, ", \"route\": [\"n0\"");
            for (int k = 1; k < nn; k++)
                if ((kind[k] == 0 || kind[k] == 1) && pick(g, 2))
                    out(g, ", \"n%d\"", k);
            out(g, "]");
        } else {
            out(g, ", \"entry\": \"n0\"");
        }
        if (pick(g, 2))
            out(g, ", \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 1}, \"deadline\": %.2f",
                uni(g, 1, 10));
        if (pick(g, 3))
            out(g, ", \"slo\": %.2f", uni(g, 0.5, 10));
        if (pick(g, 2)) {
            double timeout = wild(g, 8) ? 0 : uni(g, 0.5, 10);
            int retries = pick(g, 4);
            out(g, ", \"client\": {\"timeout\": %.2f, \"retries\": %d, \"backoff\": {\"base\": %s, \"cap\": 1}",
                timeout, retries, wild(g, 4) ? "0" : "0.1");
            if (pick(g, 3) == 0)
                out(g, ", \"budget\": {\"kind\": \"%s\", \"ratio\": 0.1, \"max\": 5}", pick(g, 2) ? "token" : "grpc");
            out(g, "}");
        }
        if (pick(g, 4) == 0)
            out(g, ", \"confirmations\": 2");
        if (pick(g, 3) == 0) /* reneging from queues and mempools; wild: a zero patience */
            out(g, ", \"patience\": {\"type\": \"exponential\", \"mean\": %.2f}", wild(g, 4) ? 0 : uni(g, 0.2, 5));
        out(g, "}");
    }
    out(g, "}");
    /* links between queue nodes and what follows them: delays, credits, pause */
    out(g, ",\n \"links\": [");
    int nl = 0;
    for (int k = 0; k < nn; k++)
        for (int t = g->wild ? 0 : k + 1; t < nn; t++)
            if (pick(g, 3) == 0) {
                out(g, "%s{\"from\": \"n%d\", \"to\": \"n%d\", \"delay\": %.3f", nl++ ? ", " : "", k, t, uni(g, 0, 0.2));
                if (kind[k] == 0 && pick(g, 3) == 0) {
                    int credits = 1 + pick(g, 5);
                    out(g, ", \"credits\": %d%s", credits, pick(g, 2) ? ", \"per_class\": true" : "");
                } else if (kind[k] == 0 && pick(g, 4) == 0)
                    out(g, ", \"pause\": {\"xoff\": %d, \"xon\": 1}", 2 + pick(g, 5));
                if (pick(g, 5) == 0) /* a partition: what is sent while it lasts is lost */
                    out(g, ", \"failures\": {\"at\": [[%.1f, %.1f]]}", uni(g, 1, 40), uni(g, 1, 20));
                out(g, "}");
            }
    out(g, "],\n \"policies\": {");
    for (int i = 0; i < npdecl; i++)
        out(g, "%s%s", i ? ", " : "", pdecl[i]);
    out(g, "}}\n");
}

#endif
