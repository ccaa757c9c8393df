/* fuzz_policy.c - libFuzzer harness: the bytes are a Lua policy, attached to a router and a queue of a small network and run twice. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <dirent.h>
#include <unistd.h>
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every hook a script may define is reached here: the router calls
 * route(); the queue node admit(), rank(), pick() (with per_class),
 * dequeue(), on_done() and tick(); clients retry what fails.  The budget
 * is small so that a runaway script costs a millisecond, not a second. */
static const char scenario[] =
    "{\"duration\": 40, \"warmup\": 0, \"window\": 5, \"limits\": {\"jobs\": 2000},\n"
    " \"policies\": {\"p\": {\"script\": \"%s\", \"params\": {\"n\": 2, \"s\": \"x\"}%s,\n"
    "                      \"budget\": 20000, \"memory\": 8}},\n"
    " \"classes\": {\"c\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"entry\": \"lb\",\n"
    "                     \"client\": {\"timeout\": 2, \"retries\": 1}},\n"
    "             \"d\": {\"arrival\": {\"process\": \"poisson\", \"rate\": 1}, \"route\": [\"w1\"],\n"
    "                     \"deadline\": 1, \"priority\": {\"type\": \"uniform\", \"min\": 0, \"max\": 1}}},\n"
    " \"nodes\": {\"lb\": {\"kind\": \"router\", \"balance\": [\"w1\", \"w2\"], \"policy\": \"%s\"},\n"
    "           \"w1\": {\"workers\": 2, \"service\": {\"type\": \"exponential\", \"mean\": 0.4}, \"policy\": \"p\"},\n"
    "           \"w2\": {\"service\": {\"type\": \"exponential\", \"mean\": 0.5}, \"capacity\": 5}}}\n";

static char dir[64], path[96];

/* The directory and its links go when the process ends normally. */
static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[384];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the script lives in a directory of its own beside links to the
     * shipped scripts, so that the helpers they load (choose.lua, ...) are
     * found as they are beside the originals */
    if (!path[0]) {
        snprintf(dir, sizeof dir, "/tmp/tailback-fuzz-policy-XXXXXX");
        if (!mkdtemp(dir))
            return 0;
        atexit(remove_dir);
        DIR *d = opendir(TB_SOURCE_ROOT "/lua");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char from[4096], to[4096];
            snprintf(from, sizeof from, "%s/lua/%s", TB_SOURCE_ROOT, e->d_name);
            snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
            if (e->d_name[0] != '.' && symlink(from, to) != 0)
                break;
        }
        if (d)
            closedir(d);
        snprintf(path, sizeof path, "%s/fuzzed.lua", dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    /* a tick period only for a script with a tick() hook (else the loader
     * refuses the scenario, and the script would never run) */
    int ticks = memmem(data, size, "tick", 4) != NULL;
    /* likewise the router's own round robin for a script without route() */
    const char *router = memmem(data, size, "route", 5) ? "p" : "round_robin";
    char text[sizeof scenario + sizeof path + 64];
    snprintf(text, sizeof text, scenario, path, ticks ? ", \"tick\": 2" : "", router);
    /* one seed, two interpreters: the same bytes (Lua's string hash is
     * seeded per state; nothing of it may reach a decision) */
    char *a = fuzz_run(text, "fuzz.json", 7, &sim_evq_heap);
    char *b = fuzz_run(text, "fuzz.json", 7, &sim_evq_heap);
    FUZZ_REQUIRE((a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0),
                 "two runs of one policy differ\n--- policy\n%.*s\n--- first\n%s\n--- second\n%s", (int)size,
                 (const char *)data, a ? a : "(refused)", b ? b : "(refused)");
    free(a);
    free(b);
    return 0;
}
