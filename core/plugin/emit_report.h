/*
 * emit_report.h - what a plugin's emit `done` is told (hub/host.h).
 *
 * One host->emit or host->emit_mapped call may queue several events (an
 * array); the inbox reports each one after the group commit.  The plugin is
 * told once, after the last one, the outcome of the whole call:
 *
 *   FAILED     if any event could not be recorded (message: the first such);
 *   REFUSED    else if any was refused for its content (message: the first
 *              refusal, "event <k> of <n>: ..." when there were several);
 *   DUPLICATE  else if every event had been seen already;
 *   COMMITTED  otherwise.
 *
 * and only in words its ABI knows: REFUSED came with ABI 1.1, so a plugin
 * built for 1.0 (which tests `status == HUB_EMIT_FAILED` and would take -2 for
 * a success) is told FAILED with the same message.
 */
#ifndef HUB_PLUGIN_EMIT_REPORT_H
#define HUB_PLUGIN_EMIT_REPORT_H

#include <stddef.h>

#include "hub/host.h"

/* The first ABI minor that knows HUB_EMIT_REFUSED. */
#define EMIT_REFUSED_SINCE_MINOR 1u

/* `st` as a plugin built for ABI 1.<abi_minor> may be told it. */
enum hub_emit_status emit_status_for_abi(enum hub_emit_status st, unsigned abi_minor);

struct emit_report;

/* A report for up to `n_events` events that calls done(arg, ...) once after
 * the last.  `done` must not be NULL. */
struct emit_report *emit_report_new(unsigned abi_minor, size_t n_events, hub_emit_done_fn done,
                                    void *arg);

/* The inbox's callback for each event (a hub_emit_done_fn; `report` is the
 * struct emit_report).  After the last event it reports and frees itself. */
void emit_report_event(void *report, enum hub_emit_status st, const char *message);

/* Only `queued` of the events were queued (the others could not be): they
 * count as FAILED with `why`.  With queued == 0 nothing will report: the
 * report is freed without calling done. */
void emit_report_queued(struct emit_report *r, size_t queued, const char *why);

#endif /* HUB_PLUGIN_EMIT_REPORT_H */
