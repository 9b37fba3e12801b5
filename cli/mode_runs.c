/* yoloc runs [project=DIR]: the runs of a project as a table, from their run.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runs_list.h"

int cli_mode_runs(int argc, char **argv) {
    const char *project = "runs/detect";
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "project=", 8) == 0 && argv[i][8]) project = argv[i] + 8;
        else return cli_failf(CLI_USAGE, "runs: unknown argument '%s' (usage: yoloc runs [project=DIR])", argv[i]);
    }
    YcRunInfo *runs;
    int count, skipped;
    YcErr err;
    if (yc_runs_list(project, &runs, &count, &skipped, &err)) return cli_fail(CLI_FAILED, &err);
    if (count == 0) {
        printf("no runs in %s (a run is a directory holding run.json)\n", project);
    } else {
        YcStr table;
        yc_str_init(&table);
        yc_runs_table(runs, count, project, &table);
        fputs(yc_str_cstr(&table), stdout);
        yc_str_free(&table);
    }
    if (skipped) fprintf(stderr, "yoloc: runs: %d run.json file(s) in %s could not be read\n", skipped, project);
    free(runs);
    return CLI_OK;
}
