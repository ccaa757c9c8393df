/* tailback.c - the command line: options, usage, dispatch to run, validate, sweep, plot and report, signals, exit statuses. */
#define _GNU_SOURCE /* sched_getaffinity */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <dirent.h>
#include <sys/stat.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/tb_io.h"
#include "sim/sim_lua.h"
#include "sim/sim_json.h"
#include "experiment/tb_plot.h"
#include "experiment/tb_report.h"
#include "experiment/tb_generate.h"
#include "experiment/tb_results.h"
#include "experiment/tb_output.h"
#include "experiment/tb_pool.h"
#include "experiment/tb_run.h"
#include "experiment/tb_sweep.h"
#include "experiment/tb_version.h"

/* Exit statuses, documented in --help; a signal gives 128 + its number
 * (130 for SIGINT, 143 for SIGTERM). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
#define EXIT_INTERRUPTED (128 + interrupted)

/* The signal that asked us to stop (0: none).  The engine checks it after
 * every event; a policy in the middle of a call is stopped at its next
 * instruction. */
static volatile int interrupted;

static void on_signal(int sig)
{
    int first = !interrupted;
    interrupted = sig;
    sim_lua_interrupt();
    if (first)
        tb_pool_signal(sig); /* a sweep's runs in flight stop too */
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static const char usage_main[] =
    "usage: tailback COMMAND [OPTIONS]\n"
    "\n"
    "A deterministic discrete-event simulator of networks of services under load.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json       simulate a scenario, write results to a directory\n"
    "  validate SCENARIO.json  check a scenario without running it\n"
    "  sweep EXPERIMENT.json   replications, parameter sweeps and policy comparisons\n"
    "  plot RESULTS_DIR        figures from a run's or a sweep's results (gnuplot)\n"
    "  report RESULTS_DIR...   one self-contained HTML report for a design review\n"
    "  generate GEN.lua        write the scenario a Lua generator returns (large networks)\n"
    "  version                 print the version\n"
    "  help [COMMAND]          show help for a command (help --man: the manual page in roff)\n"
    "\n"
    "SCENARIO and EXPERIMENT may also name a shipped one (mm1, mm1.json,\n"
    "mm1-load-sweep), or be - for standard input (relative paths inside it are then\n"
    "taken from the current directory).  Options go anywhere, as --out DIR or\n"
    "--out=DIR (-o DIR, -oDIR), -j 2 or -j2; -- ends them.\n"
    "Exit status: 0 success, 1 run failure, 2 bad input or usage, 130 interrupted\n"
    "(SIGINT, Ctrl-C), 143 terminated (SIGTERM).\n"
    "Scenario reference: docs/scenario.md\n";

static const char usage_run[] =
    "usage: tailback run SCENARIO.json [OPTIONS]\n"
    "\n"
    "Simulate SCENARIO and write summary.json and timeseries.csv into the output\n"
    "directory; then print a short table of per-class and per-node results.\n"
    "\n"
    "options:\n"
    "  --seed N              master seed (default: the scenario's \"seed\", else 1)\n"
    "  --replication R       replication number, part of every random stream's key\n"
    "                        (default 0; `tailback sweep --show-run` uses it)\n"
    "  -o, --out DIR         output directory (default: results/NAME-seedN); \"-\" writes\n"
    "                        summary.json to standard output and nothing else\n"
    "  --set PATH=VALUE      override a scenario field, e.g. --set nodes.server.workers=2\n"
    "                        (VALUE is JSON when it parses as JSON, else a string;\n"
    "                        repeatable; recorded in the manifest)\n"
    "  --event-queue KIND    heap or calendar (results are identical; speed differs)\n"
    "  --trace FILE          write one CSV line per job event (large: small runs only)\n"
    "  -q, --quiet           print no table\n"
    "  -h, --help            show this help\n"
    "\n"
    "Files are written atomically: after a failure or Ctrl-C no file is left\n"
    "that looks complete.  A progress line appears on stderr when it is a terminal.\n";

static const char usage_generate[] =
    "usage: tailback generate GEN.lua [--set NAME=VALUE]... [--seed N] [--budget N] [-o FILE]\n"
    "\n"
    "Run a scenario generator (a Lua script in the policy sandbox: no files, no\n"
    "commands, a budget of instructions and memory) and write the scenario table\n"
    "it returns as JSON, to FILE (atomically) or to standard output.  The same\n"
    "script, values and seed give the same bytes.  Shipped generators (fat-tree,\n"
    "leaf-spine, random regular graphs, chains): scenarios/generators/.\n"
    "Reference: docs/generate.md\n"
    "\n"
    "options:\n"
    "  --set NAME=VALUE   params.NAME in the script (VALUE is JSON when it parses\n"
    "                     as JSON, else a string; repeatable)\n"
    "  --seed N           math.random's seed (default 1)\n"
    "  --budget N         instructions the script may run (default 500000000,\n"
    "                     a few seconds); beyond it, an error\n"
    "  -o, --out FILE     write FILE instead of standard output\n"
    "  -h, --help         show this help\n";

static const char usage_sweep[] =
    "usage: tailback sweep EXPERIMENT.json [-j N] [--out DIR] [--plan | --run-index I[-J] | --merge |\n"
    "                                      --show-run I]\n"
    "\n"
    "Check every configuration of an experiment (a scenario, what varies, policy\n"
    "alternatives), run each for its replications, then aggregate: runs.csv (one\n"
    "row per run), summary.csv (estimates with 95% intervals: t over replications\n"
    "for means, pooled histograms for percentiles), comparisons.csv (each\n"
    "alternative minus the baseline, or every pair, paired by replication:\n"
    "common random numbers), warmup.csv, manifest.json; then print the verdict\n"
    "(metrics by alternatives, intervals, the best marked).  Output is\n"
    "byte-identical whatever -j is.  A finished run is reused only while\n"
    "everything that determines it is unchanged: after an interruption or an\n"
    "edit, the same command runs exactly what is missing or out of date.\n"
    "EXPERIMENT may name a shipped one (mm1-load-sweep) or be - (standard input).\n"
    "Experiment reference: docs/experiment.md\n"
    "\n"
    "options:\n"
    "  -j, --jobs N     runs at once (default: the CPUs this process may use: the\n"
    "                   affinity mask, or SLURM_CPUS_PER_TASK in a Slurm task)\n"
    "  -o, --out DIR    output directory (default: results/NAME)\n"
    "  --plan           only write DIR/plan.csv, the list of independent runs\n"
    "  --run-index I    only execute run I (or I-J) of the plan: for cluster engines,\n"
    "                   e.g. --run-index $SLURM_ARRAY_TASK_ID, or GNU parallel\n"
    "  --merge          only aggregate the finished runs\n"
    "  --force          OUT holds another experiment's runs: discard them (else refused)\n"
    "  --show-run I     print the `tailback run` command that repeats run I alone\n"
    "                   (same seed, replication and overrides: add --out to keep\n"
    "                   its time series, latency and network files)\n";

static const char usage_plot[] =
    "usage: tailback plot RESULTS_DIR [--format png|svg|pdf[,...]] [--out DIR] [--keep-data DIR]\n"
    "\n"
    "Draw every figure that applies to a run's or a sweep's results with gnuplot\n"
    "(templates in plots/): for a run, queue length per node over time, a\n"
    "congestion heatmap (nodes x time) and the latency distribution per class;\n"
    "for a sweep, latency against the varied parameter (mean and p99, 95% bands,\n"
    "theory dashed when the experiment gives it), every other metric against it,\n"
    "and the paired policy comparison.  Default: PNG into RESULTS_DIR/plots.\n"
    "The results are read as data only: nothing in them is run.\n"
    "\n"
    "  --keep-data DIR   keep each figure's prepared data and gnuplot settings in\n"
    "                    DIR, to redraw it by hand with a restyled template\n";

static const char usage_report[] =
    "usage: tailback report RESULTS_DIR... [--out FILE]\n"
    "\n"
    "Write one self-contained HTML file for a design review (default:\n"
    "report.html in the first RESULTS_DIR): per results directory, the question,\n"
    "the scenario or experiment in words, tables with intervals, the figures\n"
    "(drawn with gnuplot and inlined as SVG) and the manifest that reproduces it.\n"
    "It opens in a browser from disk; nothing is fetched.\n";

static const char usage_validate[] =
    "usage: tailback validate SCENARIO.json [--set PATH=VALUE ...]\n"
    "\n"
    "Check a scenario (syntax, every field, every reference) without running it.\n"
    "Errors name the file and the JSON path; the exit status is 2 when invalid.\n";

typedef struct {
    const char *scenario, *out, *evq, *trace;
    const char **sets; /* the --set assignments, in order */
    char **args;       /* the copy of argv that getopt_long reorders (the manifest keeps the original) */
    int nsets, has_seed, has_rep, quiet;
    unsigned long long seed, rep;
} run_opts;

/*
 * Options, the GNU way (getopt_long): "--out DIR" or "--out=DIR", "-j 2" or
 * "-j2", options anywhere, "--" ends them.  Each command has its table;
 * next_opt() prints the one-line error getopt would, with the command's
 * name and where to look.
 */
enum { OPT_SET = 256, OPT_SEED, OPT_REPLICATION, OPT_EVQ, OPT_TRACE, OPT_PLAN, OPT_RUN_INDEX, OPT_MERGE, OPT_FORCE,
       OPT_SHOW_RUN, OPT_FORMAT, OPT_KEEP_DATA, OPT_BUDGET };

static int next_opt(int argc, char **argv, const char *shorts, const struct option *longs)
{
    opterr = 0;
    int c = getopt_long(argc, argv, shorts, longs, NULL);
    if (c == '?' || c == ':') {
        const char *what = argv[optind - 1];
        fprintf(stderr, "tailback %s: %s option %s (see tailback %s --help)\n", argv[0],
                c == ':' ? "a value is needed after the" : "unknown", what, argv[0]);
    }
    return c;
}

/* A non-negative integer option value: EXIT_OK, or EXIT_USAGE with the message printed. */
static int parse_count(const char *opt, const char *val, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(val, &end, 10);
    if (errno || *end || !*val || val[0] == '-') {
        fprintf(stderr, "tailback: %s: expected a non-negative integer, found \"%s\"\n", opt, val);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void free_opts(run_opts *o)
{
    free(o->sets);
    free(o->args);
}

/* Parse options shared by run and validate; returns EXIT_OK, -1 after
 * --help, or an exit status. */
static int parse_opts(int argc, char **argv, run_opts *o, int allow_run_opts, const char *usage)
{
    static const struct option run_long[] = {
        { "help", no_argument, NULL, 'h' },       { "set", required_argument, NULL, OPT_SET },
        { "seed", required_argument, NULL, OPT_SEED }, { "replication", required_argument, NULL, OPT_REPLICATION },
        { "out", required_argument, NULL, 'o' },  { "event-queue", required_argument, NULL, OPT_EVQ },
        { "trace", required_argument, NULL, OPT_TRACE }, { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    static const struct option validate_long[] = {
        { "help", no_argument, NULL, 'h' }, { "set", required_argument, NULL, OPT_SET }, { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->sets = calloc((size_t)argc, sizeof *o->sets);
    o->args = malloc((size_t)(argc + 1) * sizeof *o->args);
    if (!o->sets || !o->args)
        return EXIT_FAIL;
    memcpy(o->args, argv, (size_t)argc * sizeof *argv);
    o->args[argc] = NULL;
    argv = o->args;
    optind = 1;
    for (int c; (c = next_opt(argc, argv, allow_run_opts ? ":ho:q" : ":h",
                              allow_run_opts ? run_long : validate_long)) != -1;) {
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        } else if (c == OPT_SET) {
            o->sets[o->nsets++] = optarg;
        } else if (c == OPT_SEED || c == OPT_REPLICATION) {
            if (parse_count(c == OPT_SEED ? "--seed" : "--replication", optarg, c == OPT_SEED ? &o->seed : &o->rep))
                return EXIT_USAGE;
            *(c == OPT_SEED ? &o->has_seed : &o->has_rep) = 1;
        } else if (c == 'o') {
            o->out = optarg;
        } else if (c == OPT_EVQ) {
            o->evq = optarg;
            if (!sim_evq_find(o->evq)) {
                fprintf(stderr, "tailback: --event-queue: expected heap or calendar, found \"%s\"\n", o->evq);
                return EXIT_USAGE;
            }
        } else if (c == OPT_TRACE) {
            o->trace = optarg;
        } else if (c == 'q') {
            o->quiet = 1;
        } else {
            return EXIT_USAGE;
        }
    }
    if (optind < argc) /* getopt_long has moved the operands to the end */
        o->scenario = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "tailback %s: expected one scenario, found a second: %s\n", argv[0], argv[optind]);
        return EXIT_USAGE;
    }
    if (!o->scenario) {
        fprintf(stderr, "tailback %s: expected a scenario file (see tailback %s --help)\n", argv[0], argv[0]);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The run spec of `run` and `validate`'s options; the scenario named by
 * path or as a shipped one. */
static void spec_of(const run_opts *o, tb_run_spec *spec, char *pathbuf, size_t n)
{
    *spec = (tb_run_spec){ .scenario = tb_run_find_scenario(o->scenario, pathbuf, n), .sets = o->sets,
                           .nsets = o->nsets, .has_seed = o->has_seed, .seed = o->seed,
                           .replication = o->has_rep ? o->rep : 0, .event_queue = o->evq };
}


static int cmd_validate(int argc, char **argv)
{
    run_opts o;
    char buf[PATH_MAX], err[1400];
    tb_run_spec spec;
    tb_run r;
    int rc = parse_opts(argc, argv, &o, 0, usage_validate);
    if (rc == EXIT_OK) {
        spec_of(&o, &spec, buf, sizeof buf);
        if (tb_sweep_is_experiment(spec.scenario)) {
            rc = tb_sweep_validate(spec.scenario);
        } else if (tb_run_prepare(&r, &spec, err, sizeof err, NULL) != 0) { /* loads the policies too */
            fprintf(stderr, "%s\n", err);
            rc = EXIT_USAGE;
        } else {
            printf("%s: ok (%d classes, %d nodes, %d links, %d policies)\n", tb_shown_path(r.sc.file), r.m->nclasses,
                   r.m->nnodes, r.m->nlinks, r.m->ndeciders);
            tb_run_free(&r);
        }
    }
    free_opts(&o);
    return rc < 0 ? EXIT_OK : rc;
}

/* "--out -": results are a folder of files, never a stream. */
static int out_is_dash(const char *cmd, const char *out)
{
    if (!out || strcmp(out, "-") != 0)
        return 0;
    fprintf(stderr, "tailback %s: --out -: expected a directory name (the results are several files, not one "
                    "stream)\n", cmd);
    return 1;
}

/* Remove a results folder of plain files (a run's) and the folder itself. */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        char path[PATH_MAX + 300];
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            (void)unlink(path);
        }
        closedir(d);
    }
    (void)rmdir(dir);
}

/* `run --out -`: summary.json, and nothing else, on standard output.  The
 * run writes its folder into a private temporary directory as usual (so
 * the summary is the same bytes as in a folder); the directory is removed
 * whatever happens. */
static int summary_to_stdout(const char *dir, const char *top)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    size_t len;
    char *text = tb_read_file(path, &len);
    int rc = EXIT_OK;
    if (!text || fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "tailback run: --out -: cannot write summary.json to standard output\n");
        rc = EXIT_FAIL;
    }
    free(text);
    remove_flat_dir(dir);
    (void)rmdir(top);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse_opts(argc, argv, &o, 1, usage_run);
    if (rc != EXIT_OK) {
        free_opts(&o);
        return rc < 0 ? EXIT_OK : rc;
    }
    char buf[PATH_MAX], outbuf[PATH_MAX], err[1400];
    tb_run_spec spec;
    tb_run r = { 0 };
    spec_of(&o, &spec, buf, sizeof buf);
    if (tb_run_prepare(&r, &spec, err, sizeof err, NULL) != 0) {
        fprintf(stderr, "%s\n", err); /* a policy that does not load is bad input too */
        free_opts(&o);
        return EXIT_USAGE;
    }
    char seed[32];
    snprintf(seed, sizeof seed, "-seed%llu", (unsigned long long)r.m->seed);
    const char *out = o.out ? o.out : tb_default_out(r.sc.file, seed, outbuf, sizeof outbuf);
    char top[PATH_MAX] = "", sub[PATH_MAX + 8];
    int to_stdout = strcmp(out, "-") == 0;
    if (to_stdout) {
        const char *tmp = getenv("TMPDIR");
        snprintf(top, sizeof top, "%s/tailback-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(top)) {
            fprintf(stderr, "tailback run: --out -: cannot create a temporary directory in %s (%s)\n",
                    tmp && *tmp ? tmp : "/tmp", strerror(errno));
            tb_run_free(&r);
            free_opts(&o);
            return EXIT_FAIL;
        }
        snprintf(sub, sizeof sub, "%s/run", top);
        out = sub;
        o.quiet = 1;
    }
    catch_signals();
    tb_run_output to = { out, o.trace, (const char *const *)argv - 1, argc + 1, &interrupted, isatty(2),
                         to_stdout };
    tb_run_status st;
    int w = tb_run_write(&r, &to, &st, err, sizeof err);
    if (w != 0 || st != TB_RUN_OK)
        fprintf(stderr, "%s\n", err); /* the failure, or why the results written are partial */
    if (w == -2)
        rc = EXIT_USAGE;
    else if (w != 0 || st == TB_RUN_LIMIT)
        rc = EXIT_FAIL;
    else if (st == TB_RUN_INTERRUPTED)
        rc = EXIT_INTERRUPTED;
    else if (!o.quiet) {
        tb_results_table(stdout, r.m);
        printf("results: %s/summary.json, %s/timeseries.csv, %s/network.csv\n", out, out, out);
    }
    if (to_stdout) {
        if (rc == EXIT_OK)
            rc = summary_to_stdout(out, top);
        else
            remove_flat_dir(out), (void)rmdir(top);
    }
    tb_run_free(&r);
    free_opts(&o);
    return rc;
}


static int cmd_plot(int argc, char **argv)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' },       { "format", required_argument, NULL, OPT_FORMAT },
        { "out", required_argument, NULL, 'o' },  { "keep-data", required_argument, NULL, OPT_KEEP_DATA },
        { NULL, 0, NULL, 0 },
    };
    tb_plot_opts o = { .formats = "png" };
    optind = 1;
    for (int c; (c = next_opt(argc, argv, ":ho:", longs)) != -1;) {
        const char **to = c == OPT_FORMAT ? &o.formats : c == 'o' ? &o.out : c == OPT_KEEP_DATA ? &o.keep : NULL;
        if (c == 'h')
            return fputs(usage_plot, stdout), EXIT_OK;
        if (!to)
            return EXIT_USAGE;
        *to = optarg;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "tailback plot: expected one results directory, found %d (see tailback plot --help)\n",
                argc - optind);
        return EXIT_USAGE;
    }
    return tb_plot_dir(argv[optind], &o);
}

