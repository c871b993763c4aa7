/* bench_map.c - Lua mapping throughput (one core).
 *
 *   map_shopify_batch256   SKUs/s through scripts/shopify.lua to_channel, batches of 256
 *                          (json_t in, json_t out; inputs built before timing)
 *   map_shopify_batch1     the same, one SKU per mapping_to_channel call
 *   map_batch_speedup      batch256 / batch1
 *   map_example_batch256   SKUs/s through scripts/example.lua (a flat listing of ~12 values:
 *                          what the marshaling layer itself costs)
 *   map_shopify_orders_in  orders/s through shopify.lua from_channel("orders/create")
 *                          on Shopify's example order (5 lines)
 *   map_allocate_batch256  SKUs/s through scripts/allocate.lua, batches of 256
 *
 * The catalog: 6400 products x 4 variants (25600 SKUs), realistic field sizes
 * (description ~250 bytes, 3 images, 3 tags, two options, half with a
 * compare-at price).  Variants of one product are adjacent, as the engine
 * projects them.  Times cover the mapping calls only (result decref after) and
 * are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): one core's throughput,
 * not disturbed by other processes being scheduled on a shared machine.
 * BENCH_RUNS=n overrides the number of runs (default 5); the median is printed.
 * BENCH_MAP_SCRIPT=name.lua (in scripts/) runs the to_channel metrics on another
 * mapping; the metric names stay the same.
 * Output: metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "lua/mapping.h"

#define NPRODUCTS 6400
#define VPP 4
#define NSKU (NPRODUCTS * VPP)
#define BATCH 256

static int runs = 5;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_map: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void emit(const char *metric, double value, const char *unit, double aim)
{
    if (aim > 0)
        printf("%s\t%.0f\t%s\t%.0f\t%.2f\n", metric, value, unit, aim, value / aim);
    else
        printf("%s\t%.2f\t%s\t-\t-\n", metric, value, unit);
    fflush(stdout);
}

/* CPU time of this thread: the machine may be shared, and the aim is per core. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *src_dir(void)
{
    const char *s = getenv("HUB_SRC_DIR");
    return s && *s ? s : "..";
}

static struct mapping *open_script(const char *name)
{
    char dir[1024], path[1100], err[1024];
    snprintf(dir, sizeof dir, "%s/scripts", src_dir());
    if (name[0] == '/')
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s", dir, name);
    struct mapping_limits lim = {32u << 20, 10000000u};
    struct mapping *m = NULL;
    if (mapping_open(&m, dir, path, &lim, err, sizeof err) != 0) die("mapping_open", err);
    return m;
}

static const char *const sizes[VPP] = {"S", "M", "L", "XL"};
static const char *const colours[] = {"Red", "Blue", "Black", "White", "Olive"};

static void build_catalog(json_t **products, json_t **variants, json_t **stocks)
{
    for (int p = 0; p < NPRODUCTS; p++) {
        char id[32];
        snprintf(id, sizeof id, "prod-%05d", p);
        products[p] = json_pack(
            "{s:s, s:s+, s:s, s:s, s:s, s:[s,s], s:[s+,s+,s+], s:[s,s,s], s:s}", "id", id, "title",
            "Organic Cotton Tee ", id, "brand", "Acme Apparel", "category", "Apparel > Tops > T-Shirts",
            "description",
            "A soft, breathable tee in 100% organic cotton with a relaxed fit.\n\n"
            "Pre-shrunk, garment dyed, ribbed crew neck, double-stitched hems. Machine wash "
            "cold, tumble dry low. Made in Portugal from GOTS-certified cotton.",
            "options", "size", "colour", "images", "https://cdn.example.com/", id, "/1.jpg",
            "https://cdn.example.com/", id, "/2.jpg", "https://cdn.example.com/", id, "/3.jpg",
            "tags", "summer", "cotton", "organic", "status", "active");
        for (int v = 0; v < VPP; v++) {
            int i = p * VPP + v;
            char sku[48], barcode[16];
            snprintf(sku, sizeof sku, "TEE-%05d-%s-%s", p, sizes[v], colours[p % 5]);
            snprintf(barcode, sizeof barcode, "40%011d", i);
            json_int_t amount = 1999 + (p % 50) * 100 + v * 50;
            variants[i] = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:I, s:s}, s:s, s:i}", "sku", sku,
                                    "product_id", id, "options", "size", sizes[v], "colour",
                                    colours[p % 5], "price", "amount", amount, "currency", "EUR",
                                    "barcode", barcode, "weight_g", 150 + v * 10);
            if (i % 2 == 0)
                json_object_set_new(variants[i], "compare_at",
                                    json_pack("{s:I, s:s}", "amount", amount + 1000, "currency", "EUR"));
            int on_hand = (i * 7) % 40, reserved = i % 3;
            stocks[i] = json_pack("{s:i, s:i, s:i}", "on_hand", on_hand, "reserved", reserved,
                                  "available", on_hand > reserved ? on_hand - reserved : 0);
        }
    }
}

/* SKUs per second mapping the whole catalog in batches of `batch`. */
static double run_to_channel(struct mapping *m, json_t **products, json_t **variants,
                             json_t **stocks, json_t *ctx, int batch)
{
    static struct map_item items[BATCH];
    uint64_t total_ns = 0;
    for (int start = 0; start < NSKU; start += batch) {
        int n = NSKU - start < batch ? NSKU - start : batch;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            items[k] = (struct map_item){products[i / VPP], variants[i], stocks[i], NULL, NULL};
        }
        uint64_t t0 = cpu_ns();
        int failed = mapping_to_channel(m, items, (size_t)n, ctx);
        total_ns += cpu_ns() - t0;
        if (failed != 0) die("to_channel failed", items[0].error ? items[0].error : "batch");
        for (int k = 0; k < n; k++) json_decref(items[k].result);
    }
    return (double)NSKU / ((double)total_ns / 1e9);
}

