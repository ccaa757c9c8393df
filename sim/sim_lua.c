/* sim_lua.c - the policy sandbox: allocator limit, an instruction budget nothing can escape, deterministic library subset, protected entry points. */
#include <assert.h>
#include <math.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "sim_lua.h"
#include "sim_sha256.h"

/*
 * What a policy can reach, and the bound on each:
 *  - Lua instructions: a count hook fires after `budget` of them in one
 *    call and raises a *fatal* error: pcall and xpcall in the sandbox
 *    re-raise it, so no policy can catch it and go on.
 *  - Work done in C on the policy's behalf: every allocation is charged
 *    (one unit per ALLOC_UNIT bytes: concatenation, string.rep, table
 *    growth), and the library functions whose cost is not an allocation
 *    (string.find, table.sort/insert/remove/move/unpack/concat, next) charge
 *    what they do; past `budget` units the call fails the same way.  So a
 *    call costs at most about twice its budget.
 *  - Pattern matching (string.match, gmatch, gsub, find with a pattern) is
 *    disabled: its backtracking has no bound.  string.find with plain =
 *    true remains.
 *  - Memory: the allocator refuses blocks past `limit` bytes.
 *  - Finalisers: a metatable with __gc is refused (a finaliser would run
 *    outside any budget, at collection or at close).
 *  - Determinism: next() and pairs() visit keys in sorted order (numbers,
 *    then strings; other keys are refused), tostring() names a table or
 *    function by the order it was first printed, never its address, and
 *    string.format refuses %p, so no hash seed or address reaches a
 *    decision.  math.random draws from the policy's own stream.
 *  - Every entry point (creating the state, loading, finding hooks, calls)
 *    runs under lua_pcall, so a Lua error can never panic; reading the
 *    script's globals uses raw access, so no metamethod runs unbudgeted.
 *  - sim_lua_interrupt(), safe in a signal handler, stops the call that is
 *    running at its next instruction.
 */
#define ALLOC_UNIT 256 /* bytes per unit of work */
enum { FATAL_NONE, FATAL_INSTRUCTIONS, FATAL_WORK, FATAL_SIGNAL, FATAL_WATCHDOG };

struct sim_lua {
    lua_State *L;
    sim_rng *rng;
    size_t used, limit;
    long budget;           /* instructions per call; 0: off (trusted: no count hook, no C-work charge) */
    int watchdog;          /* with the budget off: seconds of wall clock a call may run */
    char hint[120];        /* how to raise the memory limit, for its message ("": a policy's setting) */
    long work;             /* units charged in the current call */
    int fatal;             /* the call must end, and nothing may catch it: FATAL_* */
    volatile sig_atomic_t stop; /* a signal asked the running call to stop */
    char dir[512];  /* the script's directory, for require */
    char name[256]; /* the script as messages name it */
    char err[512];
    long next_id;   /* for tostring of tables and functions */
    /* helper modules loaded by require, with the SHA-256 of their bytes:
     * they shape results as much as the policy file does */
    struct { char name[64]; char sha256[65]; } mods[SIM_LUA_MAX_MODULES];
    int nmods;
};

/* The sandbox inside a call, if any: what sim_lua_interrupt() stops; and
 * whether a stop was asked for at all (a signal between calls stops every
 * later call at its first instruction). */
static sim_lua *volatile running;
static volatile sig_atomic_t stop_requested;

/* The wall-clock watchdog of budget-off sandboxes: a 1 s interval timer
 * whose handler counts the ticks one call has been running for (calls are
 * numbered), and stops it, as a signal would, past its limit. */
static volatile unsigned long call_seq;
static unsigned long watched_seq;
static int watched_ticks;
static int watchdog_armed;

static sim_lua *sandbox_of(lua_State *L)
{
    void *p;
    lua_getallocf(L, &p);
    return p;
}

