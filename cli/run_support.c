/* Event subscribers, stop signals and the command line shared by the modes
 * that run a loop (train, val). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "model.h"
#include "safetensors.h"
#include "relay.h"
#include "tracker.h"
#include "train_flow.h"

volatile sig_atomic_t cli_stop_requested = 0;

static void on_stop_signal(int sig) {
    (void)sig;
    if (cli_stop_requested) _exit(130); /* a second interrupt: stop now */
    cli_stop_requested = 1;
}

void cli_install_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed stdout (`yoloc train ... | head`) must not kill a run: writes
     * then fail with EPIPE and the run goes on writing its files. */
    signal(SIGPIPE, SIG_IGN);
}

int cli_subscribe(YcEventBus *bus, CliSubscribers *subs, void *tracker, YcErr *err) {
    memset(subs, 0, sizeof *subs);
    YcConsole *console = malloc(sizeof *console);
    if (!console) return yc_err(err, "out of memory");
    yc_console_init(console, stdout, stderr);
    subs->console = console;
    yc_events_subscribe(bus, yc_console_on_event, console);
    if (tracker) yc_events_subscribe(bus, yc_tracker_on_event, tracker);
    /* the notebook kernel's relay (docs/KERNEL.md): when YOLOC_EVENTS is set */
    CliRelay *relay = NULL;
    if (cli_relay_open_env(&relay, err)) return -1;
    if (relay) yc_events_subscribe(bus, cli_relay_event, relay);
    subs->relay = relay;
    return 0;
}

void cli_unsubscribe(CliSubscribers *subs) {
    cli_relay_close(subs->relay);
    free(subs->console);
    memset(subs, 0, sizeof *subs);
}

void cli_command_line(const char *mode, int argc, char **argv, char *out, size_t cap) {
    size_t o = (size_t)snprintf(out, cap, "yoloc %s", mode);
    for (int i = 0; i < argc && o < cap; i++) o += (size_t)snprintf(out + o, cap - o, " %s", argv[i]);
}

int cli_args_from_weights(YcArgs *args, YcErr *err) {
    if (!yc_model_is_weights_path(args->model)) return 0;
    YcSafetensors st;
    if (yc_st_load(args->model, &st, err)) return -1;
    const char *text = yc_st_meta(&st, "train_args");
    int rc = 0;
    if (text) {
        YcArgs trained;
        yc_args_defaults(&trained);
        rc = yc_args_load_yaml_text(&trained, text, args->model, YC_SRC_CFG, err);
        static const char *const kept[] = {"imgsz", "data", "single_cls"};
        char value[YC_PATH_MAX + 64];
        for (size_t i = 0; rc == 0 && i < sizeof kept / sizeof kept[0]; i++) {
            const YcArgSpec *spec = yc_arg_find(kept[i]);
            if (args->source_of[yc_arg_index(spec)] != YC_SRC_DEFAULT) continue; /* the user's value wins */
            yc_arg_format(&trained, spec, value, sizeof value);
            if (strcmp(value, "null") == 0) continue;
            /* YAML quoting aside, the formatted text is what the setter reads */
            if (value[0] == '\'' && value[strlen(value) - 1] == '\'') {
                memmove(value, value + 1, strlen(value));
                value[strlen(value) - 1] = '\0';
            }
            rc = yc_args_set(args, kept[i], value, YC_SRC_CFG, err);
        }
    }
    yc_st_free(&st);
    return rc;
}

void cli_report_failure(const YcEventBus *bus, int status, const YcErr *err, const char *run_dir) {
    if (!bus) {
        cli_fail(status, err);
        return;
    }
    YcEvent e = {.type = YC_EVENT_FAILED, .message = err->msg, .run_dir = run_dir && run_dir[0] ? run_dir : NULL};
    yc_events_emit(bus, &e);
}
