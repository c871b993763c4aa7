/* check.h - validate everything hubd would load, without starting: config
 * (file:line errors), each channel's plugin (loads, speaks our ABI) and its
 * settings against the plugin's config map, each mapping script (compiles,
 * passes its smoke test), and existing stores (format and tenant).
 * `hubd --check` prints the result; a normal start runs it first and refuses
 * to start on any error. */
#ifndef HUB_HUBD_CHECK_H
#define HUB_HUBD_CHECK_H

#include <stdio.h>

#include "config/config.h"

/* Returns the number of errors (each printed to `out` on its own line).
 * With strict = 0 (a normal start) a plugin that cannot be loaded or a store
 * that cannot be opened is only a warning: that channel or tenant is marked
 * failed at run time and the rest runs.  Bad settings are always errors. */
int hubd_check(const struct hub_config *cfg, FILE *out, int verbose, int strict);

#endif
