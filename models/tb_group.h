/* tb_group.h - node groups for the scenario loader: a group's members are consecutive nodes NAME1..NAMEn. */
#ifndef TB_GROUP_H
#define TB_GROUP_H

#include <cjson/cJSON.h>
#include "../sim/sim_json.h"
#include "tb_model.h"

/* The most a network may have, groups' members included: a few bytes of
 * scenario can ask for a group of any size, so the loader bounds what it
 * allocates (about 1.2 KB per node and 56 bytes per node and class). */
#define TB_MAX_NODES 2000000
#define TB_MAX_LINKS 4000000
#define TB_MAX_NODE_CLASSES 20000000 /* nodes x classes */

/* Read every "count" under "nodes" into *out (*nout groups, sorted by name;
 * the caller frees it with tb_groups_free, also after an error) and the
 * total number of nodes into *nnodes; 0, or -1 with the error in c. */
int tb_groups_scan(sim_jctx *c, const cJSON *nodes, tb_group **out, int *nout, long long *nnodes);
void tb_groups_free(tb_group *g, int n);

/* The group of that name among g[0..n-1], or NULL. */
const tb_group *tb_group_find(const tb_group *g, int n, const char *name);

/* How many nodes the name in v stands for: a group's count, else 1. */
int tb_group_size(const tb_group *g, int n, const cJSON *v);

#endif
