/* json_text.c - compact JSON text from jansson values, fast.
 *
 * The same bytes as json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY [|
 * JSON_SORT_KEYS]) (tests/unit/test_json_text.c checks that over many
 * values), at a fraction of the cost: jansson's dumper writes through a
 * callback per fragment and formats every integer with snprintf, which made
 * it a fifth of the work per webhook.  Stored records and shadows are
 * compared as text, so the bytes must not change.
 */
#include "common/json_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/* Keys compared as jansson's JSON_SORT_KEYS does: bytes, then length. */
struct key {
    const char *s;
    size_t len;
    json_t *v;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int put_string(struct buf *b, const char *s, size_t len)
{
    static const char hexd[] = "0123456789ABCDEF";
    if (buf_reserve(b, len + 2) != 0) return -1;
    b->data[b->len++] = '"';
    size_t run = 0; /* bytes copied as they are, flushed in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run && buf_append(b, s + i - run, run) != 0) return -1;
        run = 0;
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hexd[c >> 4];
            esc[5] = hexd[c & 15];
            n = 6;
        }
        if (buf_append(b, esc, n) != 0) return -1;
    }
    if (run && buf_append(b, s + len - run, run) != 0) return -1;
    return buf_putc(b, '"');
}

static int put_integer(struct buf *b, json_int_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* As jansson: "%.17g", ".0" when it would read as an integer, and the
 * exponent without '+' or leading zeros. */
static int put_real(struct buf *b, double v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp - 2, "%.17g", v);
    if (n < 0) return -1;
    size_t len = (size_t)n;
    if (!memchr(tmp, '.', len) && !memchr(tmp, 'e', len)) {
        memcpy(tmp + len, ".0", 3);
        len += 2;
    }
    char *e = memchr(tmp, 'e', len);
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) {
            memmove(start, end, (size_t)(tmp + len - end) + 1);
            len -= (size_t)(end - start);
        }
    }
    return buf_append(b, tmp, len);
}

static int put_value(struct buf *b, const json_t *v, int sort, int depth)
{
    if (depth > 2048) return -1; /* as jansson, no endless recursion */
    switch (json_typeof(v)) {
    case JSON_NULL: return buf_append(b, "null", 4);
    case JSON_TRUE: return buf_append(b, "true", 4);
    case JSON_FALSE: return buf_append(b, "false", 5);
    case JSON_INTEGER: return put_integer(b, json_integer_value(v));
    case JSON_REAL: return put_real(b, json_real_value(v));
    case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        if (buf_putc(b, '[') != 0) return -1;
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i && buf_putc(b, ',') != 0) return -1;
            if (put_value(b, json_array_get(v, i), sort, depth + 1) != 0) return -1;
        }
        return buf_putc(b, ']');
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        if (buf_putc(b, '{') != 0) return -1;
        if (n == 0) return buf_putc(b, '}');
        struct key small[16], *keys = n <= 16 ? small : malloc(n * sizeof *keys);
        if (!keys) return -1;
        size_t k = 0;
        const char *name;
        size_t name_len;
        json_t *val;
        json_object_keylen_foreach((json_t *)v, name, name_len, val) {
            keys[k].s = name;
            keys[k].len = name_len;
            keys[k].v = val;
            k++;
        }
        if (sort && k > 1) qsort(keys, k, sizeof *keys, key_cmp);
        int rc = 0;
        for (size_t i = 0; i < k && rc == 0; i++) {
            if (i && buf_putc(b, ',') != 0) rc = -1;
            else if (put_string(b, keys[i].s, keys[i].len) != 0 || buf_putc(b, ':') != 0) rc = -1;
            else rc = put_value(b, keys[i].v, sort, depth + 1);
        }
        if (keys != small) free(keys);
        return rc ? rc : buf_putc(b, '}');
    }
    }
    return -1;
}

int json_text_append(struct buf *b, const json_t *v, int flags)
{
    size_t mark = b->len;
    if (!v || put_value(b, v, (flags & JSON_TEXT_SORT_KEYS) != 0, 0) != 0) {
        b->len = mark;
        if (b->data) b->data[mark] = '\0';
        return -1;
    }
    return 0;
}

char *json_text(const json_t *v, int flags)
{
    struct buf b = BUF_INIT;
    if (json_text_append(&b, v, flags) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}
