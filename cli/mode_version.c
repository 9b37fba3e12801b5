/* yoloc version */
#include <stdio.h>

#include "cli.h"
#include "version.h"
#ifdef YC_WITH_CUDA
#include "cuda_device.h"
#endif

int cli_mode_version(int argc, char **argv) {
    (void)argv;
    if (argc > 0) return cli_failf(CLI_USAGE, "version: takes no arguments");
#ifdef YC_WITH_CUDA
    const char *backends = "cpu, cuda";
#else
    const char *backends = "cpu";
#endif
    printf("yoloc %s (backends: %s)\n", YC_VERSION, backends);
#ifdef YC_WITH_CUDA
    int gpus = yc_cuda_device_count();
    if (gpus == 0) printf("CUDA: no device found\n");
    for (int i = 0; i < gpus; i++) {
        char desc[256];
        if (yc_cuda_device_describe(i, desc, sizeof desc) == 0) printf("CUDA:%d %s\n", i, desc);
    }
#endif
    return CLI_OK;
}
