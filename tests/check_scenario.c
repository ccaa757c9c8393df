/* check_scenario.c - the loader's errors, overrides, warm-up and stream independence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "../sim/sim_json.h"
#include "../sim/sim_rng.h"
#include "../models/tb_scenario.h"
#include "../experiment/tb_results.h"
#include "tb_test.h"

#define MM1_NODES "\"nodes\": {\"s\": {\"service\": {\"type\": \"exponential\", \"rate\": 1}}}"
#define MM1_CLASS "\"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.5}, \"route\": [\"s\"]}}"

START_TEST(each_mistake_is_one_line_naming_the_file_and_json_path)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        { "{\"duration\": 10, " MM1_CLASS ", " MM1_NODES ", \"colour\": 1}",
          "test.json: colour: unknown field (expected one of: comment, seed, duration" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": -2}, \"route\": [\"s\"]}}, " MM1_NODES "}",
          "test.json: classes.c.arrival.rate: expected a number > 0, found -2" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]}}, " MM1_NODES "}",
          "test.json: classes.c.route[1]: expected the name of a node in \"nodes\", found \"t\"" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": 1, \"next\": [{\"node\": \"s\", \"p\": 0.5}, {\"node\": \"exit\", \"p\": 0.4}]}}}",
          "test.json: nodes.s.next: expected probabilities summing to 1 (route the rest to \"exit\"), found a sum of 0.9" },
        { "{" MM1_CLASS ", " MM1_NODES "}",
          "test.json: duration: expected a number, found nothing (the field is required)" },
        { "{\"duration\": 10, \"warmup\": 20, " MM1_CLASS ", " MM1_NODES "}",
          "test.json: warmup: expected a warm-up shorter than the duration (10 s), found 20" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"workers\": 0, \"service\": 1}}}",
          "test.json: nodes.s.workers: expected an integer in [1, 1000000], found 0" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {}}}",
          "test.json: nodes.s.service: expected a service time distribution (class \"c\" visits the node" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"kind\": \"queueue\", \"service\": 1}}}",
          "test.json: nodes.s.kind: expected \"queue\", \"delay\", \"sink\", \"router\" or \"batch\", found \"queueue\"" },
        { "{\"duration\": 10, " MM1_CLASS ", " MM1_NODES ", \"links\": [{\"from\": \"s\", \"to\": \"x\"}]}",
          "test.json: links[0].to: expected the name of a node in \"nodes\", found \"x\"" },
        { "{\"duration\": 10, \"classes\": {\"a.b\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"]}}, " MM1_NODES "}",
          "test.json: classes.a.b: expected a class name of 1-64 letters, digits, '_' or '-', found \"a.b\"" },
        { "{\"duration\": 10, \"event_queue\": \"splay\", " MM1_CLASS ", " MM1_NODES "}",
          "test.json: event_queue: expected \"heap\" or \"calendar\", found \"splay\"" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}}}, " MM1_NODES "}",
          "test.json: classes.c: expected exactly one of \"route\" (a list of nodes) or \"entry\"" },
        { "[1, 2]", "test.json: expected a scenario (a JSON object), found an array of 2 values" },
        { "{\"duration\": 10,\n \"classes\": {", "test.json:2:14: malformed JSON" },
        /* times the tick cannot represent (with tick 1, a 0.4 s service
         * would take 0 ticks; at 1 ms, a 0.4 ms mean loses 22%) */
        { "{\"duration\": 1000, \"tick\": 1, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": 0.4}}}",
          "test.json: nodes.s.service: expected times a tick of 1 s can represent, found a distribution whose mean "
          "moves by -100% (0.4 s to 0 s) when its samples are rounded to whole ticks: set \"tick\" to 0.1 s or less" },
        { "{\"duration\": 100, \"tick\": 1e-3, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": "
          "{\"type\": \"exponential\", \"mean\": 0.0004}}}}",
          "test.json: nodes.s.service: expected times a tick of 0.001 s can represent, found a distribution whose "
          "mean moves by -22% (0.0004 s to 0.000312105 s)" },
        { "{\"duration\": 100, \"tick\": 1e-3, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", "
          "\"rate\": 1000}, \"route\": [\"s\"]}}, \"nodes\": {\"s\": {\"service\": 0.002}}}",
          "test.json: classes.c.arrival: expected arrivals a tick of 0.001 s can represent, found gaps of 0.001 s" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[512];
        tb_model *m = test_model_err(cases[i].json, err, sizeof err);
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
                      "case %zu\n got: %s\nwant: %s", i, err, cases[i].want);
        ck_assert_msg(strchr(err, '\n') == NULL, "case %zu: more than one line", i);
    }
}
END_TEST

#define CLASS_WITH(ARR) "\"classes\": {\"c\": {\"arrival\": " ARR ", \"route\": [\"s\"]}}"

