/* Runs the fuzz corpus (tests/fuzz/kernel_wire, tests/fuzz/kernel_cell)
 * through the fuzz targets without libFuzzer, so that every input that once
 * crashed stays fixed in `make test` and `make asan`. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#define YC_FUZZ_NO_ENTRY
#include "../fuzz/fuzz_kernel_cell.c"
#include "../fuzz/fuzz_kernel_wire.c"
#include "check.h"
#include "fileio.h"

static int run_dir(const char *dir, int (*target)(const uint8_t *, size_t)) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *data = NULL;
        size_t size = 0;
        YcErr err;
        if (yc_read_file(path, &data, &size, &err)) continue;
        target((const uint8_t *)data, size);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void test_wire_corpus(void) { CHECK(run_dir("tests/fuzz/kernel_wire", yc_fuzz_kernel_wire) >= 4); }
static void test_cell_corpus(void) { CHECK(run_dir("tests/fuzz/kernel_cell", yc_fuzz_kernel_cell) >= 4); }

int main(void) {
    static const CheckCase cases[] = {
        {"wire_corpus", test_wire_corpus},
        {"cell_corpus", test_cell_corpus},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
