/* hubctl import - load a catalog file (JSON Lines or CSV) into a tenant.
 *
 * Each product becomes one catalog.upsert event; events go to engine_submit()
 * in chunks (one group commit each).  Bad products are reported as
 * file:line: reason and skipped; good ones are imported.  Stock in the file is
 * a count (absolute), so importing the same file twice changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "hubctl/hubctl.h"
#include "import/import.h"

#define IMPORT_CHUNK 500        /* events per group commit */
#define IMPORT_JSON_ERRORS 1000 /* error entries kept for --json */

struct run {
    struct hubctl *ctl;
    struct tenant *t;
    const char *tenant, *path;
    int dry_run;
    size_t chunk;
    /* the pending chunk */
    struct engine_event *batch;
    unsigned long *lines;
    size_t n;
    /* totals */
    size_t products, variants, stock, unchanged, errors, outbox_ops;
    json_t *error_list;
    int fatal;
};

static void report_error(struct run *r, unsigned long line, const char *pid, const char *reason)
{
    r->errors++;
    if (r->ctl->json) {
        if (json_array_size(r->error_list) < IMPORT_JSON_ERRORS)
            json_array_append_new(r->error_list,
                                  json_pack("{s:s, s:I, s:s, s:s}", "file", r->path, "line",
                                            (json_int_t)line, "product_id", pid ? pid : "",
                                            "reason", reason));
        return;
    }
    if (!r->ctl->quiet && isatty(STDERR_FILENO)) fputs("\r\033[K", stderr); /* clear the bar */
    fprintf(stderr, "%s:%lu: %s\n", r->path, line, reason);
}

/* ------------------------------------------------------------ unchanged? */

static int add_level(void *arg, const char *location, int64_t on_hand)
{
    json_object_set_new(arg, location, json_integer(on_hand));
    return 0;
}

static int same_doc(struct txn *txn, int product, const char *key, json_t *doc)
{
    char *have = NULL, *want = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    size_t len = 0;
    int rc = product ? store_product_get(txn, key, &have, &len) : store_variant_get(txn, key, &have, &len);
    int same = rc == 0 && want && strlen(want) == len && memcmp(have, want, len) == 0;
    free(have);
    free(want);
    return same;
}

/* 1 when the store already holds exactly what the event says (product,
 * variants and stock levels), so applying it changes nothing. */
static int already_there(struct txn *txn, json_t *ev)
{
    json_t *p = json_object_get(ev, "product");
    if (!same_doc(txn, 1, json_string_value(json_object_get(p, "id")), p)) return 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ev, "variants"), i, v)
        if (!same_doc(txn, 0, json_string_value(json_object_get(v, "sku")), v)) return 0;
    const char *sku = NULL;
    json_t *levels = NULL;
    int same = 1;
    json_array_foreach(json_object_get(ev, "stock"), i, v) {
        const char *s = json_string_value(json_object_get(v, "sku"));
        if (!sku || strcmp(sku, s) != 0) {
            json_decref(levels);
            levels = json_object();
            store_stock_locations(txn, s, add_level, levels);
            sku = s;
        }
        json_t *have = json_object_get(levels, json_string_value(json_object_get(v, "location")));
        json_int_t want = json_integer_value(json_object_get(v, "on_hand"));
        if ((have ? json_integer_value(have) : 0) != want) {
            same = 0;
            break;
        }
    }
    json_decref(levels);
    return same;
}

/* ------------------------------------------------------------ submit */

