/* tb_scenario.c - loading and validating scenario JSON into a tb_model. */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../sim/sim_alloc.h"
#include "../sim/sim_sha256.h"
#include "tb_arrival.h"
#include "tb_group.h"
#include "tb_policy.h"
#include "tb_io.h"
#include "tb_scenario.h"

#define P 256 /* room for a JSON path */

static const char *const top_fields[] = {
    "comment", "seed", "duration", "warmup", "window", "tick", "event_queue",
    "max_completions", "classes", "nodes", "links", "policies", "hot", "limits", "timeseries", NULL,
};
static const char *const node_fields[] = {
    "comment", "count", "kind", "workers", "capacity", "service", "next", "balance", "policy",
    "batch", "class_capacity", "provisioning", "per_class_queues", "balk", "speed", "speed_schedule",
    "workers_schedule", "failures", "service_by_size", "fork", NULL,
};
static const char *const class_fields[] = {
    "comment", "arrival", "size", "priority", "deadline", "route", "entry", "service", "slo",
    "client", "confirmations", "patience", NULL,
};
static const char *const policy_fields[] = {
    "comment", "script", "params", "tick", "budget", "memory", "watchdog", NULL,
};
static const char *const link_fields[] = {
    "comment", "from", "to", "delay", "bandwidth", "credits", "per_class", "pause", "failures", NULL,
};

void tb_scenario_free(tb_scenario *sc)
{
    if (!sc)
        return;
    free(sc->file);
    cJSON_Delete(sc->root);
    for (int i = 0; i < sc->nsets; i++)
        free(sc->sets[i]);
    free(sc->sets);
    memset(sc, 0, sizeof *sc);
}

int tb_scenario_parse(tb_scenario *sc, const char *file, const char *text, size_t len, sim_jctx *c)
{
    memset(sc, 0, sizeof *sc);
    c->file = tb_shown_path(file);
    sim_sha256_hex(text, len, sc->sha256);
    if (strlen(text) != len)
        return sim_jerr(c, NULL, "expected a JSON text, found a NUL byte in the file");
    sc->root = sim_jparse(c, text);
    if (!sc->root)
        return -1;
    sc->file = strdup(file);
    if (!sc->file) {
        tb_scenario_free(sc);
        return sim_jerr(c, NULL, "out of memory");
    }
    if (!cJSON_IsObject(sc->root)) {
        char f[96];
        sim_jerr(c, NULL, "expected a scenario (a JSON object), found %s",
                 sim_jfound(sc->root, f, sizeof f));
        tb_scenario_free(sc);
        return -1;
    }
    return 0;
}

int tb_scenario_load(tb_scenario *sc, const char *file, sim_jctx *c)
{
    size_t len;
    memset(sc, 0, sizeof *sc);
    char *text = tb_read_file(file, &len);
    c->file = tb_shown_path(file);
    if (!text)
        return sim_jerr(c, NULL, "cannot read the file (%s)", tb_errno_str());
    int rc = tb_scenario_parse(sc, file, text, len, c);
    free(text);
    return rc;
}

const char *tb_scenario_event_queue(const tb_scenario *sc)
{
    const cJSON *q = sim_jget(sc->root, "event_queue");
    return cJSON_IsString(q) ? q->valuestring : "heap";
}

/* ---- overrides -------------------------------------------------------- */

/* The group under `nodes` that makes a member named `name` (W3 of "W":
 * {"count": 8}), or NULL. */
static const char *group_of_member(const cJSON *nodes, const char *name)
{
    for (const cJSON *it = nodes->child; it; it = it->next) {
        size_t n = strlen(it->string);
        const cJSON *count = cJSON_IsObject(it) ? sim_jget(it, "count") : NULL;
        if (!cJSON_IsNumber(count) || strncmp(name, it->string, n) != 0 || !name[n] || name[n] == '0')
            continue;
        char *end;
        long k = strtol(name + n, &end, 10);
        if (!*end && k >= 1 && k <= count->valuedouble)
            return it->string;
    }
    return NULL;
}

/* "; did you mean 'jobs'? (it has: jobs)" for a --set key that obj lacks:
 * the nearest of its fields, and the fields themselves when there are few. */
static void fields_hint(const cJSON *obj, const char *key, char *out, size_t n)
{
    int count = cJSON_GetArraySize(obj), k = 0;
    const char **names = malloc(((size_t)count + 1) * sizeof *names);
    out[0] = 0;
    if (!names)
        return;
    for (const cJSON *it = obj->child; it; it = it->next)
        names[k++] = it->string;
    names[k] = NULL;
    int near = sim_jnearest_in(key, names);
    size_t at = 0;
    if (near >= 0)
        at += (size_t)snprintf(out, n, "; did you mean '%s'?", names[near]);
    if (count > 0 && count <= 12 && at < n) {
        at += (size_t)snprintf(out + at, n - at, " (it has:");
        for (int i = 0; i < count && at < n; i++)
            at += (size_t)snprintf(out + at, n - at, " %s%s", names[i], i + 1 < count ? "," : ")");
    }
    free(names);
}

static int apply_set(tb_scenario *sc, const char *assignment, sim_jctx *c);

/* A --set mistake is the command line's, not the file's: the message
 * starts with the assignment and names the scenario it was applied to last. */
int tb_scenario_set(tb_scenario *sc, const char *assignment, sim_jctx *c)
{
    if (apply_set(sc, assignment, c) == 0)
        return 0;
    size_t fl = strlen(c->file);
    if (strncmp(c->err, c->file, fl) == 0 && strncmp(c->err + fl, ": --set", 7) == 0) {
        char msg[sizeof c->err];
        snprintf(msg, sizeof msg, "%s", c->err + fl + 2);
        snprintf(c->err, sizeof c->err, "%.800s (applied to %.200s)", msg, c->file);
    }
    return -1;
}

static int apply_set(tb_scenario *sc, const char *assignment, sim_jctx *c)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return sim_jerr(c, NULL, "--set %s: expected PATH=VALUE, e.g. nodes.server.workers=2",
                        assignment);
    size_t plen = (size_t)(eq - assignment);
    char path[P];
    if (plen >= sizeof path)
        return sim_jerr(c, NULL, "--set: the path is too long");
    memcpy(path, assignment, plen);
    path[plen] = 0;
    const char *value = eq + 1;
    cJSON *v = cJSON_Parse(value);
    if (!v)
        v = cJSON_CreateString(value);
    if (!v)
        return sim_jerr(c, NULL, "out of memory");

    /* Walk segments "key" and "[i]"; the parent of the last one must exist. */
    cJSON *cur = sc->root;
    char done[P] = "";
    const char *s = path;
    while (*s) {
        char key[P];
        int is_index = 0;
        long idx = 0;
        if (*s == '[') {
            char *end;
            idx = strtol(s + 1, &end, 10);
            if (end == s + 1 || *end != ']') {
                cJSON_Delete(v);
                return sim_jerr(c, NULL, "--set %s: expected an index like [0] after '%s'", path, done);
            }
            is_index = 1;
            s = end + 1;
        } else {
            size_t k = strcspn(s, ".[");
            if (k == 0) {
                cJSON_Delete(v);
                return sim_jerr(c, NULL, "--set %s: expected a field name after '%s'", path, done);
            }
            memcpy(key, s, k);
            key[k] = 0;
            s += k;
        }
        if (*s == '.')
            s++;
        int last = *s == 0;
        if (is_index) {
            int n = cJSON_IsArray(cur) ? cJSON_GetArraySize(cur) : -1;
            if (idx < 0 || idx >= n) {
                cJSON_Delete(v);
                return sim_jerr(c, NULL, "--set %s: %s has no element [%ld]", path,
                                *done ? done : "the scenario", idx);
            }
            if (last) {
                cJSON_ReplaceItemInArray(cur, (int)idx, v);
                break;
            }
            cur = cJSON_GetArrayItem(cur, (int)idx);
            snprintf(done + strlen(done), sizeof done - strlen(done), "[%ld]", idx);
        } else {
            if (!cJSON_IsObject(cur)) {
                cJSON_Delete(v);
                return sim_jerr(c, NULL, "--set %s: %s is not an object", path,
                                *done ? done : "the scenario");
            }
            cJSON *child = cJSON_GetObjectItemCaseSensitive(cur, key);
            if (last) {
                if (child)
                    cJSON_ReplaceItemInObjectCaseSensitive(cur, key, v); /* keeps the key */
                else
                    cJSON_AddItemToObject(cur, key, v);
                break;
            }
            if (!child) {
                cJSON_Delete(v);
                const char *group = strcmp(done, "nodes") == 0 ? group_of_member(cur, key) : NULL;
                if (group)
                    return sim_jerr(c, NULL, "--set %s: %s is one of the members of the group %s, not an entry of "
                                             "its own: set nodes.%s%s to change every member",
                                    path, key, group, group, s[-1] == '.' || s[-1] == '[' ? s - 1 : "");
                char have[300];
                fields_hint(cur, key, have, sizeof have);
                return sim_jerr(c, NULL, "--set %s: %s has no field '%s'%s", path,
                                *done ? done : "the scenario", key, have);
            }
            cur = child;
            char tmp[P];
            snprintf(tmp, sizeof tmp, "%s", done);
            sim_jpath_key(done, sizeof done, tmp, key);
        }
    }
    char **ns = realloc(sc->sets, (size_t)(sc->nsets + 1) * sizeof *ns);
    if (!ns)
        return sim_jerr(c, NULL, "out of memory");
    sc->sets = ns;
    if (!(sc->sets[sc->nsets] = strdup(assignment)))
        return sim_jerr(c, NULL, "out of memory");
    sc->nsets++;
    return 0;
}

/* ---- building --------------------------------------------------------- */

/* Names become JSON path segments and stream names: keep them plain. */
static int check_name(sim_jctx *c, const char *path, const char *name, const char *what)
{
    size_t n = strlen(name);
    int ok = n > 0 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '-';
    if (!ok)
        return sim_jerr(c, path,
                        "expected a %s name of 1-64 letters, digits, '_' or '-', found \"%s\"", what,
                        name);
    if (strcmp(name, "exit") == 0)
        return sim_jerr(c, path, "expected a %s name other than \"exit\" (it is reserved), found \"exit\"",
                        what);
    return 0;
}

static const char *node_name(const void *ctx, int i)
{
    return ((const tb_model *)ctx)->nodes[i].name;
}

static const char *class_name(const void *ctx, int i)
{
    return ((const tb_model *)ctx)->classes[i].name;
}

/* "; did you mean \"server\"?" for a name that is no node (or ""). */
static void node_hint(const tb_model *m, const char *name, char *out, size_t n)
{
    int k = sim_jnearest(name, m->nnodes, node_name, m);
    snprintf(out, n, k >= 0 ? "; did you mean \"%s\"?" : "", k >= 0 ? m->nodes[k].name : "");
}

static int node_ref(sim_jctx *c, const tb_model *m, const cJSON *v, const char *path, int allow_exit)
{
    char f[96];
    if (!cJSON_IsString(v))
        return sim_jerr(c, path, "expected a node name, found %s", sim_jfound(v, f, sizeof f));
    if (allow_exit && strcmp(v->valuestring, "exit") == 0)
        return TB_EXIT;
    int k = tb_node_index(m, v->valuestring);
    const tb_group *g = k < 0 ? tb_group_find(m->groups, m->ngroups, v->valuestring) : NULL;
    if (g)
        return sim_jerr(c, path, "expected one node here, found the group \"%s\" of %d nodes: name one of them "
                                 "(%s1..%s%d), or a router whose \"balance\" is [\"%s\"]",
                        g->name, g->count, g->name, g->name, g->count, g->name) - 1;
    if (k < 0) {
        char hint[200];
        node_hint(m, v->valuestring, hint, sizeof hint);
        return sim_jerr(c, path, "expected the name of a node in \"nodes\"%s, found \"%s\"%s",
                        allow_exit ? " or \"exit\"" : "", v->valuestring, hint) - 1;
    }
    return k;
}
#define NODE_REF_ERR (-2) /* node_ref's error value (TB_EXIT is -1) */

