/*
 * luatest.h - header-only helpers for the tests/unit/test_lua*.c programs
 * (static inline so unused ones cost nothing and no helper object is linked
 * into other tests).
 */
#ifndef HUB_TESTS_LUATEST_H
#define HUB_TESTS_LUATEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util.h"
#include "lua/mapping.h"

static inline const char *luatest_src(void)
{
    const char *s = getenv("HUB_SRC_DIR");
    return s && *s ? s : ".";
}

/* "<src>/<rel>" in a static rotating buffer (enough for a few at once). */
static inline const char *luatest_path(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int next;
    char rel[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    char *b = bufs[next++ % 8];
    snprintf(b, 1024, "%s/%s", luatest_src(), rel);
    return b;
}

/* Open a mapping or fail the test with the loader's message. */
static inline struct mapping *luatest_open(const char *scripts_dir, const char *path,
                                           size_t mem, uint64_t budget)
{
    struct mapping_limits lim = {mem, budget};
    struct mapping *m = NULL;
    char err[1024] = "";
    if (mapping_open(&m, scripts_dir, path, &lim, err, sizeof err) != 0) {
        fprintf(stderr, "mapping_open(%s): %s\n", path, err);
        return NULL;
    }
    return m;
}

static inline json_t *luatest_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!j) fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
    return j;
}

static inline json_t *luatest_json_file(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) fprintf(stderr, "%s: %s (line %d)\n", path, e.text, e.line);
    return j;
}

/* A fresh temporary directory (caller removes it with luatest_rmrf). */
static inline char *luatest_tmpdir(void)
{
    char tmpl[] = "/tmp/hub-luatest-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? xstrdup(d) : NULL;
}

static inline int luatest_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static inline void luatest_rmrf(const char *dir)
{
    char cmd[1200];
    if (!dir || strncmp(dir, "/tmp/hub-luatest-", 17) != 0) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Does `s` contain `needle`?  Prints both when not (for the test log). */
static inline int luatest_has(const char *s, const char *needle)
{
    if (s && strstr(s, needle)) return 1;
    fprintf(stderr, "expected \"%s\" in: %s\n", needle, s ? s : "(null)");
    return 0;
}

/* Follow "a.b.0.c" (numbers index arrays). */
static inline json_t *luatest_jp(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    if (!j) fprintf(stderr, "no %s\n", path);
    return j;
}

static inline const char *luatest_js(json_t *j, const char *path)
{
    const char *s = json_string_value(luatest_jp(j, path));
    return s ? s : "(not a string)";
}

static inline json_int_t luatest_ji(json_t *j, const char *path)
{
    json_t *v = luatest_jp(j, path);
    if (!json_is_integer(v)) fprintf(stderr, "%s is not an integer\n", path);
    return json_integer_value(v);
}

/* short names for the tests */
#define jp luatest_jp
#define js luatest_js
#define ji luatest_ji

#endif
