/* fuzz_experiment.c - libFuzzer harness: any bytes through the experiment loader and the plan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../experiment/tb_sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the loader reads a file (experiments name their scenario relative to
     * themselves): write the input beside the shipped experiments */
    static char path[256];
    if (!path[0])
        snprintf(path, sizeof path, "scenarios/experiments/.fuzz-%ld.json", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    tb_sweep s;
    sim_jctx c = { 0 };
    if (tb_sweep_load(&s, path, &c) == 0 && s.nruns < 100000) {
        for (int i = 0; i < s.nruns && i < 1000; i++) {
            int config, rep;
            tb_sweep_locate(&s, i, &config, &rep);
        }
    }
    tb_sweep_free(&s);
    unlink(path);
    return 0;
}
