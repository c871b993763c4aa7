/* hubctl - the operator's command line.  `hubctl --help` lists the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hubctl/hubctl.h"

extern const struct hubctl_cmd cmd_status, cmd_product, cmd_stock, cmd_ledger, cmd_map,
    cmd_reload, cmd_import, cmd_exceptions, cmd_dlq, cmd_reconcile, cmd_dryrun, cmd_token, cmd_plugins;
extern const struct hubctl_cmd cmd_funnel;
extern const struct hubctl_cmd cmd_ship;

static const struct hubctl_cmd *const commands[] = {
    &cmd_status, &cmd_import, &cmd_product, &cmd_stock, &cmd_ledger,
    &cmd_map,    &cmd_reload, &cmd_exceptions, &cmd_dlq, &cmd_reconcile, &cmd_dryrun, &cmd_token, &cmd_plugins,
    &cmd_funnel, &cmd_ship,
};

static void usage(FILE *f)
{
    fputs("usage: hubctl [--config DIR] [--json] [--quiet] <command> [args]\n\n"
          "The operator's command line for hubd: read and change a tenant's catalog and\n"
          "stock, explain numbers, preview mappings, import catalogs.\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nglobal options:\n"
          "  --config DIR  configuration directory (default $HUB_CONFIG or ./conf.d)\n"
          "  --json        machine-readable output on stdout\n"
          "  --quiet       no progress output\n"
          "  --verbose     show the core's log lines (plugin loading, scripts) on stderr\n"
          "  --help        this text; `hubctl <command> --help` for one command\n", f);
}

static void cmd_usage(const struct hubctl_cmd *c, FILE *f)
{
    fprintf(f, "usage: hubctl %s\n\n%s\n", c->usage, c->summary);
    if (c->help && *c->help) fprintf(f, "\n%s", c->help);
    fputs("\noptions: --json (machine-readable output), --config DIR, --help\n", f);
}

/* Pull the global flags out of argv wherever they are; returns the new argc. */
static int take_globals(struct hubctl *ctl, int argc, char **argv, int *help)
{
    int out = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) ctl->json = 1;
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) ctl->quiet = 1;
        else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) log_set_quiet(0);
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) *help = 1;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) ctl->config_dir = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0) ctl->config_dir = argv[i] + 9;
        else argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    struct hubctl ctl = {0};
    ctl.config_dir = getenv("HUB_CONFIG") ? getenv("HUB_CONFIG") : "conf.d";
    int help = 0;
    log_set_quiet(1);
    argc = take_globals(&ctl, argc - 1, argv + 1, &help);
    argv = argv + 1;
    if (argc == 0) {
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    const struct hubctl_cmd *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i]->name, argv[0]) == 0) cmd = commands[i];
    if (!cmd) {
        fprintf(stderr, "hubctl: unknown command '%s' (see hubctl --help)\n", argv[0]);
        return 2;
    }
    if (help) {
        cmd_usage(cmd, stdout);
        return 0;
    }
    int rc = cmd->run(&ctl, argc, argv);
    if (rc == 2) cmd_usage(cmd, stderr);
    if (ctl.cfg) config_free(ctl.cfg);
    return rc;
}
