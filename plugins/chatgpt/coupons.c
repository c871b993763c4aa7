/* coupons.c - parse and check the channel's coupons (coupons.h). */
#include "coupons.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "totals.h"

const char *coupon_kind_name(enum coupon_kind k)
{
    return k == COUPON_PERCENT ? "percent" : "fixed";
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_date(const char *s, uint64_t *end_ms)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d > mdays[m - 1]) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return -1;
    *end_ms = (uint64_t)(days_from_civil(y, (unsigned)m, (unsigned)d) + 1) * 86400000ULL;
    return 0;
}

static int parse_amount(const char *s, int64_t *out)
{
    if (!*s) return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int parse_one(char *entry, struct coupon *c, char *err, size_t err_len)
{
    memset(c, 0, sizeof *c);
    char *save = NULL;
    char *code = strtok_r(entry, ":", &save);
    char *kind = strtok_r(NULL, ":", &save);
    char *value = strtok_r(NULL, ":", &save);
    if (!code || !kind || !value) {
        snprintf(err, err_len, "'%s': expected CODE:percent:N or CODE:fixed:AMOUNT", entry);
        return -1;
    }
    size_t cl = strlen(code);
    if (cl == 0 || cl >= sizeof c->code) {
        snprintf(err, err_len, "'%s': a code has 1 to %zu characters", code, sizeof c->code - 1);
        return -1;
    }
    for (size_t i = 0; i < cl; i++) {
        if (!isalnum((unsigned char)code[i]) && code[i] != '-' && code[i] != '_') {
            snprintf(err, err_len, "'%s': a code has letters, digits, '-' and '_' only", code);
            return -1;
        }
        c->code[i] = (char)toupper((unsigned char)code[i]);
    }
    if (strcmp(kind, "percent") == 0) c->kind = COUPON_PERCENT;
    else if (strcmp(kind, "fixed") == 0) c->kind = COUPON_FIXED;
    else {
        snprintf(err, err_len, "%s: kind '%s' is neither percent nor fixed", c->code, kind);
        return -1;
    }
    if (parse_amount(value, &c->value) != 0 || c->value <= 0 ||
        (c->kind == COUPON_PERCENT && c->value > 100)) {
        snprintf(err, err_len, "%s: value '%s' must be %s", c->code, value,
                 c->kind == COUPON_PERCENT ? "a whole percentage 1..100" : "a positive amount in minor units");
        return -1;
    }
    char *opt;
    while ((opt = strtok_r(NULL, ":", &save))) {
        if (strncmp(opt, "min=", 4) == 0) {
            if (parse_amount(opt + 4, &c->min_subtotal) != 0) {
                snprintf(err, err_len, "%s: min '%s' must be an amount in minor units", c->code, opt + 4);
                return -1;
            }
        } else if (strncmp(opt, "until=", 6) == 0) {
            if (parse_date(opt + 6, &c->until_ms) != 0) {
                snprintf(err, err_len, "%s: until '%s' must be a date YYYY-MM-DD", c->code, opt + 6);
                return -1;
            }
            snprintf(c->until, sizeof c->until, "%s", opt + 6);
        } else {
            snprintf(err, err_len, "%s: unknown option '%s' (min=, until=)", c->code, opt);
            return -1;
        }
    }
    return 0;
}

int coupons_parse(const char *spec, struct coupon **out, size_t *n, char *err, size_t err_len)
{
    *out = NULL;
    *n = 0;
    if (!spec) return 0;
    char *copy = strdup(spec);
    if (!copy) return -1;
    size_t cap = 1;
    for (const char *p = spec; *p; p++) cap += *p == ',';
    struct coupon *list = calloc(cap, sizeof *list);
    if (!list) { free(copy); return -1; }
    size_t k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1])) *--e = '\0';
        if (!*tok) continue;
        if (parse_one(tok, &list[k], err, err_len) != 0) goto fail;
        for (size_t j = 0; j < k; j++)
            if (strcmp(list[j].code, list[k].code) == 0) {
                snprintf(err, err_len, "%s is configured twice", list[k].code);
                goto fail;
            }
        k++;
    }
    free(copy);
    *out = list;
    *n = k;
    return 0;
fail:
    free(copy);
    free(list);
    return -1;
}

void coupons_free(struct coupon *c, size_t n)
{
    (void)n;
    free(c);
}

const struct coupon *coupon_find(const struct chatgpt_pricing *p, const char *code)
{
    if (!code) return NULL;
    for (size_t i = 0; i < p->n_coupons; i++)
        if (strcasecmp(p->coupons[i].code, code) == 0) return &p->coupons[i];
    return NULL;
}

int coupon_check(const struct coupon *c, int64_t subtotal, const char *currency, uint64_t now_ms,
                 char *err, size_t err_len)
{
    if (c->until_ms && now_ms >= c->until_ms) {
        snprintf(err, err_len, "coupon %s expired on %s", c->code, c->until);
        return -1;
    }
    if (c->min_subtotal > 0 && subtotal < c->min_subtotal) {
        char need[48], have[48];
        totals_format(c->min_subtotal, currency, need, sizeof need);
        totals_format(subtotal, currency, have, sizeof have);
        snprintf(err, err_len, "coupon %s needs a subtotal of at least %s; the cart has %s", c->code,
                 need, have);
        return -1;
    }
    return 0;
}
