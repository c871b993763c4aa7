/* test_store_stock.c - stock movements and the ledger: the rules of each
 * kind, refusals that write nothing, and a seeded property test: thousands
 * of random movements and holds (refused ones included) over a few SKUs and
 * locations, checked against an independent model, with the per-SKU totals
 * always equal to the sum of the locations and to the replay of the ledger. */
#include "test_store_helpers.h"

#include <inttypes.h>

static void test_kind_names(void **state)
{
    for (int k = LEDGER_RECEIVE; k <= LEDGER_RESTOCK; k++)
        assert_int_equal(ledger_kind_parse(ledger_kind_name((enum ledger_kind)k)), k);
    assert_string_equal(ledger_kind_name(LEDGER_COMMIT), "commit");
    assert_int_equal(ledger_kind_parse("sell"), -1);
    assert_int_equal(ledger_kind_parse(NULL), -1);
}

struct entries {
    struct ledger_entry e[16];
    char loc[16][32], reason[16][64], ref[16][64];
    int n;
};

static int collect_entry(void *arg, const struct ledger_entry *e)
{
    struct entries *c = arg;
    assert_true(c->n < 16);
    c->e[c->n] = *e;
    snprintf(c->loc[c->n], 32, "%s", e->location);
    snprintf(c->reason[c->n], 64, "%s", e->reason);
    snprintf(c->ref[c->n], 64, "%s", e->ref);
    c->n++;
    return 0;
}

static void test_rules(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    struct stock_totals st;
    ts_variant(t, "TSH-001-M");
    /* a catalog SKU without movements has zero stock; an unknown one is not found */
    assert_int_equal(store_stock_get(t, "TSH-001-M", &st), 0);
    assert_int_equal(st.on_hand, 0);
    assert_int_equal(store_stock_get(t, "NOPE", &st), STORE_ENOTFOUND);

    struct stock_change c = {.kind = LEDGER_RECEIVE, .sku = "TSH-001-M", .qty = 10,
                             .source = "import", .ref = "po-7", .ts_ms = 1234};
    assert_int_equal(store_stock_apply(t, &c, &st), 0);
    assert_int_equal(st.on_hand, 10);
    assert_int_equal(st.ledger_seq, 1);
    assert_int_equal(st.updated_ms, 1234);

    /* shape refusals */
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "TSH-001-M", NULL, 0, NULL, 0), STORE_EINVALID);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "TSH-001-M", NULL, -3, NULL, 0), STORE_EINVALID);
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "TSH-001-M", NULL, -3, NULL, 0), STORE_EINVALID);
    assert_non_null(strstr(txn_refusal(t), "reason"));
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "TSH-001-M", NULL, -3, "", 0), STORE_EINVALID);
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "TSH-001-M", NULL, 0, "x", 0), STORE_EINVALID);
    assert_int_equal(ts_move(t, LEDGER_COUNT, "TSH-001-M", NULL, -1, NULL, 0), STORE_EINVALID);
    assert_int_equal(ts_move(t, (enum ledger_kind)99, "TSH-001-M", NULL, 1, NULL, 0), STORE_EINVALID);
    c.source = NULL;
    assert_int_equal(store_stock_apply(t, &c, NULL), STORE_EINVALID);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "NOPE", NULL, 1, NULL, 0), STORE_EUNKNOWN_SKU);
    assert_string_equal(txn_refusal(t), "SKU NOPE is not in the catalog");

    /* a location may not go below zero without ALLOW_NEGATIVE */
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "TSH-001-M", "east", -1, "damaged", 0),
                     STORE_EINSUFFICIENT);
    assert_int_equal(ts_move(t, LEDGER_COMMIT, "TSH-001-M", NULL, 11, NULL, 0), STORE_EINSUFFICIENT);
    assert_int_equal(store_count(t, "ledger"), 1);
    assert_int_equal(ts_move(t, LEDGER_COMMIT, "TSH-001-M", "east", 2, NULL, STOCK_ALLOW_NEGATIVE), 0);
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "TSH-001-M", NULL, -4, "damaged", 0), 0);
    /* COUNT equal to the level writes nothing; a different one sets it */
    int64_t n = store_count(t, "ledger");
    assert_int_equal(ts_move(t, LEDGER_COUNT, "TSH-001-M", NULL, 6, NULL, 0), 0);
    assert_int_equal(store_count(t, "ledger"), n);
    assert_int_equal(ts_move(t, LEDGER_COUNT, "TSH-001-M", "east", 5, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_RESERVE, "TSH-001-M", NULL, 9, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_RESERVE, "TSH-001-M", NULL, 3, NULL, 0), STORE_EINSUFFICIENT);
    assert_string_equal(txn_refusal(t), "SKU TSH-001-M: cannot reserve 3, 2 available");
    assert_int_equal(ts_move(t, LEDGER_RELEASE, "TSH-001-M", NULL, 10, NULL, 0), STORE_EINSUFFICIENT);
    assert_int_equal(ts_move(t, LEDGER_RELEASE, "TSH-001-M", NULL, 4, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_SHIP, "TSH-001-M", NULL, 1, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_RESTOCK, "TSH-001-M", "east", 1, NULL, 0), 0);
    assert_int_equal(store_stock_get(t, "TSH-001-M", &st), 0);
    assert_int_equal(st.on_hand, 12); /* default 6 + east 6 */
    assert_int_equal(st.reserved, 5);
    ts_commit(t);

    t = ts_begin(s, 0);
    struct entries e = {0};
    assert_int_equal(store_ledger_each(t, "TSH-001-M", 0, collect_entry, &e), 0);
    assert_int_equal(e.n, 8);
    assert_int_equal(e.e[0].kind, LEDGER_RECEIVE);
    assert_int_equal(e.e[0].ts_ms, 1234);
    assert_string_equal(e.loc[0], "default");
    assert_string_equal(e.ref[0], "po-7");
    assert_string_equal(e.e[0].source, "import");
    assert_int_equal(e.e[1].kind, LEDGER_COMMIT);
    assert_int_equal(e.e[1].on_hand_after, 8);
    assert_int_equal(e.e[2].d_on_hand, -4);
    assert_string_equal(e.reason[2], "damaged");
    assert_int_equal(e.e[3].kind, LEDGER_COUNT);
    assert_int_equal(e.e[3].qty, 5);
    assert_int_equal(e.e[3].d_on_hand, 7); /* east: -2 -> 5 */
    assert_int_equal(e.e[4].d_reserved, 9);
    assert_int_equal(e.e[6].kind, LEDGER_SHIP);
    assert_int_equal(e.e[6].d_on_hand, 0);
    for (int i = 1; i < e.n; i++) assert_true(e.e[i].seq > e.e[i - 1].seq);
    /* resume after a seq */
    uint64_t mid = e.e[4].seq;
    memset(&e, 0, sizeof e);
    assert_int_equal(store_ledger_each(t, "TSH-001-M", mid, collect_entry, &e), 0);
    assert_int_equal(e.n, 3);
    assert_int_equal(e.e[0].kind, LEDGER_RELEASE);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