/* A name in a list of nodes: one node, or a group standing for its members
 * (*count of them, from the index returned); NODE_REF_ERR after an error. */
static int node_span(sim_jctx *c, const tb_model *m, const cJSON *v, const char *path, int allow_exit, int *count)
{
    const tb_group *g = cJSON_IsString(v) ? tb_group_find(m->groups, m->ngroups, v->valuestring) : NULL;
    *count = g ? g->count : 1;
    return g ? g->first : node_ref(c, m, v, path, allow_exit);
}

/* How many nodes the names in a list stand for (a group counts its members). */
static int span_total(const tb_model *m, const cJSON *list, const char *key)
{
    long long n = 0;
    for (const cJSON *it = list->child; it; it = it->next)
        n += tb_group_size(m->groups, m->ngroups, key ? sim_jget(it, key) : it);
    return n > TB_MAX_NODES ? TB_MAX_NODES : (int)n;
}

static int parse_seconds(sim_jctx *c, const cJSON *o, const char *path, const char *key,
                         double lo, int lo_open, const double *dflt, double *out)
{
    return sim_jnum(c, o, path, key, lo, lo_open, 1e9, dflt, out);
}

/* The directory of the scenario file, for scripts named relative to it. */
static void scenario_dir(const char *file, char *buf, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (slash)
        snprintf(buf, n, "%.*s", (int)(slash - file), file);
    else
        snprintf(buf, n, ".");
}

/* The script found: its path, and *shown the name messages use; both new
 * strings (owned by the policy), or NULL (out of memory) with neither. */
static char *found_script(sim_jctx *c, const char *path, const char *show, const char *file, char **shown)
{ /* (-fanalyzer reports *shown as leaked: it is the caller's, freed with the policy) */
    char *f = strdup(file);
    *shown = strdup(show);
    if (!f || !*shown) {
        free(f);
        free(*shown);
        *shown = NULL;
        sim_jerr(c, path, "out of memory");
        return NULL;
    }
    return f;
}

/* Levenshtein distance of two short names (capped at 99). */
static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "; did you mean "jsq"? shipped: aimd, ..." for a bare policy name that is
 * not a shipped one (the names of lua/, sorted; the nearest within two
 * edits suggested). */
static void shipped_hint(const char *name, char *out, size_t n)
{
    char dirbuf[4096], want[128];
    if (!tb_find_data("lua", "fifo.lua", dirbuf, sizeof dirbuf))
        return;
    *strrchr(dirbuf, '/') = 0;
    snprintf(want, sizeof want, "%s", name);
    size_t wl = strlen(want);
    if (wl > 4 && strcmp(want + wl - 4, ".lua") == 0)
        want[wl - 4] = 0;
    DIR *d = opendir(dirbuf);
    if (!d)
        return;
    char *names[257];
    int k = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && k < 256;) {
        size_t l = strlen(e->d_name);
        /* (choose and utilisation are helper modules, not policies) */
        if (l > 4 && strcmp(e->d_name + l - 4, ".lua") == 0 && strcmp(e->d_name, "choose.lua") != 0 &&
            strcmp(e->d_name, "utilisation.lua") != 0 && (names[k] = strndup(e->d_name, l - 4)) != NULL)
            k++;
    }
    closedir(d);
    qsort(names, (size_t)k, sizeof *names, name_cmp);
    names[k] = NULL;
    int best = sim_jnearest_in(want, (const char *const *)names);
    size_t at = 0;
    if (best >= 0)
        at += (size_t)snprintf(out + at, n - at, "; did you mean \"%s\"? shipped:", names[best]);
    else
        at += (size_t)snprintf(out + at, n - at, "; shipped:");
    for (int i = 0; i < k && at < n; i++)
        at += (size_t)snprintf(out + at, n - at, "%s %s", i ? "," : "", names[i]);
    for (int i = 0; i < k; i++)
        free(names[i]);
}

/* A script named with a '/' is a path (relative to the scenario's directory,
 * else to the working directory); "NAME.lua" is a file beside the scenario
 * if there is one; otherwise a bare name is a shipped policy in lua/. */
static char *resolve_script(sim_jctx *c, const char *path, const char *name, char **shown)
{
    char buf[4096], dir[2048];
    if (strchr(name, '/')) {
        scenario_dir(c->file, dir, sizeof dir);
        if (name[0] != '/')
            snprintf(buf, sizeof buf, "%s/%s", dir, name);
        if (name[0] == '/' || !tb_is_file(buf))
            snprintf(buf, sizeof buf, "%s", name);
        if (tb_is_file(buf))
            return found_script(c, path, name, buf, shown);
    } else {
        char file[512];
        size_t n = strlen(name);
        snprintf(file, sizeof file, "%s%s", name, n > 4 && strcmp(name + n - 4, ".lua") == 0 ? "" : ".lua");
        scenario_dir(c->file, dir, sizeof dir);
        snprintf(buf, sizeof buf, "%s/%s", dir, file);
        if (strcmp(file, name) == 0 && tb_is_file(buf)) /* "mine.lua" beside the scenario */
            return found_script(c, path, name, buf, shown);
        if (tb_find_data("lua", file, buf, sizeof buf)) {
            char s2[600];
            snprintf(s2, sizeof s2, "lua/%s", file);
            return found_script(c, path, s2, buf, shown);
        }
    }
    char hint[1200] = "";
    if (!strchr(name, '/'))
        shipped_hint(name, hint, sizeof hint);
    sim_jerr(c, path,
             "expected a Lua policy (a path like \"policies/mine.lua\", relative to the scenario, or "
             "the name of a shipped policy like \"fifo\"), found \"%s\" (no such file%s)", name, hint);
    return NULL;
}

/* Every string it sets in *pol is the policy's, freed with the model on
 * every path (the leaks -fanalyzer reports here cannot follow the struct). */
static int build_policy(sim_jctx *c, tb_model *m, const char *name, const cJSON *o, const char *path,
                        tb_decider **out)
{
    char p[P];
    tb_policy *pol = tb_policy_new();
    if (!pol || tb_model_add_decider(m, &pol->d) != 0) /* the model owns it from here, on every path */
        return sim_jerr(c, path, "out of memory");
    *out = &pol->d;
    if (!(pol->d.name = strdup(name)))
        return sim_jerr(c, path, "out of memory");
    if (cJSON_IsString(o)) { /* shorthand: just a script */
        return (pol->script = resolve_script(c, path, o->valuestring, &pol->d.shown)) ? 0 : -1;
    }
    if (sim_jobject(c, o, path, "a policy", policy_fields))
        return -1;
    const char *script;
    if (sim_jstr(c, o, path, "script", NULL, &script))
        return -1;
    if (!(pol->script = resolve_script(c, sim_jpath_key(p, sizeof p, path, "script"), script, &pol->d.shown)))
        return -1;
    const cJSON *params = sim_jget(o, "params");
    if (params) {
        if (!cJSON_IsObject(params)) {
            char f[96];
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "params"),
                            "expected an object of parameters, found %s", sim_jfound(params, f, sizeof f));
        }
        if (!(pol->params = cJSON_Duplicate(params, 1)))
            return sim_jerr(c, path, "out of memory");
    }
    double tick, zero = 0, mem, dmem = 64;
    long long budget = 0, dbudget = 1000000, watchdog, dwatch = 10;
    const cJSON *b = sim_jget(o, "budget");
    char bp[P];
    if (sim_jnum(c, o, path, "tick", 0, 0, 1e9, &zero, &tick) ||
        (!cJSON_IsString(b) && sim_jint(c, o, path, "budget", 1000, 1000000000, &dbudget, &budget)) ||
        sim_jnum(c, o, path, "memory", 1, 0, 4096, &dmem, &mem) ||
        sim_jint(c, o, path, "watchdog", 1, 86400, &dwatch, &watchdog))
        return -1;
    if (cJSON_IsString(b) && strcmp(b->valuestring, "off") != 0) /* "off": a trusted policy, no count hook */
        return sim_jerr(c, sim_jpath_key(bp, sizeof bp, path, "budget"),
                        "expected an instruction count (1000 to 1000000000) or \"off\", found \"%.40s\"",
                        b->valuestring);
    if (sim_jget(o, "watchdog") && !cJSON_IsString(b))
        return sim_jerr(c, sim_jpath_key(bp, sizeof bp, path, "watchdog"),
                        "expected no watchdog: it bounds only a policy with \"budget\": \"off\" (the "
                        "instruction budget bounds the others)");
    pol->d.tick_s = tick; /* in ticks once the duration is known */
    pol->budget = (long)budget;
    pol->watchdog = (int)watchdog;
    pol->memory = (size_t)(mem * 1048576.0);
    return 0;
}

/* A node's "policy": the name of an entry in "policies", or a script (an
 * instance of its own, named after the node). */
static int attach_policy(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *v, const char *path)
{
    char f[96];
    if (!cJSON_IsString(v))
        return sim_jerr(c, path, "expected the name of a policy in \"policies\" or of a Lua script, found %s",
                        sim_jfound(v, f, sizeof f));
    for (int i = 0; i < m->ndeciders; i++)
        if (strcmp(m->deciders[i]->name, v->valuestring) == 0 && !strchr(v->valuestring, '/')) {
            nd->decider = m->deciders[i];
            return 0;
        }
    return build_policy(c, m, nd->name, v, path, &nd->decider);
}

/* The node's kind; *kind is its name, for messages. */
static int node_kind(sim_jctx *c, tb_node *nd, const cJSON *o, const char *path, const char **kind)
{
    char p[P];
    if (sim_jstr(c, o, path, "kind", "queue", kind))
        return -1;
    if (strcmp(*kind, "queue") == 0)
        nd->kind = TB_NODE_QUEUE;
    else if (strcmp(*kind, "delay") == 0)
        nd->kind = TB_NODE_DELAY;
    else if (strcmp(*kind, "sink") == 0)
        nd->kind = TB_NODE_SINK;
    else if (strcmp(*kind, "router") == 0)
        nd->kind = TB_NODE_ROUTER;
    else if (strcmp(*kind, "batch") == 0)
        nd->kind = TB_NODE_BATCH;
    else
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "kind"),
                        "expected \"queue\", \"delay\", \"sink\", \"router\" or \"batch\", found \"%s\"",
                        *kind);
    return 0;
}

/* A batch node's "batch": interval, size, by (and no "batch" elsewhere). */
static int node_batch(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path)
{
    char p[P], f[96];
    const cJSON *batch = sim_jget(o, "batch");
    if ((nd->kind == TB_NODE_BATCH) != !!batch)
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "batch"),
                        nd->kind == TB_NODE_BATCH
                            ? "expected {\"interval\": DIST, \"size\": N} on a batch node, found nothing"
                            : "expected \"batch\" only on a node of kind \"batch\"");
    if (batch) {
        static const char *const bf[] = { "interval", "size", "by", NULL };
        char q[P];
        const char *by;
        sim_jpath_key(q, sizeof q, path, "batch");
        if (sim_jobject(c, batch, q, "a batch", bf) ||
            sim_jnum(c, batch, q, "size", 0, 1, 1e12, NULL, &nd->batch_max) ||
            sim_jstr(c, batch, q, "by", "count", &by))
            return -1;
        if (strcmp(by, "count") && strcmp(by, "size"))
            return sim_jerr(c, sim_jpath_key(f, sizeof f, q, "by"),
                            "expected \"count\" (up to size jobs) or \"size\" (up to size units of job "
                            "size), found \"%s\"", by);
        nd->batch_by_size = strcmp(by, "size") == 0;
        const cJSON *iv = sim_jget(batch, "interval");
        char r[P];
        sim_jpath_key(r, sizeof r, q, "interval");
        if (!iv)
            return sim_jerr(c, r, "expected a distribution of times between batches (seconds), found nothing");
        if (!(nd->batch_interval = sim_dist_parse_time(c, iv, r, m->tps)))
            return -1;
        if (!(nd->batch_interval->mean > 0))
            return sim_jerr(c, r, "expected intervals with a positive mean, found mean %.17g",
                            nd->batch_interval->mean);
    }
    return 0;
}

