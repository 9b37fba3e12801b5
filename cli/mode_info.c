/* yoloc info model=yolov8n.yaml|WEIGHTS.safetensors [nc=80] [imgsz=640]:
 * builds the model (or loads the weights) and prints the reference's one-line
 * summary (layers, parameters, gradients, GFLOPs at imgsz). nc= is a word of
 * this mode only (training takes nc from the dataset; weights carry theirs),
 * so it is taken out before the shared argument parser. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "model.h"

int cli_mode_info(int argc, char **argv) {
    int nc = 0;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return cli_failf(CLI_FAILED, "out of memory");
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "nc=", 3) == 0) {
            char *end;
            long v = strtol(argv[i] + 3, &end, 10);
            if (*end || end == argv[i] + 3 || v < 1 || v > 100000) {
                free(rest);
                return cli_failf(CLI_USAGE, "nc: expected an integer >= 1, got '%s'", argv[i] + 3);
            }
            nc = (int)v;
        } else {
            rest[n++] = argv[i];
        }
    }
    YcArgs args;
    int rc = cli_parse_args(&args, "train", n, rest);
    free(rest);
    if (rc != CLI_OK) return rc;
    if (!args.model[0]) return cli_failf(CLI_USAGE, "info: model= is required, e.g. model=yolov8n.yaml");
    YcErr err;
    YcBackend *be = yc_backend_cpu_create(1, &err);
    if (!be) return cli_fail(CLI_FAILED, &err);
    bool weights = yc_model_is_weights_path(args.model);
    if (weights && nc > 0) {
        yc_backend_destroy(be);
        return cli_failf(CLI_USAGE, "info: nc= applies to model YAMLs; %s has its own classes", args.model);
    }
    YcModel *m = weights ? yc_model_from_weights(args.model, be, &err) : yc_model_build(args.model, nc, be, &err);
    if (!m) {
        yc_backend_destroy(be);
        return cli_fail(CLI_FAILED, &err);
    }
    char line[256];
    yc_model_summary_line(m, args.imgsz.h, args.imgsz.w, line, sizeof line);
    printf("%s\n", line);
    yc_model_free(m);
    yc_backend_destroy(be);
    return CLI_OK;
}