START_TEST(new_fields_are_validated_with_the_same_precision)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"mmpp\", \"rates\": [1, 2]}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival: expected exactly one of \"sojourn\" (mean seconds in each phase" },
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"mmpp\", \"rates\": [1, 2], \"sojourn\": [1]}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival.sojourn: expected 2 mean sojourns (one per rate), found an array of 1 value" },
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"poisson\", \"rate\": 1, \"surges\": [{\"start\": 5, \"end\": 4, \"factor\": 2}]}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival.surges[0].end: expected a number > 5, found 4" },
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"profile\", \"points\": [[0, 1], [0, 2]]}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival.points[1]: expected times in increasing order, found 0 after 0" },
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"trace\", \"file\": \"no-such.csv\"}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival.file: cannot read the trace \"no-such.csv\" (No such file or directory)" },
        { "{\"duration\": 10, " CLASS_WITH("{\"process\": \"poison\", \"rate\": 1}") ", " MM1_NODES "}",
          "test.json: classes.c.arrival.process: expected \"poisson\", \"mmpp\", \"profile\", \"renewal\", \"trace\" or \"closed\", found \"poison\"" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"], \"client\": {\"retries\": 2, \"budget\": {\"kind\": \"leaky\"}}}}, " MM1_NODES "}",
          "test.json: classes.c.client.budget.kind: expected \"token\" (each success adds ratio, a retry costs 1) or \"grpc\"" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"], \"client\": {\"retries\": -1}}}, " MM1_NODES "}",
          "test.json: classes.c.client.retries: expected an integer in [0, 100], found -1" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"kind\": \"batch\", \"service\": 0}}}",
          "test.json: nodes.s.batch: expected {\"interval\": DIST, \"size\": N} on a batch node, found nothing" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 5, \"by\": \"weight\"}}}}",
          "test.json: nodes.s.batch.by: expected \"count\" (up to size jobs) or \"size\"" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": 1, \"class_capacity\": {\"d\": 3}}}}",
          "test.json: nodes.s.class_capacity.d: expected the name of a class in \"classes\", found \"d\"" },
        { "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"kind\": \"delay\", \"service\": 1, \"provisioning\": 5}}}",
          "test.json: nodes.s.provisioning: expected a provisioning delay only on a queue node (it has workers)" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]}},"
          " \"nodes\": {\"s\": {\"service\": 1}, \"t\": {\"service\": 1}}, \"links\": [{\"from\": \"s\", \"to\": \"t\", \"pause\": {\"xoff\": 5, \"xon\": 5}}]}",
          "test.json: links[0].pause.xon: expected an integer in [0, 4], found 5" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]}},"
          " \"nodes\": {\"s\": {\"kind\": \"delay\", \"service\": 1}, \"t\": {\"service\": 1}}, \"links\": [{\"from\": \"s\", \"to\": \"t\", \"credits\": 4}]}",
          "test.json: links[0]: expected backpressure (credits, pause) only on links leaving a queue node" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\", \"t\"]}},"
          " \"nodes\": {\"s\": {\"service\": 1}, \"t\": {\"service\": 1}}, \"links\": [{\"from\": \"s\", \"to\": \"t\", \"per_class\": true}]}",
          "test.json: links[0].per_class: expected per_class only with \"credits\"" },
        { "{\"duration\": 10, \"hot\": {\"factor\": 0.5}, " MM1_CLASS ", " MM1_NODES "}",
          "test.json: hot.factor: expected a number >= 1, found 0.5" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"], \"confirmations\": 1.5}}, " MM1_NODES "}",
          "test.json: classes.c.confirmations: expected an integer in [0, 1000000], found 1.5" },
        /* values accepted once, meaningless or unbounded */
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"], \"client\": {\"timeout\": 0}}}, " MM1_NODES "}",
          "test.json: classes.c.client.timeout: expected a timeout > 0 s (one of 0 would give up on every attempt as it is sent" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"s\"], \"client\": {\"timeout\": {\"type\": \"empirical\", \"values\": [1, 0]}}}}, " MM1_NODES "}",
          "test.json: classes.c.client.timeout: expected a timeout > 0 s" },
        { "{\"duration\": 10, \"window\": 1e-7, " MM1_CLASS ", " MM1_NODES "}",
          "test.json: window: expected at most 1e+07 windows over the duration (10 s), found a window of 1e-07 s (1e+08 windows)" },
        { "{\"duration\": 10, \"tick\": 0.01, \"window\": 0.001, " MM1_CLASS ", " MM1_NODES "}",
          "test.json: window: expected a window the tick of 0.01 s can represent, found 0.001 s" },
        { "{\"duration\": 10, \"policies\": {\"p\": {\"script\": \"codel\", \"tick\": 1e-7}}, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": 1, \"policy\": \"p\"}}}",
          "test.json: policies.p.tick: expected at most 1e+07 calls over the duration (10 s), found a period of 1e-07 s (1e+08 calls)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[512];
        tb_model *m = test_model_err(cases[i].json, err, sizeof err);
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
                      "case %zu\n got: %s\nwant: %s", i, err, cases[i].want);
    }
}
END_TEST

