/* test_store_open.c - opening a tenant's store: creation, persistence,
 * every refusal (missing, not a hub store, corrupt, other tenant, other
 * format), environment settings, read-only open beside a writer process. */
#include "test_store_helpers.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store_int.h"

static int open_err(const char *path, const char *tenant, unsigned flags, char *err, size_t len)
{
    struct store *s = NULL;
    int rc = store_open(&s, path, tenant, flags, 0, err, len);
    if (rc == 0) store_close(s);
    else assert_null(s);
    return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Write into a raw LMDB environment (as another program would). */
static void raw_put(const char *path, const char *db, const char *key, const char *val)
{
    MDB_env *env;
    MDB_txn *t;
    MDB_dbi dbi;
    mkdir(path, 0700);
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
    assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
    assert_int_equal(mdb_dbi_open(t, db, MDB_CREATE, &dbi), 0);
    MDB_val k = {strlen(key) + 1, (void *)key}, v = {strlen(val), (void *)val};
    assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(t), 0);
    mdb_env_close(env);
}

static void test_create_and_reopen(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/a/b/store", dir);
    struct store *s;
    assert_int_equal(store_open(&s, path, "acme", STORE_CREATE, 0, err, sizeof err), 0);
    assert_string_equal(store_tenant(s), "acme");
    assert_string_equal(store_path(s), path);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "SKU-1");
    assert_int_equal(store_next_seq(t, "ledger"), 1);
    assert_int_equal(store_next_seq(t, "ledger"), 2);
    assert_int_equal(store_next_seq(t, "outbox"), 1);
    ts_commit(t);
    store_close(s);

    /* reopen without create: data and counters persisted */
    assert_int_equal(store_open(&s, path, "acme", 0, 0, err, sizeof err), 0);
    t = ts_begin(s, 1);
    char *json;
    size_t len;
    assert_int_equal(store_variant_get(t, "SKU-1", &json, &len), 0);
    assert_non_null(strstr(json, "SKU-1"));
    free(json);
    assert_int_equal(store_next_seq(t, "ledger"), 3);
    txn_abort(t);
    /* an aborted txn does not advance counters */
    t = ts_begin(s, 1);
    assert_int_equal(store_next_seq(t, "ledger"), 3);
    txn_abort(t);
    store_close(s);

    /* CREATE on an existing store of the same tenant just opens it */
    assert_int_equal(store_open(&s, path, "acme", STORE_CREATE, 0, err, sizeof err), 0);
    store_close(s);
    ts_rmdir(dir);
}

static void test_env_settings(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    MDB_envinfo info;
    assert_int_equal(mdb_env_info(s->env, &info), 0);
    assert_int_equal(info.me_mapsize, (size_t)4 << 30); /* 0 -> 4 GiB */
    assert_true(info.me_maxreaders >= 256);
    unsigned flags;
    assert_int_equal(mdb_env_get_flags(s->env, &flags), 0);
    assert_true(flags & MDB_NOTLS);
    /* every declared database is open and empty; unknown names are refused */
    struct txn *t = ts_begin(s, 0);
    for (int i = 0; i < DB__COUNT; i++) {
        if (i == DB_META) continue;
        assert_int_equal(store_count(t, store_dbs[i].name), 0);
    }
    assert_true(store_count(t, "meta") >= 3);
    assert_int_equal(store_count(t, "nope"), -1);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_refuse_missing_dir(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/nothing-here", dir);
    assert_int_equal(open_err(path, "acme", 0, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "no such store");
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0); /* nothing created */

    /* an existing empty directory is not a store either */
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(open_err(path, "acme", 0, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "not a hub store");
    char file[600];
    snprintf(file, sizeof file, "%s/data.mdb", path);
    assert_int_not_equal(stat(file, &sb), 0);

    /* read-only + create makes no sense */
    assert_int_equal(open_err(path, "acme", STORE_RDONLY | STORE_CREATE, err, sizeof err), -1);
    /* bad tenant names */
    assert_int_equal(open_err(path, "Bad Name", STORE_CREATE, err, sizeof err), -1);
    assert_contains(err, "invalid tenant");
    ts_rmdir(dir);
}

static void test_refuse_garbage(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], file[600], err[512];
    snprintf(path, sizeof path, "%s/store", dir);
    snprintf(file, sizeof file, "%s/data.mdb", path);
    assert_int_equal(mkdir(path, 0700), 0);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    char junk[16384];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)("garbage!"[i % 8] ^ (i & 0x5a));
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    for (int create = 0; create <= 1; create++) {
        assert_int_equal(open_err(path, "acme", create ? STORE_CREATE : 0, err, sizeof err), -1);
        assert_contains(err, path);
        assert_contains(err, "not an LMDB file or is corrupt");
    }
    assert_int_equal(open_err(path, "acme", STORE_RDONLY, err, sizeof err), -1);
    assert_contains(err, "corrupt");
    /* the garbage is untouched */
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_size, (off_t)sizeof junk);
    ts_rmdir(dir);
}

static void test_refuse_other_tenant(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    struct store *s = ts_open(dir, 0);
    snprintf(path, sizeof path, "%s", store_path(s));
    store_close(s);
    for (int flags = 0; flags < 3; flags++) {
        unsigned f = flags == 0 ? 0u : flags == 1 ? (unsigned)STORE_CREATE : (unsigned)STORE_RDONLY;
        assert_int_equal(open_err(path, "globex", f, err, sizeof err), -1);
        assert_contains(err, path);
        assert_contains(err, "belongs to tenant \"acme\", not \"globex\"");
    }
    assert_int_equal(open_err(path, "acme", 0, err, sizeof err), 0);
    ts_rmdir(dir);
}

