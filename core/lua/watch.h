/*
 * watch.h - reload a mapping when its script (or a scripts/lib file)
 * is saved.
 *
 * Watches the script's directory and <scripts_dir>/lib with uv_fs_event
 * (editors save by writing a temporary file and renaming it over the old
 * one, so the directory is watched, not the file).  Events are debounced:
 * the reload runs once ~100 ms after the last event.  A save that leaves
 * the script's bytes unchanged (same sha256) and touched no lib file does
 * not reload.  Each reload attempt reports to on_result (ok = 1, err = NULL
 * on success; ok = 0 and the refusal otherwise; the previous version keeps
 * running, see mapping_reload).
 */
#ifndef HUB_LUA_WATCH_H
#define HUB_LUA_WATCH_H

#include <uv.h>

#include "lua/mapping.h"

struct mapping_watch;

typedef void (*mapping_watch_cb)(void *arg, struct mapping *m, int ok, const char *err);

/* NULL with a log line if the directories cannot be watched.  `on_result`
 * may be NULL.  The mapping must outlive the watch. */
struct mapping_watch *mapping_watch_start(uv_loop_t *loop, struct mapping *m,
                                          mapping_watch_cb on_result, void *arg);
/* Stop watching.  Handles close asynchronously: the memory is released once
 * the loop has run the close callbacks (uv_run after this call). */
void mapping_watch_stop(struct mapping_watch *w);

/* Debounce delay in ms (default 100); for tests. */
void mapping_watch_set_debounce(struct mapping_watch *w, unsigned ms);

#endif /* HUB_LUA_WATCH_H */