static int cmd_report(int argc, char **argv)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' }, { "out", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
    };
    const char *out = NULL;
    optind = 1;
    for (int c; (c = next_opt(argc, argv, ":ho:", longs)) != -1;) {
        if (c == 'h')
            return fputs(usage_report, stdout), EXIT_OK;
        if (c != 'o')
            return EXIT_USAGE;
        out = optarg;
    }
    const char *const *dirs = (const char *const *)argv + optind;
    int ndirs = argc - optind;
    if (ndirs == 0) {
        fprintf(stderr, "tailback report: expected one or more results directories (see tailback report --help)\n");
        return EXIT_USAGE;
    }
    char outbuf[PATH_MAX + 16], err[1400];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s/report.html", dirs[0]);
        out = outbuf;
    }
    int rc = tb_report_write(dirs, ndirs, out, err, sizeof err);
    if (err[0])
        fprintf(stderr, "tailback report: %s\n", err);
    if (rc == EXIT_OK)
        printf("%s\n", out);
    return rc;
}

typedef struct sweep_opts {
    const char *file, *out, *range, *show;
    int jobs, plan, merge, force;
} sweep_opts;

/* Runs at once by default: the CPUs this process may use (a cluster task's
 * allocation, SLURM_CPUS_PER_TASK, or the affinity mask that cgroups and
 * taskset set), not every processor of the node, which would oversubscribe
 * a node shared by several tasks. */