/* Charge n units of work; past the budget the call is over. */
static void charge(lua_State *L, double n)
{
    sim_lua *p = sandbox_of(L);
    p->work += n > 1e15 ? (long)1e15 : (long)n;
    if (p->budget > 0 && p->work > p->budget) {
        p->fatal = FATAL_WORK;
        luaL_error(L, "work budget of %d exceeded in one call (C work on the script's behalf: large strings, "
                      "sorts, searches)", (int)(p->budget > 2000000000 ? 2000000000 : p->budget));
    }
}

void sim_lua_charge(lua_State *L, double units)
{
    if (sandbox_of(L)->budget > 0)
        charge(L, units);
}

/* The allocator enforces the memory limit, and charges the work budget:
 * refusing a block makes Lua raise "not enough memory". */
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
    if (nsize > old && p->budget > 0) {
        p->work += (long)((nsize - old) / ALLOC_UNIT);
        if (p->work > p->budget && !p->fatal) { /* once: the error itself must be able to allocate */
            p->fatal = FATAL_WORK; /* reported as the work budget, not as memory */
            return NULL;
        }
    }
    void *n = realloc(ptr, nsize);
    if (n)
        p->used = p->used - old + nsize;
    return n;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sim_lua *p = sandbox_of(L);
    if (p->stop == 2) {
        p->fatal = FATAL_WATCHDOG;
        luaL_error(L, "watchdog: one call ran for more than %d s of wall clock (\"budget\": \"off\"; the "
                      "policy's \"watchdog\" setting raises it)", p->watchdog);
    }
    p->fatal = p->stop ? FATAL_SIGNAL : FATAL_INSTRUCTIONS;
    if (p->stop)
        luaL_error(L, "interrupted by a signal");
    /* lua_pushfstring knows no %ld: format here */
    char msg[128];
    snprintf(msg, sizeof msg, "instruction budget of %ld exceeded in one call (an endless loop?)", p->budget);
    luaL_error(L, "%s", msg);
}

void sim_lua_interrupt(void)
{
    stop_requested = 1;
    sim_lua *p = running;
    if (p) { /* lua_sethook is safe in a signal handler (Lua manual, 4.7) */
        p->stop = 1;
        lua_sethook(p->L, budget_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
    }
}

int sim_lua_interrupted(const sim_lua *p)
{
    return p->stop == 1;
}

static void on_watchdog(int sig)
{
    (void)sig;
    sim_lua *p = running;
    if (!p || p->budget > 0 || p->watchdog <= 0) {
        watched_ticks = 0;
        return;
    }
    if (watched_seq != call_seq) {
        watched_seq = call_seq;
        watched_ticks = 0;
    } else if (++watched_ticks >= p->watchdog && !p->stop) { /* seen running for watchdog s */
        p->stop = 2;
        lua_sethook(p->L, budget_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
    }
}

/* Once per process (a forked child starts without the timer). */
static void arm_watchdog(void)
{
    static pid_t armed_in;
    if (watchdog_armed && armed_in == getpid())
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watchdog;
    sa.sa_flags = SA_RESTART; /* the rest of the program never sees EINTR for it */
    sigemptyset(&sa.sa_mask);
    struct itimerval it = { { 1, 0 }, { 1, 0 } };
    if (sigaction(SIGALRM, &sa, NULL) == 0 && setitimer(ITIMER_REAL, &it, NULL) == 0) {
        watchdog_armed = 1;
        armed_in = getpid();
    }
}

/* Make sure a message names the Lua file and line at fault: errors raised
 * by C functions (bad arguments to sim.*) carry no position of their own. */
static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_typename(L, lua_type(L, 1)); /* an error object that is not a string */
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

static int keep_error(sim_lua *p, int rc)
{
    const char *m = lua_type(p->L, -1) == LUA_TSTRING ? lua_tostring(p->L, -1) : NULL;
    if (p->fatal == FATAL_WORK && (rc == LUA_ERRMEM || (m && strstr(m, "not enough memory"))))
        snprintf(p->err, sizeof p->err, "%s: work budget of %ld exceeded in one call (C work on the script's "
                                        "behalf: large strings, sorts, searches)", p->name, p->budget);
    else if (rc == LUA_ERRMEM)
        snprintf(p->err, sizeof p->err,
                 "%s: memory limit of %zu MiB exceeded (%s)", p->name, p->limit >> 20,
                 p->hint[0] ? p->hint : "the policy's \"memory\" setting raises it");
    else
        snprintf(p->err, sizeof p->err, "%s", m ? m : "error object is not a string");
    /* keep messages on one line */
    for (char *c = p->err; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    lua_pop(p->L, 1);
    return -1;
}

/* Call the function below nargs arguments with the message handler and
 * the budget armed; the status of lua_pcall. */
static int protected_call(sim_lua *p, int nargs, int nresults)
{
    lua_State *L = p->L;
    int base = lua_gettop(L) - nargs;
    /* the message handler lives at slot 1 for good (sim_lua_new): nothing
     * to insert or remove per call */
    assert(base >= 2 && lua_tocfunction(L, 1) == msgh);
    p->work = 0;
    p->fatal = FATAL_NONE;
    sim_lua *outer = running;
    call_seq++;
    running = p; /* first: a signal from here on sees p and stops it */
    if (stop_requested)
        p->stop = 1;
    if (p->stop) /* a signal came between calls: stop at once */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    else if (p->budget > 0)
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, (int)p->budget); /* resets the count */
    int rc = lua_pcall(L, nargs, nresults, 1);
    running = outer;
    lua_sethook(L, NULL, 0, 0); /* after: a signal from here on no longer sees p */
    if (p->stop == 2) /* the watchdog stopped this call only */
        p->stop = 0;
    return rc;
}

int sim_lua_pcall(sim_lua *p, int nargs, int nresults)
{
    int rc = protected_call(p, nargs, nresults);
    return rc == LUA_OK ? 0 : keep_error(p, rc);
}

/* ---- the sandbox's library ------------------------------------------------ */

/* math.random with Lua's own conventions, drawn from the policy's stream. */
static int l_random(lua_State *L)
{
    sim_lua *p = sandbox_of(L);
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
    uint64_t x = sim_rng_below(p->rng, (uint64_t)hi - (uint64_t)lo + 1); /* span 0: the whole range */
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + x));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed is disabled: each policy's stream is seeded from the "
                         "scenario's seed");
}

