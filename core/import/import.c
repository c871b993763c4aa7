/*
 * import.c - the reader: opening the input, the buffered byte source, format
 * detection, and the JSON Lines path (one product per line).
 */
#include "import/import.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/util.h"
#include "import/import_int.h"

#define IMPORT_READ_CHUNK (64u * 1024u)

struct import_reader {
    struct import_src src;
    enum import_format fmt;
    struct import_ctx ctx;
    struct import_csv *csv;
    struct buf line;
    uint64_t total;
    int done; /* read error seen: nothing more */
};

/* ------------------------------------------------------------ byte source */

int import_src_fill(struct import_src *s)
{
    if (s->pos < s->len) return 1;
    if (s->eof || s->err) return s->err ? -1 : 0;
    size_t n = fread(s->buf, 1, IMPORT_READ_CHUNK, s->f);
    s->pos = 0;
    s->len = n;
    if (n == 0) {
        if (ferror(s->f)) {
            s->err = errno ? errno : EIO;
            return -1;
        }
        s->eof = 1;
        return 0;
    }
    return 1;
}

int import_src_line(struct import_src *s, struct buf *out, size_t max, int *too_long,
                    unsigned long *lineno)
{
    buf_reset(out);
    *lineno = s->line + 1;
    *too_long = 0;
    int any = 0;
    for (;;) {
        int f = import_src_fill(s);
        if (f < 0) return -1;
        if (f == 0) break;
        any = 1;
        unsigned char *start = s->buf + s->pos;
        size_t avail = s->len - s->pos;
        unsigned char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (!*too_long) {
            if (out->len + take > max) {
                *too_long = 1;
                buf_reset(out);
            } else if (buf_append(out, start, take) != 0) {
                s->err = ENOMEM;
                return -1;
            }
        }
        s->pos += take + (nl ? 1 : 0);
        s->consumed += take + (nl ? 1 : 0);
        s->last = nl ? '\n' : (take ? start[take - 1] : s->last);
        if (nl) {
            s->line++;
            break;
        }
    }
    if (!any) return 0;
    if (out->len && out->data[out->len - 1] == '\r') out->data[--out->len] = '\0';
    return 1;
}

/* ------------------------------------------------------------ formats */

int import_format_parse(const char *name)
{
    if (!name) return -1;
    if (strcasecmp(name, "jsonl") == 0 || strcasecmp(name, "ndjson") == 0) return IMPORT_JSONL;
    if (strcasecmp(name, "csv") == 0) return IMPORT_CSV;
    return -1;
}

const char *import_format_name(enum import_format fmt)
{
    switch (fmt) {
    case IMPORT_JSONL: return "jsonl";
    case IMPORT_CSV: return "csv";
    default: return "auto";
    }
}

enum import_format import_format_guess(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/')) return IMPORT_AUTO;
    if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".ndjson") == 0) return IMPORT_JSONL;
    if (strcasecmp(dot, ".csv") == 0) return IMPORT_CSV;
    return IMPORT_AUTO;
}

/* ------------------------------------------------------------ open, close */