#define ENTRY_A "\"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.2}, \"entry\": \"a\"}}"

/* Routing that cannot work is refused at load, naming the nodes; routing
 * that merely looks like it (a cycle through a delay, feedback that leaves
 * with some probability, a trap the class never reaches) is accepted. */
START_TEST(routing_without_time_or_without_a_way_out_is_refused)
{
    static const struct {
        const char *json, *want; /* want NULL: accepted */
    } cases[] = {
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"router\", \"next\": [{\"node\": \"a\", \"p\": 1}]}}}",
          "test.json: classes.c: expected routing in which simulated time passes, found a cycle a job can go round "
          "in no time: a -> a" },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"router\", \"balance\": [\"b\", \"a\"], "
          "\"policy\": \"round_robin\"}, \"b\": {\"service\": 1}}}",
          "test.json: classes.c: expected routing in which simulated time passes, found a cycle a job can go round "
          "in no time: a -> a" },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"delay\", \"service\": 0, \"next\": "
          "[{\"node\": \"r\", \"p\": 1}]}, \"r\": {\"kind\": \"router\", \"next\": [{\"node\": \"b\", \"p\": 1}]}, "
          "\"b\": {\"service\": 0, \"next\": [{\"node\": \"a\", \"p\": 0.1}, {\"node\": \"exit\", \"p\": 0.9}]}}}",
          "test.json: classes.c: expected routing in which simulated time passes, found a cycle a job can go round "
          "in no time: a -> r -> b -> a" },
        /* a zero-delay link is no delay; a link serialising jobs of size 0 neither */
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"router\", \"next\": [{\"node\": \"a\", \"p\": 0.5}, "
          "{\"node\": \"exit\", \"p\": 0.5}]}}, \"links\": [{\"from\": \"a\", \"to\": \"a\", \"delay\": 0}]}",
          "test.json: classes.c: expected routing in which simulated time passes, found a cycle" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.2}, \"entry\": \"a\", \"size\": 0}}, "
          "\"nodes\": {\"a\": {\"kind\": \"router\", \"next\": [{\"node\": \"a\", \"p\": 0.5}, "
          "{\"node\": \"exit\", \"p\": 0.5}]}}, \"links\": [{\"from\": \"a\", \"to\": \"a\", \"bandwidth\": 100}]}",
          "test.json: classes.c: expected routing in which simulated time passes, found a cycle" },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"service\": 1, \"next\": [{\"node\": \"a\", \"p\": 1}]}}}",
          "test.json: classes.c: expected every node the class reaches to have a way out of the network, found none "
          "from node \"a\": its jobs circulate among \"a\" for ever" },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"service\": 1, \"next\": [{\"node\": \"b\", \"p\": 0.5}, "
          "{\"node\": \"exit\", \"p\": 0.5}]}, \"b\": {\"service\": 1, \"next\": [{\"node\": \"c\", \"p\": 1}]}, "
          "\"c\": {\"service\": 1, \"next\": [{\"node\": \"b\", \"p\": 1}]}}}",
          "test.json: classes.c: expected every node the class reaches to have a way out of the network, found none "
          "from node \"b\": its jobs circulate among \"b\", \"c\" for ever" },
        /* accepted */
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"router\", \"next\": [{\"node\": \"a\", \"p\": 0.5}, "
          "{\"node\": \"exit\", \"p\": 0.5}]}}, \"links\": [{\"from\": \"a\", \"to\": \"a\", \"delay\": 0.1}]}", NULL },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"router\", \"next\": [{\"node\": \"a\", \"p\": 0.5}, "
          "{\"node\": \"exit\", \"p\": 0.5}]}}, \"links\": [{\"from\": \"a\", \"to\": \"a\", \"bandwidth\": 100}]}", NULL },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"service\": 1, \"next\": [{\"node\": \"a\", \"p\": 0.9}, "
          "{\"node\": \"exit\", \"p\": 0.1}]}}}", NULL },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"service\": 1, \"next\": [{\"node\": \"b\", \"p\": 0}, "
          "{\"node\": \"exit\", \"p\": 1}]}, \"b\": {\"service\": 1, \"next\": [{\"node\": \"b\", \"p\": 1}]}}}", NULL },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 0.2}, \"route\": [\"a\", \"a\", \"a\"]}}, "
          "\"nodes\": {\"a\": {\"kind\": \"delay\", \"service\": 0, \"next\": [{\"node\": \"a\", \"p\": 1}]}}}", NULL },
        { "{\"duration\": 10, " ENTRY_A ", \"nodes\": {\"a\": {\"kind\": \"batch\", \"batch\": {\"interval\": 1, \"size\": 5}, "
          "\"next\": [{\"node\": \"a\", \"p\": 0.5}, {\"node\": \"exit\", \"p\": 0.5}]}}}", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[512] = "";
        tb_model *m = test_model_err(cases[i].json, err, sizeof err);
        if (!cases[i].want) {
            ck_assert_msg(m != NULL, "case %zu refused: %s", i, err);
            tb_model_free(m);
            continue;
        }
        ck_assert_msg(m == NULL, "case %zu accepted", i);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
                      "case %zu\n got: %s\nwant: %s", i, err, cases[i].want);
        ck_assert_msg(strchr(err, '\n') == NULL, "case %zu: more than one line", i);
    }
}
END_TEST

