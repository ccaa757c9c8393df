/* bench.c - speed and memory benchmarks, in CPU time beside wall time: M/M/1, Lua, JSQ, the seed scenario, large networks, the event queues alone. */
/*
 * Every figure prints CPU seconds (CLOCK_PROCESS_CPUTIME_ID) beside wall
 * seconds: on a shared machine the wall clock drifts 2-3x, CPU time much
 * less.  Nothing here decides a pass; tests/BENCH.md records instruction
 * counts (callgrind), the stable figure for before/after claims.
 */
#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <malloc.h>
#include <time.h>
#include "../experiment/tb_results.h"
#include "../experiment/tb_run.h"
#include "../sim/sim_engine.h"
#include "../sim/sim_rng.h"

/* Wall-clock time is read here only, to report speed; never inside a run. */
static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes the allocator has handed out and not had back (mallinfo2: heap
 * and mmap'd blocks), so what a model holds is the difference around it,
 * whatever earlier benchmarks left resident. */
static double held_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A prepared model through the one pipeline (experiment/tb_run.h). */
static tb_model *load_spec(const tb_run_spec *spec)
{
    tb_run r;
    char err[1400];
    if (tb_run_prepare(&r, spec, err, sizeof err, NULL) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return tb_run_take_model(&r);
}

static tb_model *load(const char *json)
{
    tb_run_spec spec = { .scenario = "bench.json", .text = json, .len = strlen(json) };
    return load_spec(&spec);
}

/* M/M/1 at rho = 0.9 for `n` customers, time series written to /dev/null;
 * `policy` is "" for the built-in FIFO or a shipped policy's name, with
 * its instruction budget on or "off".  Returns customers per CPU second. */
static double bench_mm1(uint64_t n, const char *policy, int budget_off)
{
    char json[768], pol[160] = "";
    if (*policy)
        snprintf(pol, sizeof pol, ", \"policy\": \"p\"");
    snprintf(json, sizeof json,
             "{\"duration\": 1e9, \"window\": 100, \"max_completions\": %llu,%s%s%s%s"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.9}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"rate\": 1}%s}}}",
             (unsigned long long)n, *policy ? " \"policies\": {\"p\": {\"script\": \"" : "", policy,
             *policy ? "\"" : "", *policy ? (budget_off ? ", \"budget\": \"off\"}}," : "}},") : "", pol);
    tb_model *m = load(json);
    m->ts = fopen("/dev/null", "w");
    double t0 = wall(), c0 = cpu();
    tb_model_run(m, NULL);
    double dt = wall() - t0, dc = cpu() - c0, rate = (double)m->classes[0].completions / dc;
    printf("M/M/1 rho=0.9, %llu customers, all statistics on, %s%s: %.3f s CPU (%.3f s wall), %.2f million "
           "customers per CPU s, %.2f million events per CPU s, peak RSS %ld KiB\n",
           (unsigned long long)n, *policy ? "Lua policy lua/fifo.lua" : "built-in FIFO",
           *policy ? (budget_off ? ", budget off" : ", budget on") : "", dc, dt, rate / 1e6,
           (double)m->eng->events / dc / 1e6, peak_rss_kib());
    fclose(m->ts);
    tb_model_free(m);
    return rate;
}

/* The hand-written reference the M/M/1 figure is compared with: the same
 * queue as an event loop over a binary heap of (time, kind), GSL
 * exponentials (MT19937), the sojourns' mean; no other statistics.
 * Returns customers per CPU second. */
static double bench_loop(uint64_t n)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    struct { double t; int kind; } *h = malloc(4 * sizeof *h), x;
    double *arrived = malloc(1024 * sizeof *arrived), sum = 0, now = 0;
    size_t cap = 1024, head = 0, tail = 0, nh = 0;
    uint64_t done = 0;
#define PUSH(T, K)                                                                                        \
    do {                                                                                                  \
        size_t i_ = nh++;                                                                                 \
        while (i_ > 0 && h[(i_ - 1) / 2].t > (T)) {                                                        \
            h[i_] = h[(i_ - 1) / 2];                                                                        \
            i_ = (i_ - 1) / 2;                                                                             \
        }                                                                                                 \
        h[i_].t = (T), h[i_].kind = (K);                                                                  \
    } while (0)
    double c0 = cpu();
    PUSH(gsl_ran_exponential(g, 1 / 0.9), 0);
    while (done < n) {
        x = h[0]; /* pop */
        size_t i = 0, last = --nh;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= nh)
                break;
            if (c + 1 < nh && h[c + 1].t < h[c].t)
                c++;
            if (h[c].t >= h[last].t)
                break;
            h[i] = h[c];
            i = c;
        }
        h[i] = h[last];
        now = x.t;
        if (x.kind == 0) { /* arrival: join the queue, start if alone */
            if (tail - head == cap) { /* grow the ring of arrival times */
                double *a = malloc(2 * cap * sizeof *a);
                for (size_t k = 0; k < cap; k++)
                    a[k] = arrived[(head + k) % cap];
                free(arrived);
                arrived = a, tail -= head, head = 0, cap *= 2;
            }
            arrived[tail++ % cap] = now;
            if (tail - head == 1)
                PUSH(now + gsl_ran_exponential(g, 1), 1);
            PUSH(now + gsl_ran_exponential(g, 1 / 0.9), 0);
        } else { /* departure */
            sum += now - arrived[head++ % cap];
            done++;
            if (tail > head)
                PUSH(now + gsl_ran_exponential(g, 1), 1);
        }
    }
