/* common.c - what every hubctl command shares: config, tenants, output, hubd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

struct hub_config *hubctl_config(struct hubctl *ctl)
{
    if (ctl->cfg) return ctl->cfg;
    struct config_errors errs = {0};
    if (config_load(ctl->config_dir, &ctl->cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.items[i]);
        if (errs.n == 0) fprintf(stderr, "hubctl: cannot load configuration from %s\n", ctl->config_dir);
        config_errors_free(&errs);
        ctl->cfg = NULL;
        return NULL;
    }
    config_errors_free(&errs);
    return ctl->cfg;
}

struct tenant *hubctl_tenant(struct hubctl *ctl, const char *name, int write)
{
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return NULL;
    const struct tenant_config *tc = config_tenant(cfg, name);
    if (!tc) {
        hubctl_fail(ctl, "no tenant '%s' in %s", name, ctl->config_dir);
        return NULL;
    }
    struct tenant *t = NULL;
    char err[1024];
    if (tenant_open(&t, cfg, tc, write ? 0 : TENANT_READONLY, err, sizeof err) != 0) {
        hubctl_fail(ctl, "%s", err);
        return NULL;
    }
    return t;
}

void hubctl_print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(v);
}

int hubctl_fail(struct hubctl *ctl, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctl->json) hubctl_print_json(json_pack("{s:s}", "error", msg));
    else fprintf(stderr, "hubctl: %s\n", msg);
    return 1;
}

static int admin_connect(struct hubctl *ctl)
{
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg || !cfg->admin_socket) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    str_copy(sa.sun_path, cfg->admin_socket, sizeof sa.sun_path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

json_t *hubctl_ask(struct hubctl *ctl, json_t *request)
{
    int fd = admin_connect(ctl);
    if (fd < 0) return NULL;
    char *line = json_dumps(request, JSON_COMPACT);
    size_t len = strlen(line);
    int ok = write(fd, line, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    free(line);
    json_t *resp = NULL;
    if (ok) {
        FILE *f = fdopen(fd, "r");
        if (f) {
            char *buf = NULL;
            size_t cap = 0;
            if (getline(&buf, &cap, f) > 0) resp = json_loads(buf, 0, NULL);
            free(buf);
            fclose(f);
            return resp;
        }
    }
    close(fd);
    return NULL;
}

void hubctl_kick(struct hubctl *ctl, const char *tenant)
{
    json_t *req = json_pack("{s:s, s:s}", "cmd", "kick", "tenant", tenant);
    json_decref(hubctl_ask(ctl, req));
    json_decref(req);
}

void hubctl_progress(struct hubctl *ctl, const char *what, size_t done, size_t total)
{
    if (ctl->quiet || ctl->json || !isatty(STDERR_FILENO)) return;
    static uint64_t last;
    uint64_t now = mono_ms();
    if (done != total && now - last < 100) return;
    last = now;
    int width = 30;
    int fill = total ? (int)((double)done / (double)total * width) : 0;
    if (fill > width) fill = width;
    fprintf(stderr, "\r%-10s [%.*s%*s] %zu/%zu", what, fill, "##############################",
            width - fill, "", done, total);
    fflush(stderr);
}

void hubctl_progress_end(struct hubctl *ctl)
{
    if (ctl->quiet || ctl->json || !isatty(STDERR_FILENO)) return;
    fputs("\n", stderr);
}
