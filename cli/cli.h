/* The yoloc command line: `yoloc MODE [key=value ...]`. Each mode is one
 * function in its own file; cli_modes (modes.c) lists them. Exit status:
 * 0 success, 1 the work failed, 2 bad usage or arguments. */
#ifndef YC_CLI_H
#define YC_CLI_H

#include "args.h"
#include "error.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

typedef struct CliMode {
    const char *name;
    const char *summary;   /* one line for `yoloc help` */
    const char *usage;     /* e.g. "yoloc train model=... data=... [key=value ...]" */
    int (*run)(int argc, char **argv); /* argv holds the words after the mode */
} CliMode;

extern const CliMode cli_modes[];
extern const int cli_mode_count;

const CliMode *cli_find_mode(const char *name);
/* The closest mode name to a mistyped one, or NULL. */
const char *cli_suggest_mode(const char *name);

/* Prints "yoloc: <message>" to stderr and returns the given exit status. */
int cli_fail(int status, const YcErr *err);
int cli_failf(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Defaults, then mode=MODE, then the words (cfg= first). Prints the error and
 * returns CLI_USAGE on bad arguments, CLI_OK otherwise. */
int cli_parse_args(YcArgs *args, const char *mode, int argc, char **argv);

/* Mode entry points. */
int cli_mode_help(int argc, char **argv);
int cli_mode_version(int argc, char **argv);
int cli_mode_train(int argc, char **argv);
int cli_mode_val(int argc, char **argv);
int cli_mode_predict(int argc, char **argv);
int cli_mode_info(int argc, char **argv);
int cli_mode_cfg(int argc, char **argv);
int cli_mode_runs(int argc, char **argv);
int cli_mode_plot(int argc, char **argv);
int cli_mode_compare(int argc, char **argv);
int cli_mode_devices(int argc, char **argv);
int cli_mode_cocoeval(int argc, char **argv);
int cli_mode_dataset(int argc, char **argv);
int cli_mode_convert(int argc, char **argv);

#endif
