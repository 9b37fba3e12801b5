/* Shared command-line plumbing: mode lookup, error printing, argument parsing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "textutil.h"

const CliMode *cli_find_mode(const char *name) {
    for (int i = 0; i < cli_mode_count; i++)
        if (strcmp(cli_modes[i].name, name) == 0) return &cli_modes[i];
    return NULL;
}

const char *cli_suggest_mode(const char *name) {
    const char *names[64];
    int n = 0;
    for (int i = 0; i < cli_mode_count && n < 64; i++) names[n++] = cli_modes[i].name;
    return yc_closest(name, names, n);
}

int cli_fail(int status, const YcErr *err) {
    fprintf(stderr, "yoloc: %s\n", err->msg);
    return status;
}

int cli_failf(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("yoloc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

int cli_parse_args(YcArgs *args, const char *mode, int argc, char **argv) {
    YcErr err;
    yc_args_defaults(args);
    if (yc_args_set(args, "mode", mode, YC_SRC_CLI, &err)) return cli_fail(CLI_USAGE, &err);
    if (yc_args_parse_words(args, argc, argv, &err)) return cli_fail(CLI_USAGE, &err);
    return CLI_OK;
}
