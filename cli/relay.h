/* The event relay of a worker: when bin/yoloc runs under the notebook kernel,
 * YOLOC_EVENTS holds a ZeroMQ endpoint and every training event goes there as
 * one message with the JSON of yc_event_to_json (docs/ARCHITECTURE.md).
 *
 * Subscribe cli_relay_event to the event bus. Sending never blocks training:
 * events wait in a bounded queue and are dropped when it is full (the kernel
 * is gone or stuck); the run's last event (finished, failed, interrupted) is
 * retried for up to a second. Closing flushes what is queued (up to the
 * linger time) so that the kernel gets the end of the run. Thread-safe. */
#ifndef YC_CLI_RELAY_H
#define YC_CLI_RELAY_H

#include "error.h"
#include "events.h"

#define CLI_RELAY_QUEUE 1000      /* events queued at most (ZMQ_SNDHWM) */
#define CLI_RELAY_LINGER_MS 1000  /* how long close waits for queued events to leave */

typedef struct CliRelay CliRelay;

/* Opens the relay when YOLOC_EVENTS is set; *out is NULL when it is not.
 * Returns -1 (err names the variable and endpoint) when it cannot connect. */
int cli_relay_open_env(CliRelay **out, YcErr *err);
CliRelay *cli_relay_open(const char *endpoint, YcErr *err);

/* A YcEventFn (user = the CliRelay). */
void cli_relay_event(const YcEvent *event, void *relay);

/* Events dropped because the queue was full. */
long cli_relay_dropped(const CliRelay *relay);

/* Flushes (up to CLI_RELAY_LINGER_MS) and frees. NULL is fine. */
void cli_relay_close(CliRelay *relay);

#endif
