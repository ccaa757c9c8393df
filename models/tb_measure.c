/* tb_measure.c - what a run measures over time: the warm-up reset, windows, hot nodes, spread and recovery. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tb_model_int.h"

/* ---- the time series' rows ---------------------------------------------- */

/* Append v as printf's %llu would. */
static char *put_u(char *p, unsigned long long v)
{
    char d[24];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        *p++ = d[--n];
    return p;
}

/* Append v as printf's %.9g would: whole numbers below 10^9 (most cells:
 * window ends, idle nodes' zeros) by hand, the rest by snprintf, so the
 * bytes are the same either way. */
static char *put_g9(char *p, double v)
{
    if (v >= 0 && v < 1e9 && v == (double)(unsigned long long)v && !(v == 0 && signbit(v)))
        return put_u(p, (unsigned long long)v);
    return p + snprintf(p, 32, "%.9g", v);
}

const char *const tb_ts_field_names[TB_TS_NFIELDS] = { "queue_length", "in_node", "busy", "arrivals",
                                                        "completions", "drops", "hot" };

/* One node's row of timeseries.csv (the columns m->ts_field names, all by
 * default), written with one fwrite: about a tenth of fprintf's cost on a
 * row of zeros (38% of a 3,000-node run was fprintf).  With "rows":
 * "changed" (m->ts_prev) a row equal to the node's last written one is
 * skipped: a reader carries the last row forward. */
static void write_row(const tb_model *m, double t, const tb_node *nd, double q, double b)
{
    int n = m->ts_nfields ? m->ts_nfields : TB_TS_NFIELDS;
    double v[TB_TS_NFIELDS];
    for (int i = 0; i < n; i++) {
        switch (m->ts_nfields ? m->ts_field[i] : i) {
        case TB_TS_QUEUE: v[i] = q; break;
        case TB_TS_IN_NODE: v[i] = q + b; break;
        case TB_TS_BUSY: v[i] = b; break;
        case TB_TS_ARRIVALS: v[i] = (double)nd->w_arrivals; break;
        case TB_TS_COMPLETIONS: v[i] = (double)nd->w_completions; break;
        case TB_TS_DROPS: v[i] = (double)nd->w_drops; break;
        default: v[i] = (double)nd->hot;
        }
    }
    if (m->ts_prev) {
        double *last = m->ts_prev + (size_t)(nd - m->nodes) * TB_TS_NFIELDS;
        if (memcmp(last, v, (size_t)n * sizeof *v) == 0) /* bitwise: NaN (nothing yet) never matches */
            return;
        memcpy(last, v, (size_t)n * sizeof *v);
    }
    char row[512], *p = row;
    size_t nl = strlen(nd->name);
    assert(nl <= 64); /* the loader's bound: the row fits */
    p = put_g9(p, t);
    *p++ = ',';
    memcpy(p, nd->name, nl);
    p += nl;
    for (int i = 0; i < n; i++) {
        *p++ = ',';
        switch (m->ts_nfields ? m->ts_field[i] : i) {
        case TB_TS_QUEUE:
        case TB_TS_IN_NODE:
        case TB_TS_BUSY: p = put_g9(p, v[i]); break;
        case TB_TS_ARRIVALS: p = put_u(p, nd->w_arrivals); break;
        case TB_TS_COMPLETIONS: p = put_u(p, nd->w_completions); break;
        case TB_TS_DROPS: p = put_u(p, nd->w_drops); break;
        default:
            p = nd->hot < 0 ? (*p++ = '-', put_u(p, (unsigned long long)-(long long)nd->hot))
                            : put_u(p, (unsigned long long)nd->hot);
        }
    }
    *p++ = '\n';
    fwrite(row, 1, (size_t)(p - row), m->ts);
}

/* timeseries.csv's header line. */
void tb__ts_header(const tb_model *m)
{
    fputs("time_s,node", m->ts);
    int n = m->ts_nfields ? m->ts_nfields : TB_TS_NFIELDS;
    for (int i = 0; i < n; i++)
        fprintf(m->ts, ",%s", tb_ts_field_names[m->ts_nfields ? m->ts_field[i] : i]);
    fputc('\n', m->ts);
}

static void lat_reset(tb_latency *l)
{
    memset(&l->w, 0, sizeof l->w);
    sim_hist_reset(&l->h);
}

