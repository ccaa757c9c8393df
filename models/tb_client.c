/* tb_client.c - clients: requests and their outcomes, timeouts, retries with backoff, and retry budgets. */
#include "tb_model_int.h"

static void ev_timeout(sim_engine *e, void *obj, uint64_t arg);

/* The retry budget: may the client retry now?  Spends a token if so. */
static int budget_allows(tb_client *cl)
{
    if (cl->budget == 1) { /* token bucket: a retry costs one token */
        if (cl->tokens < 1)
            return 0;
        cl->tokens -= 1;
        return 1;
    }
    if (cl->budget == 2) /* gRPC throttle: retry while above half */
        return cl->tokens > cl->max_tokens / 2;
    return 1;
}

/* The throttle's counts, decayed to now. */
static void throttle_decay(tb_client *cl, sim_time now)
{
    double f = exp(-(double)(now - cl->throttle_at) / cl->throttle_window);
    cl->requests *= f;
    cl->accepts *= f;
    cl->throttle_at = now;
}

void tb__throttle_accept(tb_model *m, tb_client *cl)
{
    if (cl->throttle_k > 0) {
        throttle_decay(cl, m->eng->now);
        cl->accepts += 1;
    }
}

void tb__budget_result(tb_client *cl, int success)
{
    if (success)
        cl->tokens = fmin(cl->max_tokens, cl->tokens + cl->ratio);
    else if (cl->budget == 2)
        cl->tokens = fmax(0, cl->tokens - 1);
}

/* Send the request's next attempt, with the client's timer running.  A
 * retry is the same request: it keeps the first attempt's size, priority
 * and deadline. */
void tb__start_attempt(tb_model *m, tb_class *c, tb_req *r)
{
    tb_client *cl = c->client;
    if (cl->throttle_k > 0) { /* one draw per attempt, from the class's own stream */
        throttle_decay(cl, m->eng->now);
        cl->requests += 1;
        double p = (cl->requests - cl->throttle_k * cl->accepts) / (cl->requests + 1);
        if (sim_rng_u01(&c->throttle_rng) < p) { /* refused locally: an attempt rejected at once */
            if (m->measuring) {
                c->attempts++;
                c->att_out[TB_ATT_REJECTED]++;
                cl->throttled++;
            }
            tb__retry_or_fail(m, c, r, TB_OUT_REJECTED);
            return;
        }
    }
    tb_job *j = tb__new_job(m, c, r->created, r->attempts == 1);
    if (!j)
        return;
    if (r->attempts == 1) {
        r->size = j->size;
        r->priority = j->priority;
        r->deadline = j->deadline;
    } else {
        j->size = r->size;
        j->priority = r->priority;
        j->deadline = r->deadline;
    }
    j->req = r;
    j->attempt = r->attempts;
    r->job = j;
    r->timer.ev = NULL;
    if (c->client->timeout) {
        sim_time t = m->eng->now + sim_ticks(sim_dist_sample(c->client->timeout, &c->timeout_rng), m->tps);
        r->timer = c->timeout_lane ? sim_lane_at(m->eng, c->timeout_lane, t, ev_timeout, r, 0)
                                   : sim_at(m->eng, t, ev_timeout, r, 0);
    }
    tb__send(m, j, -1, tb__first_node(c));
}

static void ev_retry(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_req *r = obj;
    r->attempts++;
    tb__start_attempt(m, &m->classes[r->cls], r);
}

/* The attempt in flight ended without success (`last`: timed out, i.e.
 * failed, rejected or dropped): retry while attempts remain and the budget
 * allows; else the request ends with that outcome, or as failed when the
 * budget refused a retry. */
void tb__retry_or_fail(tb_model *m, tb_class *c, tb_req *r, enum tb_outcome last)
{
    tb_client *cl = c->client;
    if (cl->decider && cl->decider->ops.retry) { /* the policy decides: a delay, or none */
        double d = r->attempts <= cl->retries ? cl->decider->ops.retry(m, cl->decider, r->cls, r->attempts, last) : -1;
        if (d >= 0 && budget_allows(cl)) {
            if (m->measuring)
                c->retries++;
            sim_after(m->eng, sim_ticks(d, m->tps), ev_retry, r, 0);
            return;
        }
        if (d >= 0)
            last = TB_OUT_FAILED; /* refused by the retry budget */
        tb__request_end(m, c, r->created, r->counted, last, 0);
        req_put(m, r);
        return;
    }
    if (r->attempts <= cl->retries) {
        if (budget_allows(cl)) {
            if (m->measuring)
                c->retries++;
            /* capped exponential backoff with full jitter (gRPC's form) */
            double ceiling = fmin(cl->cap, cl->base * pow(cl->multiplier, r->attempts - 1));
            sim_after(m->eng, sim_ticks(ceiling * sim_rng_u01(&c->backoff_rng), m->tps), ev_retry, r, 0);
            return;
        }
        last = TB_OUT_FAILED; /* refused by the retry budget */
    }
    tb__request_end(m, c, r->created, r->counted, last, 0);
    req_put(m, r);
}

static void ev_timeout(sim_engine *e, void *obj, uint64_t arg)
{
    (void)arg;
    tb_model *m = e->user;
    tb_req *r = obj;
    tb_class *c = &m->classes[r->cls];
    r->timer.ev = NULL;
    if (m->measuring)
        c->timeouts++;
    if (r->job) { /* it goes on consuming servers' time: wasted work */
        r->job->abandoned = 1;
        r->job->abandoned_at = e->now;
        r->job->req = NULL;
        r->job = NULL;
    }
    tb__budget_result(c->client, 0);
    tb__retry_or_fail(m, c, r, TB_OUT_FAILED);
}

/* In flight at the end: a request still open (its latency is censored at
 * the end of the run), an attempt still in the network. */
void tb__in_flight(tb_model *m, tb_class *c, sim_time created)
{
    c->in_flight++;
    sim_time lat = m->eng->now - created;
    sim_hist_add(&c->cens, lat);
    if (m->has_surge && created < m->surge_end) {
        int g = created >= m->surge_start;
        c->sg_n[g]++;
        sim_hist_add(&c->sg_cens[g], lat);
    }
}