/* pcall and xpcall: the library's, except that a fatal error (the budget,
 * a signal) goes on up: the policy cannot catch it. */
static int protected_again(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the original pcall or xpcall */
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (sandbox_of(L)->fatal && lua_toboolean(L, 1) == 0) {
        lua_settop(L, 2);
        return lua_error(L); /* the same message, re-raised */
    }
    return lua_gettop(L);
}

/* string.rep, bounded by the memory limit before it runs (an empty string
 * repeated 2^62 times would loop without allocating). */
static int l_rep(lua_State *L)
{
    sim_lua *p = sandbox_of(L);
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && lsep == 0)) {
        lua_pushliteral(L, "");
        return 1;
    }
    double total = (double)l * (double)n + (double)lsep * (double)(n - 1);
    if (total > (double)p->limit) {
        char size[32]; /* lua_pushfstring knows no precision */
        snprintf(size, sizeof size, "%.0f", total);
        return luaL_error(L, "string.rep: the result (%s bytes) would exceed the memory limit", size);
    }
    charge(L, total / ALLOC_UNIT);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_no_patterns(lua_State *L)
{
    return luaL_error(L, "patterns are disabled in policies (their backtracking has no bound): use "
                         "string.find(s, text, init, true) for plain text");
}

/* string.find, plain text only (a pattern is refused unless plain = true
 * or it has no special characters), charged its naive search's cost. */
