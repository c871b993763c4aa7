/*
 * metrics.h - counters, gauges and histograms with label pairs, rendered in
 * the Prometheus text exposition format 0.0.4.
 *
 * A *family* is a metric name with one type and one HELP text; a *series* is
 * one family plus one set of label pairs.  `metrics_counter()` and friends
 * look a series up, creating it (and its family) on first use, and return a
 * pointer that stays valid until the registry is freed: keep it and update it
 * directly (the fast path: an atomic add, no lookup, no lock).
 *
 *   static struct metric *req_ok;
 *   if (!req_ok) {
 *       struct metric_label l[] = {{"tenant", "demo"}, {"channel", "shopify"}};
 *       req_ok = metrics_counter(NULL, "hub_webhooks_total", "Webhooks received.", l, 2);
 *   }
 *   metric_inc(req_ok);
 *
 * Label order does not matter: {a,b} and {b,a} are the same series.  Names
 * follow Prometheus rules (metric [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * [a-zA-Z_][a-zA-Z0-9_]*, labels starting with "__" and a histogram label "le"
 * are refused).  A lookup that conflicts with the family already registered
 * (other type, other histogram buckets) or has a bad name returns NULL and
 * logs why; every update function accepts NULL and does nothing, so a bad
 * metric never takes a caller down.
 *
 * Threads: lookups and rendering take the registry's mutex; updates are
 * lock-free atomics, so any thread may update a metric.
 *
 * Rendering (`metrics_render`) is deterministic: families sorted by name,
 * series sorted by their label text, HELP/TYPE once per family, label values
 * escaped (\\ \" \n), histograms as cumulative _bucket{le=...} lines ending
 * with le="+Inf", then _sum and _count.
 */
#ifndef HUB_NET_METRICS_H
#define HUB_NET_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum metric_type { METRIC_COUNTER = 0, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric_label {
    const char *name;
    const char *value;
};

struct metrics_registry;
struct metric; /* one series */

/* Default latency buckets in milliseconds:
 * 0.5 1 2 5 10 25 50 100 250 500 1000 2500 5000 (+Inf implied). */
extern const double metrics_latency_ms_buckets[];
extern const size_t metrics_latency_ms_buckets_n;

struct metrics_registry *metrics_registry_new(void);
void metrics_registry_free(struct metrics_registry *r);
/* The process-wide registry (created on first use).  Every function below
 * taking a registry accepts NULL for it. */
struct metrics_registry *metrics_default(void);
/* Free the default registry's contents (pointers into it become invalid);
 * for orderly shutdown and leak checkers.  It is recreated if used again. */
void metrics_default_free(void);

/* Lookup-or-create.  `help` is used when the family is created (a later
 * non-NULL help is ignored); NULL help renders as an empty HELP line.
 * Labels are copied.  NULL on a bad name or a type/bucket conflict. */
struct metric *metrics_counter(struct metrics_registry *r, const char *name, const char *help,
                               const struct metric_label *labels, size_t n_labels);
struct metric *metrics_gauge(struct metrics_registry *r, const char *name, const char *help,
                             const struct metric_label *labels, size_t n_labels);
/* `bounds` strictly increasing finite upper bounds (+Inf is implied); NULL
 * means metrics_latency_ms_buckets.  Every series of a family must use the
 * same bounds. */
struct metric *metrics_histogram(struct metrics_registry *r, const char *name, const char *help,
                                 const double *bounds, size_t n_bounds,
                                 const struct metric_label *labels, size_t n_labels);

/* Updates.  Counters only go up: metric_add with a negative or NaN delta on a
 * counter is ignored.  metric_set is for gauges; metric_observe for histograms.
 * metric_inc/metric_dec/metric_add work on counters and gauges. */
void metric_inc(struct metric *m);
void metric_dec(struct metric *m); /* gauges only */
void metric_add(struct metric *m, double delta);
void metric_set(struct metric *m, double value);
void metric_observe(struct metric *m, double value);

/* Reading back (tests, status pages).  Counter/gauge value, or the sum of a
 * histogram; 0 for NULL. */
double metric_value(const struct metric *m);
/* Observations in a histogram (0 for other types and NULL). */
uint64_t metric_count(const struct metric *m);
/* Cumulative count of observations <= bounds[i] (i < n_bounds), or all of
 * them for i == n_bounds (the +Inf bucket). */
uint64_t metric_bucket(const struct metric *m, size_t i);

/* Append the whole registry in text format 0.0.4 to `out`.  0, -1 on OOM. */
int metrics_registry_render(struct metrics_registry *r, struct buf *out);
/* The same for the default registry. */
int metrics_render(struct buf *out);
/* The Content-Type a /metrics endpoint must answer with. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Drop every series of every family that has label `name` = `value` (e.g. a
 * tenant being unloaded).  Pointers to dropped series become invalid.
 * Returns how many series were dropped. */
size_t metrics_drop_label(struct metrics_registry *r, const char *name, const char *value);

/* Format a sample value the way Prometheus expects: shortest text that
 * reads back exactly, integers without exponent up to 1e15, "+Inf", "-Inf",
 * "NaN".  `out` needs 32 bytes.  Returns `out`. */
char *metrics_format_value(double v, char out[32]);

#endif
