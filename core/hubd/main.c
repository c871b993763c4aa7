/* hubd - the connector hub daemon.  `hubd --help` for usage. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "hubd/admin.h"
#include "hubd/check.h"
#include "hubd/http.h"
#include "sync/runtime.h"

static void usage(FILE *f)
{
    fputs("usage: hubd [--config DIR] [--check] [--config-doc] [--log-level L] [--json-logs]\n\n"
          "Keeps each tenant's catalog and stock in LMDB and every sales channel in step.\n\n"
          "  --config DIR     configuration directory: hub.conf + <tenant>.conf\n"
          "                   (default $HUB_CONFIG or ./conf.d)\n"
          "  --check          validate config, plugins, plugin settings, scripts and stores; exit\n"
          "  --config-doc     print every hub.conf / tenant key with its default; exit\n"
          "  --log-level L    error | warn | info | debug (overrides hub.conf)\n"
          "  --json-logs      log JSON lines instead of text\n"
          "  --help           this text\n\n"
          "Signals: SIGINT/SIGTERM stop gracefully (queued events are committed first).\n", f);
}

static struct hubd g_hubd;

static void on_signal(uv_signal_t *h, int signum)
{
    log_info("hubd", "signal %d: stopping", signum);
    struct hubd *d = h->data;
    hubd_http_stop(d);
    admin_stop(d);
    hubd_stop(d);
    uv_signal_stop(&d->sigint);
    uv_signal_stop(&d->sigterm);
    uv_close((uv_handle_t *)&d->sigint, NULL);
    uv_close((uv_handle_t *)&d->sigterm, NULL);
}

/* One hubd per data directory: two would push the same outbox twice. */
static int take_lock(const char *data_dir)
{
    mkdir_p(data_dir, 0700);
    char *path = xasprintf("%s/hubd.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "?";
        if (fd >= 0) {
            ssize_t n = read(fd, pid, sizeof pid - 1);
            pid[n > 0 ? n : 0] = '\0';
        }
        fprintf(stderr, "hubd: another hubd (pid %s) is using %s\n", pid, data_dir);
        free(path);
        return -1;
    }
    if (ftruncate(fd, 0) == 0) dprintf(fd, "%d\n", (int)getpid());
    free(path);
    return fd; /* kept open (and locked) until exit */
}

int main(int argc, char **argv)
{
    const char *dir = getenv("HUB_CONFIG") ? getenv("HUB_CONFIG") : "conf.d";
    int check = 0, doc = 0, json_logs = 0;
    const char *level = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "--check") == 0) check = 1;
        else if (strcmp(argv[i], "--config-doc") == 0) doc = 1;
        else if (strcmp(argv[i], "--json-logs") == 0) json_logs = 1;
        else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) level = argv[++i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage(stdout); return 0; }
        else { fprintf(stderr, "hubd: unknown argument '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if (doc) {
        config_print_docs(0);
        return 0;
    }
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    if (config_load(dir, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.items[i]);
        fprintf(stderr, "hubd: configuration has %zu error(s); not starting\n", errs.n);
        config_errors_free(&errs);
        return 1;
    }
    config_errors_free(&errs);
    log_set_level((enum log_level)cfg->log_level);
    log_set_json(cfg->log_json || json_logs);
    if (level) {
        int l = log_level_parse(level);
        if (l < 0) { fprintf(stderr, "hubd: unknown log level '%s'\n", level); config_free(cfg); return 2; }
        log_set_level((enum log_level)l);
    }
    int errors = hubd_check(cfg, check ? stdout : stderr, check, check);
    if (check) {
        printf("%s: %d error(s), %zu tenant(s)\n", dir, errors, cfg->n_tenants);
        config_free(cfg);
        return errors ? 1 : 0;
    }
    if (errors) {
        fprintf(stderr, "hubd: %d error(s); not starting (hubd --check shows them)\n", errors);
        config_free(cfg);
        return 1;
    }
    int lock = take_lock(cfg->data_dir);
    if (lock < 0) { config_free(cfg); return 1; }
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t *loop = uv_default_loop();
    char err[1024];
    struct hubd *d = &g_hubd;
    if (hubd_start(d, loop, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "hubd: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (admin_start(d, cfg->admin_socket, err, sizeof err) != 0 ||
        hubd_http_start(d, cfg->listen, err, sizeof err) != 0) {
        fprintf(stderr, "hubd: %s\n", err);
        rc = 1;
        admin_stop(d);
        hubd_stop(d);
    } else {
        uv_signal_init(loop, &d->sigint);
        uv_signal_init(loop, &d->sigterm);
        d->sigint.data = d->sigterm.data = d;
        uv_signal_start(&d->sigint, on_signal, SIGINT);
        uv_signal_start(&d->sigterm, on_signal, SIGTERM);
        log_info("hubd", "ready: %zu tenant(s), http %s, admin %s", cfg->n_tenants, cfg->listen, cfg->admin_socket);
        /* Tests wait for this line on stdout. */
        printf("hubd ready\n");
        fflush(stdout);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    hubd_free(d);
    uv_run(loop, UV_RUN_DEFAULT); /* close callbacks of anything freed late */
    uv_loop_close(loop);
    config_free(cfg);
    close(lock);
    log_info("hubd", "stopped");
    return rc;
}