/* ------------------------------------------------------------ property test */
#define NSKU 3
#define NLOC 3
static const char *const skus[NSKU] = {"S0", "S1", "S1-X"}; /* S1 is a prefix of S1-X */
/* key order: aisle < default < west; hold commits draw default first */
static const char *const locs[NLOC] = {"aisle", "default", "west"};
enum { DEF = 1 };
static const int draw_order[NLOC] = {1, 0, 2};

struct mhold {
    char id[16];
    int sku;
    int64_t qty;
    int live;
};

struct model {
    int64_t level[NSKU][NLOC];
    int64_t reserved[NSKU];
    struct mhold holds[1024];
    int nholds;
    int64_t entries; /* ledger entries written */
};

static int64_t on_hand(const struct model *m, int s)
{
    int64_t sum = 0;
    for (int l = 0; l < NLOC; l++) sum += m->level[s][l];
    return sum;
}

/* The model's verdict for one movement (and its effect on m when applied). */
static int model_move(struct model *m, enum ledger_kind k, int s, int l, int64_t q, int has_reason,
                      unsigned flags)
{
    int neg = (flags & STOCK_ALLOW_NEGATIVE) != 0;
    if (k == LEDGER_ADJUST ? (q == 0 || !has_reason) : k == LEDGER_COUNT ? q < 0 : q <= 0)
        return STORE_EINVALID;
    if (s < 0) return STORE_EUNKNOWN_SKU;
    int64_t *lv = &m->level[s][l];
    switch (k) {
    case LEDGER_RECEIVE:
    case LEDGER_RESTOCK: *lv += q; break;
    case LEDGER_ADJUST:
        if (*lv + q < 0 && !neg) return STORE_EINSUFFICIENT;
        *lv += q;
        break;
    case LEDGER_COUNT:
        if (*lv == q) return 0; /* nothing written */
        *lv = q;
        break;
    case LEDGER_RESERVE:
        if (on_hand(m, s) - m->reserved[s] < q) return STORE_EINSUFFICIENT;
        m->reserved[s] += q;
        break;
    case LEDGER_RELEASE:
        if (m->reserved[s] < q) return STORE_EINSUFFICIENT;
        m->reserved[s] -= q;
        break;
    case LEDGER_COMMIT:
        if (*lv - q < 0 && !neg) return STORE_EINSUFFICIENT;
        *lv -= q;
        break;
    case LEDGER_SHIP:
    case LEDGER_DRIFT: break;
    }
    m->entries++;
    return 0;
}

