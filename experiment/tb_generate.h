/* tb_generate.h - scenario generators: a sandboxed Lua script returns a scenario table, written as JSON. */
#ifndef TB_GENERATE_H
#define TB_GENERATE_H

#include <stddef.h>
#include <stdint.h>

/* Instructions and memory a generator may use: a generated network of 10^6
 * nodes fits both; a runaway script stops with an error. */
#define TB_GEN_BUDGET 500000000L /* the default; --budget changes it */
#define TB_GEN_MEMORY ((size_t)1 << 30)
#define TB_GEN_MAX_VALUES 50000000L /* JSON values in the result */

/*
 * Run the generator at `script` in the policy sandbox (docs/generate.md):
 * `params` holds the sets ("NAME=VALUE", VALUE as JSON when it parses,
 * else a string), `budget` instructions (the count hook), math.random draws from the stream "generate" of `seed`.
 * The script returns the scenario as a table; tables with keys 1..n are
 * arrays, others objects written with their keys in byte order (so the
 * same script, params and seed give the same bytes).  Returns the JSON
 * text (malloc'd, ending in a newline) or NULL with a message in err
 * naming the script, its line or the offending field.
 */
char *tb_generate(const char *script, const char *const *sets, int nsets, uint64_t seed, long budget, char *err,
                  size_t n);

#endif