START_TEST(overrides_replace_add_and_report_bad_paths)
{
    const char *json = "{\"duration\": 10, " MM1_CLASS ", " MM1_NODES "}";
    tb_scenario sc;
    sim_jctx c = { 0 };
    ck_assert_int_eq(tb_scenario_parse(&sc, "o.json", json, strlen(json), &c), 0);
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.s.workers=3", &c), 0);
    ck_assert_int_eq(tb_scenario_set(&sc, "classes.c.route[0]=s", &c), 0);
    ck_assert_int_eq(tb_scenario_set(&sc, "duration=20", &c), 0);
    tb_model *m = tb_scenario_build(&sc, &c);
    ck_assert_msg(m != NULL, "%s", c.err);
    ck_assert_int_eq(m->nodes[0].workers, 3);
    ck_assert_int_eq(m->duration, (sim_time)20e9);
    tb_model_free(m);
    ck_assert_int_eq(sc.nsets, 3);
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.t.workers=3", &c), -1);
    ck_assert_str_eq(c.err, "--set nodes.t.workers: nodes has no field 't' (it has: s) (applied to o.json)");
    ck_assert_int_eq(tb_scenario_set(&sc, "classes.c.route[4]=s", &c), -1);
    ck_assert_str_eq(c.err, "--set classes.c.route[4]: classes.c.route has no element [4] (applied to o.json)");
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.s.workers", &c), -1);
    /* A typo in an override is caught like a typo in the file. */
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.s.wrokers=2", &c), 0);
    ck_assert_ptr_null(tb_scenario_build(&sc, &c));
    ck_assert_str_eq(c.err, "o.json: nodes.s.wrokers: unknown field; did you mean \"workers\"? (expected one of: comment, count, kind, "
                            "workers, capacity, service, next, balance, policy, batch, class_capacity, provisioning, "
                            "per_class_queues, balk, speed, speed_schedule, workers_schedule, failures, service_by_size, fork)");
    tb_scenario_free(&sc);
    /* a group's member is not an entry: the error says which entry to set */
    const char *grouped = "{\"duration\": 10, " MM1_CLASS ", \"nodes\": {\"s\": {\"service\": 1, \"next\": [{\"node\": "
                          "\"W\", \"p\": 1}]}, \"W\": {\"count\": 12, \"service\": 1}}}";
    ck_assert_int_eq(tb_scenario_parse(&sc, "g.json", grouped, strlen(grouped), &c), 0);
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.W12.service.mean=2", &c), -1);
    ck_assert_str_eq(c.err, "--set nodes.W12.service.mean: W12 is one of the members of the group W, not an "
                            "entry of its own: set nodes.W.service.mean to change every member (applied to g.json)");
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.W13.workers=2", &c), -1); /* beyond the count: no such node */
    ck_assert_str_eq(c.err, "--set nodes.W13.workers: nodes has no field 'W13'; did you mean 'W'? (it has: s, W) (applied to g.json)");
    ck_assert_int_eq(tb_scenario_set(&sc, "nodes.W.workers=2", &c), 0);
    tb_model *g = tb_scenario_build(&sc, &c);
    ck_assert_msg(g != NULL, "%s", c.err);
    ck_assert_int_eq(g->nodes[tb_node_index(g, "W7")].workers, 2);
    tb_model_free(g);
    tb_scenario_free(&sc);
}
END_TEST

/* Arrival lines of a trace: the network-arrival times of every job. */
static char *arrivals_trace(const char *json)
{
    tb_model *m = test_model(json, 9, 0, "heap");
    char *buf = NULL;
    size_t len = 0;
    m->trace = open_memstream(&buf, &len);
    ck_assert_int_eq(tb_model_run(m, NULL), TB_RUN_OK);
    fclose(m->trace);
    tb_model_free(m);
    /* keep lines "T,arrive,CLASS,ID,gw" (arrival at the entry node) */
    char *out = calloc(1, len + 1), *o = out;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, ",arrive,") && strstr(line, ",gw") == line + strlen(line) - 3)
            o += sprintf(o, "%s\n", line);
    free(buf);
    return out;
}

