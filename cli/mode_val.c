/* yoloc val: parses and checks its arguments; the engine behind it arrives
 * with validation (issue 6). */
#include "cli.h"

int cli_mode_val(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "val", argc, argv);
    if (rc != CLI_OK) return rc;
    return cli_failf(CLI_FAILED, "val: arguments are valid, but this build cannot run val yet");
}
