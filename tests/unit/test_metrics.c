/* test_metrics.c - the metrics registry and its Prometheus text output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/metrics.h"

static void test_exact_text_small_registry(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct metric_label shop[] = {{"tenant", "demo"}, {"channel", "shopify"}};
    /* same labels in another order: the same series */
    struct metric_label shop_rev[] = {{"channel", "shopify"}, {"tenant", "demo"}};
    struct metric_label tik[] = {{"tenant", "demo"}, {"channel", "tiktok"}};

    struct metric *c1 = metrics_counter(r, "hub_webhooks_total", "Webhooks received.", shop, 2);
    struct metric *c1b = metrics_counter(r, "hub_webhooks_total", NULL, shop_rev, 2);
    struct metric *c2 = metrics_counter(r, "hub_webhooks_total", NULL, tik, 2);
    assert_non_null(c1);
    assert_ptr_equal(c1, c1b);
    assert_ptr_not_equal(c1, c2);
    metric_inc(c1);
    metric_add(c1b, 2);
    metric_add(c1, -5); /* ignored: counters only go up */
    metric_inc(c2);

    struct metric *g = metrics_gauge(r, "hub_connections", "Open connections.", NULL, 0);
    metric_set(g, 7);
    metric_dec(g);
    metric_add(g, 0.25);

    double bounds[] = {1, 2.5, 10};
    struct metric *h = metrics_histogram(r, "hub_push_ms", "Push latency.", bounds, 3, shop, 2);
    metric_observe(h, 0.5);
    metric_observe(h, 1);   /* le is inclusive */
    metric_observe(h, 3);
    metric_observe(h, 100); /* only +Inf */

    struct buf out = BUF_INIT;
    assert_int_equal(metrics_registry_render(r, &out), 0);
    const char *want =
        "# HELP hub_connections Open connections.\n"
        "# TYPE hub_connections gauge\n"
        "hub_connections 6.25\n"
        "# HELP hub_push_ms Push latency.\n"
        "# TYPE hub_push_ms histogram\n"
        "hub_push_ms_bucket{channel=\"shopify\",tenant=\"demo\",le=\"1\"} 2\n"
        "hub_push_ms_bucket{channel=\"shopify\",tenant=\"demo\",le=\"2.5\"} 2\n"
        "hub_push_ms_bucket{channel=\"shopify\",tenant=\"demo\",le=\"10\"} 3\n"
        "hub_push_ms_bucket{channel=\"shopify\",tenant=\"demo\",le=\"+Inf\"} 4\n"
        "hub_push_ms_sum{channel=\"shopify\",tenant=\"demo\"} 104.5\n"
        "hub_push_ms_count{channel=\"shopify\",tenant=\"demo\"} 4\n"
        "# HELP hub_webhooks_total Webhooks received.\n"
        "# TYPE hub_webhooks_total counter\n"
        "hub_webhooks_total{channel=\"shopify\",tenant=\"demo\"} 3\n"
        "hub_webhooks_total{channel=\"tiktok\",tenant=\"demo\"} 1\n";
    assert_string_equal(out.data, want);
    assert_int_equal(metric_count(h), 4);
    assert_int_equal(metric_bucket(h, 0), 2);
    assert_int_equal(metric_bucket(h, 3), 4);
    buf_free(&out);
    metrics_registry_free(r);
}

static void test_escaping(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct metric_label l[] = {{"path", "a\\b \"q\"\nz"}};
    struct metric *c = metrics_counter(r, "x_total", "Help with \\ and \"quotes\"\nand a newline.",
                                       l, 1);
    assert_non_null(c);
    metric_inc(c);
    struct buf out = BUF_INIT;
    assert_int_equal(metrics_registry_render(r, &out), 0);
    /* HELP escapes \ and newline only; label values also escape quotes. */
    assert_string_equal(out.data,
                        "# HELP x_total Help with \\\\ and \"quotes\"\\nand a newline.\n"
                        "# TYPE x_total counter\n"
                        "x_total{path=\"a\\\\b \\\"q\\\"\\nz\"} 1\n");
    buf_free(&out);
    metrics_registry_free(r);
}