START_TEST(changing_one_nodes_service_does_not_change_any_arrival)
{
#define FMT \
        "{\"duration\": 200," \
        " \"classes\": {\"a\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"route\": [\"gw\", \"s\"]}," \
        "               \"b\": {\"arrival\": {\"process\": \"renewal\", \"interarrival\": {\"type\": \"gamma\", \"mean\": 0.5, \"cv\": 2}}, \"route\": [\"gw\"]}}," \
        " \"nodes\": {\"gw\": {\"kind\": \"delay\", \"service\": 0.01}," \
        "             \"s\": {\"service\": %s}%s}}"
    char one[1024], two[1024];
    snprintf(one, sizeof one, FMT, "{\"type\": \"exponential\", \"mean\": 0.2}", "");
    /* another service law at s, and an extra node: neither may move arrivals */
    snprintf(two, sizeof two, FMT, "{\"type\": \"lognormal\", \"mean\": 0.3, \"cv\": 2}",
             ", \"extra\": {\"service\": 1}");
    char *x = arrivals_trace(one), *y = arrivals_trace(two);
    ck_assert_uint_gt(strlen(x), 1000);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
}
END_TEST

START_TEST(warmup_excludes_everything_before_it)
{
    /* Arrivals every 1 s (constant) to a node with 0.5 s service: after a
     * 100.25 s warm-up of a 200.25 s run exactly 100 arrivals remain, at
     * 101..200 s; the last is still in service at the end.  Departures in
     * the measured period are those at 100.5..199.5 s: the first of them
     * arrived in the warm-up, so it counts for throughput, not as an
     * outcome. */
    const char *json =
        "{\"duration\": 200.25, \"warmup\": 100.25,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"renewal\", \"interarrival\": 1}, \"route\": [\"s\"]}},"
        " \"nodes\": {\"s\": {\"service\": 0.5}}}";
    tb_model *m = test_model(json, 1, 0, "heap");
    ck_assert_int_eq(tb_model_run(m, NULL), TB_RUN_OK);
    ck_assert_uint_eq(m->classes[0].arrivals, 100);
    ck_assert_uint_eq(m->nodes[0].arrivals, 100);
    ck_assert_uint_eq(m->classes[0].completions, 99);
    ck_assert_uint_eq(m->classes[0].in_flight, 1);
    ck_assert_uint_eq(m->classes[0].out[TB_OUT_SUCCEEDED], 99);
    ck_assert_uint_eq(m->classes[0].departed, 100);
    ck_assert_uint_eq(m->classes[0].generated, 200);
    /* busy half of every second: utilisation exactly 0.5 over the measured 100 s */
    ck_assert_double_eq_tol(sim_tavg_mean(&m->nodes[0].b, m->eng->now), 0.5, 1e-9);
    ck_assert_double_eq_tol(tb_model_measured_seconds(m), 100, 1e-9);
    tb_model_free(m);
}
END_TEST

START_TEST(links_add_propagation_and_serialisation_delay)
{
    /* One job per 10 s, size 4, bandwidth 2/s: 2 s serialising + 0.5 s
     * propagation, no queueing anywhere; end to end = 0.1 + 2.5 + 0.1. */
    const char *json =
        "{\"duration\": 1000,"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"renewal\", \"interarrival\": 10}, \"size\": 4, \"route\": [\"a\", \"b\"]}},"
        " \"nodes\": {\"a\": {\"service\": 0.1}, \"b\": {\"service\": 0.1}},"
        " \"links\": [{\"from\": \"a\", \"to\": \"b\", \"delay\": 0.5, \"bandwidth\": 2}]}";
    tb_model *m = test_model(json, 1, 0, "calendar");
    ck_assert_int_eq(tb_model_run(m, NULL), TB_RUN_OK);
    ck_assert_double_eq_tol(m->classes[0].sojourn.w.mean / m->tps, 2.7, 1e-9);
    ck_assert_double_eq_tol(m->links[0].transit.w.mean / m->tps, 2.5, 1e-9);
    ck_assert_double_eq_tol(sim_seconds(m->links[0].busy, m->tps), 2.0 * (double)m->links[0].carried, 1e-9);
    tb_model_free(m);
}
END_TEST

/* A network of 10^5 nodes (a router over them by `next`) loads and runs:
 * a quadratic loader or routing scan would make this test take minutes,
 * which make check's time shows (make bench has the figures).  Every
 * request is accounted for; only the named nodes write time-series rows. */
