/* tb_scenario.h - scenario files: JSON text to a validated model, with --set overrides. */
#ifndef TB_SCENARIO_H
#define TB_SCENARIO_H

#include <cjson/cJSON.h>
#include "../sim/sim_json.h"
#include "tb_model.h"

/*
 * The format is documented field by field in docs/scenario.md.  Every
 * mistake is reported as "FILE: JSON.PATH: expected ..., found ..." and
 * unknown fields are errors, so a typo never silently becomes a default.
 */
typedef struct tb_scenario {
    char *file;         /* as given */
    char sha256[65];    /* of the file's bytes, before overrides */
    cJSON *root;        /* the document with overrides applied */
    char **sets;        /* overrides applied, in order */
    int nsets;
} tb_scenario;

/* Parse `text` (the contents of `file`).  0, or -1 with c->err set.  On
 * success free with tb_scenario_free(). */
int tb_scenario_parse(tb_scenario *sc, const char *file, const char *text, size_t len, sim_jctx *c);

/* Read and parse a file. */
int tb_scenario_load(tb_scenario *sc, const char *file, sim_jctx *c);

/* Apply one override "PATH=VALUE": VALUE is parsed as JSON when it is valid
 * JSON, else taken as a string.  The last object key on PATH may be new. */
int tb_scenario_set(tb_scenario *sc, const char *assignment, sim_jctx *c);

/* Build a model (not yet prepared) from the document; NULL with c->err set. */
tb_model *tb_scenario_build(const tb_scenario *sc, sim_jctx *c);

/* The scenario's event queue kind ("heap" unless it says otherwise). */
const char *tb_scenario_event_queue(const tb_scenario *sc);

void tb_scenario_free(tb_scenario *sc);

#endif
