/*
 * loader.c - dlopen a channel plugin, check its ABI header, keep a refcounted
 * cache so every tenant using the same plugin shares one dlopen.
 * The checks after the header live in loader_check.c.
 */
#include "plugin/loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"

struct plugin_handle {
    struct plugin_handle *next;
    char *name;
    char *path; /* resolved */
    void *dl;
    unsigned abi_major, abi_minor;
    unsigned refs;
    struct hub_plugin desc; /* the core's copy, see loader.h */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin_handle *g_loaded;

/* ------------------------------------------------------------------ accessors */

const struct hub_plugin *plugin_descriptor(const struct plugin_handle *h) { return &h->desc; }
const char *plugin_name(const struct plugin_handle *h) { return h->name; }
const char *plugin_version(const struct plugin_handle *h)
{
    return h->desc.version ? h->desc.version : "";
}
const char *plugin_path(const struct plugin_handle *h) { return h->path; }
uint32_t plugin_capabilities(const struct plugin_handle *h) { return h->desc.capabilities; }
int plugin_has_cap(const struct plugin_handle *h, enum hub_capability cap)
{
    return (h->desc.capabilities & (uint32_t)cap) != 0;
}
const struct hub_limits *plugin_limits(const struct plugin_handle *h) { return &h->desc.limits; }
const struct hub_config_entry *plugin_config_map(const struct plugin_handle *h)
{
    return h->desc.config;
}
void plugin_abi(const struct plugin_handle *h, unsigned *major, unsigned *minor)
{
    if (major) *major = h->abi_major;
    if (minor) *minor = h->abi_minor;
}

unsigned plugin_refcount(const struct plugin_handle *h)
{
    pthread_mutex_lock(&g_lock);
    unsigned r = h->refs;
    pthread_mutex_unlock(&g_lock);
    return r;
}

size_t plugin_loaded_count(void)
{
    pthread_mutex_lock(&g_lock);
    size_t n = 0;
    for (struct plugin_handle *h = g_loaded; h; h = h->next) n++;
    pthread_mutex_unlock(&g_lock);
    return n;
}

/* ------------------------------------------------------------------ loading */

#define KNOWN_CAPS                                                                        \
    (HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_ORDER_WEBHOOK | HUB_CAP_ORDER_POLL | \
     HUB_CAP_ROUTES | HUB_CAP_RECONCILE | HUB_CAP_FULFILLMENT)

/* Check the ABI header and take the core's copy of the descriptor into h. */
static int adopt_descriptor(struct plugin_handle *h, const struct hub_plugin *d, const char *name,
                            char *err, size_t err_len)
{
    /* Only the header (which never moves) may be read before these two checks. */
    if (d->abi_major != HUB_ABI_MAJOR)
        return plugin_error(err, err_len, name,
                            "built for ABI %u.%u, this hub speaks %d.%d (rebuild it against "
                            "hub-plugin >= %d.0 and < %d.0)",
                            (unsigned)d->abi_major, (unsigned)d->abi_minor, HUB_ABI_MAJOR,
                            HUB_ABI_MINOR, HUB_ABI_MAJOR, HUB_ABI_MAJOR + 1);
    if (d->struct_size < HUB_PLUGIN_MIN_SIZE)
        return plugin_error(err, err_len, name,
                            "descriptor is %u bytes, ABI %d.%d needs at least %zu (truncated or "
                            "built for an older header)",
                            (unsigned)d->struct_size, HUB_ABI_MAJOR, HUB_ABI_MINOR,
                            (size_t)HUB_PLUGIN_MIN_SIZE);

    h->abi_major = d->abi_major;
    h->abi_minor = d->abi_minor;
    /* Copy what both sides know; past the plugin's size is zero (NULL = unsupported). */
    size_t n = d->struct_size < sizeof h->desc ? d->struct_size : sizeof h->desc;
    memset(&h->desc, 0, sizeof h->desc);
    memcpy(&h->desc, d, n);
    h->desc.struct_size = (uint32_t)n;
    memset(h->desc.reserved, 0, sizeof h->desc.reserved); /* slots of newer minors: not ours */

    if (h->desc.capabilities & ~(uint32_t)KNOWN_CAPS) {
        log_warn("plugin", "plugin '%s': capability bits 0x%x are unknown to ABI %d.%d; ignored",
                 name, (unsigned)(h->desc.capabilities & ~(uint32_t)KNOWN_CAPS), HUB_ABI_MAJOR,
                 HUB_ABI_MINOR);
        h->desc.capabilities &= (uint32_t)KNOWN_CAPS;
    }
    if (plugin_check_descriptor(&h->desc, name, err, err_len) < 0) return -1;
    plugin_normalise_limits(&h->desc.limits);
    if (h->abi_minor > HUB_ABI_MINOR)
        log_info("plugin", "plugin '%s' is built for ABI %u.%u; fields newer than %d.%d are "
                 "ignored", name, h->abi_major, h->abi_minor,
                 HUB_ABI_MAJOR, HUB_ABI_MINOR);
    return 0;
}

static struct plugin_handle *cache_find(const char *path, const char *name)
{
    for (struct plugin_handle *h = g_loaded; h; h = h->next)
        if (strcmp(h->path, path) == 0 && strcmp(h->name, name) == 0) return h;
    return NULL;
}

/* dlopen + dlsym + entry + checks.  Called with g_lock held. */
static struct plugin_handle *open_plugin(const char *path, const char *name, char *err,
                                         size_t err_len)
{
    dlerror();
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        plugin_error(err, err_len, name, "cannot load %s: %s", path, why ? why : "dlopen failed");
        return NULL;
    }
    dlerror();
    void *sym = dlsym(dl, HUB_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        plugin_error(err, err_len, name, "%s does not export %s (not a hub plugin?)", path,
                     HUB_PLUGIN_ENTRY_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    hub_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* POSIX: data and function pointers convert */
    const struct hub_plugin *d = entry();
    if (!d) {
        plugin_error(err, err_len, name, "%s() returned NULL (the plugin refused to load)",
                     HUB_PLUGIN_ENTRY_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    struct plugin_handle *h = xcalloc(1, sizeof *h);
    if (adopt_descriptor(h, d, name, err, err_len) < 0) {
        free(h);
        dlclose(dl);
        return NULL;
    }
    h->dl = dl;
    h->name = xstrdup(name);
    h->path = xstrdup(path);
    h->refs = 1;
    return h;
}

/* The work of plugin_load with a full-size message buffer. */
static struct plugin_handle *load(const char *plugin_dir, const char *name, char *msg,
                                  size_t msg_len)
{
    if (!name || !valid_name(name)) {
        plugin_error(msg, msg_len, name ? name : "(null)",
                     "not a valid plugin name ([a-z0-9_-], 1..63, starting with a letter or "
                     "digit)");
        return NULL;
    }
    char *path = xasprintf("%s/%s/%s.so", plugin_dir && plugin_dir[0] ? plugin_dir : ".", name,
                           name);
    struct stat st;
    int rc = stat(path, &st);
    if (rc != 0 || !S_ISREG(st.st_mode)) {
        if (rc == 0)
            plugin_error(msg, msg_len, name, "%s is not a regular file", path);
        else if (errno == ENOENT || errno == ENOTDIR)
            plugin_error(msg, msg_len, name, "no file %s", path);
        else
            plugin_error(msg, msg_len, name, "cannot stat %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    char *resolved = realpath(path, NULL);
    if (!resolved) resolved = xstrdup(path);
    free(path);

    pthread_mutex_lock(&g_lock);
    struct plugin_handle *h = cache_find(resolved, name);
    if (h) {
        h->refs++;
        log_debug("plugin", "plugin '%s' shared (%u users)", name, h->refs);
    } else {
        h = open_plugin(resolved, name, msg, msg_len);
        if (h) {
            h->next = g_loaded;
            g_loaded = h;
            log_info("plugin", "loaded plugin '%s' (version %s, ABI %u.%u) from %s", name,
                     h->desc.version ? h->desc.version : "?", h->abi_major, h->abi_minor,
                     h->path);
        }
    }
    pthread_mutex_unlock(&g_lock);
    free(resolved);
    return h;
}

int plugin_load(const char *plugin_dir, const char *name, struct plugin_handle **out, char *err,
                size_t err_len)
{
    char msg[1024] = "";
    *out = load(plugin_dir, name, msg, sizeof msg);
    if (err && err_len) str_copy(err, *out ? "" : msg, err_len);
    if (*out) return 0;
    log_error("plugin", "%s", msg);
    return -1;
}

void plugin_unload(struct plugin_handle *h)
{
    if (!h) return;
    pthread_mutex_lock(&g_lock);
    struct plugin_handle **pp = &g_loaded;
    while (*pp && *pp != h) pp = &(*pp)->next;
    if (!*pp) {
        pthread_mutex_unlock(&g_lock);
        log_error("plugin", "plugin_unload: handle %p is not loaded", (void *)h);
        return;
    }
    if (--h->refs > 0) {
        pthread_mutex_unlock(&g_lock);
        return;
    }
    *pp = h->next;
    pthread_mutex_unlock(&g_lock);
    log_info("plugin", "unloaded plugin '%s'", h->name);
    if (dlclose(h->dl) != 0) log_warn("plugin", "dlclose '%s': %s", h->name, dlerror());
    free(h->name);
    free(h->path);
    free(h);
}
