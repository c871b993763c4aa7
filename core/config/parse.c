/*
 * parse.c - one .conf file through libinih.
 *
 * Debian's libinih is built without INI_HANDLER_LINENO, so the file is fed to
 * ini_parse_stream() by our own line reader, which knows the line number of
 * every key the handler sees.  The reader also:
 *   - strips leading blanks (inih would read an indented line as the
 *     continuation of the previous value: a trap, values here are one line);
 *   - cuts comments: a line starting with # or ;, and the rest of a line
 *     after a blank followed by # or ;;
 *   - tracks sections itself (inih does not report an empty section), so a
 *     duplicate or unknown section is reported at its header line;
 *   - reports syntax errors itself, every one of them, with a clear reason,
 *     and hands inih an empty line instead.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "config/internal.h"

enum { S_NONE, S_HUB, S_TENANT, S_CHANNEL, S_BAD };

#define ERR(p, line, ...) config_errors_add((p)->errs, (p)->path, (line), __VA_ARGS__)

/* ------------------------------------------------------------ sections */

static struct channel_config *cur_channel(struct config_parse *p)
{
    return &p->tenant->channels[p->chan];
}

static void add_channel(struct config_parse *p, const char *name)
{
    struct tenant_config *t = p->tenant;
    size_t n = t->n_channels;
    struct channel_config *chs = realloc(t->channels, (n + 1) * sizeof *chs);
    struct config_chan_state *st = realloc(p->chans, (n + 1) * sizeof *st);
    if (!chs || !st) {
        fputs("hub: out of memory\n", stderr);
        abort();
    }
    t->channels = chs;
    p->chans = st;
    struct channel_config *ch = &chs[n];
    memset(ch, 0, sizeof *ch);
    memset(&st[n], 0, sizeof st[n]);
    ch->name = xstrdup(name);
    ch->file = t->file;
    ch->line = p->line;
    for (const struct config_key *k = config_channel_keys; k->e.key; k++)
        if (k->e.default_value) config_key_store(k, ch, k->e.default_value);
    t->n_channels = n + 1;
    p->chan = n;
}

static void open_channel(struct config_parse *p, const char *rest)
{
    while (*rest == ' ' || *rest == '\t') rest++;
    char why[256];
    if (p->kind == CONFIG_FILE_HUB) {
        ERR(p, p->line, "[channel %s] belongs in a tenant file (<tenant>.conf), not in hub.conf",
            rest);
        return;
    }
    if (!*rest) {
        ERR(p, p->line, "[channel] needs a name, like [channel shopify]");
        return;
    }
    if (config_check_name(rest, why, sizeof why) != 0) {
        ERR(p, p->line, "channel name %s", why);
        return;
    }
    for (size_t i = 0; i < p->tenant->n_channels; i++) {
        if (strcmp(p->tenant->channels[i].name, rest) == 0) {
            ERR(p, p->line, "duplicate section [channel %s] (first on line %d)", rest,
                p->tenant->channels[i].line);
            return;
        }
    }
    add_channel(p, rest);
    p->sect = S_CHANNEL;
}

static void open_section(struct config_parse *p, char *name)
{
    p->sect = S_BAD; /* keys of a refused section are skipped: one error, not many */
    if (strcmp(name, "hub") == 0) {
        if (p->kind != CONFIG_FILE_HUB)
            ERR(p, p->line, "[hub] belongs in hub.conf, not in a tenant file");
        else if (p->hub_line)
            ERR(p, p->line, "duplicate section [hub] (first on line %d)", p->hub_line);
        else {
            p->hub_line = p->line;
            p->sect = S_HUB;
        }
        return;
    }
    if (strcmp(name, "tenant") == 0) {
        if (p->kind != CONFIG_FILE_TENANT)
            ERR(p, p->line, "[tenant] belongs in a tenant file (<tenant>.conf), not in hub.conf");
        else if (p->tenant_line)
            ERR(p, p->line, "duplicate section [tenant] (first on line %d)", p->tenant_line);
        else {
            p->tenant_line = p->line;
            p->sect = S_TENANT;
        }
        return;
    }
    if (strncmp(name, "channel", 7) == 0 && (!name[7] || name[7] == ' ' || name[7] == '\t')) {
        open_channel(p, name + 7);
        return;
    }
    /* Unknown: suggest on the first word ("chanel shopify" -> channel). */
    char first[64];
    size_t w = strcspn(name, " \t");
    str_copy(first, name, w + 1 < sizeof first ? w + 1 : sizeof first);
    static const char *const hub_sections[] = {"hub"};
    static const char *const tenant_sections[] = {"tenant", "channel"};
    char sug[96];
    if (p->kind == CONFIG_FILE_HUB)
        config_suggest_text(sug, sizeof sug, config_suggest(first, hub_sections, 1));
    else
        config_suggest_text(sug, sizeof sug, config_suggest(first, tenant_sections, 2));
    ERR(p, p->line, "unknown section [%s] (expected %s)%s", name,
        p->kind == CONFIG_FILE_HUB ? "[hub]" : "[tenant] or [channel <name>]", sug);
}

