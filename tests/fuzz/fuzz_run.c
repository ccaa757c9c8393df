/* fuzz_run.c - libFuzzer harness: the bytes choose a small (possibly wild) network, which is loaded and run twice, on both event queues. */
#include <stdint.h>
#include "../gen_scenario.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * tests/gen_scenario.h turns the bytes into choices (2 bytes each; 0 once
 * used up): up to 6 nodes of every kind, self-loops and back edges,
 * zero and negative services, zero timeouts, links anywhere.  What the
 * loader accepts must run to its end, account for every request, and give
 * the same summary on the heap and on the calendar queue (they pop the
 * same (time, sequence) order).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g = { .bytes = data, .nbytes = size, .wild = 1, .cap = 4096 };
    g.buf = malloc(g.cap);
    if (!g.buf)
        return 0;
    random_scenario(&g);
    uint64_t seed = size ? data[0] : 0;
    char *a = fuzz_run(g.buf, "fuzz.json", seed, &sim_evq_heap);
    if (a) {
        char *b = fuzz_run(g.buf, "fuzz.json", seed, &sim_evq_calendar);
        FUZZ_REQUIRE(b && strcmp(a, b) == 0, "heap and calendar differ on\n%s\nheap:     %s\ncalendar: %s", g.buf, a,
                     b ? b : "(refused)");
        free(b);
    }
    free(a);
    free(g.buf);
    return 0;
}
