/* The console printer: an event subscriber (see console.c). */
#ifndef YC_CONSOLE_H
#define YC_CONSOLE_H

#include <stdbool.h>
#include <stdio.h>

#include "events.h"

typedef struct YcConsole {
    FILE *out, *err;
    bool interactive;     /* a terminal: redraw lines in place */
    double last_draw;     /* wall time of the last redraw */
    double val_start;
    int val_batches;
    bool val_open;        /* a validation progress line is on screen */
} YcConsole;

void yc_console_init(YcConsole *console, FILE *out, FILE *err);
/* YcEventFn: subscribe with the console as user data. */
void yc_console_on_event(const YcEvent *event, void *console);

#endif
