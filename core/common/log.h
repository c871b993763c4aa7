/* log.h - leveled logging to stderr: "2026-11-25T10:00:00.123Z level [scope] message". */
#ifndef HUB_COMMON_LOG_H
#define HUB_COMMON_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error" | "warn" | "info" | "debug" -> level; -1 if unknown. */
int log_level_parse(const char *name);
/* Output as JSON lines instead of text (hub.conf log_format = json). */
void log_set_json(int on);
/* Silence everything (hubctl prints its own errors; --verbose turns logs back on). */
void log_set_quiet(int on);

void log_msg(enum log_level level, const char *scope, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *scope, const char *fmt, va_list ap);

#define log_error(scope, ...) log_msg(LOG_ERROR, scope, __VA_ARGS__)
#define log_warn(scope, ...) log_msg(LOG_WARN, scope, __VA_ARGS__)
#define log_info(scope, ...) log_msg(LOG_INFO, scope, __VA_ARGS__)
#define log_debug(scope, ...) log_msg(LOG_DEBUG, scope, __VA_ARGS__)

#endif
