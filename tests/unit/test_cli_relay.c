/* The worker's event relay (cli/relay.c): events arrive as the JSON of
 * yc_event_to_json, in order; without a listener sending never blocks, the
 * queue is bounded and closing is bounded by the linger time. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zmq.h>

#include "check.h"
#include "relay.h"

static double now_s(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static void test_events_arrive_in_order_as_json(void) {
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHECK(zmq_bind(pull, "tcp://127.0.0.1:*") == 0);
    char endpoint[128];
    size_t len = sizeof endpoint;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, endpoint, &len);
    setenv("YOLOC_EVENTS", endpoint, 1);
    CliRelay *relay = NULL;
    YcErr err;
    CHECK(cli_relay_open_env(&relay, &err) == 0 && relay != NULL);
    YcEventBus bus;
    yc_events_init(&bus);
    yc_events_subscribe(&bus, cli_relay_event, relay);
    for (int i = 1; i <= 50; i++) {
        YcEvent e = {.type = YC_EVENT_BATCH_END, .epoch = 1, .batch = i, .batches = 50, .losses = {1, 2, 3}};
        yc_events_emit(&bus, &e);
    }
    YcEvent fin = {.type = YC_EVENT_FINISHED, .run_dir = "runs/detect/train", .best_epoch = 1};
    yc_events_emit(&bus, &fin);
    cli_relay_close(relay);  /* flushes */
    int timeout = 2000;
    zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    char buf[4096];
    int in_order = 1;
    for (int i = 1; i <= 51; i++) {
        int n = zmq_recv(pull, buf, sizeof buf - 1, 0);
        CHECK(n > 0);
        if (n <= 0) break;
        buf[n] = '\0';
        YcEventOwned *ev = malloc(sizeof *ev);
        CHECK(yc_event_from_json(buf, ev) == 0);
        if (i <= 50) in_order &= ev->event.type == YC_EVENT_BATCH_END && ev->event.batch == i;
        else CHECK(ev->event.type == YC_EVENT_FINISHED && strcmp(ev->event.run_dir, "runs/detect/train") == 0);
        free(ev);
    }
    CHECK(in_order);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    unsetenv("YOLOC_EVENTS");
}

static void test_no_relay_without_the_variable(void) {
    unsetenv("YOLOC_EVENTS");
    CliRelay *relay = (CliRelay *)1;
    YcErr err;
    CHECK(cli_relay_open_env(&relay, &err) == 0 && relay == NULL);
    cli_relay_event(&(YcEvent){.type = YC_EVENT_LOG}, NULL); /* harmless */
    cli_relay_close(NULL);
    setenv("YOLOC_EVENTS", "not an endpoint", 1);
    CHECK(cli_relay_open_env(&relay, &err) == -1 && strstr(err.msg, "YOLOC_EVENTS=not an endpoint"));
    unsetenv("YOLOC_EVENTS");
}

static void test_a_gone_kernel_never_blocks_training(void) {
    /* a port nobody listens on (bound, then closed) */
    void *ctx = zmq_ctx_new();
    void *tmp = zmq_socket(ctx, ZMQ_PULL);
    zmq_bind(tmp, "tcp://127.0.0.1:*");
    char endpoint[128];
    size_t len = sizeof endpoint;
    zmq_getsockopt(tmp, ZMQ_LAST_ENDPOINT, endpoint, &len);
    zmq_close(tmp);
    zmq_ctx_term(ctx);
    YcErr err;
    CliRelay *relay = cli_relay_open(endpoint, &err);
    CHECK(relay != NULL);
    double t0 = now_s();
    for (int i = 0; i < 5000; i++) cli_relay_event(&(YcEvent){.type = YC_EVENT_BATCH_END, .batch = i}, relay);
    double sending = now_s() - t0;
    CHECK(sending < 1.0);
    CHECK(cli_relay_dropped(relay) >= 5000 - CLI_RELAY_QUEUE - 100);
    t0 = now_s();
    cli_relay_close(relay);
    CHECK(now_s() - t0 < CLI_RELAY_LINGER_MS / 1000.0 + 0.5);
}

int main(void) {
    static const CheckCase cases[] = {
        {"events_arrive_in_order_as_json", test_events_arrive_in_order_as_json},
        {"no_relay_without_the_variable", test_no_relay_without_the_variable},
        {"a_gone_kernel_never_blocks_training", test_a_gone_kernel_never_blocks_training},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