int import_open(struct import_reader **out, const char *path, enum import_format fmt,
                const char *default_currency, char *err, size_t err_len)
{
    *out = NULL;
    if (!path || !*path) {
        snprintf(err, err_len, "no input file given");
        return -1;
    }
    int is_stdin = strcmp(path, "-") == 0;
    if (fmt == IMPORT_AUTO) fmt = is_stdin ? IMPORT_AUTO : import_format_guess(path);
    if (fmt != IMPORT_JSONL && fmt != IMPORT_CSV) {
        snprintf(err, err_len,
                 "%s: cannot tell the format from the file name (expected .jsonl, .ndjson or "
                 ".csv); give --format jsonl or --format csv",
                 is_stdin ? "standard input" : path);
        return -1;
    }
    char cur[8] = "";
    if (default_currency && *default_currency) {
        size_t n = strlen(default_currency);
        for (size_t i = 0; i < n && i < sizeof cur - 1; i++)
            cur[i] = (char)toupper((unsigned char)default_currency[i]);
        if (n >= sizeof cur || import_currency_minor(cur) < 0) {
            snprintf(err, err_len, "default currency \"%s\" is not an ISO 4217 code",
                     default_currency);
            return -1;
        }
    }
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    uint64_t total = 0;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s: is a directory", path);
            if (!is_stdin) fclose(f);
            return -1;
        }
        if (S_ISREG(st.st_mode)) total = (uint64_t)st.st_size;
    }
    struct import_reader *r = xcalloc(1, sizeof *r);
    r->src.f = f;
    r->src.buf = xmalloc(IMPORT_READ_CHUNK);
    r->fmt = fmt;
    r->total = total;
    memcpy(r->ctx.currency, cur, sizeof cur);
    r->ctx.skus = import_map_new();
    r->ctx.products = import_map_new();
    if (fmt == IMPORT_CSV) r->csv = import_csv_new();
    *out = r;
    return 0;
}

void import_close(struct import_reader *r)
{
    if (!r) return;
    if (r->src.f && r->src.f != stdin) fclose(r->src.f);
    free(r->src.buf);
    import_map_free(r->ctx.skus);
    import_map_free(r->ctx.products);
    import_csv_free(r->csv);
    buf_free(&r->line);
    free(r);
}

void import_record_clear(struct import_record *rec)
{
    json_decref(rec->event);
    memset(rec, 0, sizeof *rec);
}

int import_fail(struct import_record *rec, unsigned long line, const char *fmt, ...)
{
    json_decref(rec->event);
    rec->event = NULL;
    rec->error = 1;
    rec->line = line;
    if (rec->line_end < line) rec->line_end = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec->reason, sizeof rec->reason, fmt, ap);
    va_end(ap);
    rec->n_variants = rec->n_stock = 0;
    return -1;
}

void import_progress(const struct import_reader *r, uint64_t *done, uint64_t *total)
{
    if (done) *done = r->src.consumed;
    if (total) *total = r->total > r->src.consumed ? r->total : (r->total ? r->src.consumed : 0);
}

unsigned long import_lines(const struct import_reader *r)
{
    /* a last line without "\n" still counts */
    return r->src.line + (r->src.consumed && r->src.last != '\n' ? 1 : 0);
}

enum import_format import_reader_format(const struct import_reader *r) { return r->fmt; }

/* ------------------------------------------------------------ JSON Lines */

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return 0;
    return 1;
}

static int jsonl_next(struct import_reader *r, struct import_record *rec)
{
    for (;;) {
        int too_long = 0;
        unsigned long line = 0;
        int got = import_src_line(&r->src, &r->line, IMPORT_MAX_LINE, &too_long, &line);
        if (got < 0) {
            r->done = 1;
            snprintf(rec->reason, sizeof rec->reason, "read error: %s", strerror(r->src.err));
            return -1;
        }
        if (got == 0) return 0;
        rec->line = rec->line_end = line;
        if (too_long) {
            import_fail(rec, line, "line longer than %u bytes", IMPORT_MAX_LINE);
            return 1;
        }
        const char *text = r->line.data;
        size_t len = r->line.len;
        if (line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
        if (is_blank(text, len)) continue;
        json_error_t jerr;
        json_t *raw = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!raw) {
            import_fail(rec, line, "bad JSON at column %d: %s", jerr.column, jerr.text);
            return 1;
        }
        import_build(&r->ctx, raw, line, NULL, rec);
        json_decref(raw);
        return 1;
    }
}

int import_next(struct import_reader *r, struct import_record *rec)
{
    import_record_clear(rec);
    if (r->done) return 0;
    if (r->fmt == IMPORT_CSV) {
        int rc = import_csv_next(r->csv, &r->src, &r->ctx, rec);
        if (rc < 0) r->done = 1;
        return rc;
    }
    return jsonl_next(r, rec);
}
