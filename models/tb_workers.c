/* tb_workers.c - worker pools a policy resizes at run time, with a provisioning delay for new workers. */
#include "tb_model_int.h"

static void ev_worker_ready(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->provisioning_n--;
    if (nd->prov_cancel > 0) { /* a scale-down cancelled this one meanwhile */
        nd->prov_cancel--;
    } else {
        if (nd->ps)
            tb__ps_advance(m, nd);
        nd->workers++;
        if (nd->ps) {
            tb__ps_counts(nd, nd->queued + nd->busy);
            tb__ps_schedule(m, nd);
        } else {
            tb__start_waiting(m, nd);
        }
    }
    node_levels(m, nd, e->now);
}

/*
 * Scale a node's worker pool to `target`.  Growing: new workers serve only
 * after the node's provisioning delay (if any), each drawn independently.
 * Shrinking: workers still being provisioned are cancelled first; then
 * active workers are removed, busy ones finishing their job first (they
 * stay paid until then).
 */
void tb_node_set_workers(tb_model *m, tb_node *nd, int target)
{
    if (nd->ps)
        tb__ps_advance(m, nd);
    int pending = nd->provisioning_n - nd->prov_cancel, total = nd->workers + pending;
    if (target > total) {
        int add = target - total, restore = add < nd->prov_cancel ? add : nd->prov_cancel;
        nd->prov_cancel -= restore;
        add -= restore;
        if (!nd->provisioning) {
            nd->workers += add;
        } else {
            for (int i = 0; i < add; i++) {
                nd->provisioning_n++;
                sim_after(m->eng, sim_ticks(sim_dist_sample(nd->provisioning, &nd->prov_rng), m->tps),
                          ev_worker_ready, nd, 0);
            }
        }
    } else if (target < total) {
        int remove = total - target, cancel = remove < pending ? remove : pending;
        nd->prov_cancel += cancel;
        nd->workers -= remove - cancel;
    }
    if (nd->ps) {
        tb__ps_counts(nd, nd->queued + nd->busy);
        tb__ps_schedule(m, nd);
    } else {
        tb__start_waiting(m, nd);
    }
    node_levels(m, nd, m->eng->now);
}
