/* fuzz_scenario.c - libFuzzer harness: any bytes through the scenario loader, overrides and model preparation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../models/tb_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    tb_scenario sc;
    sim_jctx c = { 0 };
    if (tb_scenario_parse(&sc, "fuzz.json", text, size, &c) == 0) {
        /* an override of a field that exists in most inputs, then the build */
        tb_scenario_set(&sc, "duration=10", &c);
        tb_model *m = tb_scenario_build(&sc, &c);
        if (m)
            tb_model_prepare(m, &sim_evq_heap); /* loads policies too; nothing is run */
        tb_model_free(m);
        tb_scenario_free(&sc);
    }
    free(text);
    return 0;
}
