#include "net/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/crypto.h"
#include "common/util.h"

static const char *const known_scopes[] = {"read", "stock:write", "catalog:write", "admin"};

char *tokens_path(const char *data_dir)
{
    return xasprintf("%s/admin-tokens.json", data_dir);
}

json_t *tokens_load(const char *path, char *err, size_t err_len)
{
    size_t len = 0;
    char *txt = read_file(path, &len);
    if (!txt) return json_array(); /* no file: no tokens */
    json_error_t jerr;
    json_t *v = json_loadb(txt, len, 0, &jerr);
    free(txt);
    json_t *list = v ? json_object_get(v, "tokens") : NULL;
    if (!json_is_array(list)) {
        snprintf(err, err_len, "%s: not a token file (%s)", path, v ? "no \"tokens\" array" : jerr.text);
        json_decref(v);
        return NULL;
    }
    json_incref(list);
    json_decref(v);
    return list;
}

int tokens_save(const char *path, json_t *list, char *err, size_t err_len)
{
    json_t *doc = json_pack("{s:O}", "tokens", list);
    char *txt = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    int rc = write_file_atomic(path, txt, strlen(txt));
    free(txt);
    if (rc != 0) snprintf(err, err_len, "%s: cannot write", path);
    return rc;
}

static int scope_known(const char *s, size_t n)
{
    for (size_t i = 0; i < ARRAY_LEN(known_scopes); i++)
        if (strlen(known_scopes[i]) == n && strncmp(known_scopes[i], s, n) == 0) return 1;
    return 0;
}

int tokens_scopes_valid(const char *csv)
{
    if (!csv || !*csv) return 0;
    for (const char *p = csv; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!scope_known(p, n)) return 0;
        p += n + (e ? 1 : 0);
    }
    return 1;
}

static json_t *split(const char *csv)
{
    json_t *a = json_array();
    if (!csv) return a;
    char *copy = xstrdup(csv);
    for (char *s = strtok(copy, ","); s; s = strtok(NULL, ",")) json_array_append_new(a, json_string(s));
    free(copy);
    return a;
}

static void sha_hex(const char *s, char out[65])
{
    unsigned char d[32];
    hub_sha256(s, strlen(s), d);
    hub_hex_encode(d, 32, out);
}

char *tokens_create(json_t *list, const char *name, const char *scopes_csv, const char *tenants_csv)
{
    unsigned char raw[32], idb[4];
    if (hub_random_bytes(raw, sizeof raw) != 0 || hub_random_bytes(idb, sizeof idb) != 0) return NULL;
    char hex[65], id[9], sha[65];
    hub_hex_encode(raw, sizeof raw, hex);
    hub_hex_encode(idb, sizeof idb, id);
    char *token = xasprintf("hub_%s", hex);
    sha_hex(token, sha);
    hub_wipe(raw, sizeof raw);
    hub_wipe(hex, sizeof hex);
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "id", id, "name", name, "sha256", sha,
                                          "scopes", split(scopes_csv), "tenants",
                                          tenants_csv ? split(tenants_csv) : json_pack("[s]", "*"),
                                          "created_ms", (json_int_t)now_ms()));
    return token;
}

static int has(json_t *arr, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (strcmp(json_string_value(x), v) == 0 || strcmp(json_string_value(x), "*") == 0) return 1;
    return 0;
}

enum token_check tokens_check(json_t *list, const char *auth, const char *scope, const char *tenant,
                              const char **who)
{
    if (who) *who = NULL;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) return TOKEN_MISSING;
    const char *tok = auth + 7;
    while (*tok == ' ') tok++;
    char sha[65];
    sha_hex(tok, sha);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        const char *h = json_string_value(json_object_get(t, "sha256"));
        if (!h || !hub_secure_equal(h, strlen(h), sha, 64)) continue;
        if (who) *who = json_string_value(json_object_get(t, "name"));
        json_t *scopes = json_object_get(t, "scopes");
        int scope_ok = has(scopes, "admin") || has(scopes, scope) ||
                       (strcmp(scope, "read") == 0 && json_array_size(scopes) > 0);
        int tenant_ok = !tenant || has(json_object_get(t, "tenants"), tenant);
        return scope_ok && tenant_ok ? TOKEN_OK : TOKEN_FORBIDDEN;
    }
    return TOKEN_MISSING;
}
