/* Event delivery order and the JSON form used by the kernel relay. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "events.h"

static int order[4], seen;

static void first(const YcEvent *e, void *user) {
    (void)e;
    order[seen++] = *(int *)user;
}

static void test_subscribers_in_order(void) {
    YcEventBus bus;
    yc_events_init(&bus);
    int a = 1, b = 2;
    seen = 0;
    CHECK(yc_events_subscribe(&bus, first, &a) == 0);
    CHECK(yc_events_subscribe(&bus, first, &b) == 0);
    YcEvent e = {.type = YC_EVENT_LOG, .message = "hello"};
    yc_events_emit(&bus, &e);
    CHECK(seen == 2 && order[0] == 1 && order[1] == 2);
    CHECK(e.wall_time > 1.6e9);
}

static void test_json_round_trip(void) {
    YcEvent e = {.type = YC_EVENT_EPOCH_END, .wall_time = 1700000000.25, .epoch = 3, .epochs = 10,
                 .losses = {1.5, 2.25, NAN}, .map50_95 = 0.125, .lr = {0.01, 0.02, 0.03},
                 .run_dir = "runs/detect/train", .message = "line \"quoted\"\nnext"};
    YcStr s;
    yc_str_init(&s);
    yc_event_to_json(&e, &s);
    CHECK(strstr(yc_str_cstr(&s), "\"type\":\"epoch_end\"") != NULL);
    CHECK(strchr(yc_str_cstr(&s), '\n') == NULL);
    YcEventOwned back;
    CHECK(yc_event_from_json(yc_str_cstr(&s), &back) == 0);
    CHECK(back.event.type == YC_EVENT_EPOCH_END && back.event.epoch == 3 && back.event.epochs == 10);
    CHECK_NEAR(back.event.losses[1], 2.25, 0);
    CHECK(isnan(back.event.losses[2]));
    CHECK_NEAR(back.event.map50_95, 0.125, 0);
    CHECK_NEAR(back.event.wall_time, 1700000000.25, 0);
    CHECK_STR(back.event.run_dir, "runs/detect/train");
    CHECK_STR(back.event.message, "line \"quoted\"\nnext");
    CHECK(back.event.path == NULL);
    yc_str_free(&s);
    CHECK(yc_event_from_json("{\"type\":\"nonsense\"}", &back) != 0);
    CHECK(yc_event_from_json("not json", &back) != 0);
}

int main(void) {
    static const CheckCase cases[] = {
        {"subscribers_in_order", test_subscribers_in_order},
        {"json_round_trip", test_json_round_trip},
    };
    return check_run(cases, 2);
}