/* Workers, capacity and service time, where the kind has them. */
static int node_service(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path, const char *kind)
{
    char p[P];
    long long workers, one = 1;
    if (sim_jint(c, o, path, "workers", 1, 1000000, &one, &workers))
        return -1;
    if (nd->kind != TB_NODE_QUEUE && sim_jget(o, "workers"))
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "workers"),
                        "expected no worker count on a %s node (only queue nodes have one)", kind);
    nd->workers = (int)workers;
    const cJSON *cap = sim_jget(o, "capacity");
    if (cap && !cJSON_IsNull(cap)) {
        if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "capacity"),
                            "expected no capacity on a %s node", kind);
        if (sim_jint(c, o, path, "capacity", 1, (long long)1 << 50, NULL, &nd->capacity))
            return -1;
    }
    const cJSON *bs = sim_jget(o, "service_by_size");
    if (bs) { /* the service is the job's size times this: known at dispatch (SITA, least work left) */
        sim_jpath_key(p, sizeof p, path, "service_by_size");
        if (nd->kind != TB_NODE_QUEUE && nd->kind != TB_NODE_DELAY)
            return sim_jerr(c, p, "expected service_by_size only on a queue or delay node, found it on a %s node",
                            kind);
        if (sim_jget(o, "service"))
            return sim_jerr(c, p, "expected either \"service\" or \"service_by_size\", found both");
        double none = 0;
        if (sim_jnum(c, o, path, "service_by_size", 0, 1, 1e12, &none, &nd->by_size))
            return -1;
        /* a placeholder for what reads a node's service law (the unloaded
         * service of "hot"): a job of size 1; node_arrive uses the size */
        if (!(nd->service = sim_dist_constant(nd->by_size)))
            return sim_jerr(c, p, "out of memory");
    }
    const cJSON *svc = sim_jget(o, "service");
    if (svc) {
        if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "service"),
                            "expected no service time on a %s node (jobs pass through at once)", kind);
        if (!(nd->service = sim_dist_parse_time(c, svc, sim_jpath_key(p, sizeof p, path, "service"), m->tps)))
            return -1;
    }
    return 0;
}

/* Routing by probabilities: "next". */
static int node_next(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path)
{
    char p[P], f[96];
    const cJSON *next = sim_jget(o, "next");
    if (next) {
        sim_jpath_key(p, sizeof p, path, "next");
        if (nd->kind == TB_NODE_SINK)
            return sim_jerr(c, p, "expected no routing on a sink node (jobs leave on arrival)");
        int n = cJSON_IsArray(next) ? span_total(m, next, "node") : 0;
        if (n <= 0)
            return sim_jerr(c, p,
                            "expected a non-empty array of {\"node\": NAME, \"p\": PROBABILITY}, "
                            "found %s",
                            sim_jfound(next, f, sizeof f));
        nd->next = malloc((size_t)n * sizeof *nd->next); /* the model's: tb_model_free() frees it on every path */
        nd->cum = malloc((size_t)n * sizeof *nd->cum);
        if (!nd->next || !nd->cum)
            return sim_jerr(c, p, "out of memory");
        static const char *const row_fields[] = { "node", "p", NULL };
        double sum = 0;
        int i = 0, row = 0;
        for (const cJSON *it = next->child; it; it = it->next, row++) {
            char q[P], r[P];
            int members;
            sim_jpath_idx(q, sizeof q, p, row);
            if (sim_jobject(c, it, q, "a routing entry", row_fields))
                return -1;
            int to = node_span(c, m, sim_jget(it, "node"), sim_jpath_key(r, sizeof r, q, "node"), 1, &members);
            if (to == NODE_REF_ERR)
                return -1;
            double prob;
            if (sim_jnum(c, it, q, "p", 0, 0, 1, NULL, &prob))
                return -1;
            /* a group shares its row's probability equally among its members */
            for (int k = 0; k < members; k++, i++) {
                assert(i < n);
                sum += prob / members;
                nd->next[i] = to == TB_EXIT ? to : to + k;
                nd->cum[i] = sum;
            }
        }
        if (fabs(sum - 1) > 1e-9)
            return sim_jerr(c, p,
                            "expected probabilities summing to 1 (route the rest to \"exit\"), "
                            "found a sum of %.17g",
                            sum);
        nd->cum[n - 1] = 1;
        nd->nnext = n;
    }
    return 0;
}

/* Per-class capacities: "class_capacity". */
static int node_class_capacity(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path)
{
    char p[P], f[96];
    const cJSON *ccap = sim_jget(o, "class_capacity");
    if (ccap) {
        sim_jpath_key(p, sizeof p, path, "class_capacity");
        if (!cJSON_IsObject(ccap) || nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
            return sim_jerr(c, p, "expected an object of {CLASS: capacity} on a queue, delay or batch "
                                  "node, found %s", sim_jfound(ccap, f, sizeof f));
        if (!(nd->class_cap = malloc((size_t)m->nclasses * sizeof *nd->class_cap))) /* the model's: tb_model_free() frees it on every path */
            return sim_jerr(c, p, "out of memory");
        for (int i = 0; i < m->nclasses; i++)
            nd->class_cap[i] = -1;
        for (const cJSON *it = ccap->child; it; it = it->next) {
            char q[P];
            int ci = tb_class_index(m, it->string);
            if (ci < 0) {
                int near = sim_jnearest(it->string, m->nclasses, class_name, m);
                return sim_jerr(c, sim_jpath_key(q, sizeof q, p, it->string),
                                "expected the name of a class in \"classes\", found \"%s\"%s%s%s", it->string,
                                near >= 0 ? "; did you mean \"" : "", near >= 0 ? m->classes[near].name : "",
                                near >= 0 ? "\"?" : "");
            }
            if (sim_jint(c, ccap, p, it->string, 1, (long long)1 << 50, NULL, &nd->class_cap[ci]))
                return -1;
        }
    }
    return 0;
}

/* "per_class_queues" and "provisioning". */
static int node_queues(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path)
{
    char p[P];
    const cJSON *pcq = sim_jget(o, "per_class_queues");
    if (pcq) {
        if (!cJSON_IsBool(pcq))
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "per_class_queues"), "expected true or false");
        nd->per_class_queues = cJSON_IsTrue(pcq);
        if (nd->per_class_queues && nd->kind == TB_NODE_BATCH && nd->batch_by_size)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "per_class_queues"),
                            "expected one queue on a batch node filled by size (a batch takes jobs up to a size "
                            "in one order), found per-class queues: use \"by\": \"count\", or one ranked queue");
    }
    const cJSON *prov = sim_jget(o, "provisioning");
    if (prov) {
        sim_jpath_key(p, sizeof p, path, "provisioning");
        if (nd->kind != TB_NODE_QUEUE)
            return sim_jerr(c, p, "expected a provisioning delay only on a queue node (it has workers)");
        if (!(nd->provisioning = sim_dist_parse_time(c, prov, p, m->tps)))
            return -1;
    }
    return 0;
}

/* Candidates for a policy to choose among: "balance". */
static int node_balance(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path)
{
    char p[P], f[96];
    const cJSON *next = sim_jget(o, "next");
    const cJSON *bal = sim_jget(o, "balance");
    if (bal) {
        sim_jpath_key(p, sizeof p, path, "balance");
        if (next)
            return sim_jerr(c, p, "expected either \"next\" (probabilities) or \"balance\" (a policy "
                                  "chooses), found both");
        if (nd->kind == TB_NODE_SINK)
            return sim_jerr(c, p, "expected no routing on a sink node (jobs leave on arrival)");
        int n = cJSON_IsArray(bal) ? span_total(m, bal, NULL) : 0;
        if (n <= 0)
            return sim_jerr(c, p, "expected a non-empty array of candidate node names, found %s",
                            sim_jfound(bal, f, sizeof f));
        if (!(nd->cand = malloc((size_t)n * sizeof *nd->cand)))
            return sim_jerr(c, p, "out of memory");
        int i = 0, row = 0;
        for (const cJSON *it = bal->child; it; it = it->next, row++) {
            char q[P];
            int members, to = node_span(c, m, it, sim_jpath_idx(q, sizeof q, p, row), 0, &members);
            if (to < 0)
                return -1;
            for (int k = 0; k < members; k++, i++) {
                assert(i < n);
                nd->cand[i] = to + k;
            }
        }
        nd->ncand = n;
        if (!sim_jget(o, "policy"))
            return sim_jerr(c, path, "expected a \"policy\" with a route() hook to choose among "
                                     "the \"balance\" candidates, found none");
    }
    return 0;
}

/* Balking: "balk": [p0, p1, ...], the probability that a job arriving to
 * find n jobs at the node leaves at once (the last entry for every larger n). */
static int node_balk(sim_jctx *c, tb_node *nd, const cJSON *o, const char *path, const char *kind)
{
    const cJSON *b = sim_jget(o, "balk");
    char p[P], f[96];
    if (!b)
        return 0;
    sim_jpath_key(p, sizeof p, path, "balk");
    if (nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER)
        return sim_jerr(c, p, "expected no balking on a %s node (jobs pass through at once)", kind);
    int n = cJSON_IsArray(b) ? cJSON_GetArraySize(b) : 0;
    if (n < 1 || n > 100000)
        return sim_jerr(c, p, "expected a list of 1 to 100000 probabilities, the chance of leaving on finding "
                              "0, 1, 2, ... jobs at the node, found %s", sim_jfound(b, f, sizeof f));
    if (!(nd->balk = malloc((size_t)n * sizeof *nd->balk)))
        return sim_jerr(c, p, "out of memory");
    nd->nbalk = n;
    int i = 0;
    for (const cJSON *it = b->child; it; it = it->next, i++) {
        if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0 && it->valuedouble <= 1)) {
            char q[P];
            return sim_jerr(c, sim_jpath_idx(q, sizeof q, p, i), "expected a probability in [0, 1], found %s",
                            sim_jfound(it, f, sizeof f));
        }
        nd->balk[i] = it->valuedouble;
    }
    return 0;
}

/* A list of [time s, value] pairs, times increasing and within [0, 1e12]
 * s, values within [lo, hi]: speed and worker schedules, outages. */
static int time_pairs(sim_jctx *c, const cJSON *v, const char *p, const char *what, double lo, double hi,
                      int whole, double tps, struct tb_step **out, int *nout)
{
    char f[96], q[P];
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
    if (n < 1 || n > 100000)
        return sim_jerr(c, p, "expected a list of 1 to 100000 [time s, %s] pairs, found %s", what,
                        sim_jfound(v, f, sizeof f));
    if (!(*out = malloc((size_t)n * sizeof **out)))
        return sim_jerr(c, p, "out of memory");
    *nout = n;
    int i = 0;
    double prev = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        sim_jpath_idx(q, sizeof q, p, i);
        const cJSON *t = cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 ? it->child : NULL;
        if (!t || !cJSON_IsNumber(t) || !cJSON_IsNumber(t->next))
            return sim_jerr(c, q, "expected a pair [time s, %s], found %s", what, sim_jfound(it, f, sizeof f));
        double at = t->valuedouble, val = t->next->valuedouble;
        if (!(at >= 0 && at <= 1e12))
            return sim_jerr(c, q, "expected a time in [0, 1e12] s, found %.17g", at);
        if (i > 0 && sim_ticks(at, tps) <= (*out)[i - 1].at)
            return sim_jerr(c, q, "expected times in increasing order, found %.17g after %.17g", at, prev);
        prev = at;
        if (!(val >= lo && val <= hi) || (whole && val != (double)(long long)val))
            return sim_jerr(c, q, "expected %s %s in [%g, %g], found %.17g", whole ? "a whole" : "a", what, lo, hi,
                            val);
        (*out)[i].at = sim_ticks(at, tps);
        (*out)[i].value = val;
    }
    return 0;
}

