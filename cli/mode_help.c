/* yoloc help [MODE|KEY] */
#include <stdio.h>
#include <string.h>

#include "args_help.h"
#include "cli.h"
#include "version.h"

static void print_overview(void) {
    printf("yoloc %s: YOLO object-detector training in C (Ultralytics-compatible arguments)\n\n", YC_VERSION);
    printf("Usage: yoloc MODE [key=value ...]\n\nModes:\n");
    for (int i = 0; i < cli_mode_count; i++) printf("  %-9s %s\n", cli_modes[i].name, cli_modes[i].summary);
    printf("\nArguments (key=value; the column after the name is the default):\n");
    YcStr table;
    yc_str_init(&table);
    yc_args_help_table(&table);
    fputs(yc_str_cstr(&table), stdout);
    yc_str_free(&table);
    printf("\nBooleans take true/false/True/False/1/0; a bare boolean key means true.\n"
           "cfg=FILE.yaml loads key: value pairs first; keys on the command line override them.\n"
           "'yoloc help KEY' explains one argument; 'yoloc help MODE' shows one mode's usage.\n");
}

int cli_mode_help(int argc, char **argv) {
    if (argc == 0) {
        print_overview();
        return CLI_OK;
    }
    if (argc > 1) return cli_failf(CLI_USAGE, "help: expected at most one MODE or KEY, got %d words", argc);
    const char *topic = argv[0];
    const CliMode *mode = cli_find_mode(topic);
    if (mode) {
        printf("yoloc %s: %s\nusage: %s\n", mode->name, mode->summary, mode->usage);
        if (!yc_arg_find(topic)) return CLI_OK;
        printf("\n"); /* also an argument (val): explain both */
    }
    YcStr text;
    YcErr err;
    yc_str_init(&text);
    int rc = yc_arg_help(topic, &text, &err);
    if (rc == 0) fputs(yc_str_cstr(&text), stdout);
    yc_str_free(&text);
    return rc == 0 ? CLI_OK : cli_fail(CLI_USAGE, &err);
}