START_TEST(a_network_of_100000_nodes_loads_and_runs)
{
    enum { N = 100000 };
    size_t cap = (size_t)N * 120 + 512, len = 0;
    char *json = malloc(cap);
    ck_assert_ptr_nonnull(json);
    len += (size_t)snprintf(json + len, cap - len,
                            "{\"duration\": 1, \"window\": 0.5, \"timeseries\": {\"nodes\": [\"n7\", \"r\"]},"
                            " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 50000}, \"entry\": \"r\"}},"
                            " \"nodes\": {\"r\": {\"kind\": \"router\", \"next\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"node\": \"n%d\", \"p\": %.17g}", i ? ", " : "", i,
                                i + 1 < N ? 1.0 / N : 1.0 - (double)(N - 1) * (1.0 / N));
    len += (size_t)snprintf(json + len, cap - len, "]}");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(json + len, cap - len, ", \"n%d\": {\"service\": {\"type\": \"exponential\", \"mean\": 1}}", i);
    snprintf(json + len, cap - len, "}}");
    tb_model *m = test_model(json, 1, 0, "heap");
    free(json);
    ck_assert_int_eq(m->nnodes, N + 1);
    int rows = 0;
    for (int i = 0; i < m->nnodes; i++)
        rows += m->nodes[i].ts_row;
    ck_assert_int_eq(rows, 2);
    ck_assert(m->nodes[tb_node_index(m, "n7")].ts_row && m->nodes[tb_node_index(m, "r")].ts_row);
    test_run(m);
    const tb_class *c = &m->classes[0];
    ck_assert_uint_gt(c->arrivals, 40000);
    cJSON *sum = test_summary(m);
    double arrivals = test_jnum(sum, "classes.c.arrivals"), ok = test_jnum(sum, "classes.c.outcomes.succeeded"),
           flight = test_jnum(sum, "classes.c.outcomes.in_flight");
    ck_assert_double_eq(arrivals, ok + flight); /* nothing else can happen here */
    cJSON_Delete(sum);
    tb_model_free(m);
}
END_TEST

/* sim_jprint prints what cJSON_Print prints, byte for byte: numbers at
 * every branch of cJSON's rule (ints, int's limits, 15 and 17 digits,
 * exponents, -0, NaN, infinities), escaped strings, empty and nested
 * containers. */
START_TEST(jprint_prints_what_cjson_prints)
{
    static const double nums[] = { 0, -0.0, 1, -1, 2147483647.0, -2147483648.0, 2147483648.0, 3e9, -3e9, 0.1, 1.0 / 3,
                                    2.5e-7, 1e300, -1e-300, 5e-324, 123456789012345678.0, 0.30000000000000004,
                                    1e15, 1e16, 9007199254740993.0, NAN, INFINITY, -INFINITY };
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "numbers");
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(nums[i]));
    sim_rng r;
    sim_rng_init(&r, 3, 0, "jprint");
    for (int i = 0; i < 2000; i++) { /* doubles of every size and many digits */
        double x = ldexp(sim_rng_u01(&r) - 0.5, (int)(sim_rng_next(&r) % 200) - 100);
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(i % 3 ? x : floor(x * 1e6)));
    }
    cJSON_AddStringToObject(root, "text", "quote \" backslash \\ tab \t nl \n cr \r bs \b ff \f bell \a unit \x1f caf\xc3\xa9");
    cJSON_AddStringToObject(root, "", "");
    cJSON_AddItemToObject(root, "empty object", cJSON_CreateObject());
    cJSON_AddItemToObject(root, "empty array", cJSON_CreateArray());
    cJSON *nested = cJSON_AddArrayToObject(root, "nested");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNullToObject(o, "n");
    cJSON_AddTrueToObject(o, "t");
    cJSON_AddFalseToObject(o, "f");
    cJSON_AddItemToObject(o, "inner", cJSON_CreateObject());
    cJSON_AddItemToArray(nested, o);
    cJSON_AddItemToArray(nested, cJSON_CreateArray());
    cJSON_AddItemToArray(nested, cJSON_CreateString("s"));
    char *want = cJSON_Print(root), *got = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&got, &len);
    ck_assert_int_eq(sim_jprint(f, root, 0), 0);
    ck_assert_int_eq(fclose(f), 0);
    size_t at = 0;
    while (got[at] && got[at] == want[at])
        at++;
    ck_assert_msg(got[at] == want[at], "differ at byte %zu: got \"%.40s\", cJSON \"%.40s\"", at, got + at, want + at);
    free(got);
    free(want);
    cJSON_Delete(root);
}
END_TEST

/* summary.json written a node and a link at a time is the text of the
 * whole document printed at once, and a newline. */
static void streamed_summary_is_the_printed_tree(const tb_model *m, int ran)
{
    const tb_manifest man = { "test", "", "heap", NULL, 0, NULL, 0, ran ? "complete" : "partial" };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tb_results_write_summary(f, m, &man), 0);
    ck_assert_int_eq(fclose(f), 0);
    cJSON *sum = tb_results_summary(m, &man);
    char *whole = cJSON_Print(sum);
    ck_assert_uint_eq(len, strlen(whole) + 1);
    ck_assert_int_eq(strncmp(buf, whole, strlen(whole)), 0);
    ck_assert_int_eq(buf[len - 1], '\n');
    cJSON_Delete(sum);
    free(whole);
    free(buf);
}

/* A group ("W": {"count": 3, ...}) is the same model as its members written
 * out: names, routing by "next" (the row's p shared equally), "balance",
 * links to and from a group, per-class service by group, and the time
 * series by group; every number of the run is the same. */
