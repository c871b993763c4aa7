/*
 * import_money.c - prices: ISO 4217 minor units and exact decimal strings.
 * No floating point anywhere: "89.99" EUR is read digit by digit into 8999.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/currency.h"
#include "import/import.h"
#include "import/import_int.h"

int import_currency_minor(const char *code)
{
    const struct currency *c = code ? currency_find(code) : NULL;
    return c ? c->minor_units : -1;
}

int import_decimal_to_minor(const char *s, int minor, int64_t *out, char *err, size_t err_len)
{
    if (!s || !*s) {
        snprintf(err, err_len, "empty amount");
        return -1;
    }
    if (minor < 0 || minor > 6) {
        snprintf(err, err_len, "unsupported number of decimals %d", minor);
        return -1;
    }
    const char *p = s;
    if (*p == '-') {
        snprintf(err, err_len, "\"%s\" is negative", s);
        return -1;
    }
    if (*p < '0' || *p > '9') {
        snprintf(err, err_len, "\"%s\" is not a decimal amount like \"89.99\"", s);
        return -1;
    }
    int64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10) goto overflow;
        v = v * 10 + d;
    }
    int decimals = 0, significant = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            snprintf(err, err_len, "\"%s\" is not a decimal amount like \"89.99\"", s);
            return -1;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
            decimals++;
            int d = *p - '0';
            if (decimals <= minor) {
                if (v > (INT64_MAX - d) / 10) goto overflow;
                v = v * 10 + d;
            } else if (d != 0) {
                significant = decimals;
            }
        }
    }
    if (*p) {
        snprintf(err, err_len, "\"%s\" is not a decimal amount like \"89.99\"", s);
        return -1;
    }
    if (significant) {
        snprintf(err, err_len, "\"%s\" has %d decimals but the currency has only %d", s,
                 significant, minor);
        return -1;
    }
    for (int i = decimals; i < minor; i++) {
        if (v > INT64_MAX / 10) goto overflow;
        v *= 10;
    }
    *out = v;
    return 0;
overflow:
    snprintf(err, err_len, "\"%s\" is too large", s);
    return -1;
}
