/*
 * hubctl.h - the operator's command line: shared state and the command table.
 *
 * Each command lives in its own file cmd_<name>.c and exports one
 * `const struct hubctl_cmd cmd_<name>`; main.c lists them.  Every command
 * accepts --help and --json (global flags are parsed before the command and
 * also accepted after it).  Exit codes: 0 ok, 1 the operation failed or was
 * refused, 2 usage error.
 *
 * How hubctl reaches the model: reads open the tenant's LMDB environment
 * read-only (works with or without hubd running); writes go through
 * engine_submit() on the same environment (LMDB serialises writers across
 * processes), then hubctl pokes hubd over its admin socket so the outbox is
 * drained at once (if hubd is not running, it drains on its next start).
 */
#ifndef HUB_HUBCTL_H
#define HUB_HUBCTL_H

#include <jansson.h>
#include <stdio.h>

#include "config/config.h"
#include "engine/engine.h"

struct hubctl {
    const char *config_dir;  /* --config DIR, default $HUB_CONFIG or ./conf.d */
    int json;                /* --json: machine-readable output on stdout */
    int quiet;               /* --quiet: no progress */
    struct hub_config *cfg;  /* loaded lazily by hubctl_config() */
};

struct hubctl_cmd {
    const char *name;
    const char *usage;   /* "import <tenant> <file> [--format jsonl|csv]" */
    const char *summary; /* one line for `hubctl --help` */
    const char *help;    /* the rest of `hubctl <cmd> --help` */
    int (*run)(struct hubctl *ctl, int argc, char **argv); /* argv[0] = command name */
};

/* Load the config (once); prints file:line errors and returns NULL on failure. */
struct hub_config *hubctl_config(struct hubctl *ctl);
/* Open a tenant (read-only or for writing).  Prints a clear error and returns NULL. */
struct tenant *hubctl_tenant(struct hubctl *ctl, const char *name, int write);
/* Print a JSON value on stdout (pretty, sorted keys) and decref it. */
void hubctl_print_json(json_t *v);
/* Error to stderr (or {"error":...} on stdout with --json); returns 1. */
int hubctl_fail(struct hubctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Tell a running hubd that tenant's outbox has work; silently nothing if hubd is down. */
void hubctl_kick(struct hubctl *ctl, const char *tenant);
/* Ask hubd (admin socket) a JSON request; NULL if hubd is not running. */
json_t *hubctl_ask(struct hubctl *ctl, json_t *request);
/* Progress on stderr when it is a terminal (and not --quiet/--json). */
void hubctl_progress(struct hubctl *ctl, const char *what, size_t done, size_t total);
void hubctl_progress_end(struct hubctl *ctl);

#endif
