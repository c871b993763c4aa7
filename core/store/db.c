/* db.c - the named databases of a tenant's store (ONE table) and opening the
 * environment: refusals of anything that is not this tenant's hub store of
 * this format version.  Layouts: docs/store.md. */
#include "store/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

const struct store_db_def store_dbs[DB__COUNT] = {
    [DB_META] = {"meta", 0, "format stamp, tenant, counters, inbox_applied"},
    [DB_PRODUCTS] = {"products", 0, "product_id -> canonical product JSON (exact bytes)"},
    [DB_VARIANTS] = {"variants", 0, "sku -> product_id + canonical variant JSON (exact bytes)"},
    [DB_VARIANTS_BY_PRODUCT] = {"variants_by_product", 0, "product_id, sku -> empty (index)"},
    [DB_STOCK] = {"stock", 0, "sku -> SKU totals; sku, location -> on_hand at the location"},
    [DB_LEDGER] = {"ledger", 0, "sku, seq -> one stock movement with before/after totals"},
    [DB_HOLDS] = {"holds", 0, "hold_id -> reservation (sku, qty, created, expires, source)"},
    [DB_HOLD_EXPIRY] = {"hold_expiry", 0, "expires_ms, hold_id -> empty (expiry index)"},
    [DB_LISTINGS] = {"listings", 0, "channel, sku -> shadow: last acknowledged listing"},
    [DB_OUTBOX] = {"outbox", 0, "channel, priority, id -> pending push operation"},
    [DB_OUTBOX_KEYS] = {"outbox_keys", 0, "channel, kind, sku -> outbox key (coalescing)"},
    [DB_INBOX] = {"inbox", 0, "seq -> canonical event JSON, in arrival order"},
    [DB_IDEMPOTENCY] = {"idempotency", 0, "idempotency key -> inbox seq + first-seen time"},
    [DB_STATE] = {"state", 0, "channel, name -> value (cursors, tokens)"},
    [DB_DEAD_LETTERS] = {"dead_letters", 0, "id -> outbox op the channel rejected + its error"},
    [DB_ORDERS] = {"orders", 0, "channel, order_id -> order JSON"},
    [DB_EXCEPTIONS] = {"exceptions", 0, "id -> something that needs a human"},
};

int store_db_lookup(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < DB__COUNT; i++)
        if (strcmp(store_dbs[i].name, name) == 0) return i;
    return -1;
}

const char *store_tenant(const struct store *s) { return s->tenant; }
const char *store_path(const struct store *s) { return s->dir; }

static int meta_text(MDB_txn *mt, MDB_dbi meta, const char *name, char *out, size_t out_len,
                     int *found)
{
    MDB_val k = {strlen(name) + 1, (void *)name}, v;
    int rc = mdb_get(mt, meta, &k, &v);
    *found = 0;
    if (rc == MDB_NOTFOUND) return 0;
    if (rc != 0) return rc;
    *found = 1;
    size_t n = v.mv_size < out_len - 1 ? v.mv_size : out_len - 1;
    memcpy(out, v.mv_data, n);
    out[n] = '\0';
    return 0;
}

static int meta_put_text(MDB_txn *mt, MDB_dbi meta, const char *name, const char *value)
{
    MDB_val k = {strlen(name) + 1, (void *)name}, v = {strlen(value), (void *)value};
    return mdb_put(mt, meta, &k, &v, 0);
}

