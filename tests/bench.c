/* bench.c - speed and memory benchmarks: M/M/1 with all statistics, and the event queues alone (hold model). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
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
 * `policy` is "" for the built-in FIFO or a shipped policy's name.
 * Returns customers per second. */
static double bench_mm1(uint64_t n, const char *policy)
{
    char json[512], pol[64] = "";
    if (*policy)
        snprintf(pol, sizeof pol, ", \"policy\": \"%s\"", policy);
    snprintf(json, sizeof json,
             "{\"duration\": 1e9, \"window\": 100, \"max_completions\": %llu,"
             " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.9}, \"route\": [\"s\"]}},"
             " \"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"rate\": 1}%s}}}",
             (unsigned long long)n, pol);
    tb_model *m = load(json);
    m->ts = fopen("/dev/null", "w");
    double t0 = wall();
    tb_model_run(m, NULL);
    double dt = wall() - t0, rate = (double)m->classes[0].completions / dt;
    printf("M/M/1 rho=0.9, %llu customers, all statistics on, %s: %.3f s, %.2f million customers/s, "
           "%.2f million events/s, peak RSS %ld KiB\n",
           (unsigned long long)n, *policy ? "Lua policy lua/fifo.lua" : "built-in FIFO", dt,
           rate / 1e6, (double)m->eng->events / dt / 1e6, peak_rss_kib());
    fclose(m->ts);
    tb_model_free(m);
    return rate;
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
    double t0 = wall();
    for (size_t i = 0; i < holds; i++) {
        sim_event *e = ops->pop_min(q);
        double u = sim_rng_u01(&r);
        e->time += u < zero ? 0 : (sim_time)(-1e9 * log1p(-sim_rng_u01(&r)));
        e->seq = ++seq;
        ops->insert(q, e);
    }
    double dt = wall() - t0;
    printf("hold model%s, %-8s %8zu pending: %7.1f ns/hold\n", zero > 0 ? " (half at one instant)" : "", ops->name, n,
           dt / (double)holds * 1e9);
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
    double t0 = wall();
    if (tb_run_build(&r, &spec, err, sizeof err, NULL) != 0) {
        fprintf(stderr, "%s\n", err);
        free(json);
        return;
    }
    double dt = wall() - t0;
    printf("loader: a chain of %7d nodes and links built in %.3f s (%.2f us per node)\n", n, dt, dt / n * 1e6);
    tb_run_free(&r);
    free(json);
}

int main(int argc, char **argv)
{
    setenv("TAILBACK_DATA", TB_SOURCE_ROOT, 0); /* shipped policies, from the source tree */
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int only_mm1 = argc > 2 && strcmp(argv[2], "mm1") == 0; /* for profiling */
    double builtin = bench_mm1(n, "");
    if (only_mm1)
        return 0;
    bench_mm1(10 * n, ""); /* memory must not grow with the number of customers */
    double lua = bench_mm1(n, "fifo");
    printf("Lua policy overhead: built-in / lua/fifo.lua throughput = %.2f "
           "(one rank() call per customer)\n", builtin / lua);
    /* the seed scenario: one simulated hour, 14 nodes, Lua fee priority */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/scenarios/seed-holiday-rush.json", TB_SOURCE_ROOT);
        for (int q = 0; q < 2; q++) {
            tb_run_spec spec = { .scenario = path, .event_queue = q ? "calendar" : "heap" };
            tb_model *m = load_spec(&spec);
            double t0 = wall();
            tb_model_run(m, NULL);
            printf("seed-holiday-rush (1 simulated hour, %s): %.2f s wall, %.2f million events/s\n",
                   spec.event_queue, wall() - t0, (double)m->eng->events / (wall() - t0) / 1e6);
            tb_model_free(m);
        }
    }
    for (int k = 1000; k <= 100000; k *= 10)
        bench_loader(k);
    static const size_t sizes[] = { 1000, 100000, 1000000 };
    const sim_evq_ops *impls[] = { &sim_evq_heap, &sim_evq_calendar };
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < 2; i++)
            bench_hold(impls[i], sizes[s], 2000000, 0);
    for (size_t i = 0; i < 2; i++)
        bench_hold(impls[i], 100000, 2000000, 0.5);
    return 0;
}
