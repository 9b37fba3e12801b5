/* libFuzzer target: the cell parser, the command check, completion and
 * inspection at several cursor positions. Built and run by
 * tools/check-long/kernel-fuzz.sh. Input: the cell's code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "kernel_cell.h"
#include "kernel_complete.h"
#include "kernel_inspect.h"

int yc_fuzz_kernel_cell(const uint8_t *data, size_t size) {
    char *code = malloc(size + 1);
    if (!code) return 0;
    memcpy(code, data, size);
    code[size] = '\0';
    size_t len = strlen(code); /* a NUL ends JSON strings as it ends this */
    YcCell cell;
    YcErr err;
    const char *names[YC_MAX_COMMANDS];
    int count = yc_command_names(names, YC_MAX_COMMANDS);
    int rc = yc_cell_parse(code, len, &cell, &err);
    if (rc >= 0) {
        for (int i = 0; i < cell.count; i++) {
            const YcCellCommand *c = &cell.commands[i];
            if (c->argc < 1 || c->argv[c->argc] != NULL) abort();
            for (int k = 0; k < c->argc; k++)
                if (c->words[k].start > c->words[k].end || c->words[k].end > len) abort();
        }
        yc_cell_check(&cell, names, count, &err);
        yc_cell_free(&cell);
    }
    yc_cell_is_complete(code, names, count);
    long cps[3] = {-1, (long)yc_utf8_count(code, len) / 2, 0};
    for (int i = 0; i < 3; i++) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "code", code);
        if (cps[i] >= 0) cJSON_AddNumberToObject(req, "cursor_pos", (double)cps[i]);
        cJSON_Delete(yc_complete_reply(req, NULL));
        cJSON_Delete(yc_inspect_reply(req));
        cJSON_Delete(req);
    }
    free(code);
    return 0;
}

/* tests/unit/test_kernel_fuzz_corpus.c runs the corpus through this target
 * without libFuzzer. */
#ifndef YC_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return yc_fuzz_kernel_cell(data, size); }
#endif
