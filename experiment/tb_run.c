/* tb_run.c - building a run: scenario, overrides, seed, replication and event queue to a prepared model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sim/sim_lua.h"
#include "../models/tb_policy.h"
#include "../models/tb_io.h"
#include "tb_run.h"
#include <cjson/cJSON.h>

void tb_run_free(tb_run *r)
{
    if (!r)
        return;
    tb_model_free(r->m);
    tb_scenario_free(&r->sc);
    memset(r, 0, sizeof *r);
}

int tb_run_build(tb_run *r, const tb_run_spec *spec, char *err, size_t n, tb_run_failure *why)
{
    sim_jctx c = { 0 };
    tb_run_failure dummy;
    if (!why)
        why = &dummy;
    memset(r, 0, sizeof *r);
    why->nomem = 0;
    why->failed_set = -1;
    int rc = spec->text ? tb_scenario_parse(&r->sc, spec->scenario, spec->text, spec->len, &c)
                        : tb_scenario_load(&r->sc, spec->scenario, &c);
    if (rc != 0)
        goto bad;
    for (int i = 0; i < spec->nsets; i++)
        if (tb_scenario_set(&r->sc, spec->sets[i], &c) != 0) {
            why->failed_set = i;
            goto bad;
        }
    if (!(r->m = tb_scenario_build(&r->sc, &c)))
        goto bad;
    if (spec->has_seed)
        r->m->seed = spec->seed;
    r->m->replication = spec->replication;
    const char *q = spec->event_queue ? spec->event_queue : tb_scenario_event_queue(&r->sc);
    const sim_evq_ops *ops = sim_evq_find(q);
    if (!ops) {
        snprintf(err, n, "%s: event_queue: expected \"heap\" or \"calendar\", found \"%s\"", r->sc.file, q);
        tb_run_free(r);
        return -1;
    }
    r->event_queue = ops->name;
    return 0;
bad:
    snprintf(err, n, "%s", c.err);
    why->nomem = strstr(c.err, "out of memory") != NULL;
    tb_run_free(r);
    return -1;
}

int tb_run_prepare(tb_run *r, const tb_run_spec *spec, char *err, size_t n, tb_run_failure *why)
{
    tb_run_failure dummy;
    if (!why)
        why = &dummy;
    if (tb_run_build(r, spec, err, n, why) != 0)
        return -1;
    if (tb_model_prepare(r->m, sim_evq_find(r->event_queue)) != 0) {
        snprintf(err, n, "%s", r->m->error);
        why->nomem = strstr(r->m->error, "out of memory") != NULL;
        tb_run_free(r);
        return -1;
    }
    return 0;
}

tb_model *tb_run_take_model(tb_run *r)
{
    tb_model *m = r->m;
    r->m = NULL;
    tb_run_free(r);
    return m;
}

static int add_input(tb_input **list, int *n, const char *path, const char *sha)
{
    for (int i = 0; i < *n; i++) /* one policy script may serve several instances */
        if (strcmp((*list)[i].path, path) == 0)
            return 0;
    tb_input *l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
    if (!l)
        return -1;
    *list = l;
    snprintf(l[*n].path, sizeof l[*n].path, "%s", path);
    snprintf(l[*n].sha256, sizeof l[*n].sha256, "%s", sha);
    (*n)++;
    return 0;
}

int tb_run_inputs(const tb_run *r, tb_input **list)
{
    const tb_model *m = r->m;
    int n = 0, rc = 0;
    *list = NULL;
    rc |= add_input(list, &n, r->sc.file, r->sc.sha256);
    for (int i = 0; i < m->nclasses; i++)
        if (m->classes[i].arr.trace_file)
            rc |= add_input(list, &n, m->classes[i].arr.trace_file, m->classes[i].arr.trace_sha256);
    for (int i = 0; i < m->ndeciders; i++) {
        const tb_policy *p = tb_policy_of(m->deciders[i]);
        if (!p)
            continue; /* a decider in C reads no file */
        rc |= add_input(list, &n, p->script, p->sha256);
        const char *slash = strrchr(p->script, '/');
        for (int k = 0; k < sim_lua_modules(p->lua); k++) {
            const char *sha, *name = sim_lua_module(p->lua, k, &sha);
            char path[4096];
            snprintf(path, sizeof path, "%.*s%s%s.lua", slash ? (int)(slash - p->script) : 0, p->script,
                     slash ? "/" : "", name);
            rc |= add_input(list, &n, path, sha);
        }
    }
    if (rc) {
        free(*list);
        *list = NULL;
        return -1;
    }
    return n;
}

/* A scenario or experiment given by path ("-": standard input), or by the
 * name of a shipped one (scenarios/, then scenarios/experiments/). */
const char *tb_run_find_scenario(const char *arg, char *buf, size_t n)
{
    if (tb_is_file(arg) || strchr(arg, '/'))
        return arg;
    char name[512];
    snprintf(name, sizeof name, "%s%s", arg, strstr(arg, ".json") ? "" : ".json");
    const char *found = tb_find_data("scenarios", name, buf, n);
    if (!found) /* a shipped experiment: `tailback sweep mm1-load-sweep` */
        found = tb_find_data("scenarios/experiments", name, buf, n);
    return found ? found : arg;
}

tb_model *tb_run_rebuild(const char *dir, const cJSON *manifest, tb_scenario *sc)
{
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(manifest, "scenario");
    char path[8192];
    sim_jctx c = { 0 };
    memset(sc, 0, sizeof *sc);
    if (!cJSON_IsString(scen) || strcmp(scen->valuestring, "-") == 0)
        return NULL; /* a scenario from standard input is gone */
    snprintf(path, sizeof path, "%s%s%s", scen->valuestring[0] == '/' ? "" : dir, scen->valuestring[0] == '/' ? "" : "/",
             scen->valuestring);
    if (tb_scenario_load(sc, path, &c) != 0) {
        tb_scenario_free(sc);
        return NULL;
    }
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(manifest, "overrides");
    for (const cJSON *it = ov ? ov->child : NULL; it; it = it->next)
        if (cJSON_IsString(it))
            tb_scenario_set(sc, it->valuestring, &c);
    tb_model *m = tb_scenario_build(sc, &c);
    if (!m)
        tb_scenario_free(sc);
    return m;
}