static void flush(struct run *r)
{
    if (r->n == 0 || r->fatal) return;
    if (!r->dry_run) {
        struct txn *txn = NULL;
        int *same = xcalloc(r->n, sizeof *same);
        if (txn_begin(r->t->store, 0, &txn) == 0) {
            for (size_t i = 0; i < r->n; i++) same[i] = already_there(txn, r->batch[i].event);
            txn_abort(txn);
        }
        struct engine_report rep;
        char err[1024];
        if (engine_submit(r->t, r->batch, r->n, "import", &rep, err, sizeof err) != 0) {
            hubctl_progress_end(r->ctl);
            hubctl_fail(r->ctl, "%s: nothing of lines %lu-%lu was imported: %s", r->path,
                        r->lines[0], r->lines[r->n - 1], err);
            r->fatal = 1;
        } else {
            r->outbox_ops += rep.outbox_ops;
        }
        for (size_t i = 0; i < r->n && !r->fatal; i++) {
            struct engine_event *e = &r->batch[i];
            json_t *p = json_object_get(e->event, "product");
            const char *pid = json_string_value(json_object_get(p, "id"));
            if (e->status > 0) {
                char reason[600];
                snprintf(reason, sizeof reason, "refused by the engine: %s",
                         e->message ? e->message : "(no reason given)");
                report_error(r, r->lines[i], pid, reason);
                continue;
            }
            r->products++;
            r->variants += json_array_size(json_object_get(e->event, "variants"));
            r->stock += json_array_size(json_object_get(e->event, "stock"));
            if (same[i]) r->unchanged++;
        }
        free(same);
    } else {
        for (size_t i = 0; i < r->n; i++) {
            r->products++;
            r->variants += json_array_size(json_object_get(r->batch[i].event, "variants"));
            r->stock += json_array_size(json_object_get(r->batch[i].event, "stock"));
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        free(r->batch[i].message);
        json_decref(r->batch[i].event);
        memset(&r->batch[i], 0, sizeof r->batch[i]);
    }
    r->n = 0;
}

/* ------------------------------------------------------------ output */

static void summary(struct run *r, enum import_format fmt, unsigned long lines, uint64_t elapsed)
{
    if (r->ctl->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                              "tenant", r->tenant, "file", r->path, "format",
                              import_format_name(fmt), "dry_run", r->dry_run, "lines",
                              (json_int_t)lines, "products", (json_int_t)r->products, "variants",
                              (json_int_t)r->variants, "stock_levels", (json_int_t)r->stock,
                              "unchanged", (json_int_t)r->unchanged, "error_count",
                              (json_int_t)r->errors, "outbox_ops", (json_int_t)r->outbox_ops,
                              "elapsed_ms", (json_int_t)elapsed, "errors", r->error_list);
        r->error_list = NULL;
        if (r->errors > json_array_size(json_object_get(o, "errors")))
            json_object_set_new(o, "errors_truncated", json_true());
        hubctl_print_json(o);
        return;
    }
    FILE *f = stdout;
    fprintf(f, "%s %s %s tenant '%s' (%s, %lu.%02lu s)\n", r->dry_run ? "checked" : "imported",
            r->path, r->dry_run ? "for" : "into", r->tenant, import_format_name(fmt), (unsigned long)(elapsed / 1000),
            (unsigned long)(elapsed % 1000) / 10);
    fprintf(f, "  lines read        %lu\n", lines);
    if (r->dry_run) {
        fprintf(f, "  products valid    %zu (%zu variants, %zu stock levels); nothing written\n",
                r->products, r->variants, r->stock);
    } else {
        fprintf(f, "  products          %zu (%zu variants, %zu stock levels)\n", r->products,
                r->variants, r->stock);
        fprintf(f, "  unchanged         %zu of them were already exactly so\n", r->unchanged);
    }
    fprintf(f, "  errors            %zu%s\n", r->errors,
            r->errors ? " (listed above; those products were not imported)" : "");
    if (!r->dry_run) fprintf(f, "  outbox operations %zu queued for the channels\n", r->outbox_ops);
}

/* ------------------------------------------------------------ command */