/* Format checks on an open txn.  0 ok; -1 with err. */
static int check_stamp(struct store *s, MDB_txn *mt, int may_stamp, char *err, size_t err_len)
{
    const char *dir = s->dir;
    MDB_dbi meta;
    int rc = mdb_dbi_open(mt, "meta", 0, &meta);
    if (rc == MDB_NOTFOUND) {
        /* A fresh environment (nothing in it yet) may be stamped with STORE_CREATE. */
        MDB_stat st;
        MDB_dbi main_dbi;
        int fresh = mdb_dbi_open(mt, NULL, 0, &main_dbi) == 0 &&
                    mdb_stat(mt, main_dbi, &st) == 0 && st.ms_entries == 0;
        if (fresh && may_stamp) {
            rc = mdb_dbi_open(mt, "meta", MDB_CREATE, &meta);
            char num[32];
            snprintf(num, sizeof num, "%d", STORE_FORMAT_VERSION);
            if (rc == 0) rc = meta_put_text(mt, meta, "format", num);
            if (rc == 0) rc = meta_put_text(mt, meta, "tenant", s->tenant);
            if (rc == 0) rc = meta_put_text(mt, meta, "lmdb_version", mdb_version(NULL, NULL, NULL));
            snprintf(num, sizeof num, "%llu", (unsigned long long)now_ms());
            if (rc == 0) rc = meta_put_text(mt, meta, "created_ms", num);
            if (rc != 0) {
                snprintf(err, err_len, "store %s: cannot stamp a new store: %s", dir,
                         mdb_strerror(rc));
                return -1;
            }
            return 0;
        }
        snprintf(err, err_len,
                 "store %s: not a hub store (the LMDB environment has no \"meta\" database%s)",
                 dir, fresh ? "; open with create to make one" : "");
        return -1;
    }
    if (rc != 0) {
        snprintf(err, err_len, "store %s: cannot read meta: %s", dir, mdb_strerror(rc));
        return -1;
    }
    char fmt[32], tenant[256];
    int found;
    rc = meta_text(mt, meta, "format", fmt, sizeof fmt, &found);
    if (rc == 0 && !found) {
        snprintf(err, err_len, "store %s: not a hub store (meta has no \"format\" stamp)", dir);
        return -1;
    }
    if (rc != 0) {
        snprintf(err, err_len, "store %s: cannot read meta: %s", dir, mdb_strerror(rc));
        return -1;
    }
    int64_t version;
    if (parse_i64(fmt, &version) != 0 || version != STORE_FORMAT_VERSION) {
        snprintf(err, err_len,
                 "store %s: format version \"%s\", but this hub reads format %d only "
                 "(migrate or use the matching hub release)",
                 dir, fmt, STORE_FORMAT_VERSION);
        return -1;
    }
    rc = meta_text(mt, meta, "tenant", tenant, sizeof tenant, &found);
    if (rc != 0 || !found) {
        snprintf(err, err_len, "store %s: not a hub store (meta has no \"tenant\" stamp)", dir);
        return -1;
    }
    if (strcmp(tenant, s->tenant) != 0) {
        snprintf(err, err_len, "store %s belongs to tenant \"%s\", not \"%s\"", dir, tenant,
                 s->tenant);
        return -1;
    }
    return 0;
}

static int open_dbs(struct store *s, MDB_txn *mt, int writable, char *err, size_t err_len)
{
    for (int i = 0; i < DB__COUNT; i++) {
        unsigned f = store_dbs[i].flags | (writable ? MDB_CREATE : 0);
        int rc = mdb_dbi_open(mt, store_dbs[i].name, f, &s->dbi[i]);
        if (rc != 0) {
            snprintf(err, err_len, "store %s: cannot open database \"%s\": %s", s->dir,
                     store_dbs[i].name, mdb_strerror(rc));
            return -1;
        }
    }
    return 0;
}

static const char *env_open_hint(int rc)
{
    switch (rc) {
    case MDB_INVALID: return "data.mdb is not an LMDB file or is corrupt";
    case MDB_VERSION_MISMATCH: return "data.mdb was written by an incompatible LMDB version";
    case MDB_CORRUPTED: return "data.mdb is corrupt";
    case EACCES: return "permission denied";
    case EAGAIN: return "the environment is locked by another process";
    default: return "cannot open the LMDB environment";
    }
}