static int l_find(lua_State *L)
{
    size_t ls, lp;
    luaL_checklstring(L, 1, &ls);
    const char *pat = luaL_checklstring(L, 2, &lp);
    if (!lua_toboolean(L, 4) && strpbrk(pat, "^$*+?.([%-"))
        return l_no_patterns(L);
    charge(L, (double)ls * (double)(lp ? lp : 1) / 16);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.format without %p (an address). */
static int l_format(lua_State *L)
{
    const char *f = luaL_checkstring(L, 1);
    for (const char *c = f; *c; c++)
        if (*c == '%') {
            c++;
            while (*c && strchr("-+ #0123456789.", *c))
                c++;
            if (*c == 'p')
                return luaL_error(L, "string.format: %%p (an address) is disabled: it differs between runs");
            if (!*c)
                break;
        }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* A table function, charged by the table's length (its work is a loop
 * over it: sort n log n, the others n). */
static int l_table_charged(lua_State *L)
{
    double n = lua_type(L, 1) == LUA_TTABLE ? (double)lua_rawlen(L, 1) : 0;
    int sort = (int)lua_tointeger(L, lua_upvalueindex(2));
    if (sort)
        n *= n > 1 ? 2 + __builtin_clzll(1) - __builtin_clzll((unsigned long long)n) : 1;
    if (lua_type(L, 2) == LUA_TNUMBER && lua_type(L, 3) == LUA_TNUMBER && !sort) /* unpack(t, i, j), move(...) */
        n += fabs((double)lua_tointeger(L, 3) - (double)lua_tointeger(L, 2));
    charge(L, n);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* setmetatable, refusing a finaliser (__gc runs outside any budget). */
static int l_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: a __gc finaliser is disabled in policies (it would run outside "
                                 "the instruction budget)");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ---- a deterministic next ------------------------------------------------- */

typedef struct key {
    int isnum, isint;
    lua_Integer i;
    double d;
    const char *s;
    size_t len;
} key;

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->isnum != y->isnum)
        return x->isnum ? -1 : 1; /* numbers before strings */
    if (x->isnum) {
        long double u = x->isint ? (long double)x->i : (long double)x->d;
        long double v = y->isint ? (long double)y->i : (long double)y->d;
        return (u > v) - (u < v);
    }
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The key at stack index idx (number or string only). */
static int read_key(lua_State *L, int idx, key *k)
{
    memset(k, 0, sizeof *k);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        k->isnum = 1;
        k->isint = lua_isinteger(L, idx);
        if (k->isint)
            k->i = lua_tointeger(L, idx);
        else
            k->d = lua_tonumber(L, idx);
        return 1;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        k->s = lua_tolstring(L, idx, &k->len);
        return 1;
    }
    return 0;
}

/* next(t [, k]) in sorted key order (the order pairs() uses), charged
 * n log n for the sort it does on every call. */
static int l_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    size_t n = 0, cap = 16;
    key *keys = NULL;
    lua_pushnil(L);
    while (lua_next(L, 1)) { /* count first: the array is allocated outside Lua */
        lua_pop(L, 1);
        n++;
    }
    charge(L, (double)n * (n > 1 ? 64 - __builtin_clzll((unsigned long long)n) : 1));
    if (n == 0) {
        lua_pushnil(L);
        return 1;
    }
    cap = n;
    /* a userdata the collector owns: freed even when an error unwinds us */
    keys = lua_newuserdatauv(L, cap * sizeof *keys, 0);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (!read_key(L, -1, &keys[k]))
            return luaL_error(L, "next: only number and string keys have a deterministic order");
        k++;
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    size_t at = 0;
    if (!lua_isnil(L, 2)) {
        key want;
        if (!read_key(L, 2, &want))
            return luaL_error(L, "next: only number and string keys have a deterministic order");
        key *hit = bsearch(&want, keys, n, sizeof *keys, key_cmp);
        if (!hit)
            return luaL_error(L, "invalid key to 'next'");
        at = (size_t)(hit - keys) + 1;
    }
    if (at >= n) {
        lua_pushnil(L);
        return 1;
    }
    if (keys[at].isnum && keys[at].isint)
        lua_pushinteger(L, keys[at].i);
    else if (keys[at].isnum)
        lua_pushnumber(L, keys[at].d);
    else
        lua_pushlstring(L, keys[at].s, keys[at].len);
    lua_pushvalue(L, -1);
    lua_rawget(L, 1);
    return 2;
}

/* tostring: as Lua's, except that a table, function or other reference
 * without __tostring is named by the order in which it was first printed
 * ("table: 1"), not by its address. */
