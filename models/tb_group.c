/* tb_group.c - node groups: "W": {"count": 8, ...} under "nodes" makes W1..W8, and the name W stands for all of them in lists of nodes. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tb_group.h"

static int by_group_name(const void *a, const void *b)
{
    return strcmp(((const tb_group *)a)->name, ((const tb_group *)b)->name);
}

void tb_groups_free(tb_group *g, int n)
{
    for (int i = 0; g && i < n; i++)
        free(g[i].name);
    free(g);
}

int tb_groups_scan(sim_jctx *c, const cJSON *nodes, tb_group **out, int *nout, long long *nnodes)
{
    char p[256];
    long long total = 0;
    int ng = 0;
    for (const cJSON *it = nodes->child; it; it = it->next)
        ng += cJSON_IsObject(it) && sim_jget(it, "count") != NULL;
    tb_group *gs = calloc((size_t)(ng ? ng : 1), sizeof *gs);
    *out = gs; /* the caller's, freed with tb_groups_free on every path */
    *nout = 0;
    if (!gs)
        return sim_jerr(c, NULL, "out of memory");
    for (const cJSON *it = nodes->child; it; it = it->next) {
        long long n = 1;
        if (cJSON_IsObject(it) && sim_jget(it, "count")) {
            sim_jpath_key(p, sizeof p, "nodes", it->string);
            if (sim_jint(c, it, p, "count", 1, TB_MAX_NODES, NULL, &n))
                return -1;
            /* members are NAME1..NAMEn: the longest must still be a name */
            char longest[32];
            int digits = snprintf(longest, sizeof longest, "%lld", n);
            if (strlen(it->string) + (size_t)digits > 64)
                return sim_jerr(c, p, "expected a group name short enough for its members' names (at most %d "
                                      "characters with %lld members), found \"%s\"", 64 - digits, n, it->string);
            assert(*nout < ng);
            tb_group *g = &gs[(*nout)++];
            if (!(g->name = strdup(it->string)))
                return sim_jerr(c, NULL, "out of memory");
            g->first = (int)total;
            g->count = (int)n;
        }
        total += n;
        if (total > TB_MAX_NODES)
            return sim_jerr(c, "nodes", "expected at most %d nodes in all, found more (groups' counts included)",
                            TB_MAX_NODES);
    }
    qsort(gs, (size_t)*nout, sizeof *gs, by_group_name);
    for (int i = 1; i < *nout; i++)
        if (strcmp(gs[i - 1].name, gs[i].name) == 0)
            return sim_jerr(c, sim_jpath_key(p, sizeof p, "nodes", gs[i].name),
                            "expected each node name once, found it twice");
    *nnodes = total;
    return 0;
}

const tb_group *tb_group_find(const tb_group *g, int n, const char *name)
{
    if (n == 0)
        return NULL;
    tb_group key = { (char *)name, 0, 0 }; /* only compared */
    return bsearch(&key, g, (size_t)n, sizeof *g, by_group_name);
}

int tb_group_size(const tb_group *g, int n, const cJSON *v)
{
    const tb_group *f = cJSON_IsString(v) ? tb_group_find(g, n, v->valuestring) : NULL;
    return f ? f->count : 1;
}
