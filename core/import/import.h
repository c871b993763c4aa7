/*
 * import.h - catalog import: JSON Lines or CSV files turned into canonical
 * catalog.upsert events, one product at a time (streaming; the file is never
 * held in memory).  docs/import.md describes the formats and the rules.
 *
 *     struct import_reader *r;
 *     struct import_record rec = IMPORT_RECORD_INIT;
 *     if (import_open(&r, path, IMPORT_AUTO, "EUR", err, sizeof err) != 0) fail(err);
 *     int rc;
 *     while ((rc = import_next(r, &rec)) == 1) {
 *         if (rec.error) report(path, rec.line, rec.reason);
 *         else submit(rec.event);           // borrowed: json_incref to keep it
 *     }
 *     if (rc < 0) fail(rec.reason);          // read error: stop
 *     import_record_clear(&rec);
 *     import_close(r);
 *
 * Each good record is ONE event (keys sorted by json_dumps(JSON_SORT_KEYS)):
 *   {"type":"catalog.upsert",
 *    "product":{"id","title","brand","category","description","options":[names],
 *               "images":[urls],"tags":[..],"status":"active|draft|archived"},
 *    "variants":[{"sku","product_id","options":{name:value},
 *                 "price":{"amount":<int64 minor units>,"currency":"EUR"},
 *                 "compare_at"?:{"amount","currency"},"barcode"?,"weight_g"?}],
 *    "stock":[{"sku","location","on_hand"}]}
 * Strings are trimmed, currencies upper-case, stock sorted by (variant order,
 * location): the same input always gives the same bytes.
 *
 * A product that fails validation yields a record with error = 1, the line of
 * the offending input and a reason; nothing of that product is returned (all
 * or nothing per product) and the reader carries on with the next one.
 */
#ifndef HUB_IMPORT_H
#define HUB_IMPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum import_format {
    IMPORT_AUTO = 0, /* from the extension: .jsonl/.ndjson -> JSONL, .csv -> CSV */
    IMPORT_JSONL,
    IMPORT_CSV,
};

/* Longest physical line (JSONL) or record (CSV) accepted; longer ones are an
 * error for that line and the reader skips to the next line. */
#define IMPORT_MAX_LINE (1024u * 1024u)

struct import_reader;

struct import_record {
    int error;              /* 1: refused; reason says why, event is NULL */
    unsigned long line;     /* good: first line of the product; error: the offending line */
    unsigned long line_end; /* last line the product spans */
    char product_id[256];   /* "" if unknown (e.g. bad JSON) */
    char reason[512];       /* error text, without "file:line: " */
    json_t *event;          /* good: the catalog.upsert event, owned by the record */
    size_t n_variants;      /* in the event */
    size_t n_stock;         /* stock entries in the event */
};
#define IMPORT_RECORD_INIT {0, 0, 0, "", "", NULL, 0, 0}

/* "jsonl" | "ndjson" | "csv" -> format; -1 if unknown. */
int import_format_parse(const char *name);
const char *import_format_name(enum import_format fmt);
/* The format for a path from its extension; IMPORT_AUTO if it cannot tell. */
enum import_format import_format_guess(const char *path);

/* Open `path` ("-" = standard input, then fmt must not be AUTO).
 * default_currency (ISO 4217) is used where the input gives none; NULL = none
 * (a price without currency is then an error).  0, or -1 with err. */
int import_open(struct import_reader **out, const char *path, enum import_format fmt,
                const char *default_currency, char *err, size_t err_len);

/* Next product: 1 with a record (good or error), 0 at the end of the input,
 * -1 on a read error (rec->reason; the reader is then finished).
 * The record's previous event is released first: keep it with json_incref
 * or take it by setting rec->event = NULL. */
int import_next(struct import_reader *r, struct import_record *rec);

/* Bytes consumed so far and the file size (0 when unknown, e.g. a pipe). */
void import_progress(const struct import_reader *r, uint64_t *done, uint64_t *total);
/* Physical lines consumed so far. */
unsigned long import_lines(const struct import_reader *r);
enum import_format import_reader_format(const struct import_reader *r);

void import_record_clear(struct import_record *rec);
void import_close(struct import_reader *r);

/* Exact decimal -> minor units: "89.99" with 2 decimals -> 8999.  Refuses a
 * sign, exponent, separators, more significant decimals than `minor` and
 * int64 overflow.  0, or -1 with err. */
int import_decimal_to_minor(const char *s, int minor, int64_t *out, char *err, size_t err_len);

/* One product object in the JSON Lines shape (an API body, `hubctl product
 * set`): validated and turned into its catalog.upsert event exactly as a file
 * line would be.  0 with rec->event, or -1 with rec->error/reason. */
int import_product(json_t *raw, const char *default_currency, struct import_record *rec);

#endif /* HUB_IMPORT_H */
