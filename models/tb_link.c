/* tb_link.c - backpressure on links: credit windows per link or class, and pause (xoff/xon) on a node's queue. */
#include "tb_model_int.h"

static tb_link *link_to(const tb_node *nd, int to)
{
    for (int i = 0; i < nd->nout; i++)
        if (nd->out[i]->to == to)
            return nd->out[i];
    return NULL;
}

static void link_stalled(tb_model *m, tb_link *ln)
{
    int stalled = ln->paused;
    for (int c = 0; ln->window > 0 && c < (ln->per_class ? m->nclasses : 1); c++)
        stalled |= ln->credits[c] <= 0;
    sim_tavg_set(&ln->stalled, m->eng->now, stalled);
}

/* Try again to start jobs at nd, by an event at the current time: the
 * caller may be deep inside another node's processing or a hook. */
static void kick(tb_model *m, tb_node *nd)
{
    if (!nd->kick_pending) {
        nd->kick_pending = 1;
        sim_at(m->eng, m->eng->now, tb__ev_kick, nd, 0);
    }
}

/* May j start service at nd, given backpressure on the link it will take? */
int tb__can_send(tb_model *m, tb_node *nd, tb_job *j)
{
    int to = tb__route_of(m, j);
    tb_link *ln = to == TB_EXIT ? NULL : link_to(nd, to);
    if (!ln)
        return 1;
    if (ln->xoff > 0 && ln->paused)
        return 0;
    return ln->window == 0 || ln->credits[ln->per_class ? j->cls : 0] > 0;
}

/* The job leaves the buffer it entered over a credit link: the credit
 * goes back to the sender, which may be waiting for it. */
void tb__release_credit(tb_model *m, tb_job *j)
{
    tb_link *ln = &m->links[j->credit_link];
    ln->credits[ln->per_class ? j->cls : 0]++;
    j->credit_link = -1;
    link_stalled(m, ln);
    kick(m, &m->nodes[ln->from]);
}

/* Service starts at nd: spend a credit of the link the job will take. */
void tb__take_credit(tb_model *m, tb_node *nd, tb_job *j)
{
    int to = tb__route_of(m, j);
    tb_link *ln = to == TB_EXIT ? NULL : link_to(nd, to);
    if (ln && ln->window > 0) {
        ln->credits[ln->per_class ? j->cls : 0]--;
        j->credit_link = (int)(ln - m->links);
        link_stalled(m, ln);
    }
}

/* PFC-style pause: a link into nd pauses while nd's queue is at or above
 * xoff, and resumes at or below xon. */
void tb__pause_check(tb_model *m, tb_node *nd)
{
    for (int i = 0; i < nd->nin; i++) {
        tb_link *ln = nd->in[i];
        if (ln->xoff == 0)
            continue;
        if (!ln->paused && nd->queued >= ln->xoff) {
            ln->paused = 1;
            link_stalled(m, ln);
        } else if (ln->paused && nd->queued <= ln->xon) {
            ln->paused = 0;
            link_stalled(m, ln);
            kick(m, &m->nodes[ln->from]);
        }
    }
}

void tb_link_set_window(tb_model *m, tb_link *ln, long long window)
{
    long long d = window - ln->window;
    ln->window = window;
    for (int c = 0; c < (ln->per_class ? m->nclasses : 1); c++)
        ln->credits[c] += d;
    link_stalled(m, ln);
    if (d > 0)
        kick(m, &m->nodes[ln->from]);
}

int tb_node_can_send(tb_model *m, tb_node *nd, int q)
{
    tb_job *h = q_peek(&nd->queues[q]);
    return h && tb__can_send(m, nd, h);
}
