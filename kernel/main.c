/* yoloc-kernel: the Jupyter kernel (issue 8 builds it out). */
#include <stdio.h>
#include <string.h>

#include "version.h"

int main(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0)) {
        printf("yoloc-kernel %s\n", YC_VERSION);
        return 0;
    }
    fprintf(stderr, "yoloc-kernel: the Jupyter protocol is not built yet\n");
    return 2;
}
