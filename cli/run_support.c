/* Event subscribers, stop signals and the command line shared by the modes
 * that run a loop (train, val). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
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
