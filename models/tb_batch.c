/* tb_batch.c - batch nodes (bulk service on an interval) and block confirmations, with latency by fee. */
#include "tb_model_int.h"

void tb__confirm_push(tb_confirm *q, sim_time created, double fee, uint64_t target)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 64;
        sim_time *nc = malloc(ncap * sizeof *nc);
        double *nf = malloc(ncap * sizeof *nf);
        uint64_t *nt = malloc(ncap * sizeof *nt);
        if (!nc || !nf || !nt) {
            free(nc);
            free(nf);
            free(nt);
            return; /* the confirmation goes unrecorded; counts stay consistent */
        }
        for (size_t i = 0; i < q->n; i++) {
            nc[i] = q->created[(q->head + i) % q->cap];
            nf[i] = q->fee[(q->head + i) % q->cap];
            nt[i] = q->target[(q->head + i) % q->cap];
        }
        free(q->created);
        free(q->fee);
        free(q->target);
        q->created = nc;
        q->fee = nf;
        q->target = nt;
        q->head = 0;
        q->cap = ncap;
    }
    size_t i = (q->head + q->n++) % q->cap;
    q->created[i] = created;
    q->fee[i] = fee;
    q->target[i] = target;
}

/* Keep (fee, latency) of a measured confirmation; on allocation failure the
 * pair is left out of the by-fee statistics (the totals still count it). */
static void fee_lat_add(tb_class *c, double fee, sim_time lat)
{
    if (c->nfee_lat == c->cap_fee_lat) {
        size_t ncap = c->cap_fee_lat ? 2 * c->cap_fee_lat : 1024;
        struct tb_fee_lat *n = realloc(c->fee_lat, ncap * sizeof *n);
        if (!n)
            return;
        c->fee_lat = n;
        c->cap_fee_lat = ncap;
    }
    c->fee_lat[c->nfee_lat].fee = fee; /* (the class's array, freed with the model: not the leak -fanalyzer says) */
    c->fee_lat[c->nfee_lat++].lat = lat;
}

/*
 * A batch epoch: take up to batch_max jobs (or size units) in the order the
 * node's discipline gives, and serve them together for one service time
 * (the node's "service", default 0).  Epochs come every `interval` whether
 * or not jobs wait (a block producer makes empty blocks).  Jobs carried in
 * batch b are confirmed when batch b + k is made.
 */
void tb__ev_batch(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_node *nd = obj;
    nd->batch_no++;
    sim_time svc = nd->service ? sim_ticks(sim_dist_sample(nd->service, &nd->batch_rng), m->tps) : 0;
    double used = 0;
    long long taken = 0;
    while (nd->queued > 0 && !m->failed) {
        if (nd->batch_by_size) {
            const tb_job *h = q_peek(&nd->queues[0]);
            assert(h); /* the loop runs while jobs wait */
            if (taken > 0 && used + h->size > nd->batch_max)
                break; /* strict order: the next job waits for the next batch */
        } else if ((double)taken >= nd->batch_max) {
            break;
        }
        tb_job *j = tb__dequeue(m, nd);
        if (!decide_dequeue(m, nd, j)) {
            tb__dequeue_drop(m, nd, j);
            continue;
        }
        used += j->size;
        taken++;
        j->service = svc;
        j->batch = nd->batch_no;
        tb__start_service(m, nd, j);
    }
    for (int c = 0; c < m->nclasses; c++) {
        tb_confirm *q = &nd->confirm[c];
        while (q->n > 0 && q->target[q->head] <= nd->batch_no) {
            if (m->measuring) {
                lat_add(&m->classes[c].confirm, e->now - q->created[q->head]);
                fee_lat_add(&m->classes[c], q->fee[q->head], e->now - q->created[q->head]);
            }
            q->head = (q->head + 1) % q->cap;
            q->n--;
        }
    }
    node_levels(m, nd, e->now);
    sim_after(e, sim_ticks(sim_dist_sample(nd->batch_interval, &nd->batch_rng), m->tps), tb__ev_batch, nd, 0);
}