START_TEST(a_group_of_nodes_is_the_written_out_network)
{
    static const char *const grouped =
        "{\"duration\": 200, \"window\": 20, \"timeseries\": {\"nodes\": [\"W\", \"R\"]},"
        " \"policies\": {\"lb\": {\"script\": \"least_loaded\"}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 2}, \"entry\": \"F\","
        "   \"service\": {\"W\": {\"type\": \"exponential\", \"mean\": 1}, \"F\": 0.01}}},"
        " \"nodes\": {\"F\": {\"next\": [{\"node\": \"W\", \"p\": 0.75}, {\"node\": \"R\", \"p\": 0.25}]},"
        "   \"W\": {\"count\": 3, \"workers\": 2, \"next\": [{\"node\": \"exit\", \"p\": 1}]},"
        "   \"R\": {\"kind\": \"router\", \"policy\": \"lb\", \"balance\": [\"W\"]}},"
        " \"links\": [{\"from\": \"F\", \"to\": \"W\", \"delay\": 0.1}, {\"from\": \"R\", \"to\": \"W\", \"delay\": 0.2},"
        "   {\"from\": \"F\", \"to\": \"R\"}]}";
    static const char *const written =
        "{\"duration\": 200, \"window\": 20, \"timeseries\": {\"nodes\": [\"W1\", \"W2\", \"W3\", \"R\"]},"
        " \"policies\": {\"lb\": {\"script\": \"least_loaded\"}},"
        " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 2}, \"entry\": \"F\","
        "   \"service\": {\"W1\": {\"type\": \"exponential\", \"mean\": 1}, \"W2\": {\"type\": \"exponential\", \"mean\": 1},"
        "     \"W3\": {\"type\": \"exponential\", \"mean\": 1}, \"F\": 0.01}}},"
        " \"nodes\": {\"F\": {\"next\": [{\"node\": \"W1\", \"p\": 0.25}, {\"node\": \"W2\", \"p\": 0.25},"
        "     {\"node\": \"W3\", \"p\": 0.25}, {\"node\": \"R\", \"p\": 0.25}]},"
        "   \"W1\": {\"workers\": 2, \"next\": [{\"node\": \"exit\", \"p\": 1}]},"
        "   \"W2\": {\"workers\": 2, \"next\": [{\"node\": \"exit\", \"p\": 1}]},"
        "   \"W3\": {\"workers\": 2, \"next\": [{\"node\": \"exit\", \"p\": 1}]},"
        "   \"R\": {\"kind\": \"router\", \"policy\": \"lb\", \"balance\": [\"W1\", \"W2\", \"W3\"]}},"
        " \"links\": [{\"from\": \"F\", \"to\": \"W1\", \"delay\": 0.1}, {\"from\": \"F\", \"to\": \"W2\", \"delay\": 0.1},"
        "   {\"from\": \"F\", \"to\": \"W3\", \"delay\": 0.1}, {\"from\": \"R\", \"to\": \"W1\", \"delay\": 0.2},"
        "   {\"from\": \"R\", \"to\": \"W2\", \"delay\": 0.2}, {\"from\": \"R\", \"to\": \"W3\", \"delay\": 0.2},"
        "   {\"from\": \"F\", \"to\": \"R\"}]}";
    char *text[2];
    for (int v = 0; v < 2; v++) {
        tb_model *m = test_model(v ? written : grouped, 5, 0, "heap");
        if (v == 0)
            streamed_summary_is_the_printed_tree(m, 0); /* before the run: empty statistics */
        ck_assert_int_eq(m->nnodes, 5);
        ck_assert_int_eq(m->nlinks, 7);
        ck_assert_str_eq(m->nodes[3].name, "W3");
        ck_assert_int_eq(m->nodes[0].nnext, 4);
        ck_assert_int_eq(m->nodes[4].ncand, 3);
        for (int k = 1; k <= 3; k++)
            ck_assert(m->nodes[k].ts_row && m->nodes[k].svc[0].dist && m->nodes[k].workers == 2);
        ck_assert(!m->nodes[0].ts_row && m->nodes[4].ts_row);
        test_run(m);
        ck_assert_uint_gt(m->nodes[2].completions, 50); /* the members did work */
        streamed_summary_is_the_printed_tree(m, 1);
        cJSON *sum = test_summary(m);
        text[v] = cJSON_PrintUnformatted(sum);
        cJSON_Delete(sum);
        tb_model_free(m);
    }
    ck_assert_str_eq(text[0], text[1]);
    free(text[0]);
    free(text[1]);
}
END_TEST

/* Where one node is meant, a group's name is refused with what to write
 * instead; names that clash with a group's members are refused. */
