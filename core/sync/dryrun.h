/* dryrun.h - a channel in dry-run: each request it would send is recorded in
 * <tenant data_dir>/dry-run/<channel>.jsonl (credentials masked) and answered
 * with dry_run = 1, status 200, empty body; nothing leaves the machine.
 * `hubctl dry-run <tenant> <channel>` shows the file. */
#ifndef HUB_SYNC_DRYRUN_H
#define HUB_SYNC_DRYRUN_H

#include "hub/host.h"

struct hub_instance;

#define DRYRUN_MAX_BYTES (16u << 20) /* the file is rotated to .1 beyond this */

int dryrun_record(struct hub_instance *inst, const struct hub_http_request *req,
                  hub_http_done_fn done, void *arg);
/* Path of the record file for a tenant's channel (caller frees). */
char *dryrun_path(const char *tenant_data_dir, const char *channel);
/* 1 if a header's value must never be written down (tokens, signatures). */
int dryrun_header_secret(const char *name);

#endif
