#include "sync/chmetrics.h"

#include "net/metrics.h"

static const double latency_bounds[] = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

void chmetrics_init(struct chmetrics *m, const char *tenant, const char *channel)
{
    struct metrics_registry *r = metrics_default();
    struct metric_label l[] = {{"tenant", tenant}, {"channel", channel}};
    struct metric_label lr[3] = {{"tenant", tenant}, {"channel", channel}, {"result", "ok"}};
    m->events_in = metrics_counter(r, "hub_events_in_total", "Inbound events committed to the inbox", l, 2);
    m->duplicates = metrics_counter(r, "hub_events_duplicate_total", "Inbound deliveries already seen (idempotency key)", l, 2);
    m->refused = metrics_counter(r, "hub_events_refused_total",
                                 "Inbound events the engine refused for their content (nothing written)", l, 2);
    m->push_ok = metrics_counter(r, "hub_push_items_total", "Pushed items by result", lr, 3);
    lr[2].value = "retry";
    m->push_retry = metrics_counter(r, "hub_push_items_total", "Pushed items by result", lr, 3);
    lr[2].value = "fatal";
    m->push_fatal = metrics_counter(r, "hub_push_items_total", "Pushed items by result", lr, 3);
    m->requests = metrics_counter(r, "hub_push_batches_total", "Push batches handed to the plugin", l, 2);
    m->outbox_depth = metrics_gauge(r, "hub_outbox_depth", "Operations waiting in the outbox", l, 2);
    m->outbox_oldest = metrics_gauge(r, "hub_outbox_oldest_age_seconds", "Age of the oldest unacknowledged change", l, 2);
    m->latency = metrics_histogram(r, "hub_propagation_latency_ms",
                                   "Change committed -> push acknowledged by the channel, ms", latency_bounds,
                                   sizeof latency_bounds / sizeof *latency_bounds, l, 2);
    m->rate_waits = metrics_counter(r, "hub_rate_limit_waits_total", "Pushes held back by the rate limit or Retry-After", l, 2);
    m->rate_wait_ms = metrics_counter(r, "hub_rate_limit_wait_ms_total", "Milliseconds pushes were held back", l, 2);
    m->circuit = metrics_gauge(r, "hub_circuit_state", "Circuit breaker: 0 closed, 1 open, 2 half-open", l, 2);
    m->dead_letters = metrics_gauge(r, "hub_dead_letters", "Operations the channel refused, kept for a human", l, 2);
    m->drift = metrics_counter(r, "hub_reconcile_drift_total", "SKUs whose channel quantity differed from the shadow", l, 2);
}
