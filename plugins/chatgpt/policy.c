/* policy.c - commerce policy: prohibited categories never appear and cannot
 * be bought.  A product is prohibited when one of the configured names
 * (config "prohibited_categories", lower-cased) equals, case-insensitively,
 * its whole category path, one segment of it ("Health > Prescription
 * medicines"), or one of its tags. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chatgpt.h"

static int hits(const struct chatgpt *g, const char *s, size_t len, char *why, size_t why_len)
{
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (!len) return 0;
    for (size_t i = 0; i < g->n_prohibited; i++) {
        const char *p = g->prohibited[i];
        if (strlen(p) == len && strncasecmp(p, s, len) == 0) {
            if (why) snprintf(why, why_len, "%s", p);
            return 1;
        }
    }
    return 0;
}

int policy_prohibited(const struct chatgpt *g, const char *category, const json_t *tags, char *why,
                      size_t why_len)
{
    if (category && *category) {
        if (hits(g, category, strlen(category), why, why_len)) return 1;
        const char *p = category;
        for (;;) {
            const char *e = strchr(p, '>');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (hits(g, p, len, why, why_len)) return 1;
            if (!e) break;
            p = e + 1;
        }
    }
    size_t i;
    const json_t *t;
    json_array_foreach(tags, i, t) {
        const char *s = json_string_value(t);
        if (s && hits(g, s, strlen(s), why, why_len)) return 1;
    }
    return 0;
}
