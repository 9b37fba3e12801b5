/* yoloc compare RUN RUN ... [project=DIR] [out=FILE]: a table of the runs'
 * best epochs and compare.png, their results.csv curves overlaid. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"

#define USAGE "yoloc compare RUN RUN ... | run=RUN,RUN,... [project=runs/detect] [out=compare.png]"

int cli_mode_compare(int argc, char **argv) {
    const char *names[YC_COMPARE_MAX_RUNS];
    char lists[8][4096];
    int n = 0, nlists = 0;
    const char *project = "", *out = "compare.png";
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (strncmp(w, "project=", 8) == 0 && w[8]) {
            project = w + 8;
        } else if (strncmp(w, "out=", 4) == 0 && w[4]) {
            out = w + 4;
        } else if (strncmp(w, "run=", 4) == 0 && w[4]) {
            if (nlists == 8) return cli_failf(CLI_USAGE, "compare: too many run= lists (usage: %s)", USAGE);
            snprintf(lists[nlists], sizeof lists[nlists], "%s", w + 4);
            for (char *save = NULL, *p = strtok_r(lists[nlists], ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                if (n == YC_COMPARE_MAX_RUNS) return cli_failf(CLI_USAGE, "compare: at most %d runs", YC_COMPARE_MAX_RUNS);
                names[n++] = p;
            }
            nlists++;
        } else if (strchr(w, '=')) {
            return cli_failf(CLI_USAGE, "compare: unknown argument '%s' (usage: %s)", w, USAGE);
        } else {
            if (n == YC_COMPARE_MAX_RUNS) return cli_failf(CLI_USAGE, "compare: at most %d runs", YC_COMPARE_MAX_RUNS);
            names[n++] = w;
        }
    }
    if (n < 2) return cli_failf(CLI_USAGE, "compare: give at least two runs (usage: %s)", USAGE);
    YcCompareRun *runs;
    YcErr err;
    if (yc_compare_load(names, n, project, &runs, &err)) return cli_fail(CLI_FAILED, &err);
    YcStr table;
    yc_str_init(&table);
    yc_compare_table(runs, n, &table);
    fputs(yc_str_cstr(&table), stdout);
    yc_str_free(&table);
    YcPng png;
    int rc = yc_compare_plot(runs, n, &png, &err);
    if (rc == 0) {
        rc = yc_png_save(&png, out, &err);
        yc_png_free(&png);
    }
    yc_compare_free(runs, n);
    if (rc) return cli_fail(CLI_FAILED, &err);
    printf("Curves saved to %s\n", out);
    return CLI_OK;
}
