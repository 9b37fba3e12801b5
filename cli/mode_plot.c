/* yoloc plot KIND run=DIR [out=FILE]: renders one plot from a run's files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "plot.h"

static int usage_error(const char *what) {
    return cli_failf(CLI_USAGE,
                     "plot: %s (usage: yoloc plot results|pr|f1|p|r|confusion|confusion_normalized|labels|batch "
                     "run=DIR [out=FILE])",
                     what);
}

int cli_mode_plot(int argc, char **argv) {
    if (argc < 1) return usage_error("which plot?");
    YcPlotKind kind;
    if (yc_plot_kind_parse(argv[0], &kind)) {
        char what[256];
        snprintf(what, sizeof what, "unknown plot '%s'", argv[0]);
        return usage_error(what);
    }
    const char *run = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "run=", 4) == 0 && argv[i][4]) run = argv[i] + 4;
        else if (strncmp(argv[i], "out=", 4) == 0 && argv[i][4]) out = argv[i] + 4;
        else {
            char what[512];
            snprintf(what, sizeof what, "unknown argument '%s'", argv[i]);
            return usage_error(what);
        }
    }
    if (!run) return usage_error("run=DIR is required");
    char path[4096];
    if (!out) {
        if (yc_path_join(path, sizeof path, run, yc_plot_file_name(kind))) return usage_error("run= path too long");
        out = path;
    }
    YcErr err;
    if (yc_plot_render_file(run, kind, out, &err)) return cli_fail(CLI_FAILED, &err);
    printf("%s\n", out);
    return CLI_OK;
}
