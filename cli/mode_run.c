/* train, val, predict and info: the argument front end. The work behind each
 * mode arrives with the trainer (issues 3-6); until then the arguments are
 * parsed and checked, and the mode says plainly that it cannot run yet. */
#include <stdio.h>

#include "cli.h"

static int parse_then_refuse(const char *mode, int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, mode, argc, argv);
    if (rc != CLI_OK) return rc;
    return cli_failf(CLI_FAILED, "%s: arguments are valid, but this build has no %s engine yet", mode, mode);
}

int cli_mode_train(int argc, char **argv) { return parse_then_refuse("train", argc, argv); }
int cli_mode_val(int argc, char **argv) { return parse_then_refuse("val", argc, argv); }
int cli_mode_predict(int argc, char **argv) { return parse_then_refuse("predict", argc, argv); }
int cli_mode_info(int argc, char **argv) { return parse_then_refuse("train", argc, argv); }