static int run(struct hubctl *ctl, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *fmt_name = NULL;
    int npos = 0, dry_run = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) dry_run = 1;
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) fmt_name = argv[++i];
        else if (strncmp(argv[i], "--format=", 9) == 0) fmt_name = argv[i] + 9;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hubctl import: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (npos < 2) pos[npos++] = argv[i];
        else {
            fprintf(stderr, "hubctl import: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "hubctl import: needs a tenant and a file\n");
        return 2;
    }
    int fmt = IMPORT_AUTO;
    if (fmt_name && (fmt = import_format_parse(fmt_name)) < 0) {
        fprintf(stderr, "hubctl import: unknown format '%s' (jsonl or csv)\n", fmt_name);
        return 2;
    }
    if (fmt == IMPORT_AUTO && strcmp(pos[1], "-") == 0) fmt = IMPORT_JSONL;
    if (fmt == IMPORT_AUTO && import_format_guess(pos[1]) == IMPORT_AUTO) {
        fprintf(stderr,
                "hubctl import: cannot tell the format of '%s' from its name (.jsonl, .ndjson, "
                ".csv): give --format jsonl or --format csv\n",
                pos[1]);
        return 2;
    }
    struct run r = {.ctl = ctl, .tenant = pos[0], .path = pos[1], .dry_run = dry_run};
    uint64_t t0 = mono_ms();

    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    const struct tenant_config *tc = config_tenant(cfg, r.tenant);
    if (!tc) return hubctl_fail(ctl, "no tenant '%s' in %s", r.tenant, ctl->config_dir);
    char err[1024];
    struct import_reader *rd = NULL;
    if (import_open(&rd, r.path, (enum import_format)fmt, tc->currency, err, sizeof err) != 0)
        return hubctl_fail(ctl, "%s", err);
    if (!dry_run && !(r.t = hubctl_tenant(ctl, r.tenant, 1))) {
        import_close(rd);
        return 1;
    }
    r.chunk = IMPORT_CHUNK;
    if (cfg->group_commit_max > 0 && (size_t)cfg->group_commit_max < r.chunk)
        r.chunk = (size_t)cfg->group_commit_max;
    r.batch = xcalloc(r.chunk, sizeof *r.batch);
    r.lines = xcalloc(r.chunk, sizeof *r.lines);
    r.error_list = json_array();

    struct import_record rec = IMPORT_RECORD_INIT;
    int rc;
    while (!r.fatal && (rc = import_next(rd, &rec)) == 1) {
        if (rec.error) {
            report_error(&r, rec.line, rec.product_id, rec.reason);
        } else {
            r.lines[r.n] = rec.line;
            r.batch[r.n++].event = rec.event;
            rec.event = NULL;
            if (r.n == r.chunk) flush(&r);
        }
        uint64_t done, total;
        import_progress(rd, &done, &total);
        hubctl_progress(ctl, dry_run ? "checking" : "importing", (size_t)done,
                        (size_t)(total ? total : done));
    }
    if (!r.fatal && rc < 0) {
        flush(&r); /* what was read before the failure is valid */
        hubctl_progress_end(ctl);
        hubctl_fail(ctl, "%s: %s (stopped at line %lu)", r.path, rec.reason, import_lines(rd));
        r.fatal = 1;
    }
    flush(&r);
    hubctl_progress_end(ctl);
    unsigned long lines = import_lines(rd);
    enum import_format used = import_reader_format(rd);
    import_record_clear(&rec);
    import_close(rd);
    for (size_t i = 0; i < r.n; i++) json_decref(r.batch[i].event); /* after a fatal error */
    free(r.batch);
    free(r.lines);

    if (!r.fatal) summary(&r, used, lines, mono_ms() - t0);
    json_decref(r.error_list);
    if (r.t) {
        if (r.products > r.unchanged || r.outbox_ops) hubctl_kick(ctl, r.tenant);
        tenant_close(r.t);
    }
    return r.fatal || r.errors ? 1 : 0;
}

const struct hubctl_cmd cmd_import = {
    .name = "import",
    .usage = "import <tenant> <file|-> [--format jsonl|csv] [--dry-run]",
    .summary = "import a catalog (JSON Lines or CSV): products, variants, prices, stock counts",
    .help =
        "Reads the file one product at a time (docs/import.md gives the formats and the\n"
        "rules) and submits the products in group commits of 500.  A product with an error\n"
        "is reported as file:line: reason on stderr and skipped whole; the others are\n"
        "imported.  Stock in the file is a count per location (absolute), and a product\n"
        "identical to what the tenant already has changes nothing: importing the same\n"
        "file twice queues no channel update.  The format comes from the extension\n"
        "(.jsonl, .ndjson, .csv) unless --format is given; '-' reads JSON Lines from stdin.\n"
        "\n"
        "  --format jsonl|csv  the input format\n"
        "  --dry-run           parse and validate only; nothing is written\n"
        "\n"
        "Exit status: 0 all lines imported, 1 some lines failed (the good ones are\n"
        "imported) or the import stopped, 2 usage.  --json prints the summary with an\n"
        "\"errors\" list of {file, line, product_id, reason} (first 1000).\n",
    .run = run,
};