static int model_hold_commit(struct model *m, struct mhold *h)
{
    int s = h->sku;
    if (m->reserved[s] < h->qty) return STORE_EINSUFFICIENT;
    int64_t avail = 0;
    for (int l = 0; l < NLOC; l++) avail += m->level[s][l] > 0 ? m->level[s][l] : 0;
    if (avail < h->qty) return STORE_EINSUFFICIENT;
    int64_t need = h->qty;
    for (int i = 0; i < NLOC && need > 0; i++) {
        int64_t *lv = &m->level[s][draw_order[i]];
        if (*lv <= 0) continue;
        int64_t part = *lv < need ? *lv : need;
        *lv -= part;
        need -= part;
        m->entries++;
    }
    m->reserved[s] -= h->qty;
    h->live = 0;
    return 0;
}

struct replay {
    int64_t on_hand, reserved;
    int64_t level[NLOC];
    uint64_t last_seq;
    int64_t n;
};

static int replay_entry(void *arg, const struct ledger_entry *e)
{
    struct replay *r = arg;
    int l = -1;
    for (int i = 0; i < NLOC; i++)
        if (strcmp(e->location, locs[i]) == 0) l = i;
    assert_true(l >= 0);
    assert_true(e->seq > r->last_seq);
    r->last_seq = e->seq;
    int64_t before = r->level[l];
    r->level[l] += e->d_on_hand;
    r->on_hand += e->d_on_hand;
    r->reserved += e->d_reserved;
    assert_int_equal(e->on_hand_after, r->on_hand);
    assert_int_equal(e->reserved_after, r->reserved);
    switch (e->kind) {
    case LEDGER_RECEIVE:
    case LEDGER_RESTOCK:
    case LEDGER_ADJUST: assert_int_equal(e->d_on_hand, e->qty); assert_int_equal(e->d_reserved, 0); break;
    case LEDGER_COUNT: assert_int_equal(r->level[l], e->qty); assert_true(before != e->qty); break;
    case LEDGER_RESERVE: assert_int_equal(e->d_reserved, e->qty); assert_int_equal(e->d_on_hand, 0); break;
    case LEDGER_RELEASE: assert_int_equal(e->d_reserved, -e->qty); assert_int_equal(e->d_on_hand, 0); break;
    case LEDGER_COMMIT:
        assert_int_equal(e->d_on_hand, -e->qty);
        assert_true(e->d_reserved == 0 || e->d_reserved == -e->qty);
        break;
    case LEDGER_SHIP: assert_int_equal(e->d_on_hand, 0); assert_int_equal(e->d_reserved, 0); break;
    default: fail_msg("bad kind %d", (int)e->kind);
    }
    r->n++;
    return 0;
}

static int sum_location(void *arg, const char *location, int64_t level)
{
    int64_t *sum = arg;
    sum[0] += level;
    for (int i = 0; i < NLOC; i++)
        if (strcmp(location, locs[i]) == 0) sum[1 + i] = level;
    return 0;
}

static void check_against(struct txn *t, const struct model *m)
{
    int64_t entries = 0;
    for (int s = 0; s < NSKU; s++) {
        struct stock_totals st;
        assert_int_equal(store_stock_get(t, skus[s], &st), 0);
        assert_int_equal(st.on_hand, on_hand(m, s));
        assert_int_equal(st.reserved, m->reserved[s]);
        int64_t sum[1 + NLOC] = {0};
        assert_int_equal(store_stock_locations(t, skus[s], sum_location, sum), 0);
        assert_int_equal(sum[0], st.on_hand);
        for (int l = 0; l < NLOC; l++) assert_int_equal(sum[1 + l], m->level[s][l]);
        struct replay r = {0};
        assert_int_equal(store_ledger_each(t, skus[s], 0, replay_entry, &r), 0);
        assert_int_equal(r.on_hand, st.on_hand);
        assert_int_equal(r.reserved, st.reserved);
        for (int l = 0; l < NLOC; l++) assert_int_equal(r.level[l], m->level[s][l]);
        assert_int_equal(r.last_seq, st.ledger_seq);
        entries += r.n;
    }
    assert_int_equal(entries, m->entries);
    assert_int_equal(store_count(t, "ledger"), m->entries);
    int live = 0;
    for (int i = 0; i < m->nholds; i++) live += m->holds[i].live;
    assert_int_equal(store_count(t, "holds"), live);
    assert_int_equal(store_count(t, "hold_expiry"), live);
}