/* "failures": {"up": DIST, "down": DIST, "at": [[start s, length s], ...],
 * "jobs": "resume" | "restart" | "lost"} (jobs: nodes only). */
static int parse_failures(sim_jctx *c, tb_model *m, const cJSON *fl, const char *p, tb_fail *fa, int node)
{
    static const char *const nf[] = { "comment", "up", "down", "at", "jobs", NULL };
    static const char *const lf[] = { "comment", "up", "down", "at", NULL };
    char q[P], f[96];
    if (sim_jobject(c, fl, p, "a failure process", node ? nf : lf))
        return -1;
    const cJSON *up = sim_jget(fl, "up"), *down = sim_jget(fl, "down"), *at = sim_jget(fl, "at");
    if (!!up != !!down)
        return sim_jerr(c, p, "expected both \"up\" (time to failure) and \"down\" (time to repair), or "
                              "neither, found only \"%s\"", up ? "up" : "down");
    if (!up && !at)
        return sim_jerr(c, p, "expected \"up\" and \"down\" (random failures) or \"at\" (scheduled outages)");
    if (up && (!(fa->up = sim_dist_parse_time(c, up, sim_jpath_key(q, sizeof q, p, "up"), m->tps)) ||
               !(fa->down_dist = sim_dist_parse_time(c, down, sim_jpath_key(q, sizeof q, p, "down"), m->tps))))
        return -1;
    if (fa->up && !(fa->up->mean > 0))
        return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "up"), "expected a time to failure with a mean > 0 s");
    if (at) {
        struct tb_step *st = NULL;
        int n = 0;
        if (time_pairs(c, at, sim_jpath_key(q, sizeof q, p, "at"), "duration s", 0, 1e12, 0, m->tps, &st, &n)) {
            free(st);
            return -1;
        }
        fa->at = malloc((size_t)n * sizeof *fa->at);
        if (!fa->at) {
            free(st);
            return sim_jerr(c, p, "out of memory");
        }
        for (int i = 0; i < n; i++) {
            fa->at[i].at = st[i].at;
            fa->at[i].len = sim_ticks(st[i].value, m->tps);
            if (i > 0 && fa->at[i - 1].at + fa->at[i - 1].len > st[i].at) {
                free(st);
                return sim_jerr(c, sim_jpath_idx(f, sizeof f, q, i), "expected outages that do not overlap, "
                                "found one starting before the previous one ends");
            }
        }
        fa->nat = n;
        free(st);
    }
    if (!node)
        return 0;
    const char *jobs;
    if (sim_jstr(c, fl, p, "jobs", "resume", &jobs))
        return -1;
    static const char *const modes[] = { "resume", "restart", "lost" };
    fa->mode = -1;
    for (int k = 0; k < 3; k++)
        if (strcmp(jobs, modes[k]) == 0)
            fa->mode = k;
    if (fa->mode < 0)
        return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "jobs"), "expected \"resume\", \"restart\" or \"lost\" "
                        "(what becomes of the jobs in service when the node fails), found \"%s\"", jobs);
    return 0;
}

/* Speed and capacity that vary (tb_capacity.c): "speed" by jobs present,
 * "speed_schedule", "workers_schedule" and "failures". */
static int node_capacity(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path, const char *kind)
{
    static const char *const keys[] = { "speed", "speed_schedule", "workers_schedule", "failures" };
    char p[P], f[96], q[P];
    for (int k = 0; k < 4; k++)
        if (sim_jget(o, keys[k]) && nd->kind != TB_NODE_QUEUE)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, keys[k]),
                            "expected %s only on a queue node, found it on a %s node", keys[k], kind);
    const cJSON *sp = sim_jget(o, "speed");
    if (sp) {
        sim_jpath_key(p, sizeof p, path, "speed");
        int n = cJSON_IsArray(sp) ? cJSON_GetArraySize(sp) : 0;
        if (n < 1 || n > 100000)
            return sim_jerr(c, p, "expected a list of 1 to 100000 speeds, with 1, 2, 3, ... jobs at the node, "
                                  "found %s", sim_jfound(sp, f, sizeof f));
        if (!(nd->speed = malloc((size_t)n * sizeof *nd->speed)))
            return sim_jerr(c, p, "out of memory");
        nd->nspeed = n;
        int i = 0;
        for (const cJSON *it = sp->child; it; it = it->next, i++) {
            if (!cJSON_IsNumber(it) || !(it->valuedouble > 0 && it->valuedouble <= 1e9))
                return sim_jerr(c, sim_jpath_idx(q, sizeof q, p, i), "expected a speed > 0 (1 = as the service "
                                "time says), found %s", sim_jfound(it, f, sizeof f));
            nd->speed[i] = it->valuedouble;
        }
    }
    const cJSON *ss = sim_jget(o, "speed_schedule"), *ws = sim_jget(o, "workers_schedule");
    if (ss && time_pairs(c, ss, sim_jpath_key(p, sizeof p, path, "speed_schedule"), "speed factor", 0, 1e9, 0,
                         m->tps, &nd->speed_steps, &nd->nspeed_steps))
        return -1;
    if (ws && time_pairs(c, ws, sim_jpath_key(p, sizeof p, path, "workers_schedule"), "worker count", 0, 1000000, 1,
                         m->tps, &nd->worker_steps, &nd->nworker_steps))
        return -1;
    const cJSON *fl = sim_jget(o, "failures");
    if (fl && parse_failures(c, m, fl, sim_jpath_key(p, sizeof p, path, "failures"), &nd->fail, 1))
        return -1;
    nd->sched_factor = 1;
    nd->variable = nd->speed || nd->speed_steps || nd->fail.up || nd->fail.at;
    return 0;
}

/* A router's "fork": {"to": [NODE or GROUP, ...], "copies": K, "join":
 * "all" | "first" | N, "hedge": DIST, "cancel": "complete" | "start"}. */
static int node_fork(sim_jctx *c, tb_model *m, tb_node *nd, const cJSON *o, const char *path, const char *kind)
{
    static const char *const ff[] = { "comment", "to", "copies", "join", "hedge", "cancel", NULL };
    const cJSON *fk = sim_jget(o, "fork");
    char p[P], q[P], f[96];
    if (!fk)
        return 0;
    sim_jpath_key(p, sizeof p, path, "fork");
    if (nd->kind != TB_NODE_ROUTER)
        return sim_jerr(c, p, "expected a fork only on a router node, found it on a %s node", kind);
    if (sim_jobject(c, fk, p, "a fork", ff))
        return -1;
    tb_fork *fo = nd->fork = calloc(1, sizeof *fo);
    if (!fo)
        return sim_jerr(c, p, "out of memory");
    const cJSON *to = sim_jget(fk, "to");
    sim_jpath_key(q, sizeof q, p, "to");
    if (!cJSON_IsArray(to) || cJSON_GetArraySize(to) < 1)
        return sim_jerr(c, q, "expected a list of the nodes (or groups) the copies go to, found %s",
                        sim_jfound(to, f, sizeof f));
    int n = 0, i = 0;
    for (const cJSON *it = to->child; it; it = it->next, i++) {
        char r[P];
        int members, k = node_span(c, m, it, sim_jpath_idx(r, sizeof r, q, i), 0, &members);
        if (k == NODE_REF_ERR)
            return -1;
        int *nt = realloc(fo->to, (size_t)(n + members) * sizeof *nt);
        if (!nt)
            return sim_jerr(c, q, "out of memory");
        fo->to = nt;
        for (int j = 0; j < members; j++) {
            for (int x = 0; x < n; x++)
                if (fo->to[x] == k + j)
                    return sim_jerr(c, r, "expected each target once, found \"%s\" twice", m->nodes[k + j].name);
            fo->to[n++] = k + j;
        }
    }
    fo->nto = n;
    long long copies, join;
    long long all = n;
    if (sim_jint(c, fk, p, "copies", 1, n, &all, &copies))
        return -1;
    fo->copies = (int)copies;
    const cJSON *jn = sim_jget(fk, "join");
    if (!jn || (cJSON_IsString(jn) && strcmp(jn->valuestring, "all") == 0))
        join = copies;
    else if (cJSON_IsString(jn) && strcmp(jn->valuestring, "first") == 0)
        join = 1;
    else if (cJSON_IsNumber(jn) && jn->valuedouble >= 1 && jn->valuedouble <= (double)copies &&
             jn->valuedouble == (double)(long long)jn->valuedouble)
        join = (long long)jn->valuedouble;
    else
        return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "join"), "expected \"all\", \"first\" or a whole number of "
                        "tasks from 1 to copies (%lld), found %s", copies, sim_jfound(jn, f, sizeof f));
    fo->need = (int)join;
    const cJSON *hd = sim_jget(fk, "hedge");
    if (hd && cJSON_IsObject(hd) && sim_jget(hd, "percentile")) { /* the observed latency of the copies */
        static const char *const hf[] = { "comment", "percentile", NULL };
        sim_jpath_key(q, sizeof q, p, "hedge");
        if (sim_jobject(c, hd, q, "a hedge delay", hf) ||
            sim_jnum(c, hd, q, "percentile", 0, 1, 99.99, NULL, &fo->hedge_pct))
            return -1;
    } else if (hd && !(fo->hedge = sim_dist_parse_time(c, hd, sim_jpath_key(q, sizeof q, p, "hedge"), m->tps))) {
        return -1;
    }
    const char *cancel;
    if (sim_jstr(c, fk, p, "cancel", "complete", &cancel))
        return -1;
    if (strcmp(cancel, "start") == 0)
        fo->cancel_on_start = 1;
    else if (strcmp(cancel, "complete") != 0)
        return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "cancel"), "expected \"complete\" (the others are "
                        "cancelled when the join happens) or \"start\" (when one starts service), found \"%s\"",
                        cancel);
    if (fo->cancel_on_start && fo->need != 1)
        return sim_jerr(c, sim_jpath_key(q, sizeof q, p, "cancel"), "expected \"cancel\": \"start\" only with "
                        "\"join\": \"first\" (one copy is served)");
    return 0;
}

static int build_node(sim_jctx *c, tb_model *m, int k, const cJSON *o, const char *path)
{
    tb_node *nd = &m->nodes[k];
    char p[P];
    const char *kind;
    if (sim_jobject(c, o, path, "a node", node_fields) || node_kind(c, nd, o, path, &kind) ||
        node_batch(c, m, nd, o, path) || node_service(c, m, nd, o, path, kind) || node_next(c, m, nd, o, path) ||
        node_balk(c, nd, o, path, kind) || node_capacity(c, m, nd, o, path, kind) || node_fork(c, m, nd, o, path, kind))
        return -1;
    const cJSON *pol = sim_jget(o, "policy");
    if (pol && attach_policy(c, m, nd, pol, sim_jpath_key(p, sizeof p, path, "policy")))
        return -1;
    if (node_class_capacity(c, m, nd, o, path) || node_queues(c, m, nd, o, path) ||
        node_balance(c, m, nd, o, path))
        return -1;
    if (nd->kind == TB_NODE_ROUTER && !sim_jget(o, "next") && !sim_jget(o, "balance") && !sim_jget(o, "fork"))
        return sim_jerr(c, path, "expected \"next\" or \"balance\" on a router node (it only "
                                 "forwards jobs)");
    return 0;
}