static double run_orders(struct mapping *m, json_t *order, json_t *ctx)
{
    enum { N = 5000 };
    uint64_t t0 = cpu_ns();
    for (int i = 0; i < N; i++) {
        char *err = NULL;
        json_t *ev = mapping_from_channel(m, "orders/create", order, ctx, &err);
        if (!ev) die("from_channel", err);
        json_decref(ev);
    }
    return N / ((double)(cpu_ns() - t0) / 1e9);
}

static double run_allocate(struct mapping *m, json_t **variants, json_t **stocks, json_t *ctx)
{
    static const char *skus[BATCH];
    static int64_t out[BATCH];
    uint64_t total = 0;
    for (int start = 0; start < NSKU; start += BATCH) {
        int n = NSKU - start < BATCH ? NSKU - start : BATCH;
        for (int k = 0; k < n; k++) skus[k] = json_string_value(json_object_get(variants[start + k], "sku"));
        uint64_t t0 = cpu_ns();
        int failed = mapping_allocate(m, skus, stocks + start, (size_t)n, "shopify", ctx, out, NULL);
        total += cpu_ns() - t0;
        if (failed) die("allocate failed", NULL);
    }
    return NSKU / ((double)total / 1e9);
}

int main(void)
{
    const char *r = getenv("BENCH_RUNS");
    if (r && atoi(r) > 0) runs = atoi(r);
    if (runs > 64) runs = 64;
    log_set_level(LOG_WARN);

    json_t **products = calloc(NPRODUCTS, sizeof *products);
    json_t **variants = calloc(NSKU, sizeof *variants);
    json_t **stocks = calloc(NSKU, sizeof *stocks);
    build_catalog(products, variants, stocks);
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:i}", "tenant", "bench", "channel", "shopify",
                            "currency", "EUR", "buffer", 1);

    /* BENCH_MAP_SCRIPT=<file in scripts/> measures another mapping (e.g. a tenant's) */
    const char *script = getenv("BENCH_MAP_SCRIPT");
    struct mapping *m = open_script(script && *script ? script : "shopify.lua");
    double b256[64], b1[64], orders[64], alloc[64];
    run_to_channel(m, products, variants, stocks, ctx, BATCH); /* warm-up */
    for (int i = 0; i < runs; i++) b256[i] = run_to_channel(m, products, variants, stocks, ctx, BATCH);
    for (int i = 0; i < runs; i++) b1[i] = run_to_channel(m, products, variants, stocks, ctx, 1);
    double mb256 = median(b256, runs), mb1 = median(b1, runs);
    emit("map_shopify_batch256", mb256, "SKU/s", 300000);
    emit("map_shopify_batch1", mb1, "SKU/s", 0);
    emit("map_batch_speedup", mb256 / mb1, "x", 0);

    if (!(script && *script)) {
        struct mapping *ex = open_script("example.lua");
        double e[64];
        for (int i = 0; i < runs; i++) e[i] = run_to_channel(ex, products, variants, stocks, ctx, BATCH);
        emit("map_example_batch256", median(e, runs), "SKU/s", 0);
        mapping_close(ex);
    }

    char path[1100];
    snprintf(path, sizeof path, "%s/tests/unit/lua_fixtures/payloads/shopify_orders_create.json",
             src_dir());
    json_error_t je;
    json_t *order = json_load_file(path, 0, &je);
    if (!order) die(path, je.text);
    for (int i = 0; i < runs; i++) orders[i] = run_orders(m, order, ctx);
    emit("map_shopify_orders_in", median(orders, runs), "orders/s", 0);
    json_decref(order);
    struct mapping_status st;
    mapping_status(m, &st);
    emit("map_lua_heap_after_mb", (double)st.memory_bytes / (1 << 20), "MiB", 0);
    mapping_close(m);

    m = open_script("allocate.lua");
    for (int i = 0; i < runs; i++) alloc[i] = run_allocate(m, variants, stocks, ctx);
    emit("map_allocate_batch256", median(alloc, runs), "SKU/s", 0);
    mapping_close(m);

    for (int i = 0; i < NPRODUCTS; i++) json_decref(products[i]);
    for (int i = 0; i < NSKU; i++) {
        json_decref(variants[i]);
        json_decref(stocks[i]);
    }
    free(products);
    free(variants);
    free(stocks);
    json_decref(ctx);
    return 0;
}
