/* metrics.c - the metrics registry and its Prometheus text rendering. */
#include "net/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

const double metrics_latency_ms_buckets[] = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
const size_t metrics_latency_ms_buckets_n = ARRAY_LEN(metrics_latency_ms_buckets);

struct family;

struct metric {
    struct family *fam;
    char *labels;          /* canonical text: a="x",b="y" (sorted, escaped), "" if none */
    uint64_t hash;
    _Atomic uint64_t bits; /* counter/gauge value, histogram sum (double bits) */
    _Atomic uint64_t count;    /* histogram observations */
    _Atomic uint64_t *buckets; /* histogram: per-bucket (non-cumulative) counts, n_bounds */
    struct metric *hnext;  /* hash chain */
    struct metric *fnext;  /* family's series */
};

struct family {
    char *name;
    char *help;
    enum metric_type type;
    double *bounds;
    size_t n_bounds;
    struct metric *series;
    size_t n_series;
    struct family *next;
};

struct metrics_registry {
    pthread_mutex_t mu;
    struct metric **table;
    size_t cap;   /* power of two */
    size_t count; /* series */
    struct family *families;
};

/* ------------------------------------------------------------ helpers */

static uint64_t d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static void atomic_add_double(_Atomic uint64_t *bits, double delta)
{
    uint64_t old = atomic_load_explicit(bits, memory_order_relaxed);
    for (;;) {
        uint64_t nw = d2u(u2d(old) + delta);
        if (atomic_compare_exchange_weak_explicit(bits, &old, nw, memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
    }
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t series_hash(const char *name, const char *labels)
{
    uint64_t h = fnv1a(1469598103934665603ull, name, strlen(name));
    h = fnv1a(h, "\0", 1);
    return fnv1a(h, labels, strlen(labels));
}

static int valid_metric_name(const char *s)
{
    if (!s || !*s) return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                 (p != s && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

static int valid_label_name(const char *s)
{
    if (!s || !*s) return 0;
    if (s[0] == '_' && s[1] == '_') return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (p != s && c >= '0' && c <= '9');
        if (!ok) return 0;
    }
    return 1;
}

static int put_escaped(struct buf *b, const char *s, int quotes)
{
    for (; *s; s++) {
        int rc;
        if (*s == '\\') rc = buf_puts(b, "\\\\");
        else if (*s == '\n') rc = buf_puts(b, "\\n");
        else if (*s == '"' && quotes) rc = buf_puts(b, "\\\"");
        else rc = buf_putc(b, *s);
        if (rc) return -1;
    }
    return 0;
}

char *metrics_format_value(double v, char out[32])
{
    if (isnan(v)) return strcpy(out, "NaN");
    if (isinf(v)) return strcpy(out, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, 32, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
        return out;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v) break;
    }
    return out;
}

/* Canonical label text: sorted by name, values escaped.  NULL on a bad or
 * duplicate label name (message in err). */
static int label_cmp(const void *a, const void *b)
{
    const struct metric_label *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static char *canonical_labels(const struct metric_label *labels, size_t n, int histogram,
                              const char **why)
{
    struct buf b = BUF_INIT;
    if (n == 0) return xstrdup("");
    if (!labels) {
        *why = "labels missing";
        return NULL;
    }
    struct metric_label *sorted = xcalloc(n, sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        if (!valid_label_name(labels[i].name)) {
            *why = "bad label name";
            free(sorted);
            return NULL;
        }
        if (histogram && strcmp(labels[i].name, "le") == 0) {
            *why = "label \"le\" is reserved in histograms";
            free(sorted);
            return NULL;
        }
        sorted[i] = labels[i];
        if (!sorted[i].value) sorted[i].value = "";
    }
    qsort(sorted, n, sizeof *sorted, label_cmp);
    int fail = 0;
    for (size_t i = 0; i < n && !fail; i++) {
        if (i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0) {
            *why = "duplicate label name";
            fail = 1;
            break;
        }
        if (i > 0) fail |= buf_putc(&b, ',');
        fail |= buf_puts(&b, sorted[i].name);
        fail |= buf_puts(&b, "=\"");
        fail |= put_escaped(&b, sorted[i].value, 1);
        fail |= buf_putc(&b, '"');
    }
    free(sorted);
    if (fail) {
        if (!*why) *why = "out of memory";
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* ------------------------------------------------------------ registry */

struct metrics_registry *metrics_registry_new(void)
{
    struct metrics_registry *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->cap = 64;
    r->table = xcalloc(r->cap, sizeof *r->table);
    return r;
}

static void free_series(struct metric *m)
{
    free(m->labels);
    free(m->buckets);
    free(m);
}

static void registry_clear(struct metrics_registry *r)
{
    struct family *f = r->families;
    while (f) {
        struct family *next = f->next;
        struct metric *m = f->series;
        while (m) {
            struct metric *mn = m->fnext;
            free_series(m);
            m = mn;
        }
        free(f->name);
        free(f->help);
        free(f->bounds);
        free(f);
        f = next;
    }
    r->families = NULL;
    memset(r->table, 0, r->cap * sizeof *r->table);
    r->count = 0;
}

void metrics_registry_free(struct metrics_registry *r)
{
    if (!r) return;
    registry_clear(r);
    free(r->table);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static pthread_mutex_t default_mu = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_registry *default_reg;

struct metrics_registry *metrics_default(void)
{
    pthread_mutex_lock(&default_mu);
    if (!default_reg) default_reg = metrics_registry_new();
    struct metrics_registry *r = default_reg;
    pthread_mutex_unlock(&default_mu);
    return r;
}

void metrics_default_free(void)
{
    pthread_mutex_lock(&default_mu);
    metrics_registry_free(default_reg);
    default_reg = NULL;
    pthread_mutex_unlock(&default_mu);
}

static struct family *find_family(struct metrics_registry *r, const char *name)
{
    for (struct family *f = r->families; f; f = f->next)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

static void grow_table(struct metrics_registry *r)
{
    size_t cap = r->cap * 2;
    struct metric **t = xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < r->cap; i++) {
        struct metric *m = r->table[i];
        while (m) {
            struct metric *next = m->hnext;
            size_t k = (size_t)(m->hash & (cap - 1));
            m->hnext = t[k];
            t[k] = m;
            m = next;
        }
    }
    free(r->table);
    r->table = t;
    r->cap = cap;
}

static const char *type_name(enum metric_type t)
{
    switch (t) {
    case METRIC_COUNTER: return "counter";
    case METRIC_GAUGE: return "gauge";
    case METRIC_HISTOGRAM: return "histogram";
    }
    return "untyped";
}

static int same_bounds(const struct family *f, const double *bounds, size_t n)
{
    if (f->n_bounds != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (f->bounds[i] != bounds[i]) return 0;
    return 1;
}

static struct metric *lookup(struct metrics_registry *r, enum metric_type type, const char *name,
                             const char *help, const double *bounds, size_t n_bounds,
                             const struct metric_label *labels, size_t n_labels)
{
    if (!r) r = metrics_default();
    if (!valid_metric_name(name)) {
        log_warn("metrics", "refused metric: bad name \"%s\"", name ? name : "(null)");
        return NULL;
    }
    if (type == METRIC_HISTOGRAM) {
        if (!bounds) {
            bounds = metrics_latency_ms_buckets;
            n_bounds = metrics_latency_ms_buckets_n;
        }
        for (size_t i = 0; i < n_bounds; i++) {
            if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
                log_warn("metrics", "refused histogram %s: buckets must be finite and increasing",
                         name);
                return NULL;
            }
        }
    }
    const char *why = NULL;
    char *key = canonical_labels(labels, n_labels, type == METRIC_HISTOGRAM, &why);
    if (!key) {
        log_warn("metrics", "refused metric %s: %s", name, why ? why : "bad labels");
        return NULL;
    }
    uint64_t h = series_hash(name, key);

    pthread_mutex_lock(&r->mu);
    struct metric *m;
    for (m = r->table[h & (r->cap - 1)]; m; m = m->hnext) {
        if (m->hash == h && strcmp(m->labels, key) == 0 && strcmp(m->fam->name, name) == 0) break;
    }
    const char *conflict = NULL;
    if (m) {
        if (m->fam->type != type) conflict = "registered with another type";
        else if (type == METRIC_HISTOGRAM && !same_bounds(m->fam, bounds, n_bounds))
            conflict = "registered with other buckets";
    } else {
        struct family *f = find_family(r, name);
        if (f && f->type != type) conflict = "registered with another type";
        else if (f && type == METRIC_HISTOGRAM && !same_bounds(f, bounds, n_bounds))
            conflict = "registered with other buckets";
        if (!conflict) {
            if (!f) {
                f = xcalloc(1, sizeof *f);
                f->name = xstrdup(name);
                f->help = help ? xstrdup(help) : NULL;
                f->type = type;
                if (type == METRIC_HISTOGRAM && n_bounds) {
                    f->bounds = xmalloc(n_bounds * sizeof *f->bounds);
                    memcpy(f->bounds, bounds, n_bounds * sizeof *f->bounds);
                    f->n_bounds = n_bounds;
                }
                f->next = r->families;
                r->families = f;
            } else if (!f->help && help) {
                f->help = xstrdup(help);
            }
            m = xcalloc(1, sizeof *m);
            m->fam = f;
            m->labels = key;
            key = NULL;
            m->hash = h;
            if (type == METRIC_HISTOGRAM)
                m->buckets = xcalloc(f->n_bounds ? f->n_bounds : 1, sizeof *m->buckets);
            m->fnext = f->series;
            f->series = m;
            f->n_series++;
            if (r->count + 1 > r->cap) grow_table(r);
            size_t k = (size_t)(h & (r->cap - 1));
            m->hnext = r->table[k];
            r->table[k] = m;
            r->count++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    free(key);
    if (conflict) {
        log_warn("metrics", "refused %s %s: %s", type_name(type), name, conflict);
        return NULL;
    }
    return m;
}

struct metric *metrics_counter(struct metrics_registry *r, const char *name, const char *help,
                               const struct metric_label *labels, size_t n_labels)
{
    return lookup(r, METRIC_COUNTER, name, help, NULL, 0, labels, n_labels);
}

struct metric *metrics_gauge(struct metrics_registry *r, const char *name, const char *help,
                             const struct metric_label *labels, size_t n_labels)
{
    return lookup(r, METRIC_GAUGE, name, help, NULL, 0, labels, n_labels);
}

struct metric *metrics_histogram(struct metrics_registry *r, const char *name, const char *help,
                                 const double *bounds, size_t n_bounds,
                                 const struct metric_label *labels, size_t n_labels)
{
    return lookup(r, METRIC_HISTOGRAM, name, help, bounds, n_bounds, labels, n_labels);
}

size_t metrics_drop_label(struct metrics_registry *r, const char *name, const char *value)
{
    if (!r) r = metrics_default();
    if (!name || !value) return 0;
    /* Match on the canonical text: name="escaped value" as a whole item. */
    struct buf needle = BUF_INIT;
    buf_puts(&needle, name);
    buf_puts(&needle, "=\"");
    put_escaped(&needle, value, 1);
    buf_putc(&needle, '"');
    if (!needle.data) return 0;
    size_t dropped = 0;
    pthread_mutex_lock(&r->mu);
    for (struct family *f = r->families; f; f = f->next) {
        struct metric **pp = &f->series;
        while (*pp) {
            struct metric *m = *pp;
            int hit = 0;
            /* items are separated by ',' and names never contain '"' or ',',
             * escaped values never contain a bare '"': scan item starts. */
            const char *p = m->labels;
            while (*p && !hit) {
                if (strncmp(p, needle.data, needle.len) == 0 &&
                    (p[needle.len] == ',' || p[needle.len] == '\0'))
                    hit = 1;
                /* skip to the next item: past name=" ... closing quote */
                const char *q = strchr(p, '"');
                if (!q) break;
                q++;
                while (*q && *q != '"') q += (*q == '\\' && q[1]) ? 2 : 1;
                if (*q) q++;
                if (*q == ',') q++;
                p = q;
            }
            if (!hit) {
                pp = &m->fnext;
                continue;
            }
            *pp = m->fnext;
            f->n_series--;
            struct metric **hp = &r->table[m->hash & (r->cap - 1)];
            while (*hp != m) hp = &(*hp)->hnext;
            *hp = m->hnext;
            r->count--;
            free_series(m);
            dropped++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    buf_free(&needle);
    return dropped;
}

/* ------------------------------------------------------------ updates */

void metric_inc(struct metric *m) { metric_add(m, 1.0); }

void metric_dec(struct metric *m)
{
    if (m && m->fam->type == METRIC_GAUGE) atomic_add_double(&m->bits, -1.0);
}

void metric_add(struct metric *m, double delta)
{
    if (!m) return;
    if (m->fam->type == METRIC_COUNTER) {
        if (!(delta >= 0)) return; /* negative or NaN */
    } else if (m->fam->type != METRIC_GAUGE) {
        return;
    }
    atomic_add_double(&m->bits, delta);
}

void metric_set(struct metric *m, double value)
{
    if (!m || m->fam->type != METRIC_GAUGE) return;
    atomic_store_explicit(&m->bits, d2u(value), memory_order_relaxed);
}

void metric_observe(struct metric *m, double value)
{
    if (!m || m->fam->type != METRIC_HISTOGRAM || isnan(value)) return;
    const struct family *f = m->fam;
    /* first bucket whose bound >= value (binary search); n_bounds: +Inf only */
    size_t lo = 0, hi = f->n_bounds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (value <= f->bounds[mid]) hi = mid;
        else lo = mid + 1;
    }
    if (lo < f->n_bounds) atomic_fetch_add_explicit(&m->buckets[lo], 1, memory_order_relaxed);
    atomic_add_double(&m->bits, value);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

double metric_value(const struct metric *m)
{
    if (!m) return 0;
    return u2d(atomic_load_explicit(&((struct metric *)m)->bits, memory_order_relaxed));
}

uint64_t metric_count(const struct metric *m)
{
    if (!m || m->fam->type != METRIC_HISTOGRAM) return 0;
    return atomic_load_explicit(&((struct metric *)m)->count, memory_order_relaxed);
}

uint64_t metric_bucket(const struct metric *m, size_t i)
{
    if (!m || m->fam->type != METRIC_HISTOGRAM) return 0;
    if (i >= m->fam->n_bounds) return metric_count(m);
    uint64_t c = 0;
    for (size_t k = 0; k <= i; k++)
        c += atomic_load_explicit(&((struct metric *)m)->buckets[k], memory_order_relaxed);
    return c;
}

/* ------------------------------------------------------------ rendering */

static int family_cmp(const void *a, const void *b)
{
    const struct family *x = *(const struct family *const *)a;
    const struct family *y = *(const struct family *const *)b;
    return strcmp(x->name, y->name);
}

static int series_cmp(const void *a, const void *b)
{
    const struct metric *x = *(const struct metric *const *)a;
    const struct metric *y = *(const struct metric *const *)b;
    return strcmp(x->labels, y->labels);
}

static int render_sample(struct buf *out, const char *name, const char *suffix,
                         const char *labels, const char *extra, double v)
{
    char num[32];
    int fail = buf_puts(out, name);
    fail |= buf_puts(out, suffix);
    if (*labels || extra) {
        fail |= buf_putc(out, '{');
        fail |= buf_puts(out, labels);
        if (extra) {
            if (*labels) fail |= buf_putc(out, ',');
            fail |= buf_puts(out, extra);
        }
        fail |= buf_putc(out, '}');
    }
    fail |= buf_putc(out, ' ');
    fail |= buf_puts(out, metrics_format_value(v, num));
    fail |= buf_putc(out, '\n');
    return fail ? -1 : 0;
}

static int render_histogram(struct buf *out, const struct family *f, const struct metric *m)
{
    /* Read count first and clamp buckets to it, so a concurrent observe
     * never renders a bucket above +Inf. */
    uint64_t count = metric_count(m);
    double sum = metric_value(m);
    uint64_t cum = 0;
    int fail = 0;
    char le[64], num[32];
    for (size_t i = 0; i < f->n_bounds; i++) {
        cum += atomic_load_explicit(&((struct metric *)m)->buckets[i], memory_order_relaxed);
        if (cum > count) cum = count;
        snprintf(le, sizeof le, "le=\"%s\"", metrics_format_value(f->bounds[i], num));
        fail |= render_sample(out, f->name, "_bucket", m->labels, le, (double)cum);
    }
    fail |= render_sample(out, f->name, "_bucket", m->labels, "le=\"+Inf\"", (double)count);
    fail |= render_sample(out, f->name, "_sum", m->labels, NULL, sum);
    fail |= render_sample(out, f->name, "_count", m->labels, NULL, (double)count);
    return fail ? -1 : 0;
}

int metrics_registry_render(struct metrics_registry *r, struct buf *out)
{
    if (!r) r = metrics_default();
    int fail = 0;
    pthread_mutex_lock(&r->mu);
    size_t nf = 0;
    for (struct family *f = r->families; f; f = f->next) nf++;
    struct family **fams = xcalloc(nf ? nf : 1, sizeof *fams);
    size_t i = 0;
    for (struct family *f = r->families; f; f = f->next) fams[i++] = f;
    qsort(fams, nf, sizeof *fams, family_cmp);
    for (i = 0; i < nf && !fail; i++) {
        struct family *f = fams[i];
        if (f->n_series == 0) continue;
        fail |= buf_printf(out, "# HELP %s ", f->name);
        fail |= put_escaped(out, f->help ? f->help : "", 0);
        fail |= buf_printf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
        struct metric **ser = xcalloc(f->n_series, sizeof *ser);
        size_t k = 0;
        for (struct metric *m = f->series; m; m = m->fnext) ser[k++] = m;
        qsort(ser, f->n_series, sizeof *ser, series_cmp);
        for (k = 0; k < f->n_series && !fail; k++) {
            if (f->type == METRIC_HISTOGRAM) fail |= render_histogram(out, f, ser[k]);
            else fail |= render_sample(out, f->name, "", ser[k]->labels, NULL, metric_value(ser[k]));
        }
        free(ser);
    }
    free(fams);
    pthread_mutex_unlock(&r->mu);
    return fail ? -1 : 0;
}

int metrics_render(struct buf *out) { return metrics_registry_render(NULL, out); }
