/* suggest.c - "did you mean ...?" for misspelt keys, sections and choices. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/internal.h"

#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), case
 * folded; anything longer than SUGGEST_MAX_LEN is "far". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) return (size_t)-1;
    size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca == cb ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *config_suggest(const char *word, const char *const *candidates, size_t n)
{
    if (!word || !*word) return NULL;
    size_t len = strlen(word);
    /* One edit for short words, up to a third of the word for longer ones. */
    size_t limit = len <= 4 ? 1 : (len / 3 > 3 ? 3 : len / 3);
    if (limit < 1) limit = 1;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i]) continue;
        size_t d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best && best_d <= limit ? best : NULL;
}

void config_suggest_text(char *out, size_t out_len, const char *suggestion)
{
    if (!out_len) return;
    if (suggestion) snprintf(out, out_len, " (did you mean '%s'?)", suggestion);
    else out[0] = '\0';
}
