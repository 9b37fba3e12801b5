/* yoloc devices [device=...]: what this build and machine can train on (the
 * CPU; the CUDA devices of a GPU=1 build), and, with device=, what that
 * choice opens here, or why it cannot (a query: exit status 0 either way). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "device.h"
#include "error.h"
#ifdef YC_WITH_CUDA
#include "cuda_device.h"
#endif

int cli_mode_devices(int argc, char **argv) {
    YcArgs args;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "device=", 7) != 0)
            return cli_failf(CLI_USAGE, "devices: unknown argument '%s' (usage: yoloc devices [device=0,1])", argv[i]);
    int rc = cli_parse_args(&args, "train", argc, argv);
    if (rc != CLI_OK) return rc;
    YcErr err;
    YcDevice cpu = {.kind = YC_DEVICE_CPU};
    char text[512];
    YcBackend *be = yc_device_open(&cpu, args.amp, text, sizeof text, &err);
    if (be) {
        printf("cpu: %s\n", text);
        yc_backend_destroy(be);
    }
#ifdef YC_WITH_CUDA
    int n = yc_cuda_device_count();
    printf("cuda: %d device%s\n", n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++) {
        if (yc_cuda_device_describe(i, text, sizeof text) != 0) snprintf(text, sizeof text, "(cannot describe it)");
        printf("  %d: %s\n", i, text);
    }
#else
    printf("cuda: not in this build (make GPU=1 builds the CUDA backend)\n");
#endif
    for (int i = 0; i < argc; i++) { /* the asked-for choice, exactly as train would open it */
        be = yc_device_open(&args.device, args.amp, text, sizeof text, &err);
        if (be) printf("%s: trains on %s\n", argv[i], text);
        else printf("%s: not available here: %s\n", argv[i], err.msg);
        yc_backend_destroy(be);
    }
    return CLI_OK;
}