static void run_property(uint64_t seed, int ops)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    for (int i = 0; i < NSKU; i++) ts_variant(t, skus[i]);
    ts_commit(t);

    struct model m = {0}, saved;
    uint64_t rng = seed;
    int applied = 0, refused = 0, hold_seq = 0;
    t = ts_begin(s, 1);
    saved = m;
    for (int op = 0; op < ops; op++) {
        uint64_t r = ts_rand(&rng);
        int sk = (int)(r % NSKU);
        r /= NSKU;
        if (r % 40 == 0) sk = -1; /* unknown SKU now and then */
        r /= 40;
        int l = (int)(r % NLOC);
        r /= NLOC;
        int what = (int)(r % 12);
        r /= 12;
        int64_t q = (int64_t)(r % 25) - 4; /* -4..20: some invalid */
        r /= 25;
        unsigned flags = r % 10 == 0 ? STOCK_ALLOW_NEGATIVE : 0;
        r /= 10;
        int has_reason = r % 8 != 0;
        const char *sku = sk < 0 ? "NOPE" : skus[sk];
        int expect, got;
        if (what < 8) {
            enum ledger_kind k = (enum ledger_kind)(what + 1);
            if (k == LEDGER_ADJUST) q -= 8; /* -12..12 */
            expect = model_move(&m, k, sk, l, q, has_reason, flags);
            struct stock_change c = {.kind = k, .sku = sku, .location = locs[l], .qty = q,
                                     .source = "prop", .reason = has_reason ? "why" : NULL,
                                     .flags = flags};
            got = store_stock_apply(t, &c, NULL);
        } else if (what < 10 || m.nholds == 0) { /* create a hold */
            if (m.nholds == 1024) continue;
            struct mhold *h = &m.holds[m.nholds];
            snprintf(h->id, sizeof h->id, "h%d", hold_seq++);
            h->sku = sk < 0 ? 0 : sk;
            h->qty = q;
            if (sk < 0) expect = q <= 0 ? STORE_EINVALID : STORE_EUNKNOWN_SKU;
            else expect = model_move(&m, LEDGER_RESERVE, sk, DEF, q, 1, 0);
            got = store_hold_create(t, h->id, sku, q, (uint64_t)op * 10, "prop");
            if (expect == 0) {
                h->live = 1;
                m.nholds++;
            }
        } else { /* release or commit a hold (maybe one already gone) */
            struct mhold *h = &m.holds[r % (uint64_t)m.nholds];
            if (!h->live) {
                expect = STORE_ENOTFOUND;
            } else if (what == 10) {
                expect = model_move(&m, LEDGER_RELEASE, h->sku, DEF, h->qty, 1, 0);
                if (expect == 0) h->live = 0;
            } else {
                expect = model_hold_commit(&m, h);
            }
            got = what == 10 ? store_hold_release(t, h->id, "cart") : store_hold_commit(t, h->id, NULL);
        }
        if (got != expect)
            fail_msg("seed %" PRIu64 " op %d (what %d sku %s loc %s q %" PRId64 "): got %d want %d (%s)",
                     seed, op, what, sku, locs[l], q, got, expect, txn_refusal(t));
        assert_false(txn_failed(t));
        if (got == 0) applied++;
        else refused++;
        if (op % 37 == 36) {
            if (ts_rand(&rng) % 5 == 0) { /* abort: the model goes back too */
                txn_abort(t);
                m = saved;
            } else {
                check_against(t, &m);
                ts_commit(t);
                saved = m;
            }
            t = ts_begin(s, 1);
        }
    }
    check_against(t, &m);
    ts_commit(t);
    /* and after reopening */
    store_close(s);
    s = ts_open(dir, 0);
    t = ts_begin(s, 0);
    check_against(t, &m);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
    /* the mix really exercised both outcomes */
    assert_true(applied > ops / 4);
    assert_true(refused > ops / 10);
}

static void test_property_seed1(void **state) { run_property(0x9e3779b97f4a7c15ULL, 3000); }
static void test_property_seed2(void **state) { run_property(42, 3000); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_property_seed1),
        cmocka_unit_test(test_property_seed2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
