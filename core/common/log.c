#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static enum log_level g_level = LOG_INFO;
static int g_json;
static int g_quiet;

void log_set_level(enum log_level level) { g_level = level; }
enum log_level log_get_level(void) { return g_level; }
void log_set_json(int on) { g_json = on; }
void log_set_quiet(int on) { g_quiet = on; }

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

static void json_escape_to(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
}

void log_vmsg(enum log_level level, const char *scope, const char *fmt, va_list ap)
{
    if (g_quiet || level > g_level) return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    flockfile(stderr);
    if (g_json) {
        fprintf(stderr, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"scope\":\"", ts,
                (int)(tv.tv_usec / 1000), level_names[level]);
        json_escape_to(stderr, scope ? scope : "hub");
        fputs("\",\"msg\":\"", stderr);
        json_escape_to(stderr, msg);
        fputs("\"}\n", stderr);
    } else {
        fprintf(stderr, "%s.%03dZ %-5s [%s] %s\n", ts, (int)(tv.tv_usec / 1000),
                level_names[level], scope ? scope : "hub", msg);
    }
    funlockfile(stderr);
}

void log_msg(enum log_level level, const char *scope, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, scope, fmt, ap);
    va_end(ap);
}
