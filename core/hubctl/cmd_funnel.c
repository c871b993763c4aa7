/* hubctl funnel - the ChatGPT channel's shopping funnel per day, with conversion ratios.
 *
 * The chatgpt plugin keeps one durable record per UTC day in its channel state
 * (plugins/chatgpt/funnel.h): name "funnel:<yyyy-mm-dd>", value
 *   {"date":..,"tool_calls":{"<tool>":n,..},"carts_created":n,"checkout_started":n,
 *    "handoff_issued":n,"handoff_redeemed":n,"orders_placed":n}
 * This command reads those records from the tenant's store (read-only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

static const char *const STAGES[] = {"carts_created", "checkout_started", "handoff_issued",
                                     "handoff_redeemed", "orders_placed"};
#define N_STAGES (sizeof STAGES / sizeof *STAGES)

struct totals {
    int64_t tool_calls;
    int64_t stage[N_STAGES];
};

static int64_t int_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

/* A day's record, normalised: every stage present, tool calls summed.  Unknown
 * or damaged values count as 0 (the record is written by the plugin only). */
static json_t *day_record(const char *date, const char *text, struct totals *sum, json_t *tools_sum)
{
    json_t *raw = text ? json_loads(text, 0, NULL) : NULL;
    json_t *day = json_pack("{s:s}", "date", date);
    json_t *tools = json_object();
    int64_t calls = 0;
    json_t *rt = json_object_get(raw, "tool_calls");
    const char *name;
    json_t *v;
    json_object_foreach(rt, name, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) continue;
        json_int_t n = json_integer_value(v);
        json_object_set_new(tools, name, json_integer(n));
        json_int_t before = json_integer_value(json_object_get(tools_sum, name));
        json_object_set_new(tools_sum, name, json_integer(before + n));
        calls += n;
    }
    json_object_set_new(day, "tool_calls", tools);
    json_object_set_new(day, "tool_calls_total", json_integer(calls));
    sum->tool_calls += calls;
    for (size_t i = 0; i < N_STAGES; i++) {
        int64_t n = int_of(raw, STAGES[i]);
        json_object_set_new(day, STAGES[i], json_integer(n));
        sum->stage[i] += n;
    }
    json_decref(raw);
    return day;
}

