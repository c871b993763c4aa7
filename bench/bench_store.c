/* bench_store.c - the LMDB store under load (durable: fsync on every commit).
 *
 *   store_adjust_group1000    ADJUST movements/s, 1000 per write txn (group commit)
 *   store_adjust_single       ADJUST movements/s, one per write txn
 *   store_group_commit_speedup  the ratio of the two
 *   store_1m_load             variants/s loading 1M variants + their stock
 *                             (variant JSON, totals, location level, ledger entry)
 *   store_1m_data_mb          size of data.mdb after that load
 *   store_1m_peak_rss_mb      peak RSS of the loading process (getrusage ru_maxrss:
 *                             includes the LMDB map pages it touched)
 *   store_1m_shuffled_*       the same load in a shuffled SKU order (touches more pages)
 *
 * Usage: bench_store [scratch-dir [adjust|load|shuffled]]
 *   scratch-dir: default a mkdtemp under /tmp, removed at the end; the optional
 *   second argument runs one part only.
 * BENCH_RUNS=n overrides the number of runs per measurement (default 5).
 * Output: metric<TAB>median<TAB>unit<TAB>aim<TAB>ratio, ratio >= 1 = aim met. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "store/store.h"
#include "bench_util.h"

#define NSKU_ADJ 1000

static int runs = 5;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}


/* aim_is_max: the aim is an upper bound (sizes, memory) */
static void report(const char *metric, double value, const char *unit, double aim, int aim_is_max)
{
    double ratio = aim_is_max ? (value > 0 ? aim / value : 0) : value / aim;
    printf("%s\t%.1f\t%s\t%.0f\t%.2f\n", metric, value, unit, aim, ratio);
    fflush(stdout);
}

static struct store *open_store(const char *dir, unsigned flags)
{
    struct store *s;
    char err[512];
    if (store_open(&s, dir, "bench", STORE_CREATE | flags, 0, err, sizeof err) != 0)
        die("open", err);
    return s;
}

static void sku_name(char *out, size_t n, uint64_t i) { snprintf(out, n, "SKU-%07" PRIu64, i); }

/* ------------------------------------------------------------ adjustments */
static void adj_setup(struct store *s)
{
    struct txn *t;
    if (txn_begin(s, 1, &t) != 0) die("txn_begin", NULL);
    for (int i = 0; i < NSKU_ADJ; i++) {
        char sku[32], json[128];
        sku_name(sku, sizeof sku, (uint64_t)i);
        snprintf(json, sizeof json, "{\"sku\":\"%s\",\"title\":\"bench\"}", sku);
        int changed;
        if (store_variant_put(t, sku, "P-bench", json, strlen(json), &changed) != 0)
            die("variant_put", txn_refusal(t));
        struct stock_change c = {.kind = LEDGER_RECEIVE, .sku = sku, .qty = 1000000000,
                                 .source = "bench"};
        if (store_stock_apply(t, &c, NULL) != 0) die("receive", txn_refusal(t));
    }
    if (txn_commit(t) != 0) die("commit", NULL);
}

/* n_txn transactions of per_txn ADJUST movements each; returns movements/s. */
static double adj_run(struct store *s, int n_txn, int per_txn, int nsku, uint64_t *rng)
{
    uint64_t t0 = mono_ns();
    for (int i = 0; i < n_txn; i++) {
        struct txn *t;
        if (txn_begin(s, 1, &t) != 0) die("txn_begin", NULL);
        for (int j = 0; j < per_txn; j++) {
            uint64_t r = rnd(rng);
            char sku[32];
            sku_name(sku, sizeof sku, r % (uint64_t)nsku);
            int64_t q = (int64_t)((r >> 20) % 11) - 5;
            if (q == 0) q = 1;
            struct stock_change c = {.kind = LEDGER_ADJUST, .sku = sku, .qty = q,
                                     .source = "bench", .reason = "cycle count"};
            if (store_stock_apply(t, &c, NULL) != 0) die("adjust", txn_refusal(t));
        }
        if (txn_commit(t) != 0) die("commit", NULL);
    }
    double secs = (double)(mono_ns() - t0) / 1e9;
    return (double)n_txn * per_txn / secs;
}

static void bench_adjust(const char *base)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/adjust", base);
    struct store *s = open_store(dir, 0);
    adj_setup(s);
    uint64_t rng = 0x1234567;
    double group[32], hot[32], big[32], single[32];
    adj_run(s, 5, 1000, NSKU_ADJ, &rng); /* warm up */
    for (int r = 0; r < runs; r++) {
        group[r] = adj_run(s, 50, 1000, NSKU_ADJ, &rng);
        hot[r] = adj_run(s, 50, 1000, 100, &rng);
        big[r] = adj_run(s, 5, 10000, NSKU_ADJ, &rng);
        single[r] = adj_run(s, 200, 1, NSKU_ADJ, &rng);
    }
    store_close(s);
    /* the CPU ceiling: the same without fsync (not durable) */
    snprintf(dir, sizeof dir, "%s/adjust-nosync", base);
    s = open_store(dir, STORE_NOSYNC);
    adj_setup(s);
    double nosync[32];
    adj_run(s, 5, 1000, NSKU_ADJ, &rng);
    for (int r = 0; r < runs; r++) nosync[r] = adj_run(s, 50, 1000, NSKU_ADJ, &rng);
    store_close(s);
    double g = median(group, runs), one = median(single, runs);
    report("store_adjust_group1000", g, "adj/s", 200000, 0);
    report("store_adjust_group1000_hot100", median(hot, runs), "adj/s", 200000, 0);
    report("store_adjust_group10000", median(big, runs), "adj/s", 200000, 0);
    report("store_adjust_group1000_nosync", median(nosync, runs), "adj/s", 200000, 0);
    report("store_adjust_single", one, "adj/s", 200, 0);
    report("store_group_commit_speedup", g / one, "x", 100, 0);
}