START_TEST(a_group_where_one_node_is_meant_is_refused)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"entry\": \"W\"}},"
          " \"nodes\": {\"W\": {\"count\": 4, \"service\": 1}}}",
          "test.json: classes.c.entry: expected one node here, found the group \"W\" of 4 nodes: name one of them "
          "(W1..W4), or a router whose \"balance\" is [\"W\"]" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W\", \"S\"]}},"
          " \"nodes\": {\"W\": {\"count\": 2, \"kind\": \"sink\"}, \"S\": {\"service\": 1}}}",
          "test.json: classes.c.route[0]: expected a sink only at the end" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"entry\": \"W\"}},"
          " \"nodes\": {\"W\": {\"count\": 2, \"service\": 1}}}",
          "test.json: classes.c.entry: expected one node here, found the group \"W\"" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W2\"]}},"
          " \"nodes\": {\"W\": {\"count\": 0, \"service\": 1}}}",
          "test.json: nodes.W.count: expected an integer in [1, 2000000], found 0" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W2\"]}},"
          " \"nodes\": {\"W\": {\"count\": 1500000, \"service\": 1}, \"V\": {\"count\": 1500000, \"service\": 1}}}",
          "test.json: nodes: expected at most 2000000 nodes in all, found more" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"closed\", \"population\": 2000000, "
          "\"think\": 1}, \"route\": [\"W2\"]}}, \"nodes\": {\"W\": {\"count\": 2, \"service\": 1}}}",
          "test.json: classes.c.arrival.population: expected an integer in [1, 1000000], found 2000000" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"closed\", \"population\": 2, "
          "\"think\": 0}, \"route\": [\"W2\"]}}, \"nodes\": {\"W\": {\"count\": 2, \"service\": 1}}}",
          "test.json: classes.c.arrival.think: expected think times with a positive mean, found mean 0" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W2\"]}},"
          " \"nodes\": {\"W\": {\"count\": 2.5, \"service\": 1}}}",
          "test.json: nodes.W.count: expected an integer" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W2\"]}},"
          " \"nodes\": {\"W\": {\"count\": 3, \"service\": 1}, \"W2\": {\"service\": 1}}}",
          "test.json: nodes.W2: expected each node name once, found W2 twice" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W2\"]}},"
          " \"nodes\": {\"W2\": {\"service\": 1}, \"W\": {\"count\": 3, \"service\": 1}}}",
          "test.json: nodes.W: expected each node name once, found W2 twice (a member of this group)" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"W1\"]}},"
          " \"nodes\": {\"W\": {\"count\": 3, \"service\": {\"type\": \"exponential\"}}}}",
          "test.json: nodes.W.service: expected exactly one of \"rate\" or \"mean\"" },
        { "{\"duration\": 10, \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"A1\"]}},"
          " \"nodes\": {\"A\": {\"count\": 4000, \"service\": 1}, \"B\": {\"count\": 4000, \"service\": 1}},"
          " \"links\": [{\"from\": \"A\", \"to\": \"B\"}, {\"from\": \"B\", \"to\": \"A\"}]}",
          NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        tb_model *m = test_model_err(cases[i].json, err, sizeof err);
        if (!cases[i].want) { /* 3.2e7 links: refused before anything is allocated */
            ck_assert_ptr_null(m);
            ck_assert_msg(strstr(err, "links: expected at most 4000000 links in all, found 32000000"), "%s", err);
            continue;
        }
        ck_assert_msg(!m, "case %zu loaded", i);
        ck_assert_msg(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0, "case %zu:\n got  %s\n want %s", i, err,
                      cases[i].want);
    }
}
END_TEST

START_TEST(max_completions_stops_the_run)
{
    const char *json = "{\"duration\": 1e6, \"max_completions\": 1000, " MM1_CLASS ", " MM1_NODES "}";
    tb_model *m = test_model(json, 1, 0, "heap");
    ck_assert_int_eq(tb_model_run(m, NULL), TB_RUN_OK);
    streamed_summary_is_the_printed_tree(m, 1); /* no links */
    ck_assert_uint_eq(m->classes[0].completions, 1000);
    ck_assert_int_lt(m->eng->now, (sim_time)1e15);
    tb_model_free(m);
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("loader");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, each_mistake_is_one_line_naming_the_file_and_json_path);
    tcase_add_test(tc, overrides_replace_add_and_report_bad_paths);
    tcase_add_test(tc, new_fields_are_validated_with_the_same_precision);
    tcase_add_test(tc, routing_without_time_or_without_a_way_out_is_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("model");
    tcase_set_tags(tc, "core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, changing_one_nodes_service_does_not_change_any_arrival);
    tcase_add_test(tc, warmup_excludes_everything_before_it);
    tcase_add_test(tc, links_add_propagation_and_serialisation_delay);
    tcase_add_test(tc, max_completions_stops_the_run);
    tcase_add_test(tc, a_group_of_nodes_is_the_written_out_network);
    tcase_add_test(tc, jprint_prints_what_cjson_prints);
    tcase_add_test(tc, a_group_where_one_node_is_meant_is_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("scale"); /* not "core": 10^5 nodes under valgrind would take minutes */
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_network_of_100000_nodes_loads_and_runs);
    suite_add_tcase(s, tc);
    return s;
}
