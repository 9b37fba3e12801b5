/* yoloc predict: parses and checks its arguments; the engine behind it arrives
 * with prediction (issue 6). */
#include "cli.h"

int cli_mode_predict(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "predict", argc, argv);
    if (rc != CLI_OK) return rc;
    return cli_failf(CLI_FAILED, "predict: arguments are valid, but this build cannot run predict yet");
}