/* ------------------------------------------------------------ reader */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* A section header "[ name ]": opens it, or reports why it is malformed. */
static void header_line(struct config_parse *p, const char *s, size_t n)
{
    const char *close = memchr(s, ']', n);
    if (!close) {
        ERR(p, p->line, "section header is missing its closing ']'");
        p->sect = S_BAD;
        return;
    }
    if ((size_t)(close - s) != n - 1) {
        ERR(p, p->line, "unexpected text after ']' in a section header");
        p->sect = S_BAD;
        return;
    }
    const char *a = s + 1, *b = close;
    while (a < b && is_blank(*a)) a++;
    while (b > a && is_blank(b[-1])) b--;
    char name[256];
    size_t len = (size_t)(b - a) < sizeof name - 1 ? (size_t)(b - a) : sizeof name - 1;
    memcpy(name, a, len);
    name[len] = '\0';
    if (!len) {
        ERR(p, p->line, "empty section header []");
        p->sect = S_BAD;
        return;
    }
    open_section(p, name);
}

/* Returns 0 if a key = value line is well formed, else reports it. */
static int check_pair(struct config_parse *p, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    const char *colon = memchr(s, ':', n);
    if (!eq && colon) {
        ERR(p, p->line, "expected 'key = value' (':' does not separate a key from its value here)");
        return -1;
    }
    if (!eq) {
        /* The line is not quoted: it might be a pasted credential. */
        ERR(p, p->line, "expected 'key = value', a [section] or a comment");
        return -1;
    }
    if (colon && colon < eq) {
        ERR(p, p->line, "':' before '=' (write key = value)");
        return -1;
    }
    if (eq == s) {
        ERR(p, p->line, "missing key before '='");
        return -1;
    }
    return 0;
}

static char *line_reader(char *str, int num, void *stream)
{
    struct config_parse *p = stream;
    if (p->pos >= p->len) return NULL;
    const char *s = p->data + p->pos;
    size_t avail = p->len - p->pos;
    const char *nl = memchr(s, '\n', avail);
    size_t n = nl ? (size_t)(nl - s) : avail;
    p->pos += n + (nl ? 1 : 0);
    p->line++;
    str[0] = '\0';

    if (p->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3;
    while (n && is_blank(*s)) s++, n--;
    if (n && (*s == '#' || *s == ';')) return str;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] == '#' || s[i] == ';') && is_blank(s[i - 1])) {
            n = i;
            break;
        }
    }
    while (n && is_blank(s[n - 1])) n--;
    if (!n) return str;
    if (memchr(s, '\0', n)) {
        ERR(p, p->line, "contains a NUL byte");
        return str;
    }
    if (s[0] == '[') {
        header_line(p, s, n);
        return str; /* our own section tracking is what counts */
    }
    if (check_pair(p, s, n) != 0) return str;
    if (n >= (size_t)num) {
        ERR(p, p->line, "line is longer than %d characters", num - 1);
        return str;
    }
    memcpy(str, s, n);
    str[n] = '\0';
    return str;
}

/* ------------------------------------------------------------ keys */

/* " ([tenant] key: set it in a tenant file)" when the key belongs elsewhere. */
static void elsewhere_hint(const struct config_parse *p, const char *key, char *out, size_t n)
{
    out[0] = '\0';
    if (p->sect != S_HUB && config_key_index(config_hub_keys, key) >= 0 &&
        config_key_index(config_tenant_keys, key) < 0)
        snprintf(out, n, " ('%s' is a [hub] key: set it in hub.conf)", key);
    else if (p->sect != S_TENANT && config_key_index(config_tenant_keys, key) >= 0 &&
             config_key_index(config_hub_keys, key) < 0)
        snprintf(out, n, " ('%s' is a [tenant] key)", key);
    else if (p->sect != S_CHANNEL && config_key_index(config_channel_keys, key) >= 0 &&
             config_key_index(config_tenant_keys, key) < 0)
        snprintf(out, n, " ('%s' is a [channel <name>] key)", key);
}

static void unknown_key(struct config_parse *p, const struct config_key *table, const char *key,
                        const char *section)
{
    const char *names[CONFIG_KEYS_MAX];
    size_t n = 0;
    for (; table[n].e.key && n < CONFIG_KEYS_MAX; n++) names[n] = table[n].e.key;
    char hint[128];
    elsewhere_hint(p, key, hint, sizeof hint);
    if (!hint[0]) config_suggest_text(hint, sizeof hint, config_suggest(key, names, n));
    ERR(p, p->line, "unknown key '%s' in %s%s", key, section, hint);
}

