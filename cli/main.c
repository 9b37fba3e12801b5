/* yoloc: the command-line program. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: yoloc MODE [key=value ...]   (modes: ");
        for (int i = 0; i < cli_mode_count; i++)
            fprintf(stderr, "%s%s", cli_modes[i].name, i + 1 < cli_mode_count ? ", " : ")\n");
        fprintf(stderr, "       yoloc help        for every mode and argument\n");
        return CLI_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) word = "help";
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) word = "version";
    const CliMode *mode = cli_find_mode(word);
    if (!mode) {
        if (strchr(word, '='))
            return cli_failf(CLI_USAGE, "missing MODE before '%s' (yoloc MODE key=value ...; see 'yoloc help')", word);
        const char *near = cli_suggest_mode(word);
        if (near) return cli_failf(CLI_USAGE, "unknown mode '%s' (did you mean '%s'?)", word, near);
        return cli_failf(CLI_USAGE, "unknown mode '%s' (see 'yoloc help' for the modes)", word);
    }
    return mode->run(argc - 2, argv + 2);
}