int store_open(struct store **out, const char *dir, const char *tenant, unsigned flags,
               size_t map_size, char *err, size_t err_len)
{
    *out = NULL;
    if (err_len) err[0] = '\0';
    if (!dir || !*dir) {
        snprintf(err, err_len, "store: no directory given");
        return -1;
    }
    if (!tenant || !valid_name(tenant)) {
        snprintf(err, err_len, "store %s: invalid tenant name \"%s\"", dir, tenant ? tenant : "");
        return -1;
    }
    if ((flags & STORE_RDONLY) && (flags & STORE_CREATE)) {
        snprintf(err, err_len, "store %s: cannot create a store read-only", dir);
        return -1;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT || !(flags & STORE_CREATE)) {
            snprintf(err, err_len, "store %s: %s%s", dir, strerror(errno),
                     errno == ENOENT ? " (no such store; create it first)" : "");
            return -1;
        }
        if (mkdir_p(dir, 0700) != 0) {
            snprintf(err, err_len, "store %s: cannot create directory: %s", dir, strerror(errno));
            return -1;
        }
    } else if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, err_len, "store %s: not a directory", dir);
        return -1;
    }
    char *data_path = xasprintf("%s/data.mdb", dir);
    int have_data = access(data_path, F_OK) == 0;
    free(data_path);
    if (!have_data && !(flags & STORE_CREATE)) {
        snprintf(err, err_len, "store %s: not a hub store (no data.mdb; create it first)", dir);
        return -1;
    }

    struct store *s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(dir);
    s->tenant = xstrdup(tenant);
    s->flags = flags;
    int rc = mdb_env_create(&s->env);
    if (rc == 0) rc = mdb_env_set_maxdbs(s->env, DB__COUNT + 1);
    if (rc == 0) rc = mdb_env_set_maxreaders(s->env, STORE_MAX_READERS);
    if (rc == 0) rc = mdb_env_set_mapsize(s->env, map_size ? map_size : STORE_DEFAULT_MAP_SIZE);
    if (rc != 0) {
        snprintf(err, err_len, "store %s: %s", dir, mdb_strerror(rc));
        store_close(s);
        return -1;
    }
    if (mdb_env_get_maxkeysize(s->env) < STORE_KEY_MAX) {
        snprintf(err, err_len, "store %s: LMDB max key size %d < %d", dir,
                 mdb_env_get_maxkeysize(s->env), STORE_KEY_MAX);
        store_close(s);
        return -1;
    }
    unsigned ef = MDB_NOTLS;
    if (flags & STORE_RDONLY) ef |= MDB_RDONLY;
    if (flags & STORE_NOSYNC) ef |= MDB_NOSYNC;
    rc = mdb_env_open(s->env, dir, ef, 0600);
    if (rc != 0) {
        snprintf(err, err_len, "store %s: %s (%s)", dir, env_open_hint(rc), mdb_strerror(rc));
        store_close(s);
        return -1;
    }

    int writable = !(flags & STORE_RDONLY);
    MDB_txn *mt;
    rc = mdb_txn_begin(s->env, NULL, writable ? 0 : MDB_RDONLY, &mt);
    if (rc != 0) {
        snprintf(err, err_len, "store %s: %s (%s)", dir, env_open_hint(rc), mdb_strerror(rc));
        store_close(s);
        return -1;
    }
    if (check_stamp(s, mt, writable && (flags & STORE_CREATE), err, err_len) != 0 ||
        open_dbs(s, mt, writable, err, err_len) != 0) {
        mdb_txn_abort(mt);
        store_close(s);
        return -1;
    }
    rc = mdb_txn_commit(mt);
    if (rc != 0) {
        snprintf(err, err_len, "store %s: cannot commit open: %s", dir, mdb_strerror(rc));
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s) return;
    if (s->env) mdb_env_close(s->env);
    free(s->dir);
    free(s->tenant);
    free(s);
}