#undef PUSH
    double dc = cpu() - c0;
    printf("hand-written M/M/1 loop (binary heap, GSL exponentials, mean sojourn only), %llu customers: %.3f s "
           "CPU, %.2f million customers per CPU s (mean sojourn %.3f, theory 10)\n",
           (unsigned long long)n, dc, (double)n / dc / 1e6, sum / (double)done);
    free(h);
    free(arrived);
    gsl_rng_free(g);
    return (double)n / dc;
}

/* The classic hold model: n pending events; each step pops the minimum and
 * inserts one at now + Exp(1 s).  Reports ns per hold (pop + insert). */
/* The hold model: pop the earliest, push it back a random delay later.
 * With `zero` > 0 that share of the delays is 0 (events at one instant, as
 * batches and zero-delay hops make), which once made the calendar queue
 * estimate a width of one tick. */
static void bench_hold(const sim_evq_ops *ops, size_t n, size_t holds, double zero)
{
    sim_evq *q = ops->create();
    sim_event *ev = malloc(n * sizeof *ev);
    sim_rng r;
    sim_rng_init(&r, 1, 0, "hold");
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&ev[i], 0, sizeof ev[i]);
        ev[i].time = (sim_time)(-1e9 * log1p(-sim_rng_u01(&r)));
        ev[i].seq = ++seq;
        ops->insert(q, &ev[i]);
    }
    double t0 = wall(), c0 = cpu();
    for (size_t i = 0; i < holds; i++) {
        sim_event *e = ops->pop_min(q);
        double u = sim_rng_u01(&r);
        e->time += u < zero ? 0 : (sim_time)(-1e9 * log1p(-sim_rng_u01(&r)));
        e->seq = ++seq;
        ops->insert(q, e);
    }
    double dt = wall() - t0, dc = cpu() - c0;
    printf("hold model%s, %-8s %8zu pending: %7.1f ns/hold CPU (%.1f wall)\n", zero > 0 ? " (half at one instant)" : "",
           ops->name, n, dc / (double)holds * 1e9, dt / (double)holds * 1e9);
    ops->destroy(q);
    free(ev);
}

/* Loading a chain of n queue nodes with a link between each pair: the
 * loader's cost per node must not grow with n (it was quadratic: a linear
 * name search per reference, every link compared with every other, and a
 * fixed-point pass per node to find the ways out). */
static void bench_loader(int n)
{
    size_t cap = (size_t)n * 160 + 256, len = 0;
    char *json = malloc(cap);
    if (!json)
        return;
    len += (size_t)snprintf(json + len, cap - len, "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": "
                            "{\"process\": \"poisson\", \"rate\": 0.1}, \"entry\": \"n0\"}}, \"nodes\": {");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s\"n%d\": {\"service\": 0.5%s%d%s}", i ? ", " : "", i,
                                i + 1 < n ? ", \"next\": [{\"node\": \"n" : "", i + 1, i + 1 < n ? "\", \"p\": 1}]" : "");
    len += (size_t)snprintf(json + len, cap - len, "}, \"links\": [");
    for (int i = 0; i + 1 < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"from\": \"n%d\", \"to\": \"n%d\", \"delay\": 0.001}",
                                i ? ", " : "", i, i + 1);
    snprintf(json + len, cap - len, "]}");
    tb_run_spec spec = { .scenario = "chain.json", .text = json, .len = strlen(json) };
    tb_run r;
    char err[1400];
    double t0 = wall(), c0 = cpu();
    if (tb_run_build(&r, &spec, err, sizeof err, NULL) != 0) {
        fprintf(stderr, "%s\n", err);
        free(json);
        return;
    }
    double dt = wall() - t0, dc = cpu() - c0;
    printf("loader: a chain of %7d nodes and links validated in %.3f s CPU (%.3f s wall), %.2f us CPU per node\n", n,
           dc, dt, dc / n * 1e6);
    tb_run_free(&r);
    free(json);
}