/* A built-in key: duplicate check, validation, store.  base: the struct. */
static void set_builtin(struct config_parse *p, const struct config_key *table, int idx,
                        int *set, void *base, const char *section, const char *value)
{
    const struct config_key *k = &table[idx];
    if (set[idx]) {
        ERR(p, p->line, "duplicate key '%s' in %s (first set on line %d)", k->e.key, section,
            set[idx]);
        return;
    }
    set[idx] = p->line;
    char why[320];
    if (config_key_check(k, value, why, sizeof why) != 0) {
        ERR(p, p->line, "'%s' %s", k->e.key, why);
        set[idx] = -p->line; /* seen (for duplicates) but not valid */
        return;
    }
    config_key_store(k, base, value);
}

static int setting_key_valid(const char *key)
{
    if (!isalpha((unsigned char)key[0])) return 0;
    for (const char *c = key; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.')) return 0;
    return 1;
}

static void channel_key(struct config_parse *p, const char *key, const char *value)
{
    struct channel_config *ch = cur_channel(p);
    char section[128];
    snprintf(section, sizeof section, "[channel %s]", ch->name);
    int idx = config_key_index(config_channel_keys, key);
    if (idx >= 0) {
        set_builtin(p, config_channel_keys, idx, p->chans[p->chan].set, ch, section, value);
        return;
    }
    /* Anything else belongs to the plugin (even a name that is a [hub] or
     * [tenant] key elsewhere): its config map decides, see channel.c. */
    if (!setting_key_valid(key)) {
        ERR(p, p->line, "invalid key name '%s' in %s (letters, digits, _ - and .)", key, section);
        return;
    }
    for (size_t i = 0; i < ch->n_settings; i++) {
        if (strcmp(ch->settings[i].key, key) == 0) {
            ERR(p, p->line, "duplicate key '%s' in %s (first set on line %d)", key, section,
                ch->settings[i].line);
            return;
        }
    }
    char why[320];
    if (!*value) {
        ERR(p, p->line, "'%s' has an empty value (remove the line to use the default)", key);
        return;
    }
    if (config_key_looks_secret(key) && !secret_ref_valid(value)) {
        config_secret_why(value, why, sizeof why);
        ERR(p, p->line, "'%s' %s", key, why);
        return;
    }
    struct config_kv *kv = realloc(ch->settings, (ch->n_settings + 1) * sizeof *kv);
    if (!kv) {
        fputs("hub: out of memory\n", stderr);
        abort();
    }
    ch->settings = kv;
    kv[ch->n_settings].key = xstrdup(key);
    kv[ch->n_settings].value = xstrdup(value);
    kv[ch->n_settings].line = p->line;
    ch->n_settings++;
}

static int on_key(void *user, const char *section, const char *key, const char *raw)
{
    (void)section; /* the reader tracks sections */
    struct config_parse *p = user;
    /* "value" -> value: quotes are optional around a value. */
    char value[INI_MAX_LINE + 1];
    size_t vn = str_copy(value, raw ? raw : "", sizeof value);
    if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
        memmove(value, value + 1, vn - 2);
        value[vn - 2] = '\0';
    }
    switch (p->sect) {
    case S_NONE:
        ERR(p, p->line, "'%s' is outside any section (start with %s)", key,
            p->kind == CONFIG_FILE_HUB ? "[hub]" : "[tenant]");
        break;
    case S_HUB: {
        int idx = config_key_index(config_hub_keys, key);
        if (idx < 0) unknown_key(p, config_hub_keys, key, "[hub]");
        else set_builtin(p, config_hub_keys, idx, p->set, p->hub, "[hub]", value);
        break;
    }
    case S_TENANT: {
        int idx = config_key_index(config_tenant_keys, key);
        if (idx < 0) {
            unknown_key(p, config_tenant_keys, key, "[tenant]");
        } else {
            set_builtin(p, config_tenant_keys, idx, p->set, p->tenant, "[tenant]", value);
            if (strcmp(key, "name") == 0 && p->set[idx] > 0 && !p->name) {
                p->name = xstrdup(value);
                p->name_line = p->line;
            }
        }
        break;
    }
    case S_CHANNEL:
        channel_key(p, key, value);
        break;
    default: /* S_BAD: already reported at the header */
        break;
    }
    return 1; /* keep going: every error is collected */
}

/* ------------------------------------------------------------ entry */

int config_parse_file(struct config_parse *p)
{
    struct stat st;
    if (stat(p->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        config_errors_add(p->errs, p->path, 0, "cannot read: %s", strerror(EISDIR));
        return -1;
    }
    size_t len = 0;
    char *data = read_file(p->path, &len);
    if (!data) {
        config_errors_add(p->errs, p->path, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    p->data = data;
    p->len = len;
    p->pos = 0;
    p->line = 0;
    p->sect = S_NONE;
    int rc = ini_parse_stream(line_reader, p, on_key, p);
    if (rc < 0) /* -1 open error, -2 memory: neither should happen with our reader */
        config_errors_add(p->errs, p->path, 0, "cannot parse (libinih error %d)", rc);
    free(data);
    p->data = NULL;
    return 0;
}

void config_parse_done(struct config_parse *p)
{
    free(p->name);
    free(p->chans);
    p->name = NULL;
    p->chans = NULL;
}