static void test_refuse_other_format(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    struct store *s = ts_open(dir, 0);
    snprintf(path, sizeof path, "%s", store_path(s));
    store_close(s);
    raw_put(path, "meta", "format", "99");
    assert_int_equal(open_err(path, "acme", 0, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "format version \"99\"");
    assert_int_equal(open_err(path, "acme", STORE_CREATE, err, sizeof err), -1);
    assert_contains(err, "format version");
    raw_put(path, "meta", "format", "1");
    assert_int_equal(open_err(path, "acme", 0, err, sizeof err), 0);
    ts_rmdir(dir);
}

static void test_refuse_foreign_lmdb(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    /* an LMDB environment of some other program */
    snprintf(path, sizeof path, "%s/other", dir);
    raw_put(path, "cache", "k", "v");
    for (int create = 0; create <= 1; create++) {
        assert_int_equal(open_err(path, "acme", create ? STORE_CREATE : 0, err, sizeof err), -1);
        assert_contains(err, path);
        assert_contains(err, "not a hub store");
    }
    /* a meta database without a format stamp */
    snprintf(path, sizeof path, "%s/nometa", dir);
    raw_put(path, "meta", "something", "else");
    assert_int_equal(open_err(path, "acme", STORE_CREATE, err, sizeof err), -1);
    assert_contains(err, "no \"format\" stamp");
    ts_rmdir(dir);
}

/* A writer in another process holds the environment (and an open write
 * txn); a read-only open here sees what it committed. */
static void test_rdonly_beside_writer(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/store", dir);
    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        struct store *s;
        struct txn *t;
        int ok = store_open(&s, path, "acme", STORE_CREATE, 0, err, sizeof err) == 0;
        ok = ok && txn_begin(s, 1, &t) == 0;
        if (ok) {
            ts_variant(t, "W-1");
            ok = txn_commit(t) == 0 && txn_begin(s, 1, &t) == 0; /* hold the write lock */
        }
        if (ok) ts_variant(t, "W-2");
        c = ok ? 'r' : 'x';
        if (write(to_parent[1], &c, 1) != 1) _exit(3);
        if (read(to_child[0], &c, 1) != 1) _exit(4);
        ok = ok && txn_commit(t) == 0;
        c = ok ? 'c' : 'x';
        if (write(to_parent[1], &c, 1) != 1) _exit(5);
        if (read(to_child[0], &c, 1) != 1) _exit(6);
        store_close(s);
        _exit(ok ? 0 : 2);
    }
    char c;
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    assert_int_equal(c, 'r');
    struct store *r;
    if (store_open(&r, path, "acme", STORE_RDONLY, 0, err, sizeof err) != 0) fail_msg("%s", err);
    struct txn *t = ts_begin(r, 0);
    char *json;
    size_t len;
    assert_int_equal(store_variant_get(t, "W-1", &json, &len), 0);
    free(json);
    assert_int_equal(store_variant_get(t, "W-2", &json, &len), STORE_ENOTFOUND);
    txn_abort(t);
    /* no write transactions on a read-only store */
    struct txn *w = NULL;
    assert_int_equal(txn_begin(r, 1, &w), -1);
    assert_null(w);
    assert_int_equal(write(to_child[1], "go", 1), 1);
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    assert_int_equal(c, 'c');
    t = ts_begin(r, 0);
    assert_int_equal(store_variant_get(t, "W-2", &json, &len), 0);
    free(json);
    assert_int_equal(store_count(t, "variants"), 2);
    txn_abort(t);
    assert_int_equal(write(to_child[1], "go", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    store_close(r);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    ts_rmdir(dir);
}

/* A reader whose map is smaller than what a writer process has grown the
 * file to adopts the new size at its next txn_begin. */
static void test_reader_adopts_grown_map(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/store", dir);
    struct store *w;
    assert_int_equal(store_open(&w, path, "acme", STORE_CREATE | STORE_NOSYNC, 1 << 20, err,
                                sizeof err), 0);
    store_close(w);
    struct store *r;
    if (store_open(&r, path, "acme", STORE_RDONLY, 1 << 20, err, sizeof err) != 0)
        fail_msg("%s", err);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct txn *t;
        int ok = store_open(&w, path, "acme", STORE_NOSYNC, 64 << 20, err, sizeof err) == 0 &&
                 txn_begin(w, 1, &t) == 0;
        char doc[4096];
        memset(doc, ' ', sizeof doc);
        doc[0] = '{';
        doc[sizeof doc - 1] = '}';
        for (int i = 0; ok && i < 1000; i++) { /* ~4 MiB: past the reader's 1 MiB map */
            char id[32];
            int changed;
            snprintf(id, sizeof id, "P-%04d", i);
            ok = store_product_put(t, id, doc, sizeof doc, &changed) == 0;
        }
        ok = ok && txn_commit(t) == 0;
        if (ok) store_close(w);
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct txn *t = ts_begin(r, 0);
    assert_int_equal(store_count(t, "products"), 1000);
    char *json;
    size_t len;
    assert_int_equal(store_product_get(t, "P-0999", &json, &len), 0);
    assert_int_equal(len, 4096);
    free(json);
    txn_abort(t);
    store_close(r);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reopen),  cmocka_unit_test(test_env_settings),
        cmocka_unit_test(test_refuse_missing_dir), cmocka_unit_test(test_refuse_garbage),
        cmocka_unit_test(test_refuse_other_tenant), cmocka_unit_test(test_refuse_other_format),
        cmocka_unit_test(test_refuse_foreign_lmdb), cmocka_unit_test(test_rdonly_beside_writer),
        cmocka_unit_test(test_reader_adopts_grown_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