static void test_default_buckets_and_no_labels(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct metric *h = metrics_histogram(r, "lat_ms", NULL, NULL, 0, NULL, 0);
    assert_non_null(h);
    metric_observe(h, 0.3);
    metric_observe(h, 7000);
    struct buf out = BUF_INIT;
    assert_int_equal(metrics_registry_render(r, &out), 0);
    assert_non_null(strstr(out.data, "# HELP lat_ms \n# TYPE lat_ms histogram\n"));
    assert_non_null(strstr(out.data, "lat_ms_bucket{le=\"0.5\"} 1\n"));
    assert_non_null(strstr(out.data, "lat_ms_bucket{le=\"5000\"} 1\n"));
    assert_non_null(strstr(out.data, "lat_ms_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(out.data, "lat_ms_sum 7000.3\n"));
    assert_non_null(strstr(out.data, "lat_ms_count 2\n"));
    /* 13 bounds + Inf */
    size_t lines = 0;
    for (const char *p = out.data; (p = strstr(p, "lat_ms_bucket")); p++) lines++;
    assert_int_equal(lines, metrics_latency_ms_buckets_n + 1);
    buf_free(&out);
    metrics_registry_free(r);
}

static void test_refusals(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    assert_non_null(metrics_counter(r, "a_total", NULL, NULL, 0));
    assert_null(metrics_gauge(r, "a_total", NULL, NULL, 0));         /* type conflict */
    assert_null(metrics_counter(r, "1bad", NULL, NULL, 0));          /* bad name */
    assert_null(metrics_counter(r, "bad-name", NULL, NULL, 0));
    struct metric_label badl[] = {{"x-y", "1"}};
    assert_null(metrics_counter(r, "b_total", NULL, badl, 1));
    struct metric_label dup[] = {{"a", "1"}, {"a", "2"}};
    assert_null(metrics_counter(r, "b_total", NULL, dup, 2));
    struct metric_label le[] = {{"le", "1"}};
    assert_null(metrics_histogram(r, "h", NULL, NULL, 0, le, 1));
    assert_non_null(metrics_counter(r, "c_total", NULL, le, 1)); /* le is fine outside histograms */
    double b1[] = {1, 2}, b2[] = {1, 3}, bad[] = {2, 1};
    assert_non_null(metrics_histogram(r, "h", NULL, b1, 2, NULL, 0));
    struct metric_label x[] = {{"k", "v"}};
    assert_null(metrics_histogram(r, "h", NULL, b2, 2, x, 1)); /* other buckets */
    assert_non_null(metrics_histogram(r, "h", NULL, b1, 2, x, 1));
    assert_null(metrics_histogram(r, "h2", NULL, bad, 2, NULL, 0));
    /* NULL metrics are harmless */
    metric_inc(NULL);
    metric_set(NULL, 1);
    metric_observe(NULL, 1);
    assert_true(metric_value(NULL) == 0);
    /* set on a counter is ignored */
    struct metric *c = metrics_counter(r, "a_total", NULL, NULL, 0);
    metric_set(c, 10);
    assert_true(metric_value(c) == 0);
    metrics_registry_free(r);
}

static void test_format_value(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(metrics_format_value(0, b), "0");
    assert_string_equal(metrics_format_value(-0.0, b), "0");
    assert_string_equal(metrics_format_value(42, b), "42");
    assert_string_equal(metrics_format_value(0.1, b), "0.1");
    assert_string_equal(metrics_format_value(-2.5, b), "-2.5");
    assert_string_equal(metrics_format_value(1e20, b), "1e+20");
    assert_string_equal(metrics_format_value(INFINITY, b), "+Inf");
    assert_string_equal(metrics_format_value(-INFINITY, b), "-Inf");
    assert_string_equal(metrics_format_value(NAN, b), "NaN");
    double third = 1.0 / 3.0;
    metrics_format_value(third, b);
    assert_true(strtod(b, NULL) == third);
}

static void test_drop_label(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct metric_label a[] = {{"tenant", "demo"}, {"channel", "x"}};
    struct metric_label b[] = {{"tenant", "demo2"}};
    struct metric_label c[] = {{"tenant", "de\"mo"}};
    metric_inc(metrics_counter(r, "n_total", "N.", a, 2));
    metric_inc(metrics_counter(r, "n_total", "N.", b, 1));
    metric_inc(metrics_counter(r, "n_total", "N.", c, 1));
    metric_observe(metrics_histogram(r, "h_ms", "H.", NULL, 0, a, 2), 1);
    assert_int_equal(metrics_drop_label(r, "tenant", "demo"), 2);
    assert_int_equal(metrics_drop_label(r, "tenant", "de\"mo"), 1);
    struct buf out = BUF_INIT;
    metrics_registry_render(r, &out);
    assert_string_equal(out.data, "# HELP n_total N.\n# TYPE n_total counter\n"
                                  "n_total{tenant=\"demo2\"} 1\n");
    /* a dropped series is recreated from zero */
    struct metric *again = metrics_counter(r, "n_total", NULL, a, 2);
    assert_true(metric_value(again) == 0);
    buf_free(&out);
    metrics_registry_free(r);
}

static void test_many_series_and_default_registry(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct metric *ms[500];
    char v[16];
    for (int i = 0; i < 500; i++) {
        snprintf(v, sizeof v, "%d", i);
        struct metric_label l[] = {{"i", v}};
        ms[i] = metrics_gauge(r, "g", NULL, l, 1);
        metric_set(ms[i], i);
    }
    for (int i = 0; i < 500; i++) {
        snprintf(v, sizeof v, "%d", i);
        struct metric_label l[] = {{"i", v}};
        assert_ptr_equal(metrics_gauge(r, "g", NULL, l, 1), ms[i]);
        assert_true(metric_value(ms[i]) == i);
    }
    metrics_registry_free(r);

    struct metric *d = metrics_counter(NULL, "test_default_total", "D.", NULL, 0);
    metric_add(d, 5);
    struct buf out = BUF_INIT;
    assert_int_equal(metrics_render(&out), 0);
    assert_non_null(strstr(out.data, "test_default_total 5\n"));
    buf_free(&out);
    metrics_default_free();
}

struct thread_arg {
    struct metric *c, *h;
};

static void *hammer(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 100000; i++) {
        metric_inc(a->c);
        metric_observe(a->h, 1);
    }
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    struct metrics_registry *r = metrics_registry_new();
    struct thread_arg a = {metrics_counter(r, "t_total", NULL, NULL, 0),
                           metrics_histogram(r, "t_ms", NULL, NULL, 0, NULL, 0)};
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, hammer, &a);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    assert_true(metric_value(a.c) == 400000);
    assert_int_equal(metric_count(a.h), 400000);
    assert_true(metric_value(a.h) == 400000);
    metrics_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_text_small_registry),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_default_buckets_and_no_labels),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_format_value),
        cmocka_unit_test(test_drop_label),
        cmocka_unit_test(test_many_series_and_default_registry),
        cmocka_unit_test(test_concurrent_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