void tb__start_measuring(tb_model *m)
{
    sim_time now = m->eng->now;
    m->measuring = 1;
    m->measure_start = now;
    m->completed = 0;
    for (int i = 0; i < m->nclasses; i++) {
        tb_class *c = &m->classes[i];
        c->arrivals = c->completions = c->departed = c->in_flight = 0;
        memset(c->out, 0, sizeof c->out);
        c->attempts = c->att_in_flight = c->timeouts = c->retries = 0;
        memset(c->att_out, 0, sizeof c->att_out);
        c->wasted = 0;
        if (c->client)
            c->client->throttled = 0;
        lat_reset(&c->confirm);
        for (int g = 0; g < 2; g++) {
            c->sg_n[g] = c->sg_good[g] = 0;
            lat_reset(&c->sg_ok[g]);
            sim_hist_reset(&c->sg_cens[g]);
        }
        c->nfee_lat = 0;
        lat_reset(&c->wait);
        lat_reset(&c->sojourn);
        c->slowdown_sum = 0;
        sim_hist_reset(&c->slowdown_h);
        sim_hist_reset(&c->cens);
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->arrivals = nd->completions = nd->drops = nd->rejects = nd->waited_jobs = 0;
        nd->reneged = nd->balked = nd->lost_fail = nd->fail.count = 0;
        if (nd->fork) {
            tb_fork *f = nd->fork;
            f->forks = f->sent = f->cancelled = f->joined = f->failed = 0;
            f->wasted = 0;
            lat_reset(&f->join);
            lat_reset(&f->task);
        }
        nd->fail.time = 0;
        lat_reset(&nd->wait);
        lat_reset(&nd->sojourn);
        sim_tavg_reset(&nd->q, now);
        sim_tavg_reset(&nd->b, now);
        sim_tavg_reset(&nd->wk, now);
        sim_tavg_reset(&nd->blk, now);
        /* the node's normal state, for "hot": its mean sojourn over the
         * second half of the warm-up, when that saw enough completions */
        nd->baseline = !m->hot_unloaded && nd->bl_n >= TB_BASELINE_MIN ? nd->bl_sum / (double)nd->bl_n : 0;
    }
    m->baseline_open = 0;
    for (int l = 0; l < m->nlinks; l++) {
        tb_link *ln = &m->links[l];
        ln->carried = 0;
        ln->busy = 0;
        ln->lost = ln->fail.count = 0;
        ln->fail.time = 0;
        sim_tavg_reset(&ln->stalled, now);
        lat_reset(&ln->transit);
    }
}

void tb__ev_warmup(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)arg;
    tb__start_measuring(obj);
}

void tb__ev_baseline(sim_engine *e, void *obj, uint64_t arg)
{
    (void)e;
    (void)arg;
    tb_model *m = obj;
    m->baseline_open = 1;
}

double tb_node_hot_threshold(const tb_model *m, const tb_node *nd)
{
    return m->hot_factor * (nd->baseline > nd->unloaded ? nd->baseline : nd->unloaded);
}

/* Hot: the node's smoothed sojourn, or the age of its oldest waiting job
 * (a stalled node completes nothing), exceeds hot_factor x its normal
 * sojourn (the baseline measured in the warm-up; its unloaded service time
 * when there was none, or when that is larger).  In a ranked queue the oldest job is not the head (a fee
 * queue serves new high fees at once while low fees starve, so the smoothed
 * sojourn of what completes stays low): the heap is scanned.  This runs
 * once per window, so the scan costs little. */
static int node_hot(const tb_model *m, const tb_node *nd)
{
    if (nd->unloaded <= 0)
        return 0;
    double age = 0;
    for (int q = 0; q < nd->nqueues; q++) {
        const tb_queue *qu = &nd->queues[q];
        const tb_job *h = q_peek(qu);
        for (size_t i = 1; qu->ranked && i < qu->n; i++)
            if (qu->heap[i]->queued_at < h->queued_at)
                h = qu->heap[i];
        if (h && (double)(m->eng->now - h->queued_at) > age)
            age = (double)(m->eng->now - h->queued_at);
    }
    return (nd->ewma > age ? nd->ewma : age) > tb_node_hot_threshold(m, nd);
}

/* The window [ts_last, now): hot nodes, spread and goodput, and one
 * time-series row per node. */