static int build_client(sim_jctx *c, tb_model *m, tb_class *cl, const cJSON *o, const char *path, double tps)
{
    static const char *const fields[] = { "comment", "timeout", "retries", "backoff", "budget", "throttle",
                                          "policy", NULL };
    char p[P], f[96];
    if (sim_jobject(c, o, path, "a client", fields))
        return -1;
    tb_client *k = cl->client = calloc(1, sizeof *k);
    if (!k)
        return sim_jerr(c, path, "out of memory");
    const cJSON *to = sim_jget(o, "timeout");
    if (to && !(k->timeout = sim_dist_parse_time(c, to, sim_jpath_key(p, sizeof p, path, "timeout"), tps)))
        return -1;
    if (k->timeout) { /* a timeout that can be 0 gives up on an attempt as it is sent */
        const sim_dist *d = k->timeout;
        int zero = d->mean <= 0 || (d->kind == SIM_DIST_CONSTANT && d->a <= 0);
        for (size_t i = 0; d->kind == SIM_DIST_EMPIRICAL && i < d->n; i++)
            zero |= d->v[i] <= 0;
        if (zero)
            return sim_jerr(c, p, "expected a timeout > 0 s (one of 0 would give up on every attempt as it is "
                                  "sent; leave \"timeout\" out for none), found %s",
                            d->kind == SIM_DIST_EMPIRICAL && d->mean > 0 ? "a distribution with values of 0" : "0");
    }
    long long retries, zero = 0;
    if (sim_jint(c, o, path, "retries", 0, 100, &zero, &retries))
        return -1;
    k->retries = (int)retries;
    k->base = 0.1;
    k->multiplier = 2;
    k->cap = 10;
    const cJSON *b = sim_jget(o, "backoff");
    if (b) {
        static const char *const bf[] = { "base", "multiplier", "cap", NULL };
        sim_jpath_key(p, sizeof p, path, "backoff");
        double base = k->base, mult = k->multiplier, cap = k->cap;
        if (sim_jobject(c, b, p, "a backoff", bf) ||
            sim_jnum(c, b, p, "base", 0, 0, 1e6, &base, &k->base) ||
            sim_jnum(c, b, p, "multiplier", 1, 0, 100, &mult, &k->multiplier) ||
            sim_jnum(c, b, p, "cap", 0, 0, 1e6, &cap, &k->cap))
            return -1;
    }
    const cJSON *bu = sim_jget(o, "budget");
    if (bu) {
        static const char *const uf[] = { "kind", "ratio", "max", NULL };
        sim_jpath_key(p, sizeof p, path, "budget");
        const char *kind;
        double ratio = 0.1, max = 10;
        if (sim_jobject(c, bu, p, "a retry budget", uf) || sim_jstr(c, bu, p, "kind", NULL, &kind) ||
            sim_jnum(c, bu, p, "ratio", 0, 0, 1e6, &ratio, &k->ratio) ||
            sim_jnum(c, bu, p, "max", 0, 1, 1e9, &max, &k->max_tokens))
            return -1;
        if (strcmp(kind, "token") == 0)
            k->budget = 1;
        else if (strcmp(kind, "grpc") == 0)
            k->budget = 2;
        else
            return sim_jerr(c, sim_jpath_key(f, sizeof f, p, "kind"),
                            "expected \"token\" (each success adds ratio, a retry costs 1) or "
                            "\"grpc\" (failures cost 1, retry while above max/2), found \"%s\"", kind);
        k->tokens = k->max_tokens;
    }
    const cJSON *pol = sim_jget(o, "policy");
    if (pol) { /* a policy whose retry() hook decides the retries */
        char q[P];
        sim_jpath_key(q, sizeof q, path, "policy");
        if (!cJSON_IsString(pol))
            return sim_jerr(c, q, "expected the name of a policy in \"policies\" or of a Lua script, found %s",
                            sim_jfound(pol, f, sizeof f));
        for (int i = 0; i < m->ndeciders && !k->decider; i++)
            if (strcmp(m->deciders[i]->name, pol->valuestring) == 0 && !strchr(pol->valuestring, '/'))
                k->decider = m->deciders[i];
        if (!k->decider && build_policy(c, m, cl->name, pol, q, &k->decider))
            return -1;
    }
    const cJSON *th = sim_jget(o, "throttle");
    if (th) { /* client-side adaptive throttling (Google SRE): reject locally beyond k x accepts */
        static const char *const tf[] = { "comment", "k", "window", NULL };
        double two = 2, minutes = 120;
        sim_jpath_key(p, sizeof p, path, "throttle");
        if (sim_jobject(c, th, p, "an adaptive throttle", tf) ||
            sim_jnum(c, th, p, "k", 1, 0, 1e6, &two, &k->throttle_k) ||
            sim_jnum(c, th, p, "window", 0, 1, 1e9, &minutes, &k->throttle_window))
            return -1;
        k->throttle_window = (double)sim_ticks(k->throttle_window, tps);
    }
    return 0;
}

static int build_class(sim_jctx *c, tb_model *m, int i, const cJSON *o, const char *path)
{
    tb_class *cl = &m->classes[i];
    char p[P], f[96];
    if (sim_jobject(c, o, path, "a workload class", class_fields))
        return -1;
    const cJSON *arr = sim_jget(o, "arrival");
    if (!arr)
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "arrival"),
                        "expected an arrival process, found nothing (the field is required)");
    char dir[2048];
    scenario_dir(c->file, dir, sizeof dir);
    if (tb_arrival_parse(c, &cl->arr, arr, sim_jpath_key(p, sizeof p, path, "arrival"), dir, m->tps))
        return -1;
    const cJSON *size = sim_jget(o, "size");
    cl->size = size ? sim_dist_parse(c, size, sim_jpath_key(p, sizeof p, path, "size"), 1)
                    : sim_dist_constant(1);
    if (!cl->size)
        return size ? -1 : sim_jerr(c, path, "out of memory");
    const cJSON *client = sim_jget(o, "client");
    if (client && build_client(c, m, cl, client, sim_jpath_key(p, sizeof p, path, "client"), m->tps))
        return -1;
    if (sim_jget(o, "slo")) {
        double slo;
        if (sim_jnum(c, o, path, "slo", 0, 1, 1e9, NULL, &slo))
            return -1;
        cl->slo = sim_ticks(slo, m->tps);
    }
    long long conf, zero = 0;
    if (sim_jint(c, o, path, "confirmations", 0, 1000000, &zero, &conf))
        return -1;
    cl->confirmations = (int)conf;
    const cJSON *prio = sim_jget(o, "priority"), *dl = sim_jget(o, "deadline");
    if (prio && !(cl->priority = sim_dist_parse(c, prio, sim_jpath_key(p, sizeof p, path, "priority"), 0)))
        return -1;
    if (dl && !(cl->deadline = sim_dist_parse_time(c, dl, sim_jpath_key(p, sizeof p, path, "deadline"), m->tps)))
        return -1;
    const cJSON *pat = sim_jget(o, "patience");
    if (pat && !(cl->patience = sim_dist_parse_time(c, pat, sim_jpath_key(p, sizeof p, path, "patience"), m->tps)))
        return -1;
    const cJSON *route = sim_jget(o, "route"), *entry = sim_jget(o, "entry");
    if (!!route == !!entry)
        return sim_jerr(c, path,
                        "expected exactly one of \"route\" (a list of nodes) or \"entry\" (the first "
                        "node, then routing by each node's \"next\"), found %s",
                        route ? "both" : "neither");
    if (route) {
        sim_jpath_key(p, sizeof p, path, "route");
        int n = cJSON_IsArray(route) ? cJSON_GetArraySize(route) : 0;
        if (n <= 0)
            return sim_jerr(c, p, "expected a non-empty array of node names, found %s",
                            sim_jfound(route, f, sizeof f));
        if (!(cl->route = malloc((size_t)n * sizeof *cl->route)))
            return sim_jerr(c, p, "out of memory");
        int k = 0;
        for (const cJSON *it = route->child; it; it = it->next, k++) {
            char q[P];
            int members, to = node_span(c, m, it, sim_jpath_idx(q, sizeof q, p, k), 0, &members);
            if (to < 0)
                return -1;
            for (int a = to; a < to + members; a++) {
                if (m->nodes[a].kind == TB_NODE_SINK && it->next)
                    return sim_jerr(c, q, "expected a sink only at the end of a route (jobs leave there)");
                if (m->nodes[a].kind == TB_NODE_ROUTER)
                    return sim_jerr(c, q, "expected no router in a fixed route (a router chooses the next "
                                          "node; reach it through \"entry\" and \"next\")");
            }
            if (members > 1 && !cl->route_span && !(cl->route_span = calloc((size_t)n, sizeof *cl->route_span)))
                return sim_jerr(c, p, "out of memory");
            if (cl->route_span)
                cl->route_span[k] = members;
            cl->route[k] = to;
        }
        for (int s = 0; cl->route_span && s < n; s++) /* steps before the first group */
            if (cl->route_span[s] == 0)
                cl->route_span[s] = 1;
        cl->nroute = n;
    } else {
        if ((cl->entry = node_ref(c, m, entry, sim_jpath_key(p, sizeof p, path, "entry"), 0)) < 0)
            return -1;
    }
    const cJSON *svc = sim_jget(o, "service");
    if (svc) {
        sim_jpath_key(p, sizeof p, path, "service");
        if (!cJSON_IsObject(svc))
            return sim_jerr(c, p, "expected an object of {NODE: service time distribution}, found %s",
                            sim_jfound(svc, f, sizeof f));
        for (const cJSON *it = svc->child; it; it = it->next) {
            char q[P];
            sim_jpath_key(q, sizeof q, p, it->string);
            const tb_group *g = tb_group_find(m->groups, m->ngroups, it->string);
            int first = g ? g->first : tb_node_index(m, it->string), members = g ? g->count : 1;
            if (first < 0) {
                char hint[200];
                node_hint(m, it->string, hint, sizeof hint);
                return sim_jerr(c, q, "expected the name of a node or group in \"nodes\", found \"%s\"%s",
                                it->string, hint);
            }
            for (int k = first; k < first + members; k++) { /* a group: the same law at each member */
                if (m->nodes[k].kind == TB_NODE_SINK || m->nodes[k].kind == TB_NODE_ROUTER)
                    return sim_jerr(c, q, "expected no service time at a %s node",
                                    m->nodes[k].kind == TB_NODE_SINK ? "sink" : "router");
                if (m->nodes[k].svc[i].dist)
                    return sim_jerr(c, q, "expected each node once, found %s twice", m->nodes[k].name);
                if (!(m->nodes[k].svc[i].dist = sim_dist_parse_time(c, it, q, m->tps)))
                    return -1;
            }
        }
    }
    return 0;
}

/* The links built so far, chained by source node (for the duplicate check:
 * comparing each link with every earlier one made loading quadratic). */
typedef struct link_chains {
    int *head; /* per node: the last link from it, -1 */
    int *next; /* per link: the previous link from the same node, -1 */
} link_chains;

/* One link from node `from` to node `to`, as the entry o at path says
 * (an entry naming a group makes one link to or from each member). */
