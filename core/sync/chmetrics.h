/* chmetrics.h - the metrics of one tenant channel (Prometheus, labels
 * tenant and channel), created once per instance and updated on the hot path
 * through the kept pointers. */
#ifndef HUB_SYNC_CHMETRICS_H
#define HUB_SYNC_CHMETRICS_H

struct metric;

struct chmetrics {
    struct metric *events_in;      /* events this channel emitted, committed */
    struct metric *duplicates;     /* deliveries recognised by idempotency key */
    struct metric *refused;        /* events the engine refused for their content */
    struct metric *push_ok, *push_retry, *push_fatal; /* items */
    struct metric *requests;       /* push batches sent */
    struct metric *outbox_depth;   /* gauge */
    struct metric *outbox_oldest;  /* gauge, seconds */
    struct metric *latency;        /* histogram, ms: event committed -> push acknowledged */
    struct metric *rate_waits;     /* times the bucket or a Retry-After held a push back */
    struct metric *rate_wait_ms;   /* total ms waited */
    struct metric *circuit;        /* gauge: 0 closed, 1 open, 2 half-open */
    struct metric *dead_letters;   /* gauge */
    struct metric *drift;          /* SKUs found drifted by reconcile */
};

void chmetrics_init(struct chmetrics *m, const char *tenant, const char *channel);

#endif
