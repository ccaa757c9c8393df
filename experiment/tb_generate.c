/* tb_generate.c - scenario generators: run a Lua script in the sandbox and write the table it returns as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../sim/sim_lua.h"
#include "../sim/sim_rng.h"
#include "tb_generate.h"

char *tb_generate(const char *script, const char *const *sets, int nsets, uint64_t seed, long budget, char *err,
                  size_t n)
{
    sim_rng rng;
    sim_rng_init(&rng, seed, 0, "generate");
    cJSON *params = cJSON_CreateObject();
    sim_lua *p = sim_lua_new(&rng, TB_GEN_MEMORY, budget, 0);
    char *out = NULL;
    if (!p || !params) {
        snprintf(err, n, "%s: cannot create a Lua interpreter (out of memory)", script);
        goto done;
    }
    sim_lua_set_hint(p, "a generator may use 1 GiB");
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i]) {
            snprintf(err, n, "tailback generate: --set: expected NAME=VALUE, found \"%s\"", sets[i]);
            goto done;
        }
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - sets[i]), sets[i]);
        cJSON *v = cJSON_Parse(eq + 1);
        if (!v)
            v = cJSON_CreateString(eq + 1);
        cJSON_DeleteItemFromObjectCaseSensitive(params, name); /* the last --set of a name wins */
        if (!v || !cJSON_AddItemToObject(params, name, v)) {
            cJSON_Delete(v);
            snprintf(err, n, "%s: out of memory", script);
            goto done;
        }
    }
    if (sim_lua_set_json_global(p, "params", params) != 0 || sim_lua_run_file(p, script, script, 1) != 0) {
        snprintf(err, n, "%s", sim_lua_error(p));
        goto done;
    }
    cJSON *root = sim_lua_pop_json(p, TB_GEN_MAX_VALUES);
    if (!root) {
        snprintf(err, n, "%s: the returned scenario: %s", script, sim_lua_error(p));
        goto done;
    }
    if (!cJSON_IsObject(root) || !root->child) {
        snprintf(err, n, "%s: expected the script to return the scenario as a table of named fields "
                 "(return { duration = ..., classes = ..., nodes = ... })", script);
        cJSON_Delete(root);
        goto done;
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    size_t len = text ? strlen(text) : 0;
    out = text ? malloc(len + 2) : NULL;
    if (out) {
        memcpy(out, text, len);
        memcpy(out + len, "\n", 2);
    } else {
        snprintf(err, n, "%s: out of memory writing the scenario", script);
    }
    free(text);
done:
    cJSON_Delete(params);
    sim_lua_free(p);
    return out;
}