void tb__write_window(tb_model *m)
{
    sim_time now = m->eng->now;
    double len = (double)(now - m->ts_last);
    if (len <= 0)
        return;
    int hot = 0, eligible = 0;
    uint64_t good = 0;
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        nd->hot = node_hot(m, nd);
        hot += nd->hot;
        eligible += nd->unloaded > 0;
    }
    for (int i = 0; i < m->nclasses; i++) {
        good += m->classes[i].w_good;
        m->classes[i].w_good = 0;
    }
    if (m->nwin == m->win_cap) {
        size_t ncap = m->win_cap ? 2 * m->win_cap : 256;
        sim_time *nt = realloc(m->win_t, ncap * sizeof *nt);
        double *ns = nt ? realloc(m->win_spread, ncap * sizeof *ns) : NULL;
        double *ng = ns ? realloc(m->win_goodput, ncap * sizeof *ng) : NULL;
        if (nt)
            m->win_t = nt;
        if (ns)
            m->win_spread = ns;
        if (ng) {
            m->win_goodput = ng;
            m->win_cap = ncap;
        }
    }
    if (m->nwin < m->win_cap) {
        m->win_t[m->nwin] = now;
        m->win_spread[m->nwin] = eligible ? (double)hot / eligible : 0;
        m->win_goodput[m->nwin] = (double)good / (len / m->tps);
        m->nwin++;
    }
    for (int k = 0; k < m->nnodes; k++) {
        tb_node *nd = &m->nodes[k];
        double iq = sim_tavg_integral(&nd->q, now), ib = sim_tavg_integral(&nd->b, now);
        double q = (iq - nd->w_q) / len, b = (ib - nd->w_b) / len;
        if (m->ts && nd->ts_row)
            write_row(m, sim_seconds(now, m->tps), nd, q, b);
        nd->w_q = iq;
        nd->w_b = ib;
        nd->w_arrivals = nd->w_completions = nd->w_drops = 0;
    }
    m->ts_last = now;
}

/* The mean number of jobs in the network over each of TB_MSER_POINTS equal
 * spans of the run: the series MSER-5 truncates (finer than the time
 * series' windows, so that it always has enough batches). */
void tb__ev_mser(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = obj;
    double now = sim_tavg_integral(&m->sys, e->now);
    if (m->nmser < TB_MSER_POINTS)
        m->mser[m->nmser++] = (now - m->mser_last) / (double)m->mser_dt;
    m->mser_last = now;
    if (e->now + m->mser_dt <= m->duration)
        sim_after(e, m->mser_dt, tb__ev_mser, m, 0);
}

void tb__ev_window(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = obj;
    tb__write_window(m);
    if (e->now + m->window <= m->duration)
        sim_after(e, m->window, tb__ev_window, m, 0);
}

int tb_model_recovery(const tb_model *m, double *blast, double *mean_spread, double *recovery,
                      double *horizon)
{
    *blast = *mean_spread = 0;
    *recovery = -1;
    *horizon = 0;
    size_t n = 0;
    double pre = 0;
    size_t npre = 0;
    for (size_t i = 0; i < m->nwin; i++) {
        if (m->win_t[i] <= m->warmup)
            continue;
        if (m->win_spread[i] > *blast)
            *blast = m->win_spread[i];
        *mean_spread += m->win_spread[i];
        n++;
        if (m->has_surge && m->win_t[i] <= m->surge_start) {
            pre += m->win_goodput[i];
            npre++;
        }
    }
    if (n)
        *mean_spread /= (double)n;
    if (!m->has_surge)
        return 0;
    if (npre == 0)
        return 1; /* no measured windows before the surge: nothing to recover to */
    pre /= (double)npre;
    /*
     * The first window end after the surge from which, for `sustain`,
     * nothing is hot and goodput is back to its pre-surge mean: at least
     * 95% of it, or within Poisson noise of it (3 standard deviations of the
     * count expected over the period), whichever is the looser, so that a
     * network that never left its normal state is never judged unrecovered
     * for the noise of a low rate.  Averaged over the period: single
     * windows are noisy.
     */
    for (size_t i = 0; i < m->nwin; i++) {
        if (m->win_t[i] < m->surge_end)
            continue;
        if (m->win_t[m->nwin - 1] < m->win_t[i] + m->sustain)
            break; /* not enough run left to tell */
        *horizon = sim_seconds(m->win_t[i] - m->window - m->surge_end, m->tps);
        int ok = 1;
        double good = 0;
        size_t j, k = 0;
        for (j = i; j < m->nwin && m->win_t[j] <= m->win_t[i] + m->sustain; j++, k++) {
            ok &= m->win_spread[j] == 0;
            good += m->win_goodput[j];
        }
        double span = (double)k * sim_seconds(m->window, m->tps), expect = pre * span;
        double allowance = fmax(0.05 * expect, 3 * sqrt(expect));
        if (ok && good / (double)k * span >= expect - allowance) {
            *recovery = fmax(0, sim_seconds(m->win_t[i] - m->window - m->surge_end, m->tps));
            return 1;
        }
    }
    if (*horizon < 0)
        *horizon = 0;
    return 1;
}
