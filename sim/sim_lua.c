/* sim_lua.c - the policy sandbox: allocator limit, instruction budget, safe library subset, errors with file:line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "sim_lua.h"
#include "sim_sha256.h"

struct sim_lua {
    lua_State *L;
    sim_rng *rng;
    size_t used, limit;
    long budget;
    char dir[512];  /* the script's directory, for require */
    char name[256]; /* the script as messages name it */
    char err[512];
    /* helper modules loaded by require, with the SHA-256 of their bytes:
     * they shape results as much as the policy file does */
    struct { char name[64]; char sha256[65]; } mods[SIM_LUA_MAX_MODULES];
    int nmods;
};

/* The allocator enforces the memory limit: refusing a block makes Lua raise
 * "not enough memory", which the protected call reports. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sim_lua *p = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        p->used -= old;
        return NULL;
    }
    if (nsize > old && p->used - old + nsize > p->limit)
        return NULL;
    void *n = realloc(ptr, nsize);
    if (n)
        p->used = p->used - old + nsize;
    return n;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sim_lua *p;
    lua_getallocf(L, (void **)&p);
    /* lua_pushfstring knows no %ld: format here */
    char msg[128];
    snprintf(msg, sizeof msg, "instruction budget of %ld exceeded in one call (an endless loop?)",
             p->budget);
    luaL_error(L, "%s", msg);
}

/* Make sure a message names the Lua file and line at fault: errors raised
 * by C functions (bad arguments to sim.*) carry no position of their own. */
static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = luaL_tolstring(L, 1, NULL);
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            size_t n = strlen(ar.short_src);
            if (strncmp(msg, ar.short_src, n) != 0 || msg[n] != ':')
                lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
            else
                lua_pushstring(L, msg);
            return 1;
        }
    }
    lua_pushstring(L, msg);
    return 1;
}

static int keep_error(sim_lua *p)
{
    const char *m = lua_tostring(p->L, -1);
    snprintf(p->err, sizeof p->err, "%s", m ? m : "error object is not a string");
    /* keep messages on one line */
    for (char *c = p->err; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    lua_pop(p->L, 1);
    return -1;
}

int sim_lua_pcall(sim_lua *p, int nargs, int nresults)
{
    int rc;
    lua_State *L = p->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, (int)p->budget); /* resets the count */
    rc = lua_pcall(L, nargs, nresults, base);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    if (rc == LUA_ERRMEM) { /* raised without the message handler: no position to report */
        lua_pop(L, 1);
        snprintf(p->err, sizeof p->err,
                 "%s: memory limit of %zu MiB exceeded (the policy's \"memory\" setting raises it)",
                 p->name, p->limit >> 20);
        return -1;
    }
    return rc == LUA_OK ? 0 : keep_error(p);
}

/* math.random with Lua's own conventions, drawn from the policy's stream. */
static int l_random(lua_State *L)
{
    sim_lua *p;
    lua_getallocf(L, (void **)&p);
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, sim_rng_u01(p->rng));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'random'");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1, x;
    if (span == 0) { /* the whole integer range */
        x = sim_rng_next(p->rng);
    } else { /* rejection sampling: no modulo bias */
        uint64_t limit = UINT64_MAX - UINT64_MAX % span;
        do
            x = sim_rng_next(p->rng);
        while (x >= limit);
        x %= span;
    }
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + x));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed is disabled: each policy's stream is seeded from the "
                         "scenario's seed");
}

