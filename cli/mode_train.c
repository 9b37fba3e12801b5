/* yoloc train: parses and checks its arguments; the engine behind it arrives
 * with the trainer (issue 4) and the data pipeline (issue 5). */
#include "cli.h"

int cli_mode_train(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "train", argc, argv);
    if (rc != CLI_OK) return rc;
    return cli_failf(CLI_FAILED, "train: arguments are valid, but this build cannot run train yet");
}