/* A router that spreads Poisson arrivals over n queue nodes by `next`
 * (p = 1/n each, load 0.5 at every node), for `secs` simulated seconds,
 * time series on: load time, run time, events per CPU second and the
 * memory it holds per node.  `run` 0 loads only. */
static void bench_network(int n, double secs, int run)
{
    size_t cap = (size_t)n * 120 + 512, len = 0;
    char *json = malloc(cap);
    if (!json)
        return;
    len += (size_t)snprintf(json + len, cap - len,
                            "{\"duration\": %g, \"window\": %g, \"classes\": {\"c\": {\"arrival\": {\"process\": "
                            "\"poisson\", \"rate\": %g}, \"entry\": \"r\"}}, \"nodes\": {\"r\": {\"kind\": \"router\", "
                            "\"next\": [",
                            secs, secs / 10, 0.5 * n);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"node\": \"n%d\", \"p\": %.17g}", i ? ", " : "", i,
                                i + 1 < n ? 1.0 / n : 1.0 - (double)(n - 1) * (1.0 / n));
    len += (size_t)snprintf(json + len, cap - len, "]}");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(json + len, cap - len, ", \"n%d\": {\"service\": {\"type\": \"exponential\", "
                                "\"mean\": 1}}", i);
    snprintf(json + len, cap - len, "}}");
    double r0 = held_bytes();
    double t0 = wall(), c0 = cpu();
    tb_model *m = load(json);
    double lw = wall() - t0, lc = cpu() - c0;
    free(json);
    double held = held_bytes() - r0;
    printf("network of %7d nodes: loaded and prepared in %.3f s CPU (%.3f s wall), %.0f MiB held (%.2f KiB "
           "per node), peak RSS %ld KiB\n", n, lc, lw, held / 1048576, held / 1024 / n, peak_rss_kib());
    if (run) {
        m->ts = fopen("/dev/null", "w");
        t0 = wall(), c0 = cpu();
        tb_model_run(m, NULL);
        double dw = wall() - t0, dc = cpu() - c0;
        double after = held_bytes() - r0;
        printf("network of %7d nodes: %g simulated s, %llu events in %.3f s CPU (%.3f s wall), %.2f million "
               "events per CPU s; %.0f MiB held after the run (%.2f KiB per node)\n", n, secs,
               (unsigned long long)m->eng->events, dc, dw, (double)m->eng->events / dc / 1e6, after / 1048576,
               after / 1024 / n);
        fclose(m->ts);
        m->ts = NULL;
    }
    tb_model_free(m);
}

/* The same network written as a group ("W": {"count": n}), through the
 * whole of a run: load, run `secs` simulated seconds, write summary.json (to
 * /dev/null, as a run does: a node at a time).  Memory held by the model
 * (mallinfo2) after each step, and the process's peak so far. */
static void bench_group_network(int n, double secs)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"duration\": %g, \"window\": %g, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", "
             "\"rate\": %g}, \"entry\": \"r\"}}, \"nodes\": {\"r\": {\"kind\": \"router\", \"next\": [{\"node\": "
             "\"W\", \"p\": 1}]}, \"W\": {\"count\": %d, \"service\": {\"type\": \"exponential\", \"mean\": 1}}}}",
             secs, secs / 2, 0.5 * n, n);
    double r0 = held_bytes(), t0 = wall(), c0 = cpu();
    tb_model *m = load(json);
    double lc = cpu() - c0, lw = wall() - t0, loaded = held_bytes() - r0;
    c0 = cpu();
    tb_model_run(m, NULL);
    double rc = cpu() - c0, ran = held_bytes() - r0;
    FILE *f = fopen("/dev/null", "w");
    const tb_manifest man = { "bench", "", "heap", NULL, 0, NULL, 0, "complete" };
    c0 = cpu();
    if (f) {
        tb_results_write_summary(f, m, &man);
        fclose(f);
    }
    double wc = cpu() - c0;
    printf("group of %7d nodes: loaded in %.2f s CPU (%.2f s wall), %.0f MiB held (%.2f KiB per node); %g simulated s "
           "in %.2f s CPU, %.0f MiB held after (%.2f KiB per node); summary.json written in %.2f s CPU; peak RSS %ld MiB\n",
           n, lc, lw, loaded / 1048576, loaded / 1024 / n, secs, rc, ran / 1048576, ran / 1024 / n, wc,
           peak_rss_kib() / 1024);
    tb_model_free(m);
}

