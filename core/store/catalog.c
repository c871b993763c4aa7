/* catalog.c - products and variants: canonical JSON stored byte for byte;
 * a put of identical bytes writes nothing (imports are idempotent). */
#include "store/store_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Canonical documents are JSON objects. */
static int check_json_object(struct txn *t, const char *what, const char *id, const char *json,
                             size_t len)
{
    if (!json || len == 0) return store_txn_refuse(t, STORE_EINVALID, "%s %s: empty JSON", what, id);
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return store_txn_refuse(t, STORE_EINVALID, "%s %s: bad JSON at line %d: %s", what, id,
                                jerr.line, jerr.text);
    int is_obj = json_is_object(doc);
    json_decref(doc);
    if (!is_obj) return store_txn_refuse(t, STORE_EINVALID, "%s %s: JSON is not an object", what, id);
    return 0;
}

static char *copy_out(const void *p, size_t n, size_t *len)
{
    char *d = xmalloc(n + 1);
    memcpy(d, p, n);
    d[n] = '\0';
    if (len) *len = n;
    return d;
}

int store_product_put(struct txn *t, const char *product_id, const char *json, size_t len,
                      int *changed)
{
    if (changed) *changed = 0;
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "product id", product_id, 0)) != 0) return rc;
    if ((rc = key_product(t, &k, product_id)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_PRODUCTS, k.b, k.len, &v);
    if (rc < 0) return -1;
    if (rc == 0 && json && v.mv_size == len && memcmp(v.mv_data, json, len) == 0) return 0;
    if ((rc = check_json_object(t, "product", product_id, json, len)) != 0) return rc;
    if (store_db_put(t, DB_PRODUCTS, k.b, k.len, json, len) != 0) return -1;
    if (changed) *changed = 1;
    return 0;
}

int store_product_get(struct txn *t, const char *product_id, char **json, size_t *len)
{
    *json = NULL;
    if (len) *len = 0;
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "product id", product_id, 0)) != 0) return rc;
    if ((rc = key_product(t, &k, product_id)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_PRODUCTS, k.b, k.len, &v);
    if (rc != 0) return rc;
    *json = copy_out(v.mv_data, v.mv_size, len);
    return 0;
}

static int variant_read(struct txn *t, const struct skey *k, const char **pid, const char **json,
                        size_t *len)
{
    MDB_val v;
    int rc = store_db_get(t, DB_VARIANTS, k->b, k->len, &v);
    if (rc != 0) return rc;
    if (rec_variant_decode(&v, pid, json, len) != 0)
        return txn_fail(t, "variants: corrupt record (%zu bytes)", v.mv_size);
    return 0;
}

int store_variant_put(struct txn *t, const char *sku, const char *product_id, const char *json,
                      size_t len, int *changed)
{
    if (changed) *changed = 0;
    if (t->failed) return -1;
    int rc;
    struct skey k, ik;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "product id", product_id, 0)) != 0) return rc;
    if ((rc = key_variant(t, &k, sku)) != 0) return rc;
    if ((rc = key_variant_by_product(t, &ik, product_id, sku)) != 0) return rc;
    const char *old_pid = NULL, *old_json;
    size_t old_len;
    rc = variant_read(t, &k, &old_pid, &old_json, &old_len);
    if (rc < 0) return -1;
    int existed = rc == 0;
    if (existed && json && strcmp(old_pid, product_id) == 0 && old_len == len &&
        memcmp(old_json, json, len) == 0)
        return 0;
    if ((rc = check_json_object(t, "variant", sku, json, len)) != 0) return rc;
    if (existed && strcmp(old_pid, product_id) != 0) {
        struct skey ok;
        /* old_pid points into the map: build its key before any write */
        if (key_variant_by_product(t, &ok, old_pid, sku) != 0) return -1;
        if (store_db_del(t, DB_VARIANTS_BY_PRODUCT, ok.b, ok.len) < 0) return -1;
        existed = 0; /* the index entry must be written */
    }
    struct buf b = BUF_INIT;
    if (rec_variant_encode(&b, product_id, json, len) != 0) {
        buf_free(&b);
        return txn_fail(t, "variants: out of memory");
    }
    rc = store_db_put(t, DB_VARIANTS, k.b, k.len, b.data, b.len);
    buf_free(&b);
    if (rc != 0) return -1;
    if (!existed && store_db_put(t, DB_VARIANTS_BY_PRODUCT, ik.b, ik.len, "", 0) != 0) return -1;
    if (changed) *changed = 1;
    return 0;
}

int store_variant_get(struct txn *t, const char *sku, char **json, size_t *len)
{
    *json = NULL;
    if (len) *len = 0;
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = key_variant(t, &k, sku)) != 0) return rc;
    const char *pid, *doc;
    size_t n;
    rc = variant_read(t, &k, &pid, &doc, &n);
    if (rc != 0) return rc;
    *json = copy_out(doc, n, len);
    return 0;
}

/* Addition: the product a variant belongs to (malloc'd). */
int store_variant_product(struct txn *t, const char *sku, char **product_id)
{
    *product_id = NULL;
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = key_variant(t, &k, sku)) != 0) return rc;
    const char *pid, *doc;
    size_t n;
    rc = variant_read(t, &k, &pid, &doc, &n);
    if (rc != 0) return rc;
    *product_id = xstrdup(pid);
    return 0;
}

int store_variant_each(struct txn *t, const char *after_sku, store_variant_cb cb, void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if (!after_sku) after_sku = "";
    if ((rc = store_check_str(t, "after sku", after_sku, 1)) != 0) return rc;
    if ((rc = key_variant(t, &k, after_sku)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_VARIANTS, &c) != 0) return -1;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, *after_sku ? MDB_SET_RANGE : MDB_FIRST);
    /* skip after_sku itself */
    if (mrc == 0 && *after_sku && key.mv_size == k.len && memcmp(key.mv_data, k.b, k.len) == 0)
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    int ret = 0;
    while (mrc == 0) {
        const char *pid, *doc;
        size_t n;
        struct kread kr;
        kread_init(&kr, &key);
        const char *sku = kread_str(&kr);
        if (!sku || rec_variant_decode(&v, &pid, &doc, &n) != 0) {
            ret = txn_fail(t, "variants: corrupt record");
            break;
        }
        int r = cb(arg, sku, doc, n);
        if (r < 0) {
            ret = -1;
            break;
        }
        if (r > 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "variants");
    mdb_cursor_close(c);
    return ret;
}

int store_variants_of_product(struct txn *t, const char *product_id, store_sku_cb cb, void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "product id", product_id, 0)) != 0) return rc;
    if ((rc = key_variant_by_product(t, &k, product_id, NULL)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_VARIANTS_BY_PRODUCT, &c) != 0) return -1;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    int ret = 0;
    while (mrc == 0 && key_has_prefix(&key, k.b, k.len)) {
        struct kread kr;
        kread_init(&kr, &key);
        kread_str(&kr);
        const char *sku = kread_str(&kr);
        if (!sku) {
            ret = txn_fail(t, "variants_by_product: corrupt key");
            break;
        }
        int r = cb(arg, sku);
        if (r < 0) {
            ret = -1;
            break;
        }
        if (r > 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "variants_by_product");
    mdb_cursor_close(c);
    return ret;
}
