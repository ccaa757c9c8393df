/* fuzz_scenario.c - libFuzzer harness: any bytes through the run pipeline: loader, an override, build and preparation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../experiment/tb_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    /* the one pipeline (experiment/tb_run.h), with an override of a field
     * that exists in most inputs; preparing loads policies, nothing runs */
    static const char *const sets[] = { "duration=10" };
    tb_run_spec spec = { .scenario = "fuzz.json", .text = text, .len = size, .sets = sets, .nsets = 1 };
    tb_run r;
    char err[1400];
    if (tb_run_prepare(&r, &spec, err, sizeof err, NULL) == 0)
        tb_run_free(&r);
    free(text);
    return 0;
}