/* JSQ over 100 servers (lua/jsq.lua, one sim.least call per job) against
 * built-in random routing over the same servers, in CPU time. */
static void bench_jsq(double secs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/papers/power-of-d-choices/scenario.json", TB_SOURCE_ROOT);
    double per[2];
    for (int k = 0; k < 2; k++) {
        char dur[64], pol[64];
        snprintf(dur, sizeof dur, "duration=%g", secs);
        snprintf(pol, sizeof pol, "policies.lb.script=%s", k ? "random" : "jsq");
        char *sets[] = { dur, (char *)"warmup=0", pol, (char *)"policies.lb.params={}" };
        tb_run_spec spec = { .scenario = path, .sets = (const char *const *)sets, .nsets = 4 };
        tb_model *m = load_spec(&spec);
        m->ts = fopen("/dev/null", "w");
        double t0 = wall(), c0 = cpu();
        tb_model_run(m, NULL);
        double dc = cpu() - c0;
        per[k] = dc / (double)m->classes[0].completions;
        printf("%s over 100 servers, %g simulated s: %.3f s CPU (%.3f s wall), %.2f us per job\n",
               k ? "random (lua/random.lua)" : "JSQ (lua/jsq.lua)", secs, dc, wall() - t0, per[k] * 1e6);
        fclose(m->ts);
        m->ts = NULL;
        tb_model_free(m);
    }
    printf("JSQ over 100 servers vs random routing, CPU per job: %.2fx\n", per[0] / per[1]);
}

int main(int argc, char **argv)
{
    setenv("TAILBACK_DATA", TB_SOURCE_ROOT, 0); /* shipped policies, from the source tree */
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int only_mm1 = argc > 2 && strcmp(argv[2], "mm1") == 0; /* for profiling */
    double builtin = bench_mm1(n, "", 0);
    if (only_mm1)
        return 0;
    double loop = bench_loop(n);
    printf("M/M/1 CPU speed vs the hand-written loop: %.2f\n", builtin / loop);
    bench_mm1(10 * n, "", 0); /* memory must not grow with the number of customers */
    double lua = bench_mm1(n, "fifo", 0), off = bench_mm1(n, "fifo", 1);
    printf("Lua policy overhead, CPU: lua/fifo.lua / built-in FIFO = %.2fx with the budget on, %.2fx with it off "
           "(one rank() call per customer)\n", builtin / lua, builtin / off);
    bench_jsq(2000);
    /* the seed scenario: one simulated hour, 14 nodes, Lua fee priority */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/scenarios/seed-holiday-rush.json", TB_SOURCE_ROOT);
        double first900[2];
        for (int q = 0; q < 2; q++) {
            for (int part = 0; part < 2; part++) {
                char *sets[] = { (char *)"duration=900", (char *)"warmup=0" };
                tb_run_spec spec = { .scenario = path, .event_queue = q ? "calendar" : "heap",
                                     .sets = part ? (const char *const *)sets : NULL, .nsets = part ? 2 : 0 };
                tb_model *m = load_spec(&spec);
                double t0 = wall(), c0 = cpu();
                tb_model_run(m, NULL);
                double dc = cpu() - c0;
                if (part)
                    first900[q] = dc;
                printf("seed-holiday-rush (%s, %s): %.2f s CPU (%.2f s wall), %.2f million events per CPU s\n",
                       part ? "first 900 s" : "1 simulated hour", spec.event_queue, dc, wall() - t0,
                       (double)m->eng->events / dc / 1e6);
                tb_model_free(m);
            }
        }
        printf("seed-holiday-rush, first 900 s: calendar / heap CPU = %.2fx\n", first900[1] / first900[0]);
    }
    for (int k = 1000; k <= 100000; k *= 10)
        bench_loader(k);
    bench_network(10000, 20, 1);
    bench_network(100000, 2, 1);
    static const size_t sizes[] = { 1000, 100000, 1000000 };
    const sim_evq_ops *impls[] = { &sim_evq_heap, &sim_evq_calendar };
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 2; i++)
            bench_hold(impls[i], sizes[s], 2000000, 0);
    for (size_t i = 0; i < 2; i++)
        bench_hold(impls[i], 100000, 2000000, 0.5);
    bench_group_network(100000, 2);
    bench_group_network(1000000, 2); /* last: the peak RSS is the process's so far */
    return 0;
}