static int l_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    int t = lua_type(L, 1);
    if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD ||
         t == LUA_TLIGHTUSERDATA) && luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL) {
        sim_lua *p = sandbox_of(L);
        const char *kind = lua_typename(L, t);
        if (luaL_getmetafield(L, 1, "__name") == LUA_TSTRING)
            kind = lua_tostring(L, -1); /* stays on the stack while used */
        lua_getfield(L, LUA_REGISTRYINDEX, "tailback.ids");
        lua_pushvalue(L, 1);
        if (lua_rawget(L, -2) != LUA_TNUMBER) {
            lua_pop(L, 1);
            lua_pushvalue(L, 1);
            lua_pushinteger(L, ++p->next_id);
            lua_rawset(L, -3);
            lua_pushvalue(L, 1);
            lua_rawget(L, -2);
        }
        lua_pushfstring(L, "%s: %I", kind, lua_tointeger(L, -1));
        return 1;
    }
    lua_settop(L, 1);
    luaL_tolstring(L, 1, NULL);
    return 1;
}

/* require(NAME): NAME.lua from the policy's directory only, text chunks only. */
static int l_require(lua_State *L)
{
    sim_lua *p = sandbox_of(L);
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
        lua_pushcfunction(L, l_tostring);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        fputc(' ', stderr);
        fputs(lua_tostring(L, -1), stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

/* pairs() in a fixed order: keys are collected and sorted (numbers, then
 * strings; other key types are refused), so iteration order can never
 * depend on hash seeds or addresses. */
static const char sorted_pairs[] =
    "local next, type, sort, error = ...\n"
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

/* Replace lib[name] by f, with the original as its first upvalue (and
 * `extra` as a second). */
static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction f, int extra)
{
    if (lib)
        lua_getglobal(L, lib);
    else
        lua_pushglobaltable(L);
    lua_getfield(L, -1, name);
    lua_pushinteger(L, extra);
    lua_pushcclosure(L, f, 2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* Build the sandbox inside the state (run protected: any allocation can
 * fail). */
static int setup(lua_State *L)
{
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base },     { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 },
    };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    /* pairs captures the raw next before next is replaced */
    if (luaL_loadbufferx(L, sorted_pairs, sizeof sorted_pairs - 1, "=pairs", "t") != LUA_OK)
        return lua_error(L);
    lua_getglobal(L, "next");
    lua_getglobal(L, "type");
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_getglobal(L, "error");
    lua_call(L, 4, 1);
    lua_setglobal(L, "pairs");
    static const char *const removed[] = { "dofile", "loadfile", "load", "collectgarbage", NULL };
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    static const char *const patterns[] = { "match", "gmatch", "gsub", NULL };
    for (int i = 0; patterns[i]; i++) {
        lua_pushcfunction(L, l_no_patterns);
        lua_setfield(L, -2, patterns[i]);
    }
    lua_pop(L, 1);
    wrap(L, "string", "rep", l_rep, 0);
    wrap(L, "string", "find", l_find, 0);
    wrap(L, "string", "format", l_format, 0);
    wrap(L, "table", "sort", l_table_charged, 1);
    static const char *const linear[] = { "insert", "remove", "concat", "unpack", "move", NULL };
    for (int i = 0; linear[i]; i++)
        wrap(L, "table", linear[i], l_table_charged, 0);
    wrap(L, NULL, "pcall", protected_again, 0);
    wrap(L, NULL, "xpcall", protected_again, 0);
    wrap(L, NULL, "setmetatable", l_setmetatable, 0);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_next);
    lua_setglobal(L, "next");
    lua_pushcfunction(L, l_tostring);
    lua_setglobal(L, "tostring");
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "tailback.loaded");
    lua_newtable(L); /* ids for tostring, weak in its keys */
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "tailback.ids");
    /* the string metatable is shared: lock it as the library left it */
    return 0;
}

/* A Lua error outside every protected call: none is left unprotected, so
 * this is a bug in tailback; say so and stop without a crash. */