static int default_jobs(void)
{
    const char *slurm = getenv("SLURM_CPUS_PER_TASK");
    if (slurm) {
        char *end;
        long n = strtol(slurm, &end, 10);
        if (end != slurm && !*end && n >= 1 && n <= 4096)
            return (int)n;
    }
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n >= 1)
            return n > 4096 ? 4096 : n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 && n <= 4096 ? (int)n : 1;
}

/* EXIT_OK to go on, -1 after --help, or EXIT_USAGE with the message printed. */
static int parse_sweep_opts(int argc, char **argv, sweep_opts *o)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' },           { "jobs", required_argument, NULL, 'j' },
        { "out", required_argument, NULL, 'o' },      { "run-index", required_argument, NULL, OPT_RUN_INDEX },
        { "show-run", required_argument, NULL, OPT_SHOW_RUN }, { "plan", no_argument, NULL, OPT_PLAN },
        { "merge", no_argument, NULL, OPT_MERGE },    { "force", no_argument, NULL, OPT_FORCE },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->jobs = default_jobs();
    optind = 1;
    for (int c; (c = next_opt(argc, argv, ":hj:o:", longs)) != -1;) {
        if (c == 'h') {
            fputs(usage_sweep, stdout);
            return -1;
        } else if (c == 'j') {
            char *end;
            long j = strtol(optarg, &end, 10);
            o->jobs = *end || end == optarg || j < 1 || j > 4096 ? 0 : (int)j;
            if (o->jobs < 1) {
                fprintf(stderr, "tailback sweep: -j: expected a number of runs at once in 1..4096, found \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
        } else if (c == 'o' || c == OPT_RUN_INDEX || c == OPT_SHOW_RUN) {
            *(c == 'o' ? &o->out : c == OPT_RUN_INDEX ? &o->range : &o->show) = optarg;
        } else if (c == OPT_PLAN || c == OPT_MERGE || c == OPT_FORCE) {
            *(c == OPT_PLAN ? &o->plan : c == OPT_MERGE ? &o->merge : &o->force) = 1;
        } else {
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        o->file = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "tailback sweep: expected one experiment, found a second: %s\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!o->file) {
        fprintf(stderr, "tailback sweep: expected an experiment file (see tailback sweep --help)\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmd_generate(int argc, char **argv)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' }, { "set", required_argument, NULL, OPT_SET },
        { "seed", required_argument, NULL, OPT_SEED }, { "out", required_argument, NULL, 'o' },
        { "budget", required_argument, NULL, OPT_BUDGET }, { NULL, 0, NULL, 0 },
    };
    const char **sets = calloc((size_t)argc + 1, sizeof *sets), *out = NULL;
    unsigned long long seed = 1, budget = TB_GEN_BUDGET;
    int nsets = 0, rc = EXIT_OK;
    if (!sets)
        return EXIT_FAIL;
    optind = 1;
    for (int c; rc == EXIT_OK && (c = next_opt(argc, argv, ":ho:", longs)) != -1;) {
        if (c == 'h') {
            fputs(usage_generate, stdout);
            free(sets);
            return EXIT_OK;
        } else if (c == OPT_SET) {
            sets[nsets++] = optarg;
        } else if (c == OPT_SEED) {
            rc = parse_count("--seed", optarg, &seed);
        } else if (c == OPT_BUDGET) {
            rc = parse_count("--budget", optarg, &budget);
            if (rc == EXIT_OK && (budget < 1000 || budget > (1ULL << 50))) {
                fprintf(stderr, "tailback generate: --budget: expected 1000 to 2^50 instructions, found %s\n", optarg);
                rc = EXIT_USAGE;
            }
        } else if (c == 'o') {
            out = optarg;
        } else {
            rc = EXIT_USAGE;
        }
    }
    if (rc == EXIT_OK && optind != argc - 1) {
        fprintf(stderr, "tailback generate: expected one generator script (see tailback generate --help)\n");
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) {
        free(sets);
        return rc;
    }
    char err[1400];
    catch_signals(); /* Ctrl-C stops the script at its next instruction */
    char *json = tb_generate(argv[optind], sets, nsets, seed, (long)budget, err, sizeof err);
    free(sets);
    if (!json) {
        fprintf(stderr, "%s\n", err);
        return interrupted ? EXIT_INTERRUPTED : EXIT_USAGE;
    }
    size_t len = strlen(json);
    if (out && strcmp(out, "-") != 0) {
        if (tb_write_atomic(out, json, len) != 0) {
            fprintf(stderr, "tailback generate: %s: cannot write: %s\n", out, strerror(errno));
            rc = EXIT_FAIL;
        }
    } else if (fwrite(json, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "tailback generate: cannot write to standard output\n");
        rc = EXIT_FAIL;
    }
    free(json);
    return rc;
}

static int cmd_sweep(int argc, char **argv)
{
    sweep_opts o;
    int rc = parse_sweep_opts(argc, argv, &o);
    if (rc == EXIT_OK && out_is_dash("sweep", o.out))
        rc = EXIT_USAGE;
    if (rc != EXIT_OK)
        return rc < 0 ? EXIT_OK : rc;
    tb_sweep s;
    sim_jctx c = { 0 };
    char filebuf[PATH_MAX];
    o.file = tb_run_find_scenario(o.file, filebuf, sizeof filebuf);
    if (tb_sweep_load(&s, o.file, &c) != 0) {
        fprintf(stderr, "%s\n", c.err);
        tb_sweep_free(&s);
        return EXIT_USAGE;
    }
    char outbuf[PATH_MAX];
    const char *out = o.out ? o.out : tb_default_out(o.file, "", outbuf, sizeof outbuf);
    tb_sweep_request q = { out, o.range, o.show, o.jobs, o.plan, o.merge, o.force };
    catch_signals();
    rc = tb_pool_sweep(&s, &q, &interrupted);
    tb_sweep_free(&s);
    return rc;
}

/* The commands, for dispatch and for `help COMMAND`. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} commands[] = {
    { "run", cmd_run, usage_run },          { "validate", cmd_validate, usage_validate },
    { "sweep", cmd_sweep, usage_sweep },    { "plot", cmd_plot, usage_plot },
    { "report", cmd_report, usage_report }, { "generate", cmd_generate, usage_generate },
};

/* Text for roff: a backslash doubled, a line that starts with . or ' guarded. */
static void roff_text(FILE *f, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

/* `tailback help --man`: the manual page tailback(1), in roff, made from the
 * very strings --help prints (so the two cannot drift apart): the overview,
 * then each command's help, preformatted. */
static int print_man(void)
{
    printf(".TH TAILBACK 1 \"\" \"tailback %s\" \"User Commands\"\n", TB_VERSION);
    printf(".SH NAME\ntailback \\- a deterministic discrete-event simulator of networks of services under load\n");
    printf(".SH SYNOPSIS\n.B tailback\n.I COMMAND\n.RI [ OPTIONS ]\n");
    printf(".SH DESCRIPTION\n.nf\n");
    roff_text(stdout, usage_main);
    printf(".fi\n.SH COMMANDS\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        printf(".SS %s\n.nf\n", commands[i].name);
        roff_text(stdout, commands[i].usage);
        printf(".fi\n");
    }
    printf(".SH FILES\nShipped scenarios, experiments, policies and plot templates are found beside the binary, "
           "in the data directory it was installed with (%s), or under $TAILBACK_DATA.\n", TB_DATADIR);
    printf(".SH SEE ALSO\n.BR gnuplot (1);\nthe reference in %s/../doc/tailback: scenario.md, experiment.md, "
           "results.md, generate.md.\n", TB_DATADIR);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("tailback %s\n", TB_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 && argc > 2 && strcmp(argv[2], "--man") == 0)
        return print_man();
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        const char *usage = usage_main;
        for (size_t i = 0; argc > 2 && i < sizeof commands / sizeof *commands; i++)
            if (strcmp(argv[2], commands[i].name) == 0)
                usage = commands[i].usage;
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
    } else {
        static const char *const names[] = { "run", "validate", "sweep", "plot", "report", "generate", "version",
                                             "help", NULL };
        int near = sim_jnearest_in(cmd, names);
        if (near >= 0)
            fprintf(stderr, "tailback: unknown command '%s'; did you mean '%s'?\n\n%s", cmd, names[near], usage_main);
        else
            fprintf(stderr, "tailback: unknown command '%s'\n\n%s", cmd, usage_main);
    }
    return EXIT_USAGE;
}
