/*
 * loader.h - find, open, check and share channel plugins.
 *
 * plugin_load("plugins", "shopify", ...) opens plugins/shopify/shopify.so
 * (dlopen RTLD_NOW | RTLD_LOCAL), calls its hub_plugin_entry() and checks the
 * descriptor before anything else in it is used, in this order:
 *
 *   1. the file exists                 "plugin 'x': no file <path>"
 *   2. dlopen succeeds                 "plugin 'x': <dlerror text>"
 *   3. the entry symbol is exported    "... does not export hub_plugin_entry (not a hub plugin?)"
 *   4. the entry returns a descriptor  "... hub_plugin_entry() returned NULL"
 *   5. abi_major == HUB_ABI_MAJOR      "... built for ABI 2.1, this hub speaks 1.0 (...)"
 *   6. struct_size >= HUB_PLUGIN_MIN_SIZE
 *   7. name non-NULL and equal to the folder name
 *   8. limits are sane, every capability has its callback, routes are
 *      well formed, the config map is well formed (plugin_check_descriptor).
 *
 * Every refusal message starts with "plugin '<name>': " and says why; it is
 * written to `err` and logged.  A newer minor (abi_minor > HUB_ABI_MINOR,
 * larger struct_size) is accepted: fields this core does not know are ignored.
 * An older minor is accepted too, as long as it covers ABI 1.0.
 *
 * The core keeps its own copy of the descriptor, zero-filled past the
 * plugin's struct_size and cut at this core's sizeof(struct hub_plugin), with
 * limits normalised (see plugin_normalise_limits).  Pointers inside it
 * (name, config map, routes, callbacks) point into the shared object and stay
 * valid until the last plugin_unload().
 *
 * Loaded plugins are cached by resolved file path: two tenants using the same
 * plugin share one dlopen.  plugin_load() of a cached plugin returns the same
 * handle with its reference count raised; plugin_unload() lowers it and
 * dlcloses at zero.  The cache is guarded by a mutex, but the plugins'
 * callbacks are only ever called on the loop thread.
 */
#ifndef HUB_PLUGIN_LOADER_H
#define HUB_PLUGIN_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "hub/plugin.h"

struct plugin_handle; /* opaque; one per loaded .so */

/* Defaults applied by plugin_normalise_limits() to zero fields. */
#define PLUGIN_DEFAULT_BATCH_MAX 1u       /* one item per push_batch call */
#define PLUGIN_DEFAULT_IN_FLIGHT 1u       /* one outstanding batch */
#define PLUGIN_DEFAULT_TIMEOUT_MS 30000u  /* outbound HTTP */
#define PLUGIN_MAX_CONFIG_ENTRIES 256     /* a longer map lacks its {NULL} terminator */
#define PLUGIN_MAX_ROUTES 64              /* a longer route table lacks its terminator */

/* Load (or share) <plugin_dir>/<name>/<name>.so.  0 and *out set, or -1 with
 * err filled ("plugin '<name>': <reason>") and *out NULL. */
int plugin_load(const char *plugin_dir, const char *name, struct plugin_handle **out, char *err,
                size_t err_len);
/* Drop one reference; the last one dlcloses.  NULL is ignored.  Call only
 * once every instance of the plugin has been destroyed. */
void plugin_unload(struct plugin_handle *h);

/* The core's checked copy of the descriptor (limits normalised). */
const struct hub_plugin *plugin_descriptor(const struct plugin_handle *h);
const char *plugin_name(const struct plugin_handle *h);    /* folder name == descriptor name */
const char *plugin_version(const struct plugin_handle *h); /* "" if the plugin gave none */
const char *plugin_path(const struct plugin_handle *h);    /* resolved path of the .so */
uint32_t plugin_capabilities(const struct plugin_handle *h); /* known bits only */
int plugin_has_cap(const struct plugin_handle *h, enum hub_capability cap);
const struct hub_limits *plugin_limits(const struct plugin_handle *h);
const struct hub_config_entry *plugin_config_map(const struct plugin_handle *h); /* may be NULL */
/* ABI the plugin was built with (its own abi_minor may exceed HUB_ABI_MINOR). */
void plugin_abi(const struct plugin_handle *h, unsigned *major, unsigned *minor);
unsigned plugin_refcount(const struct plugin_handle *h);

/* Number of distinct .so files currently loaded (the cache size). */
size_t plugin_loaded_count(void);

/*
 * The checks after the ABI header, usable on an in-memory descriptor (tests,
 * hubctl): name, limits, callbacks for each capability, routes, config map.
 * `desc` must be a full struct hub_plugin (the loader passes its copy).
 * 0, or -1 with err filled.  Unknown capability bits are not an error
 * (a newer minor may define them); the loader logs and ignores them.
 */
int plugin_check_descriptor(const struct hub_plugin *desc, const char *name, char *err,
                            size_t err_len);
/* Config map alone: keys present, valid and unique, types known, ENUM with
 * non-empty choices, defaults valid for their type and within bounds, and no
 * key named like a core [channel] setting (plugin, mode, mapping, buffer,
 * poll_interval, reconcile_interval).
 * `map` may be NULL (no settings).  0, or -1 with err filled. */
int plugin_check_config_map(const struct hub_config_entry *map, const char *name, char *err,
                            size_t err_len);
/* Limits: rate_per_sec must be finite and >= 0.  0 or -1 with err filled. */
int plugin_check_limits(const struct hub_limits *limits, const char *name, char *err,
                        size_t err_len);
/* Fill zero fields with the documented defaults: batch_max and in_flight 1,
 * timeout_ms 30000, burst max(1, ceil(rate_per_sec)) when a rate is set.
 * rate_per_sec 0 stays 0 (no rate limit). */
void plugin_normalise_limits(struct hub_limits *limits);

/* Write "plugin '<name>': <fmt...>" into err (when err_len > 0); returns -1. */
int plugin_error(char *err, size_t err_len, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "STOCK_PUSH" etc. for a single capability bit; "?" if unknown. */
const char *plugin_cap_name(uint32_t cap);

#endif /* HUB_PLUGIN_LOADER_H */
