/* sim_lua.h - sandboxed Lua 5.4 interpreters for policies: limits, protected calls, deterministic randomness. */
#ifndef SIM_LUA_H
#define SIM_LUA_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "sim_rng.h"

struct lua_State; /* <lua.h>, which only sim_lua.c and the policy layer include */

/*
 * One interpreter per policy instance.  The sandbox opens only the base,
 * table, string, math and utf8 libraries and removes everything that
 * reaches outside the simulation or breaks determinism:
 *   - no io, os, debug, package, coroutine; no dofile, loadfile, load,
 *     string.dump, collectgarbage; no pattern matching (string.match,
 *     gmatch, gsub, find with a pattern: unbounded backtracking); no __gc;
 *   - require(NAME) loads NAME.lua (text only) from the policy's own
 *     directory and nowhere else;
 *   - math.random draws from the instance's named stream; math.randomseed
 *     is an error (streams are seeded from the scenario's seed);
 *   - next() and pairs() visit keys in a fixed order (numbers ascending,
 *     then strings ascending; other keys are refused), because Lua seeds
 *     its string hashing per process; tostring() and string.format never
 *     show an address;
 *   - a memory limit (custom allocator), an instruction budget per call
 *     (count hook) and a budget of C work per call stop a runaway script
 *     with an error, not a hang; pcall and xpcall cannot catch it;
 *   - every entry point is protected: no Lua error can panic.
 * Errors carry "FILE:LINE:" of the Lua code at fault.  sim_lua.c has the
 * details of each bound.
 */
typedef struct sim_lua sim_lua;

/* Returns a new sandbox; free with sim_lua_free() (NULL is a no-op).
 * `rng` must outlive it; `mem_limit` in bytes; `budget` instructions per
 * call, or 0 for a trusted script: no count hook and no charge for C work
 * (each costs on every instruction), so only the memory limit, signals and
 * the wall-clock `watchdog` (seconds per call, 0 = none: a 1 s SIGALRM
 * interval timer, armed once per process) stop it. */
sim_lua *sim_lua_new(sim_rng *rng, size_t mem_limit, long budget, int watchdog);
void sim_lua_free(sim_lua *p);

struct lua_State *sim_lua_state(sim_lua *p);

/* Load and run the script at `path`, named `shown` in messages.  0, or -1
 * with the error in sim_lua_error(). */
int sim_lua_load(sim_lua *p, const char *path, const char *shown);

/* The same, keeping the chunk's first `nresults` return values on the
 * stack (a scenario generator's table). */
int sim_lua_run_file(sim_lua *p, const char *path, const char *shown, int nresults);

/* A registry reference (>= 0) to global function `name`, SIM_LUA_NONE when
 * the script does not define it, or -2 (error kept) when it is not a
 * function.  `where` receives "FILE:LINE" of its definition. */
#define SIM_LUA_NONE (-1)
int sim_lua_ref(sim_lua *p, const char *name, char *where, size_t n);

/* Call the function on the stack below its nargs arguments, protected, with
 * the instruction budget armed.  0, or -1 with the error message kept. */
int sim_lua_pcall(sim_lua *p, int nargs, int nresults);

const char *sim_lua_error(const sim_lua *p);

/* How a user raises the memory limit, said when it is exceeded (default:
 * the policy's "memory" setting). */
void sim_lua_set_hint(sim_lua *p, const char *hint);

/* Stop the call running now (if any) at its next instruction, and every
 * later call at its first: safe to call from a signal handler.  The call
 * fails with "interrupted by a signal"; sim_lua_interrupted() tells. */
void sim_lua_interrupt(void);
int sim_lua_interrupted(const sim_lua *p);

/* Push the script's global `name`, read raw (no metamethod of the globals
 * runs), and return its type (LUA_TNIL when absent), or -1 with the error
 * kept and nil pushed. */
int sim_lua_global(sim_lua *p, const char *name);

/* Run f(L) with `ud` as its only argument (a light userdata), protected
 * and outside the budget: for setting a sandbox up.  0, or -1 with the
 * error kept. */
int sim_lua_setup(sim_lua *p, int (*f)(struct lua_State *), void *ud);

/* Set global `name` to the Lua form of a JSON value (as sim_lua_push_json),
 * protected: 0, or -1 with the error kept (out of memory, nesting). */
int sim_lua_set_json_global(sim_lua *p, const char *name, const cJSON *v);

/* Pop the value on top of the stack and return its JSON form (free with
 * cJSON_Delete), converted protected and outside the budget: tables with
 * keys 1..n become arrays, tables of names objects with the names in byte
 * order (so the bytes never depend on Lua's hashing), an empty table {};
 * at most max_values values.  NULL with the error kept ("PATH: what is
 * wrong") for a function, NaN, a cycle, mixed or holed keys. */
cJSON *sim_lua_pop_json(sim_lua *p, long max_values);

/* The helper modules a script loaded with require(), in load order: how
 * many, and the i-th's name (its SHA-256 in *sha256), for the manifest. */
#define SIM_LUA_MAX_MODULES 32
int sim_lua_modules(const sim_lua *p);
const char *sim_lua_module(const sim_lua *p, int i, const char **sha256);

/* Push a JSON value as the equivalent Lua value (objects become tables,
 * arrays sequences, null nil). */
void sim_lua_push_json(struct lua_State *L, const cJSON *v);

/* Charge `units` of C work done on the running policy's behalf (one unit
 * is about 256 bytes allocated); past the budget the call fails as for
 * any other work.  For C functions a policy calls. */
void sim_lua_charge(struct lua_State *L, double units);

/* The Lua release linked in ("Lua 5.4.4"), for the manifest. */
const char *sim_lua_release(void);

/* Bytes the interpreter holds now. */
size_t sim_lua_memory(const sim_lua *p);

#endif