/* require(NAME): NAME.lua from the policy's directory only, text chunks only. */
static int l_require(lua_State *L)
{
    sim_lua *p;
    lua_getallocf(L, (void **)&p);
    const char *name = luaL_checkstring(L, 1);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return luaL_error(L, "require: expected a module name of a-z, 0-9 and _, found '%s'",
                              name);
    lua_getfield(L, LUA_REGISTRYINDEX, "tailback.loaded");
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    if (strlen(name) >= sizeof p->mods[0].name || p->nmods == SIM_LUA_MAX_MODULES)
        return luaL_error(L, "require '%s': more than %d modules, or a name over 63 characters", name,
                          SIM_LUA_MAX_MODULES);
    char path[700], chunk[704];
    snprintf(path, sizeof path, "%s/%s.lua", p->dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return luaL_error(L, "cannot open %s", path);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t got;
    char *dst;
    do {
        dst = luaL_prepbuffer(&b);
        got = fread(dst, 1, LUAL_BUFFERSIZE, f);
        luaL_addsize(&b, got);
    } while (got == LUAL_BUFFERSIZE);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return luaL_error(L, "cannot read %s", path);
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    snprintf(chunk, sizeof chunk, "@%s", path); /* as luaL_loadfile names it: errors say path:line */
    if (luaL_loadbufferx(L, text, len, chunk, "t") != LUA_OK)
        return lua_error(L);
    snprintf(p->mods[p->nmods].name, sizeof p->mods[0].name, "%s", name);
    sim_sha256_hex(text, len, p->mods[p->nmods].sha256);
    p->nmods++;
    lua_remove(L, -2); /* the source text */
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    fputs("policy:", stderr);
    for (int i = 1; i <= n; i++) {
        fputc(' ', stderr);
        fputs(luaL_tolstring(L, i, NULL), stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

/* pairs() in a fixed order: keys are collected and sorted (numbers, then
 * strings; other key types are refused), so iteration order can never
 * depend on hash seeds or addresses. */
static const char sorted_pairs[] =
    "local next, type, sort, error = next, type, table.sort, error\n"
    "local function before(a, b)\n"
    "  local ta, tb = type(a), type(b)\n"
    "  if ta ~= tb then return ta == 'number' end\n"
    "  return a < b\n"
    "end\n"
    "return function(t)\n"
    "  local keys = {}\n"
    "  for k in next, t do\n"
    "    local tk = type(k)\n"
    "    if tk ~= 'number' and tk ~= 'string' then\n"
    "      error('pairs: only number and string keys have a deterministic order', 2)\n"
    "    end\n"
    "    keys[#keys + 1] = k\n"
    "  end\n"
    "  sort(keys, before)\n"
    "  local i = 0\n"
    "  return function()\n"
    "    i = i + 1\n"
    "    local k = keys[i]\n"
    "    if k ~= nil then return k, t[k] end\n"
    "  end, t, nil\n"
    "end\n";

sim_lua *sim_lua_new(sim_rng *rng, size_t mem_limit, long budget)
{
    sim_lua *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->rng = rng;
    p->limit = mem_limit;
    p->budget = budget;
    p->L = lua_newstate(limited_alloc, p);
    if (!p->L) {
        free(p);
        return NULL;
    }
    lua_State *L = p->L;
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base },     { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 },
    };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    static const char *const removed[] = { "dofile", "loadfile", "load", "collectgarbage", NULL };
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "tailback.loaded");
    if (luaL_loadbufferx(L, sorted_pairs, sizeof sorted_pairs - 1, "=pairs", "t") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK) {
        sim_lua_free(p);
        return NULL;
    }
    lua_setglobal(L, "pairs");
    return p;
}

void sim_lua_free(sim_lua *p)
{
    if (!p)
        return;
    if (p->L)
        lua_close(p->L);
    free(p);
}

lua_State *sim_lua_state(sim_lua *p)
{
    return p->L;
}

const char *sim_lua_error(const sim_lua *p)
{
    return p->err;
}

size_t sim_lua_memory(const sim_lua *p)
{
    return p->used;
}

int sim_lua_load(sim_lua *p, const char *path, const char *shown)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(p->dir, sizeof p->dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(p->dir, sizeof p->dir, ".");
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(p->err, sizeof p->err, "%s: cannot read the script", shown);
        return -1;
    }
    luaL_Buffer b;
    luaL_buffinit(p->L, &b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        luaL_addlstring(&b, chunk, n);
    fclose(f);
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(p->L, -1, &len);
    snprintf(p->name, sizeof p->name, "%s", shown);
    char name[600];
    snprintf(name, sizeof name, "@%s", shown);
    /* Text only: a precompiled (binary) chunk could break the VM's invariants. */
    int rc = luaL_loadbufferx(p->L, text, len, name, "t");
    lua_remove(p->L, -2); /* the text */
    if (rc != LUA_OK)
        return keep_error(p);
    return sim_lua_pcall(p, 0, 0);
}

int sim_lua_ref(sim_lua *p, const char *name, char *where, size_t n)
{
    lua_State *L = p->L;
    int t = lua_getglobal(L, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return SIM_LUA_NONE;
    }
    if (t != LUA_TFUNCTION) {
        lua_pop(L, 1);
        snprintf(p->err, sizeof p->err, "'%s' is defined but is not a function", name);
        return -2;
    }
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    snprintf(where, n, "%s:%d", ar.short_src, ar.linedefined);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

void sim_lua_push_json(lua_State *L, const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(lua_Integer)d && d > -9e15 && d < 9e15)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else if (cJSON_IsArray(v)) {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        lua_Integer i = 1;
        for (const cJSON *it = v->child; it; it = it->next) {
            sim_lua_push_json(L, it);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(v)) {
        lua_newtable(L);
        for (const cJSON *it = v->child; it; it = it->next) {
            sim_lua_push_json(L, it);
            lua_setfield(L, -2, it->string);
        }
    } else {
        lua_pushnil(L);
    }
}

int sim_lua_modules(const sim_lua *p) { return p ? p->nmods : 0; }

const char *sim_lua_module(const sim_lua *p, int i, const char **sha256)
{
    *sha256 = p->mods[i].sha256;
    return p->mods[i].name;
}
