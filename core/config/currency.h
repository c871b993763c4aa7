/*
 * currency.h - ISO 4217 currency codes with their minor units.
 *
 * The table (currency.c) lists the active currencies a merchant can price in:
 * fund codes (BOV, CLF, ...), precious metals (XAU, ...), XDR, XTS and XXX are
 * left out on purpose.  Money everywhere in hub is an int64 count of minor
 * units; `minor_units` says how many decimals the major unit has (EUR 2,
 * JPY 0, KWD 3).
 */
#ifndef HUB_CONFIG_CURRENCY_H
#define HUB_CONFIG_CURRENCY_H

#include <stddef.h>

struct currency {
    const char *code;     /* "EUR": three upper-case letters */
    unsigned short number; /* ISO numeric code, 978 */
    int minor_units;      /* decimals of the major unit: 2 */
    const char *name;     /* "Euro" */
};

/* The entry for `code` (exact, upper case), or NULL if it is not a code we know. */
const struct currency *currency_find(const char *code);
/* The whole table, sorted by code. */
const struct currency *currency_list(size_t *n);

#endif