static int build_link(sim_jctx *c, tb_model *m, int l, const cJSON *o, const char *path, int from, int to,
                      link_chains *out)
{
    tb_link *ln = &m->links[l];
    char p[P];
    ln->from = from;
    ln->to = to;
    for (int k = out->head[ln->from]; k >= 0; k = out->next[k]) /* the links built so far from this node */
        if (m->links[k].to == ln->to)
            return sim_jerr(c, path, "expected one link from \"%s\" to \"%s\", found a second one",
                            m->nodes[ln->from].name, m->nodes[ln->to].name);
    out->next[l] = out->head[ln->from];
    out->head[ln->from] = l;
    const cJSON *delay = sim_jget(o, "delay");
    if (delay && !(ln->delay = sim_dist_parse_time(c, delay, sim_jpath_key(p, sizeof p, path, "delay"), m->tps)))
        return -1;
    const cJSON *fl = sim_jget(o, "failures");
    if (fl && parse_failures(c, m, fl, sim_jpath_key(p, sizeof p, path, "failures"), &ln->fail, 0))
        return -1;
    double zero = 0;
    if (sim_jnum(c, o, path, "bandwidth", 0, 1, 1e18, &zero, &ln->bandwidth))
        return -1;
    long long none = 0;
    if (sim_jint(c, o, path, "credits", 1, (long long)1 << 40, &none, &ln->window))
        return -1;
    const cJSON *pc = sim_jget(o, "per_class");
    if (pc) {
        if (!cJSON_IsBool(pc))
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "per_class"), "expected true or false");
        if (!ln->window)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, "per_class"),
                            "expected per_class only with \"credits\"");
        ln->per_class = cJSON_IsTrue(pc);
    }
    const cJSON *pause = sim_jget(o, "pause");
    if (pause) {
        static const char *const pf[] = { "xoff", "xon", NULL };
        sim_jpath_key(p, sizeof p, path, "pause");
        if (sim_jobject(c, pause, p, "a pause rule", pf) ||
            sim_jint(c, pause, p, "xoff", 1, (long long)1 << 40, NULL, &ln->xoff) ||
            sim_jint(c, pause, p, "xon", 0, ln->xoff - 1, NULL, &ln->xon))
            return -1;
    }
    if ((ln->window || ln->xoff) && m->nodes[ln->from].kind != TB_NODE_QUEUE)
        return sim_jerr(c, path, "expected backpressure (credits, pause) only on links leaving a queue "
                                 "node, which can hold jobs; \"%s\" is not one", m->nodes[ln->from].name);
    return 0;
}

/* Every node a class can reach needs a service time for it. */
static int check_services(sim_jctx *c, tb_model *m)
{
    char *seen = malloc((size_t)m->nnodes);
    int *stack = malloc((size_t)m->nnodes * sizeof *stack);
    int rc = 0;
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return sim_jerr(c, NULL, "out of memory");
    }
    for (int i = 0; i < m->nclasses && rc == 0; i++) {
        tb_class *cl = &m->classes[i];
        memset(seen, 0, (size_t)m->nnodes);
        int top = 0;
        if (cl->route) {
            for (int k = 0; k < cl->nroute; k++)
                for (int a = 0; a < (cl->route_span ? cl->route_span[k] : 1); a++)
                    seen[cl->route[k] + a] = 1;
        } else {
            seen[cl->entry] = 1;
            stack[top++] = cl->entry;
            while (top > 0) {
                tb_node *nd = &m->nodes[stack[--top]];
                for (int k = 0; k < nd->nnext + nd->ncand; k++) {
                    int to = k < nd->nnext ? nd->next[k] : nd->cand[k - nd->nnext];
                    if (to >= 0 && !seen[to]) {
                        seen[to] = 1;
                        stack[top++] = to;
                    }
                }
            }
        }
        for (int k = 0; k < m->nnodes && rc == 0; k++) {
            tb_node *nd = &m->nodes[k];
            if (!seen[k] || nd->kind == TB_NODE_SINK || nd->kind == TB_NODE_ROUTER ||
                nd->kind == TB_NODE_BATCH)
                continue;
            if (!nd->svc[i].dist)
                nd->svc[i].dist = nd->service;
            if (!nd->svc[i].dist)
                rc = sim_jerr(c, NULL,
                              "nodes.%s.service: expected a service time distribution (class \"%s\" "
                              "visits the node and classes.%s.service does not give one), found "
                              "nothing",
                              nd->name, cl->name, cl->name);
        }
    }
    free(seen);
    free(stack);
    return rc;
}

/* Node u's links, sorted by destination (compressed rows): link
 * lnk[start[u] .. start[u + 1]) leaves u, in increasing order of `to`, so a
 * hop finds its link by binary search (a scan of every link for each of a
 * router's next entries made loading 10^5 nodes quadratic). */
typedef struct out_links {
    int *start, *lnk;
} out_links;

static const tb_model *sort_model; /* qsort has no context argument */
static int link_to_cmp(const void *a, const void *b)
{
    int x = sort_model->links[*(const int *)a].to, y = sort_model->links[*(const int *)b].to;
    return (x > y) - (x < y);
}

static int out_links_build(const tb_model *m, out_links *o)
{
    int nn = m->nnodes, nl = m->nlinks;
    o->start = calloc((size_t)nn + 1, sizeof *o->start);
    o->lnk = malloc((size_t)(nl ? nl : 1) * sizeof *o->lnk);
    int *fill = malloc((size_t)(nn ? nn : 1) * sizeof *fill);
    if (!o->start || !o->lnk || !fill) {
        free(fill);
        return -1;
    }
    for (int i = 0; i < nl; i++)
        o->start[m->links[i].from + 1]++;
    for (int u = 0; u < nn; u++) {
        o->start[u + 1] += o->start[u];
        fill[u] = o->start[u];
    }
    for (int i = 0; i < nl; i++)
        o->lnk[fill[m->links[i].from]++] = i;
    free(fill);
    sort_model = m;
    for (int u = 0; u < nn; u++)
        if (o->start[u + 1] - o->start[u] > 1)
            qsort(o->lnk + o->start[u], (size_t)(o->start[u + 1] - o->start[u]), sizeof *o->lnk, link_to_cmp);
    return 0;
}

/* Can a job of class ci go from node u to node `to` (TB_EXIT: out) in no
 * simulated time: u passes it on at once (a router, or a service that is
 * certainly 0), and no link between them delays or serialises it? */
static int zero_time_hop(const tb_model *m, const out_links *o, int ci, int u, int to)
{
    const tb_node *nd = &m->nodes[u];
    if (nd->kind == TB_NODE_BATCH || nd->kind == TB_NODE_SINK)
        return 0; /* a batch waits for its interval (mean > 0); a sink ends the path */
    if (nd->kind != TB_NODE_ROUTER && !(nd->svc[ci].dist && nd->svc[ci].dist->mean == 0))
        return 0;
    int lo = o->start[u], hi = o->start[u + 1]; /* the first link from u with to >= `to` */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->links[o->lnk[mid]].to < to)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < o->start[u + 1] && m->links[o->lnk[lo]].to == to) {
        const tb_link *ln = &m->links[o->lnk[lo]];
        const sim_dist *sz = m->classes[ci].size;
        int serialises = ln->bandwidth > 0 && !(sz && sz->mean == 0);
        return !serialises && !(ln->delay && ln->delay->mean > 0);
    }
    return 1;
}

/* The node a job of an `entry` class can go to from node u, edge k of
 * nnext + ncand (-2: an edge of probability 0, never taken). */
static int edge_to(const tb_node *nd, int k)
{
    if (k >= nd->nnext)
        return nd->cand[k - nd->nnext];
    double p = nd->cum[k] - (k ? nd->cum[k - 1] : 0);
    return p > 0 ? nd->next[k] : -2;
}

/* Describe the path stack[from..top-1] and back to stack[from] as "a -> b -> a". */
static void cycle_text(const tb_model *m, const int *stack, int from, int top, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = from; i <= top && len + 1 < n; i++) {
        const char *name = m->nodes[stack[i < top ? i : from]].name;
        int w = snprintf(buf + len, n - len, "%s%s", i > from ? " -> " : "", name);
        if (w < 0)
            break;
        len += (size_t)w < n - len ? (size_t)w : n - len - 1;
    }
}

/*
 * Routing that cannot work, for each class that routes from its `entry`
 * (a fixed `route` always ends): a cycle a job can go round in no simulated
 * time (routers, nodes whose service is certainly 0, links without delay),
 * which would never let the clock advance; and a node the class can reach
 * from which it can never leave the network (every request would stay in
 * flight for ever).  Each is an error naming the class and the nodes.
 */
/* Scratch arrays of the routing checks, one entry per node. */
typedef struct route_scratch {
    char *seen, *state, *out;
    int *stack, *edge;
    int *pred_start, *pred; /* predecessors of node v: pred[pred_start[v] .. pred_start[v + 1]) */
    out_links ol;
} route_scratch;

/* The predecessor lists (compressed rows), for propagating "can leave"
 * backwards in linear time.  0, or -1 out of memory. */
static int predecessors(const tb_model *m, route_scratch *w)
{
    int nn = m->nnodes, ne = 0;
    w->pred_start = calloc((size_t)nn + 2, sizeof *w->pred_start);
    if (!w->pred_start)
        return -1;
    for (int u = 0; u < nn; u++) {
        const tb_node *nd = &m->nodes[u];
        for (int k = 0; k < nd->nnext + nd->ncand; k++) {
            int to = edge_to(nd, k);
            if (to >= 0) {
                w->pred_start[to + 2]++;
                ne++;
            }
        }
    }
    for (int v = 0; v < nn; v++) /* pred_start[v + 2] counts v's predecessors: prefix sums, shifted by one */
        w->pred_start[v + 2] += w->pred_start[v + 1];
    if (!(w->pred = malloc((size_t)(ne ? ne : 1) * sizeof *w->pred)))
        return -1;
    for (int u = 0; u < nn; u++) {
        const tb_node *nd = &m->nodes[u];
        for (int k = 0; k < nd->nnext + nd->ncand; k++) {
            int to = edge_to(nd, k);
            if (to >= 0)
                w->pred[w->pred_start[to + 1]++] = u;
        }
    }
    return 0;
}

/* Mark in `mark` every node reachable from `from` (itself included). */
static void reach(const tb_model *m, int from, char *mark, int *stack)
{
    int top = 0;
    memset(mark, 0, (size_t)m->nnodes);
    mark[from] = 1;
    stack[top++] = from;
    while (top > 0) {
        const tb_node *nd = &m->nodes[stack[--top]];
        for (int k = 0; k < nd->nnext + nd->ncand; k++) {
            int to = edge_to(nd, k);
            if (to >= 0 && !mark[to]) {
                mark[to] = 1;
                stack[top++] = to;
            }
        }
    }
}

/* A cycle among the nodes class ci reaches that a job can go round in zero
 * time: depth-first search over zero-time hops, with the path on an
 * explicit stack (state 0 unvisited, 1 on the path, 2 done). */
static int zero_time_cycle(sim_jctx *c, const tb_model *m, int ci, route_scratch *w)
{
    int nn = m->nnodes;
    char cyc[1024];
    memset(w->state, 0, (size_t)nn);
    for (int s = 0; s < nn; s++) {
        if (!w->seen[s] || w->state[s])
            continue;
        int top = 0;
        w->stack[0] = s;
        w->edge[0] = 0;
        w->state[s] = 1;
        while (top >= 0) {
            int u = w->stack[top];
            const tb_node *nd = &m->nodes[u];
            if (w->edge[top] >= nd->nnext + nd->ncand) {
                w->state[u] = 2;
                top--;
                continue;
            }
            int v = edge_to(nd, w->edge[top]++);
            if (v < 0 || !zero_time_hop(m, &w->ol, ci, u, v))
                continue;
            if (w->state[v] == 1) {
                int from = top;
                while (w->stack[from] != v)
                    from--;
                cycle_text(m, w->stack, from, top + 1, cyc, sizeof cyc);
                return sim_jerr(c, NULL,
                                "classes.%s: expected routing in which simulated time passes, found a cycle "
                                "a job can go round in no time: %s (routers, nodes whose service is 0 and "
                                "links without delay take none); give a node on it a service time or a link "
                                "a delay, or route out of the cycle",
                                m->classes[ci].name, cyc);
            }
            if (w->state[v] == 0) {
                w->state[v] = 1;
                w->stack[++top] = v;
                w->edge[top] = 0;
            }
        }
    }
    return 0;
}

