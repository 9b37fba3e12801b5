/* yoloc info: parses and checks its arguments; the engine behind it arrives
 * with the model (issue 3). */
#include "cli.h"

int cli_mode_info(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "train", argc, argv);
    if (rc != CLI_OK) return rc;
    return cli_failf(CLI_FAILED, "info: arguments are valid, but this build cannot run info yet");
}