/* num/den, or JSON null when there is nothing to divide by. */
static json_t *ratio(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static void pct(char *out, size_t n, int64_t num, int64_t den)
{
    if (den > 0) snprintf(out, n, "%.1f%%", 100.0 * (double)num / (double)den);
    else snprintf(out, n, "-");
}

static const struct channel_config *chatgpt_channel(const struct tenant_config *tc, const char *name)
{
    if (name) return config_channel(tc, name);
    for (size_t i = 0; i < tc->n_channels; i++)
        if (strcmp(tc->channels[i].plugin ? tc->channels[i].plugin : tc->channels[i].name, "chatgpt") == 0)
            return &tc->channels[i];
    return NULL;
}

static void print_table(const char *tenant, const char *channel, json_t *days, const struct totals *sum,
                        json_t *tools_sum)
{
    printf("funnel of %s/%s (UTC days)\n\n", tenant, channel);
    printf("%-10s %10s %6s %9s %8s %8s %6s %14s %15s\n", "date", "tool_calls", "carts", "checkouts",
           "handoffs", "redeemed", "orders", "cart>checkout", "checkout>order");
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d) {
        char a[16], b[16];
        int64_t carts = int_of(d, "carts_created"), co = int_of(d, "checkout_started"),
                orders = int_of(d, "orders_placed");
        pct(a, sizeof a, co, carts);
        pct(b, sizeof b, orders, co);
        printf("%-10s %10lld %6lld %9lld %8lld %8lld %6lld %14s %15s\n",
               json_string_value(json_object_get(d, "date")), (long long)int_of(d, "tool_calls_total"),
               (long long)carts, (long long)co, (long long)int_of(d, "handoff_issued"),
               (long long)int_of(d, "handoff_redeemed"), (long long)orders, a, b);
    }
    char a[16], b[16], c[16], e[16];
    pct(a, sizeof a, sum->stage[1], sum->stage[0]);
    pct(b, sizeof b, sum->stage[4], sum->stage[1]);
    printf("%-10s %10lld %6lld %9lld %8lld %8lld %6lld %14s %15s\n", "total", (long long)sum->tool_calls,
           (long long)sum->stage[0], (long long)sum->stage[1], (long long)sum->stage[2],
           (long long)sum->stage[3], (long long)sum->stage[4], a, b);
    pct(c, sizeof c, sum->stage[3], sum->stage[2]);
    pct(e, sizeof e, sum->stage[4], sum->stage[0]);
    printf("\nhandoff redeemed/issued: %s   cart>order: %s\n", c, e);
    if (json_object_size(tools_sum) > 0) {
        printf("\ntool calls:\n");
        const char *name;
        json_t *v;
        json_object_foreach(tools_sum, name, v) printf("  %-24s %lld\n", name, (long long)json_integer_value(v));
    }
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc < 2) return 2;
    int64_t ndays = 7;
    const char *channel_name = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
            if (parse_i64(argv[i + 1], &ndays) != 0 || ndays < 1 || ndays > 366)
                return hubctl_fail(ctl, "--days wants a whole number from 1 to 366, not '%s'", argv[i + 1]);
            i++;
        } else if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc) channel_name = argv[++i];
        else return 2;
    }
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    const struct tenant_config *tc = config_tenant(cfg, argv[1]);
    if (!tc) return hubctl_fail(ctl, "no tenant '%s'", argv[1]);
    const struct channel_config *ch = chatgpt_channel(tc, channel_name);
    if (!ch)
        return channel_name ? hubctl_fail(ctl, "tenant '%s' has no channel '%s'", argv[1], channel_name)
                            : hubctl_fail(ctl, "tenant '%s' has no chatgpt channel (use --channel NAME)", argv[1]);
    struct tenant *t = hubctl_tenant(ctl, argv[1], 0);
    if (!t) return 1;
    struct txn *txn = NULL;
    if (txn_begin(t->store, 0, &txn) != 0) {
        tenant_close(t);
        return hubctl_fail(ctl, "cannot read the store of tenant '%s'", argv[1]);
    }
    json_t *days = json_array(), *tools_sum = json_object();
    struct totals sum = {0};
    time_t now = time(NULL);
    for (int64_t back = ndays - 1; back >= 0; back--) {
        time_t when = now - (time_t)(back * 86400);
        struct tm tm;
        gmtime_r(&when, &tm);
        char date[16], name[32];
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        snprintf(name, sizeof name, "funnel:%s", date);
        char *text = NULL;
        if (store_state_get(txn, ch->name, name, &text) != 0) text = NULL;
        json_array_append_new(days, day_record(date, text, &sum, tools_sum));
        free(text);
    }
    txn_abort(txn);
    tenant_close(t);

    if (ctl->json) {
        json_t *total = json_pack("{s:I}", "tool_calls_total", (json_int_t)sum.tool_calls);
        for (size_t i = 0; i < N_STAGES; i++) json_object_set_new(total, STAGES[i], json_integer(sum.stage[i]));
        json_object_set_new(total, "tool_calls", tools_sum);
        json_t *conv = json_pack("{s:o, s:o, s:o, s:o}", "cart_to_checkout", ratio(sum.stage[1], sum.stage[0]),
                                 "checkout_to_order", ratio(sum.stage[4], sum.stage[1]),
                                 "handoff_redeemed_per_issued", ratio(sum.stage[3], sum.stage[2]),
                                 "cart_to_order", ratio(sum.stage[4], sum.stage[0]));
        hubctl_print_json(json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "tenant", argv[1], "channel", ch->name,
                                    "days", (json_int_t)ndays, "per_day", days, "total", total,
                                    "conversion", conv));
    } else {
        print_table(argv[1], ch->name, days, &sum, tools_sum);
        json_decref(days);
        json_decref(tools_sum);
    }
    return 0;
}

const struct hubctl_cmd cmd_funnel = {
    .name = "funnel",
    .usage = "funnel <tenant> [--days N] [--channel NAME]",
    .summary = "the ChatGPT shopping funnel per day: tool calls, carts, checkouts, handoffs, orders",
    .help = "Reads the per-day counters the chatgpt plugin records (UTC days, the last N, default 7)\n"
            "and prints them with conversion ratios: cart>checkout = checkouts started per cart\n"
            "created, checkout>order = orders placed per checkout started, handoff redeemed/issued,\n"
            "cart>order.  A ratio without a denominator prints '-' (null in --json).  The channel\n"
            "is the tenant's chatgpt channel unless --channel names another section.\n",
    .run = run,
};