/* ------------------------------------------------------------ 1M variants */
#define LOAD_N 1000000
#define LOAD_BATCH 10000

struct load_result {
    double secs;
    double data_mb;
    double anon_mb; /* peak RssAnon sampled after each commit */
};

/* RssAnon of this process in MiB (0 if unknown). */
static double rss_anon_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb / 1024.0;
}

/* In a child process: load LOAD_N variants + stock into dir. */
static void load_child(const char *dir, int shuffled, int fd)
{
    struct store *s = open_store(dir, 0);
    uint64_t t0 = mono_ns();
    /* a full-period LCG over [0, 2^20) walks the indices in a scrambled order */
    uint64_t x = 12345;
    const uint64_t M = 1u << 20;
    uint64_t done = 0;
    double anon = 0;
    while (done < LOAD_N) {
        struct txn *t;
        if (txn_begin(s, 1, &t) != 0) die("txn_begin", NULL);
        for (int j = 0; j < LOAD_BATCH && done < LOAD_N;) {
            uint64_t i;
            if (shuffled) {
                x = (x * 1103515245u + 12345u) % M;
                if (x >= LOAD_N) continue;
                i = x;
            } else {
                i = done;
            }
            char sku[32], pid[32], json[256];
            sku_name(sku, sizeof sku, i);
            snprintf(pid, sizeof pid, "P-%06" PRIu64, i / 4);
            snprintf(json, sizeof json,
                     "{\"sku\":\"%s\",\"product_id\":\"%s\",\"title\":\"Tee %" PRIu64
                     " size %c\",\"price\":{\"amount\":%" PRIu64
                     ",\"currency\":\"EUR\"},\"barcode\":\"40%011" PRIu64 "\",\"weight_g\":180}",
                     sku, pid, i / 4, "SMLX"[i % 4], 999 + i % 5000, i);
            int changed;
            if (store_variant_put(t, sku, pid, json, strlen(json), &changed) != 0)
                die("variant_put", txn_refusal(t));
            struct stock_change c = {.kind = LEDGER_RECEIVE, .sku = sku,
                                     .qty = (int64_t)(i % 50) + 1, .source = "import"};
            if (store_stock_apply(t, &c, NULL) != 0) die("receive", txn_refusal(t));
            done++;
            j++;
        }
        if (txn_commit(t) != 0) die("commit", NULL);
        double a = rss_anon_mb();
        if (a > anon) anon = a;
    }
    struct load_result res = {.secs = (double)(mono_ns() - t0) / 1e9, .anon_mb = anon};
    store_close(s);
    char path[700];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat sb;
    if (stat(path, &sb) != 0) die("stat", strerror(errno));
    res.data_mb = (double)sb.st_size / (1024.0 * 1024.0);
    if (write(fd, &res, sizeof res) != (ssize_t)sizeof res) _exit(2);
    _exit(0);
}

static void bench_load(const char *base, int shuffled, int n_runs)
{
    double rate[32], size[32], rss[32], anon[32];
    for (int r = 0; r < n_runs; r++) {
        char dir[600], cmd[700];
        snprintf(dir, sizeof dir, "%s/load-%d-%d", base, shuffled, r);
        int p[2];
        if (pipe(p) != 0) die("pipe", strerror(errno));
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) die("fork", strerror(errno));
        if (pid == 0) {
            close(p[0]);
            load_child(dir, shuffled, p[1]);
        }
        close(p[1]);
        struct load_result res;
        ssize_t got = read(p[0], &res, sizeof res);
        close(p[0]);
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            got != (ssize_t)sizeof res)
            die("load child", "failed");
        rate[r] = LOAD_N / res.secs;
        size[r] = res.data_mb;
        rss[r] = (double)ru.ru_maxrss / 1024.0; /* KiB -> MiB */
        anon[r] = res.anon_mb;
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) die("rm", dir);
    }
    const char *pre = shuffled ? "store_1m_shuffled" : "store_1m";
    char m[64];
    snprintf(m, sizeof m, "%s_load", pre);
    report(m, median(rate, n_runs), "variants/s", 50000, 0);
    snprintf(m, sizeof m, "%s_data_mb", pre);
    report(m, median(size, n_runs), "MiB", 1024, 1);
    snprintf(m, sizeof m, "%s_peak_rss_mb", pre);
    report(m, median(rss, n_runs), "MiB", 100, 1);
    snprintf(m, sizeof m, "%s_peak_anon_mb", pre);
    report(m, median(anon, n_runs), "MiB", 100, 1);
}

int main(int argc, char **argv)
{
    const char *env = getenv("BENCH_RUNS");
    if (env && atoi(env) > 0) runs = atoi(env) > 31 ? 31 : atoi(env);
    char tmpl[] = "/tmp/hub-bench-store-XXXXXX";
    const char *base;
    int own = argc < 2;
    if (own) {
        base = mkdtemp(tmpl);
        if (!base) die("mkdtemp", strerror(errno));
    } else {
        base = argv[1];
        if (mkdir_p(base, 0700) != 0) die("mkdir", base);
    }
    const char *only = argc > 2 ? argv[2] : NULL;
    if (!only || strcmp(only, "adjust") == 0) bench_adjust(base);
    if (!only || strcmp(only, "load") == 0) bench_load(base, 0, runs);
    /* the shuffled load takes ~100 s a run: only on request */
    if (only && strcmp(only, "shuffled") == 0) bench_load(base, 1, runs);
    if (own) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
        if (system(cmd) != 0) die("rm", base);
    }
    return 0;
}
