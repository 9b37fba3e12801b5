/* The console printer's lines, compared with the reference's format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"

static char *capture(const YcEvent *events, int n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    YcConsole c;
    yc_console_init(&c, out, out);
    c.interactive = false;
    for (int i = 0; i < n; i++) {
        YcEvent e = events[i];
        yc_console_on_event(&e, &c);
    }
    fclose(out);
    return buf;
}

static void test_epoch_lines(void) {
    YcEvent events[] = {
        {.type = YC_EVENT_EPOCH_START, .wall_time = 100, .epoch = 1, .epochs = 3, .batches = 2},
        {.type = YC_EVENT_BATCH_END, .wall_time = 101, .epoch = 1, .epochs = 3, .batch = 1, .batches = 2,
         .losses = {1.5, 2.25, 1.125}, .instances = 17, .imgsz = 320, .elapsed_s = 1},
        {.type = YC_EVENT_BATCH_END, .wall_time = 102, .epoch = 1, .epochs = 3, .batch = 2, .batches = 2,
         .losses = {1.25, 2.5, 1.0625}, .instances = 12, .imgsz = 320, .elapsed_s = 2},
    };
    char *text = capture(events, 3);
    /* the header, then only the finished line (not a terminal) */
    const char *want =
        "\n      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size\n"
        "        1/3         0G       1.25        2.5      1.062         12        320: 100% ━━━━━━━━━━━━ 2/2 "
        "1.0it/s 2.0s\n";
    CHECK_STR(text, want);
    free(text);
}

static void test_validation_lines(void) {
    YcEvent events[] = {
        {.type = YC_EVENT_VAL_START, .wall_time = 10, .batches = 1},
        {.type = YC_EVENT_VAL_BATCH, .wall_time = 12, .batch = 1, .batches = 1},
        {.type = YC_EVENT_VAL_END, .wall_time = 12, .message = "                   all          4         17\n"},
    };
    char *text = capture(events, 3);
    CHECK(strstr(text, "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95): "
                       "100% ━━━━━━━━━━━━ 1/1 2.0s/it 2.0s\n") == text);
    CHECK(strstr(text, "all          4         17\n") != NULL);
    free(text);
}

int main(void) {
    static const CheckCase cases[] = {
        {"epoch_lines", test_epoch_lines},
        {"validation_lines", test_validation_lines},
    };
    return check_run(cases, 2);
}