static int panic(lua_State *L)
{
    const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    fprintf(stderr, "tailback: internal error: an unprotected Lua error (%s); please report it with the "
                    "policy\n", m);
    _exit(70);
}

sim_lua *sim_lua_new(sim_rng *rng, size_t mem_limit, long budget, int watchdog)
{
    sim_lua *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->rng = rng;
    p->limit = mem_limit;
    p->budget = budget;
    snprintf(p->name, sizeof p->name, "policy");
    p->L = lua_newstate(limited_alloc, p);
    if (!p->L) {
        free(p);
        return NULL;
    }
    lua_atpanic(p->L, panic);
    long b = p->budget;
    p->budget = 0; /* setting up is not the policy's work */
    lua_pushcfunction(p->L, setup);
    int rc = lua_pcall(p->L, 0, 0, 0);
    p->budget = b;
    if (rc != LUA_OK || !lua_checkstack(p->L, 1)) {
        sim_lua_free(p);
        return NULL;
    }
    lua_pushcfunction(p->L, msgh); /* slot 1, for every protected call */
    p->watchdog = watchdog;
    if (p->budget <= 0 && watchdog > 0)
        arm_watchdog();
    return p;
}

void sim_lua_free(sim_lua *p)
{
    if (!p)
        return;
    if (p->L)
        lua_close(p->L); /* no finalisers can run here: __gc is refused */
    free(p);
}

const char *sim_lua_release(void)
{
    return LUA_RELEASE;
}

lua_State *sim_lua_state(sim_lua *p)
{
    return p->L;
}

void sim_lua_set_hint(sim_lua *p, const char *hint)
{
    snprintf(p->hint, sizeof p->hint, "%s", hint);
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
    return sim_lua_run_file(p, path, shown, 0);
}

int sim_lua_run_file(sim_lua *p, const char *path, const char *shown, int nresults)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(p->dir, sizeof p->dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(p->dir, sizeof p->dir, ".");
    snprintf(p->name, sizeof p->name, "%s", shown);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(p->err, sizeof p->err, "%s: cannot read the script", shown);
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            char *t = realloc(text, cap = 2 * (len + n));
            if (!t) {
                free(text);
                fclose(f);
                snprintf(p->err, sizeof p->err, "%s: out of memory", shown);
                return -1;
            }
            text = t;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    char name[600];
    snprintf(name, sizeof name, "@%s", shown);
    /* Text only: a precompiled (binary) chunk could break the VM's invariants. */
    int rc = luaL_loadbufferx(p->L, text ? text : "", len, name, "t");
    free(text);
    if (rc != LUA_OK)
        return keep_error(p, rc);
    return sim_lua_pcall(p, 0, nresults);
}

/* The global `name` of the script, read raw (no metamethod of _G runs),
 * with the kind of value it is. */
static int raw_global(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    return 1;
}

int sim_lua_global(sim_lua *p, const char *name)
{
    lua_State *L = p->L;
    lua_pushcfunction(L, raw_global);
    lua_pushstring(L, name);
    if (protected_call(p, 1, 1) != LUA_OK) {
        keep_error(p, LUA_ERRRUN);
        lua_pushnil(L);
        return -1;
    }
    return lua_type(L, -1);
}

