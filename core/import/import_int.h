/*
 * import_int.h - shared between the files of core/import/ only (not a public
 * contract): the buffered byte source, the product builder both parsers feed,
 * the CSV reader and currency lookup.
 */
#ifndef HUB_IMPORT_INT_H
#define HUB_IMPORT_INT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "import/import.h"

/* ------------------------------------------------------------ byte source */
struct import_src {
    FILE *f;
    unsigned char *buf;
    size_t pos, len;
    int eof;            /* no more bytes after buf */
    int err;            /* errno of a failed read, 0 if none */
    uint64_t consumed;  /* bytes handed out */
    unsigned long line; /* '\n' consumed so far (the current line is line + 1) */
    int last;           /* last byte handed out */
};

/* Refill when empty: 1 bytes available, 0 end, -1 read error (src->err). */
int import_src_fill(struct import_src *s);

static inline int import_src_getc(struct import_src *s)
{
    if (s->pos == s->len && import_src_fill(s) <= 0) return -1;
    int c = s->buf[s->pos++];
    s->consumed++;
    s->last = c;
    if (c == '\n') s->line++;
    return c;
}

static inline int import_src_peek(struct import_src *s)
{
    if (s->pos == s->len && import_src_fill(s) <= 0) return -1;
    return s->buf[s->pos];
}

/* One physical line into `out` without its "\n" (nor a "\r" before it);
 * *lineno = its line number.  Longer than `max`: the rest is skipped and
 * *too_long set.  1 a line, 0 end of input, -1 read error. */
int import_src_line(struct import_src *s, struct buf *out, size_t max, int *too_long,
                    unsigned long *lineno);

/* ------------------------------------------------------------ string -> line map */
struct import_map;
struct import_map *import_map_new(void);
void import_map_free(struct import_map *m);
const unsigned long *import_map_get(const struct import_map *m, const char *key); /* NULL: absent */
int import_map_put(struct import_map *m, const char *key, unsigned long value); /* 1 new, 0 there */

/* ------------------------------------------------------------ builder */
struct import_ctx {
    char currency[8]; /* default currency, "" if none */
    struct import_map *skus;     /* sku -> line of its first occurrence (whole file) */
    struct import_map *products; /* product id -> line where it starts */
};

/* Validate one product in the JSON Lines shape (docs/import.md) and turn it
 * into the canonical catalog.upsert event.  `line` is where the product
 * starts; vlines[i] (optional) the line of variant i.  Success: rec filled
 * (event, counts, product_id), returns 0.  Failure: rec->error = 1 with line
 * and reason, returns -1.  SKUs the product names are remembered either way,
 * so a later duplicate is reported against the first line that used it. */
int import_build(struct import_ctx *c, json_t *raw, unsigned long line,
                 const unsigned long *vlines, struct import_record *rec);

/* Set rec to an error at `line` (printf-style reason). Returns -1. */
int import_fail(struct import_record *rec, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ currencies */
/* Minor unit digits of an ISO 4217 code (exact, upper-case), -1 if unknown. */
int import_currency_minor(const char *code);

/* ------------------------------------------------------------ CSV */
struct import_csv;
struct import_csv *import_csv_new(void);
void import_csv_free(struct import_csv *csv);
/* Next product from CSV: same contract as import_next. */
int import_csv_next(struct import_csv *csv, struct import_src *src, struct import_ctx *c,
                    struct import_record *rec);

#endif /* HUB_IMPORT_INT_H */