/* A node class ci reaches from which it cannot leave the network: the
 * nodes that can leave are those that leave at once (a sink, no onward
 * routing, an exit) and, backwards, those with a hop to one that can; the
 * first that cannot is named with the nodes its jobs circulate among. */
static int trapped(sim_jctx *c, const tb_model *m, int ci, route_scratch *w)
{
    int nn = m->nnodes, top = 0;
    assert(nn > 0); /* the loader refuses a scenario without nodes */
    memset(w->out, 0, (size_t)nn);
    for (int u = 0; u < nn; u++) { /* the nodes that leave at once */
        const tb_node *nd = &m->nodes[u];
        int leaves = nd->kind == TB_NODE_SINK || nd->nnext + nd->ncand == 0;
        for (int k = 0; k < nd->nnext + nd->ncand && !leaves; k++)
            leaves = edge_to(nd, k) == TB_EXIT;
        if (w->seen[u] && leaves) {
            w->out[u] = 1;
            w->stack[top++] = u;
        }
    }
    while (top > 0) { /* and those with a hop to one that can: backwards, each node once */
        int v = w->stack[--top];
        for (int i = w->pred_start[v]; i < w->pred_start[v + 1]; i++) {
            int u = w->pred[i];
            if (w->seen[u] && !w->out[u]) {
                w->out[u] = 1;
                w->stack[top++] = u;
            }
        }
    }
    for (int u = 0; u < nn; u++) {
        if (!w->seen[u] || w->out[u])
            continue;
        char cyc[1024] = "";
        size_t len = 0;
        reach(m, u, w->state, w->stack); /* the trap: what u reaches, none of which leaves */
        for (int v = 0; v < nn && len + 1 < sizeof cyc; v++)
            if (w->state[v]) {
                int k = snprintf(cyc + len, sizeof cyc - len, "%s\"%s\"", len ? ", " : "", m->nodes[v].name);
                len += k > 0 && (size_t)k < sizeof cyc - len ? (size_t)k : sizeof cyc - len - 1;
            }
        return sim_jerr(c, NULL,
                        "classes.%s: expected every node the class reaches to have a way out of the network, "
                        "found none from node \"%s\": its jobs circulate among %s for ever (give one of them "
                        "a next entry {\"node\": \"exit\", \"p\": P}, or a sink)",
                        m->classes[ci].name, m->nodes[u].name, cyc);
    }
    return 0;
}

/* For each class routed from an entry: no zero-time cycle among the nodes
 * it reaches, and a way out of the network from each of them. */
static int check_routing(sim_jctx *c, tb_model *m)
{
    int nn = m->nnodes, rc = 0;
    route_scratch w = { calloc((size_t)nn, 1), calloc((size_t)nn, 1), calloc((size_t)nn, 1),
                        malloc((size_t)(nn + 1) * sizeof(int)), malloc((size_t)(nn + 1) * sizeof(int)), NULL, NULL,
                        { NULL, NULL } };
    if (!w.seen || !w.state || !w.out || !w.stack || !w.edge || predecessors(m, &w) != 0 ||
        out_links_build(m, &w.ol) != 0)
        rc = sim_jerr(c, NULL, "out of memory");
    for (int ci = 0; ci < m->nclasses && rc == 0; ci++) {
        if (m->classes[ci].route)
            continue;
        reach(m, m->classes[ci].entry, w.seen, w.stack);
        rc = zero_time_cycle(c, m, ci, &w) || trapped(c, m, ci, &w) ? -1 : 0;
    }
    free(w.seen);
    free(w.state);
    free(w.out);
    free(w.stack);
    free(w.edge);
    free(w.pred_start);
    free(w.pred);
    free(w.ol.start);
    free(w.ol.lnk);
    return rc;
}

/* The names of nodes and classes first (duplicates caught here), so that
 * anything may refer to them. */
static int build_names(sim_jctx *c, tb_model *m, const cJSON *nodes, const cJSON *classes)
{ /* (-fanalyzer reports the names as leaked: it cannot follow them into the model) */
    char p[P];
    int k = 0, dn, dc;
    for (const cJSON *it = nodes->child; it; it = it->next) {
        const tb_group *g = tb_group_find(m->groups, m->ngroups, it->string);
        if (!g) {
            if (!(m->nodes[k++].name = strdup(it->string))) /* the model's: tb_model_free() frees it on every path */
                return sim_jerr(c, NULL, "out of memory");
            continue;
        }
        assert(g->first == k);
        for (int i = 1; i <= g->count; i++, k++) {
            char name[80];
            snprintf(name, sizeof name, "%s%d", g->name, i);
            if (!(m->nodes[k].name = strdup(name)))
                return sim_jerr(c, NULL, "out of memory");
        }
    }
    assert(k == m->nnodes);
    k = 0;
    for (const cJSON *it = classes->child; it; it = it->next, k++)
        if (!(m->classes[k].name = strdup(it->string)))
            return sim_jerr(c, NULL, "out of memory");
    /* sorted once, so that every reference is a binary search (a linear
     * one made loading quadratic in the nodes); the first repeated name is
     * reported where a scan in document order would meet it */
    if (tb_model_index_names(m, &dn, &dc) != 0)
        return sim_jerr(c, NULL, "out of memory");
    k = 0;
    for (const cJSON *it = nodes->child; it; it = it->next) {
        sim_jpath_key(p, sizeof p, "nodes", it->string);
        if (check_name(c, p, it->string, "node"))
            return -1;
        const tb_group *g = tb_group_find(m->groups, m->ngroups, it->string);
        int members = g ? g->count : 1;
        if (g && tb_node_index(m, g->name) >= 0)
            return sim_jerr(c, p, "expected each node name once, found \"%s\" both as a node and as a group",
                            g->name);
        for (int i = 0; i < members; i++, k++)
            if (k == dn)
                return sim_jerr(c, p, "expected each node name once, found %s twice%s", m->nodes[k].name,
                                g ? " (a member of this group)" : "");
    }
    k = 0;
    for (const cJSON *it = classes->child; it; it = it->next, k++) {
        sim_jpath_key(p, sizeof p, "classes", it->string);
        if (check_name(c, p, it->string, "class"))
            return -1;
        if (k == dc)
            return sim_jerr(c, p, "expected each class name once, found it twice");
    }
    return 0;
}

/* The tick, then the policy instances under "policies". */
static int build_policies(sim_jctx *c, tb_model *m, const cJSON *root)
{
    char p[P], f[96];
    /* the tick first: arrival profiles convert times as they are read */
    double tick, dtick = 1e-9;
    if (sim_jnum(c, root, "", "tick", 1e-12, 0, 1, &dtick, &tick))
        return -1;
    m->tps = 1 / tick;
    const cJSON *pols = sim_jget(root, "policies");
    if (pols && !cJSON_IsObject(pols)) {
        sim_jerr(c, "policies", "expected an object of {NAME: policy}, found %s",
                 sim_jfound(pols, f, sizeof f));
        return -1;
    }
    for (const cJSON *it = pols ? pols->child : NULL; it; it = it->next) {
        sim_jpath_key(p, sizeof p, "policies", it->string);
        if (check_name(c, p, it->string, "policy"))
            return -1;
        for (int i = 0; i < m->ndeciders; i++)
            if (strcmp(m->deciders[i]->name, it->string) == 0) {
                sim_jerr(c, p, "expected each policy name once, found it twice");
                return -1;
            }
        tb_decider *made;
        if (build_policy(c, m, it->string, it, p, &made))
            return -1;
    }
    return 0;
}

/* Nodes, classes and links, then the checks that need all of them. */
static int build_parts(sim_jctx *c, tb_model *m, const cJSON *nodes, const cJSON *classes, const cJSON *links)
{
    char p[P];
    int k = 0;
    for (const cJSON *it = nodes->child; it; it = it->next) {
        const tb_group *g = tb_group_find(m->groups, m->ngroups, it->string);
        int members = g ? g->count : 1;
        for (int i = 0; i < members; i++, k++) /* a group: each member built from the same object */
            if (build_node(c, m, k, it, sim_jpath_key(p, sizeof p, "nodes", it->string)))
                return -1;
    }
    k = 0;
    for (const cJSON *it = classes->child; it; it = it->next, k++)
        if (build_class(c, m, k, it, sim_jpath_key(p, sizeof p, "classes", it->string)))
            return -1;
    k = 0;
    link_chains lc = { malloc((size_t)(m->nnodes ? m->nnodes : 1) * sizeof(int)),
                       malloc((size_t)(m->nlinks ? m->nlinks : 1) * sizeof(int)) };
    int rc = lc.head && lc.next ? 0 : sim_jerr(c, NULL, "out of memory");
    for (int i = 0; rc == 0 && i < m->nnodes; i++)
        lc.head[i] = -1;
    int l = 0;
    for (const cJSON *it = links ? links->child : NULL; rc == 0 && it; it = it->next, k++) {
        char q[P];
        int nfrom, nto, from, to;
        sim_jpath_idx(p, sizeof p, "links", k);
        if (sim_jobject(c, it, p, "a link", link_fields) ||
            (from = node_span(c, m, sim_jget(it, "from"), sim_jpath_key(q, sizeof q, p, "from"), 0, &nfrom)) < 0 ||
            (to = node_span(c, m, sim_jget(it, "to"), sim_jpath_key(q, sizeof q, p, "to"), 0, &nto)) < 0) {
            rc = -1;
            break;
        }
        for (int a = 0; rc == 0 && a < nfrom; a++)
            for (int b = 0; rc == 0 && b < nto; b++) {
                assert(l < m->nlinks);
                rc = build_link(c, m, l++, it, p, from + a, to + b, &lc);
            }
    }
    assert(rc != 0 || l == m->nlinks);
    free(lc.head);
    free(lc.next);
    if (rc)
        return -1;
    for (int fk = 0; fk < m->nnodes; fk++) /* a fork's targets serve its copies, then send them back */
        for (int i = 0; m->nodes[fk].fork && i < m->nodes[fk].fork->nto; i++) {
            const tb_node *t = &m->nodes[m->nodes[fk].fork->to[i]];
            if ((t->kind != TB_NODE_QUEUE && t->kind != TB_NODE_DELAY) || !t->service)
                return sim_jerr(c, NULL, "nodes.%s.fork.to: expected queue or delay nodes with a \"service\", found "
                                "\"%s\"", m->nodes[fk].name, t->name);
        }
    if (check_services(c, m) || check_routing(c, m))
        return -1;
    for (int fk = 0; fk < m->nnodes; fk++) /* every class's copies may reach a fork's targets */
        for (int i = 0; m->nodes[fk].fork && i < m->nodes[fk].fork->nto; i++) {
            tb_node *t = &m->nodes[m->nodes[fk].fork->to[i]];
            for (int ci = 0; ci < m->nclasses; ci++)
                if (!t->svc[ci].dist)
                    t->svc[ci].dist = t->service;
        }

    return 0;
}

