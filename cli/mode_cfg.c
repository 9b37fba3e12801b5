/* yoloc cfg [cfg=FILE] [key=value ...]: prints the resolved arguments as the
 * YAML that args.yaml holds and cfg= reads back. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_mode_cfg(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "train", argc, argv);
    if (rc != CLI_OK) return rc;
    size_t cap = 64 * 1024;
    char *yaml = malloc(cap);
    if (!yaml) return cli_failf(CLI_FAILED, "cfg: out of memory");
    int len = yc_args_to_yaml(&args, yaml, cap);
    if (len < 0) {
        free(yaml);
        return cli_failf(CLI_FAILED, "cfg: arguments do not fit the buffer");
    }
    fwrite(yaml, 1, (size_t)len, stdout);
    free(yaml);
    return CLI_OK;
}