int sim_lua_ref(sim_lua *p, const char *name, char *where, size_t n)
{
    lua_State *L = p->L;
    int t = sim_lua_global(p, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return SIM_LUA_NONE;
    }
    if (t != LUA_TFUNCTION) {
        lua_pop(L, 1);
        if (t >= 0)
            snprintf(p->err, sizeof p->err, "'%s' is defined but is not a function", name);
        return -2;
    }
    lua_Debug ar;
    lua_pushvalue(L, -1);
    lua_getinfo(L, ">S", &ar);
    snprintf(where, n, "%s:%d", ar.short_src, ar.linedefined);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

int sim_lua_setup(sim_lua *p, int (*f)(lua_State *), void *ud)
{
    long b = p->budget;
    p->budget = 0;
    lua_pushcfunction(p->L, f);
    lua_pushlightuserdata(p->L, ud);
    int rc = lua_pcall(p->L, 1, 0, 0);
    p->budget = b;
    return rc == LUA_OK ? 0 : keep_error(p, rc);
}

static int push_json_protected(lua_State *L)
{
    sim_lua_push_json(L, lua_touserdata(L, 1));
    return 1;
}

int sim_lua_set_json_global(sim_lua *p, const char *name, const cJSON *v)
{
    lua_State *L = p->L;
    long b = p->budget;
    p->budget = 0;
    lua_pushcfunction(L, push_json_protected);
    lua_pushlightuserdata(L, (void *)v);
    int rc = lua_pcall(L, 1, 1, 0);
    p->budget = b;
    if (rc != LUA_OK)
        return keep_error(p, rc);
    lua_setglobal(L, name); /* a fresh table, into the plain globals table: cannot fail */
    return 0;
}

void sim_lua_push_json(lua_State *L, const cJSON *v)
{
    luaL_checkstack(L, 4, "JSON nested too deeply");
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble; /* an integer only when it is one, within range (no cast overflow) */
        if (d > -9e15 && d < 9e15 && d == (double)(lua_Integer)d)
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

/* ---- Lua values as JSON (scenario generators) ---------------------------- */

/* The conversion's state: the tree built so far (attached as it grows, so
 * an error thrown half-way frees it whole) and a count of its values. */
typedef struct {
    int ref;      /* the returned table, in the registry */
    cJSON *root;
    long values;
    long max;
    int last_array;    /* what value_of found in the table it checked last */
    long long last_n;
} conv;

#define JSON_MAX_DEPTH 64 /* a cycle, or nesting no scenario has */

static int cstr_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return strcmp(x, y);
}

/* path + ".key" or "[i]" (JSON paths as the loader prints them). */
static void sub_path(char *out, size_t n, const char *path, const char *name, long long idx)
{
    if (name)
        snprintf(out, n, "%s%s%s", path, *path ? "." : "", name);
    else
        snprintf(out, n, "%s[%lld]", path, idx);
}

/* Attach v under parent (as key, or appended when key is NULL; the root
 * when parent is NULL) before anything else can throw. */
static cJSON *attach(lua_State *L, conv *cv, cJSON *parent, const char *name, cJSON *v)
{
    if (!v)
        luaL_error(L, "out of memory");
    if (!parent)
        cv->root = v;
    else if (!(name ? cJSON_AddItemToObject(parent, name, v) : cJSON_AddItemToArray(parent, v))) {
        cJSON_Delete(v);
        luaL_error(L, "out of memory");
    }
    return v;
}

static cJSON *value_of(lua_State *L, conv *cv, const char *path, int depth);

/* The Lua value at the top of the stack (left there), as JSON under parent. */
static void to_json(lua_State *L, conv *cv, const char *path, int depth, cJSON *parent, const char *name)
{
    int table = lua_type(L, -1) == LUA_TTABLE;
    cJSON *v = value_of(L, cv, path, depth);
    if (!table) { /* a scalar (NULL: out of memory, which attach reports) */
        attach(L, cv, parent, name, v);
        return;
    }
    /* a table, checked by value_of: its entries go into a container attached first */
    int t = lua_gettop(L);
    char sub[512];
    if (cv->last_array) {
        long long nint = cv->last_n;
        cJSON *a = attach(L, cv, parent, name, cJSON_CreateArray());
        for (long long i = 1; i <= nint; i++) {
            lua_rawgeti(L, t, (lua_Integer)i);
            sub_path(sub, sizeof sub, path, NULL, i - 1);
            to_json(L, cv, sub, depth + 1, a, NULL);
            lua_pop(L, 1);
        }
        return;
    }
    long long nstr = cv->last_n;
    /* keys in byte order (a userdata holds them, freed by the GC if an error unwinds) */
    const char **keys = lua_newuserdatauv(L, (size_t)(nstr ? nstr : 1) * sizeof *keys, 0);
    long long k = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        keys[k++] = lua_tostring(L, -1); /* kept alive by the table, which is on the stack */
    }
    qsort(keys, (size_t)nstr, sizeof *keys, cstr_cmp);
    cJSON *o = attach(L, cv, parent, name, cJSON_CreateObject());
    for (long long i = 0; i < nstr; i++) {
        lua_getfield(L, t, keys[i]);
        sub_path(sub, sizeof sub, path, keys[i], 0);
        to_json(L, cv, sub, depth + 1, o, keys[i]);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* the keys */
}

/* A scalar's JSON form; NULL for a table, after checking its keys (an
 * array of cv->last_n entries when cv->last_array, else an object of
 * cv->last_n names); an error naming the path for anything else. */
static cJSON *value_of(lua_State *L, conv *cv, const char *path, int depth)
{
    const char *where = *path ? path : "the value";
    if (++cv->values > cv->max)
        luaL_error(L, "more than %d values", (int)cv->max);
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
        return cJSON_CreateBool(lua_toboolean(L, -1));
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (strlen(s) != len)
            luaL_error(L, "%s: a string with a NUL byte cannot be written as JSON", where);
        return cJSON_CreateString(s);
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i > ((lua_Integer)1 << 53) || i < -((lua_Integer)1 << 53))
                luaL_error(L, "%s: the integer %I is beyond 2^53, which JSON numbers cannot hold exactly", where, i);
            return cJSON_CreateNumber((double)i);
        } else {
            double d = lua_tonumber(L, -1);
            if (!isfinite(d))
                luaL_error(L, "%s: %s is not a JSON number", where, isnan(d) ? "NaN" : "an infinity");
            return cJSON_CreateNumber(d);
        }
    case LUA_TTABLE:
        break;
    default:
        luaL_error(L, "%s: a %s cannot be written as JSON (expected a table, string, number or boolean)", where,
                   luaL_typename(L, -1));
    }
    if (depth >= JSON_MAX_DEPTH)
        luaL_error(L, "%s: nested more than %d deep (a table that contains itself?)", where, JSON_MAX_DEPTH);
    luaL_checkstack(L, 6, "nested too deeply");
    int t = lua_gettop(L);
    /* what kind of keys: 1..n (an array) or strings (an object) */
    long long nint = 0, nstr = 0, maxi = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *k = lua_tolstring(L, -1, &len);
            if (strlen(k) != len)
                luaL_error(L, "%s: a key with a NUL byte cannot be written as JSON", where);
            nstr++;
        } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
            nint++;
            if (lua_tointeger(L, -1) > maxi)
                maxi = lua_tointeger(L, -1);
        } else {
            luaL_error(L, "%s: a key that is neither a name nor a position 1, 2, ... (%s)", where,
                       luaL_typename(L, -1));
        }
    }
    if (nint && nstr)
        luaL_error(L, "%s: mixes list entries (1, 2, ...) and named fields: JSON has one or the other", where);
    if (nint && maxi != nint)
        luaL_error(L, "%s: a list with holes (positions up to %I, %I entries): JSON arrays have none", where,
                   (lua_Integer)maxi, (lua_Integer)nint);
    cv->last_array = nint > 0;
    cv->last_n = nint ? nint : nstr;
    return NULL;
}

/* Protected: convert the value cv->ref names into cv->root. */
static int convert(lua_State *L)
{
    conv *cv = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, cv->ref);
    to_json(L, cv, "", 0, NULL, NULL);
    return 0;
}

cJSON *sim_lua_pop_json(sim_lua *p, long max_values)
{
    lua_State *L = p->L;
    conv cv = { luaL_ref(L, LUA_REGISTRYINDEX), NULL, 0, max_values, 0, 0 };
    if (cv.ref == LUA_REFNIL) /* nil: not a JSON value */
        cv.ref = LUA_NOREF;
    int rc = sim_lua_setup(p, convert, &cv);
    luaL_unref(L, LUA_REGISTRYINDEX, cv.ref);
    if (rc != 0) {
        cJSON_Delete(cv.root);
        return NULL;
    }
    return cv.root;
}