/* Duration, warm-up, window, seed and the periods that depend on them. */
static int run_parameters(sim_jctx *c, tb_model *m, const cJSON *root, double *window_s)
{
    /* Run parameters, in seconds. */
    double duration, warmup, window, zero = 0;
    long long seed, maxc, one = 1, none = 0;
    const char *comment, *evq;
    if (sim_jstr(c, root, "", "comment", "", &comment) ||
        sim_jint(c, root, "", "seed", 0, (1LL << 53), &one, &seed) ||
        parse_seconds(c, root, "", "duration", 0, 1, NULL, &duration) ||
        parse_seconds(c, root, "", "warmup", 0, 0, &zero, &warmup) ||
        sim_jint(c, root, "", "max_completions", 0, (1LL << 53), &none, &maxc) ||
        sim_jstr(c, root, "", "event_queue", "heap", &evq))
        return -1;
    double dwin = duration / 100;
    if (parse_seconds(c, root, "", "window", 0, 1, &dwin, &window))
        return -1;
    if (warmup >= duration) {
        sim_jerr(c, "warmup", "expected a warm-up shorter than the duration (%.17g s), found %.17g",
                 duration, warmup);
        return -1;
    }
    if (!sim_evq_find(evq)) {
        sim_jerr(c, "event_queue", "expected \"heap\" or \"calendar\", found \"%s\"", evq);
        return -1;
    }
    if (duration * m->tps > 4e18) {
        sim_jerr(c, "duration", "expected at most %.3g s with a tick of %.3g s, found %.17g",
                 4e18 / m->tps, 1 / m->tps, duration);
        return -1;
    }
    for (int i = 0; i < m->ndeciders; i++) {
        tb_decider *pol = m->deciders[i];
        if (pol->tick_s <= 0)
            continue;
        pol->tick = sim_ticks(pol->tick_s, m->tps);
        if (pol->tick < 1 || fabs((double)pol->tick / m->tps - pol->tick_s) > 1e-3 * pol->tick_s) {
            sim_jerr(c, NULL, "policies.%s.tick: expected a period the tick of %.3g s can represent, found %.15g s",
                     pol->name, 1 / m->tps, pol->tick_s);
            return -1;
        }
        if (duration / pol->tick_s > TB_MAX_PERIODS) {
            sim_jerr(c, NULL, "policies.%s.tick: expected at most %.0e calls over the duration (%.15g s), found a "
                              "period of %.15g s (%.3g calls)", pol->name, TB_MAX_PERIODS, duration, pol->tick_s,
                     duration / pol->tick_s);
            return -1;
        }
    }
    if (duration / window > TB_MAX_PERIODS) {
        sim_jerr(c, "window", "expected at most %.0e windows over the duration (%.15g s), found a window of %.15g s "
                              "(%.3g windows)", TB_MAX_PERIODS, duration, window, duration / window);
        return -1;
    }
    m->seed = (uint64_t)seed;
    m->duration = sim_ticks(duration, m->tps);
    m->warmup = sim_ticks(warmup, m->tps);
    m->window = sim_ticks(window, m->tps);
    if (m->window < 1) {
        sim_jerr(c, "window", "expected a window the tick of %.3g s can represent, found %.15g s", 1 / m->tps, window);
        return -1;
    }
    m->max_completions = (uint64_t)maxc;
    *window_s = window;
    return 0;
}

/* "limits" and "hot". */
static int run_limits(sim_jctx *c, tb_model *m, const cJSON *root, double window)
{
    const cJSON *lim = sim_jget(root, "limits");
    if (lim) {
        static const char *const lf[] = { "jobs", NULL };
        long long dj = 10000000;
        if (sim_jobject(c, lim, "limits", "resource limits", lf) ||
            sim_jint(c, lim, "limits", "jobs", 1, (long long)1 << 40, &dj, &m->max_jobs))
            return -1;
    }
    const cJSON *hot = sim_jget(root, "hot");
    if (hot) {
        static const char *const hf[] = { "factor", "sustain", "baseline", NULL };
        double factor, sustain, ten = TB_HOT_FACTOR, dflt = 5 * window;
        const char *bl;
        if (sim_jobject(c, hot, "hot", "a hot-node rule", hf) ||
            sim_jnum(c, hot, "hot", "factor", 1, 0, 1e9, &ten, &factor) ||
            sim_jnum(c, hot, "hot", "sustain", 0, 1, 1e9, &dflt, &sustain) ||
            sim_jstr(c, hot, "hot", "baseline", "warmup", &bl))
            return -1;
        if (strcmp(bl, "warmup") && strcmp(bl, "unloaded")) {
            sim_jerr(c, "hot.baseline",
                     "expected \"warmup\" (each node's mean sojourn in the second half of the warm-up) or "
                     "\"unloaded\" (its mean service time), found \"%s\"", bl);
            return -1;
        }
        m->hot_factor = factor;
        m->sustain = sim_ticks(sustain, m->tps);
        m->hot_unloaded = strcmp(bl, "unloaded") == 0;
    }
    return 0;
}

/* Which nodes write rows of timeseries.csv: "timeseries": {"nodes": [NAME,
 * ...] or "all"}; by default every node of a network of at most
 * TB_TS_ALL_NODES, none of a larger one (a row per node per window is most
 * of a large network's run time and gigabytes of CSV). */
/* "timeseries": {"fields": [NAME, ...]}: the columns after time_s,node, in
 * the order given (each at most once). */
static int time_series_fields(sim_jctx *c, tb_model *m, const cJSON *ts)
{
    const cJSON *fl = sim_jget(ts, "fields");
    char f[96], p[P], names[200] = "";
    if (!fl)
        return 0;
    for (int i = 0; i < TB_TS_NFIELDS; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", tb_ts_field_names[i]);
    int n = cJSON_IsArray(fl) ? cJSON_GetArraySize(fl) : 0;
    if (n <= 0 || n > TB_TS_NFIELDS)
        return sim_jerr(c, "timeseries.fields", "expected an array of 1 to %d of: %s, found %s", TB_TS_NFIELDS, names,
                        sim_jfound(fl, f, sizeof f));
    int i = 0, seen = 0;
    for (const cJSON *it = fl->child; it; it = it->next, i++) {
        sim_jpath_idx(p, sizeof p, "timeseries.fields", i);
        int k = 0;
        while (k < TB_TS_NFIELDS && !(cJSON_IsString(it) && strcmp(it->valuestring, tb_ts_field_names[k]) == 0))
            k++;
        if (k == TB_TS_NFIELDS)
            return sim_jerr(c, p, "expected one of: %s, found %s", names, sim_jfound(it, f, sizeof f));
        if (seen & (1 << k))
            return sim_jerr(c, p, "expected each field once, found \"%s\" twice", tb_ts_field_names[k]);
        seen |= 1 << k;
        m->ts_field[i] = (unsigned char)k;
    }
    m->ts_nfields = n;
    return 0;
}

static int time_series(sim_jctx *c, tb_model *m, const cJSON *root)
{
    static const char *const fields[] = { "comment", "nodes", "fields", "rows", NULL };
    const cJSON *ts = sim_jget(root, "timeseries"), *nodes = ts ? sim_jget(ts, "nodes") : NULL,
                *rows = ts ? sim_jget(ts, "rows") : NULL;
    char f[96], p[P];
    int all = !ts ? m->nnodes <= TB_TS_ALL_NODES : !nodes || (cJSON_IsString(nodes) && strcmp(nodes->valuestring, "all") == 0);
    if (ts && (sim_jobject(c, ts, "timeseries", "the time series' contents", fields) || time_series_fields(c, m, ts)))
        return -1;
    if (rows) { /* "all" (the default) or "changed": a node's row only when it differs from its last */
        int changed = cJSON_IsString(rows) && strcmp(rows->valuestring, "changed") == 0;
        if (!changed && !(cJSON_IsString(rows) && strcmp(rows->valuestring, "all") == 0))
            return sim_jerr(c, "timeseries.rows", "expected \"all\" or \"changed\", found %s",
                            sim_jfound(rows, f, sizeof f));
        if (changed) {
            size_t nv = (size_t)m->nnodes * TB_TS_NFIELDS;
            m->ts_prev = sim_malloc(nv * sizeof *m->ts_prev);
            if (!m->ts_prev)
                return sim_jerr(c, "timeseries.rows", "out of memory");
            for (size_t i = 0; i < nv; i++)
                m->ts_prev[i] = NAN;
        }
    }
    for (int i = 0; i < m->nnodes; i++)
        m->nodes[i].ts_row = all;
    if (all)
        return 0;
    if (!ts) /* a larger network, and nothing named: docs/scenario.md says so */
        return 0;
    if (!cJSON_IsArray(nodes))
        return sim_jerr(c, "timeseries.nodes", "expected an array of node names or \"all\", found %s",
                        sim_jfound(nodes, f, sizeof f));
    int i = 0;
    for (const cJSON *it = nodes->child; it; it = it->next, i++) {
        int members;
        sim_jpath_idx(p, sizeof p, "timeseries.nodes", i);
        int k = node_span(c, m, it, p, 0, &members);
        if (k == NODE_REF_ERR)
            return -1;
        for (int j = 0; j < members; j++)
            m->nodes[k + j].ts_row = 1;
    }
    return 0;
}

tb_model *tb_scenario_build(const tb_scenario *sc, sim_jctx *c)
{
    const cJSON *root = sc->root;
    char f[96];
    c->file = tb_shown_path(sc->file);
    if (sim_jobject(c, root, "", "a scenario", top_fields))
        return NULL;
    const cJSON *nodes = sim_jget(root, "nodes"), *classes = sim_jget(root, "classes"),
                *links = sim_jget(root, "links");
    if (!cJSON_IsObject(nodes) || !nodes->child) {
        sim_jerr(c, "nodes", "expected a non-empty object of {NAME: node}, found %s",
                 sim_jfound(nodes, f, sizeof f));
        return NULL;
    }
    if (!cJSON_IsObject(classes) || !classes->child) {
        sim_jerr(c, "classes", "expected a non-empty object of {NAME: workload class}, found %s",
                 sim_jfound(classes, f, sizeof f));
        return NULL;
    }
    if (links && !cJSON_IsArray(links)) {
        sim_jerr(c, "links", "expected an array of links, found %s", sim_jfound(links, f, sizeof f));
        return NULL;
    }
    /* groups first: they decide how many nodes and links there are */
    tb_group *groups;
    int ng, nc = cJSON_GetArraySize(classes);
    long long nn, nl = 0;
    if (tb_groups_scan(c, nodes, &groups, &ng, &nn)) {
        tb_groups_free(groups, ng);
        return NULL;
    }
    for (const cJSON *it = links ? links->child : NULL; it; it = it->next)
        nl += (long long)tb_group_size(groups, ng, sim_jget(it, "from")) * tb_group_size(groups, ng, sim_jget(it, "to"));
    if (nl > TB_MAX_LINKS) {
        tb_groups_free(groups, ng);
        sim_jerr(c, "links", "expected at most %d links in all, found %lld (a link between groups joins every "
                             "member of one to every member of the other)", TB_MAX_LINKS, nl);
        return NULL;
    }
    if (nn * nc > TB_MAX_NODE_CLASSES) {
        tb_groups_free(groups, ng);
        sim_jerr(c, "classes", "expected at most %d nodes x classes, found %lld nodes and %d classes (each node "
                               "keeps a service time and statistics per class)", TB_MAX_NODE_CLASSES, nn, nc);
        return NULL;
    }
    tb_model *m = tb_model_alloc(nc, (int)nn, (int)nl);
    if (!m) {
        tb_groups_free(groups, ng);
        sim_jerr(c, NULL, "out of memory");
        return NULL;
    }
    m->groups = groups;
    m->ngroups = ng;
    double window;
    if (build_names(c, m, nodes, classes) || build_policies(c, m, root) || build_parts(c, m, nodes, classes, links) ||
        run_parameters(c, m, root, &window) || run_limits(c, m, root, window) || time_series(c, m, root)) {
        tb_model_free(m);
        return NULL;
    }
    return m;
}
