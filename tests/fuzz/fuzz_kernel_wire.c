/* libFuzzer target: the kernel's wire parser and the request handlers that
 * read a message's content (complete, inspect, history, is_complete).
 * Built and run by tools/check-long/kernel-fuzz.sh.
 *
 * Input: byte 0 = flags (bit 0: keyed, bit 1: sign the frames correctly so
 * that the JSON is reached, bit 2: replay check), then frames separated by
 * 0x1f bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "kernel_complete.h"
#include "kernel_history.h"
#include "kernel_inspect.h"
#include "kernel_wire.h"

#define MAX_FRAMES 40

int yc_fuzz_kernel_wire(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t flags = data[0];
    YcFrame frames[MAX_FRAMES];
    int n = 0;
    size_t start = 1;
    for (size_t i = 1; i <= size && n < MAX_FRAMES; i++) {
        if (i == size || data[i] == 0x1f) {
            frames[n++] = (YcFrame){data + start, i - start};
            start = i + 1;
        }
    }
    YcHmac hmac;
    YcErr err;
    yc_hmac_init(&hmac, (flags & 1) ? "fuzz-key" : "", (flags & 1) ? 8 : 0, &err);
    char sig[65];
    if ((flags & 3) == 3) {
        /* put a correct signature after the delimiter, if there is one */
        for (int i = 0; i + 5 < n; i++)
            if (frames[i].size == 9 && memcmp(frames[i].data, "<IDS|MSG>", 9) == 0) {
                const void *parts[4];
                size_t sizes[4];
                for (int k = 0; k < 4; k++) parts[k] = frames[i + 2 + k].data, sizes[k] = frames[i + 2 + k].size;
                yc_hmac_sign(&hmac, parts, sizes, 4, sig);
                frames[i + 1] = (YcFrame){sig, 64};
                break;
            }
    }
    static YcReplaySet replay;
    static int replay_ready;
    if (!replay_ready) replay_ready = yc_replay_init(&replay, 1024) == 0;
    YcWireMsg msg;
    if (yc_wire_parse(frames, n, &hmac, (flags & 4) ? &replay : NULL, &msg, &err) == YC_WIRE_OK) {
        cJSON_Delete(yc_complete_reply(msg.content, NULL));
        cJSON_Delete(yc_inspect_reply(msg.content));
        YcHistory h;
        yc_history_init(&h);
        yc_history_add(&h, 1, "help", NULL);
        yc_history_add(&h, 2, "cfg epochs=3", "epochs: 3");
        cJSON_Delete(yc_history_reply(&h, msg.content));
        yc_history_free(&h);
        const char *names[YC_MAX_COMMANDS];
        int count = yc_command_names(names, YC_MAX_COMMANDS);
        yc_cell_is_complete(yc_msg_str(msg.content, "code", ""), names, count);
        yc_wire_free(&msg);
    }
    yc_hmac_free(&hmac);
    return 0;
}

/* tests/unit/test_kernel_fuzz_corpus.c runs the corpus through this target
 * without libFuzzer. */
#ifndef YC_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return yc_fuzz_kernel_wire(data, size); }
#endif
