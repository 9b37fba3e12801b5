/* The console printer: training and validation events rendered the way the
 * reference prints them (a header per epoch, one progress line per epoch
 * updated in place, then the validation table). On a terminal the line is
 * redrawn at most ten times a second; in logs (not a terminal) only the
 * finished line of each phase is written, so logs stay readable. */
#include "console.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void yc_console_init(YcConsole *c, FILE *out, FILE *err) {
    memset(c, 0, sizeof *c);
    c->out = out;
    c->err = err;
    c->interactive = isatty(fileno(out));
}

/* Seconds as the reference's progress bar shows them: 4.2s, 3:05, 1:02:03. */
static void format_duration(double s, char *buf, size_t cap) {
    if (!isfinite(s) || s < 0) s = 0;
    if (s < 60) snprintf(buf, cap, "%.1fs", s);
    else if (s < 3600) snprintf(buf, cap, "%d:%02.0f", (int)(s / 60), fmod(s, 60));
    else snprintf(buf, cap, "%d:%02d:%02.0f", (int)(s / 3600), (int)fmod(s / 60, 60), fmod(s, 60));
}

static void format_rate(double per_s, char *buf, size_t cap) {
    if (!(per_s > 0)) buf[0] = '\0';
    else if (per_s < 1) snprintf(buf, cap, "%.1fs/it", 1 / per_s);
    else snprintf(buf, cap, "%.1fit/s", per_s);
}

/* "desc: 50% ━━━━━━────── 2/4 1.3it/s 1.5s<1.5s" */
static void draw_bar(YcConsole *c, const char *desc, int n, int total, double elapsed, bool final) {
    char bar[64] = "";
    const int width = 12;
    double frac = total > 0 ? (double)n / total : 0;
    if (frac > 1) frac = 1;
    int filled = (int)(frac * width);
    size_t o = 0;
    for (int i = 0; i < width; i++) {
        const char *cell = i < filled ? "━" : (i == filled && frac * width - filled > 0.5 ? "╸" : "─");
        size_t len = strlen(cell);
        memcpy(bar + o, cell, len);
        o += len;
    }
    bar[o] = '\0';
    char rate[32], spent[32], left[40] = "";
    format_rate(elapsed > 0 ? n / elapsed : 0, rate, sizeof rate);
    format_duration(elapsed, spent, sizeof spent);
    if (n > 0 && n < total && elapsed > 0) {
        char remaining[32];
        format_duration((total - n) * elapsed / n, remaining, sizeof remaining);
        snprintf(left, sizeof left, "<%s", remaining);
    }
    if (c->interactive) fputs("\r\033[K", c->out);
    fprintf(c->out, "%s: %.0f%% %s %d/%d %s %s%s", desc, frac * 100, bar, n, total, rate, spent, left);
    if (final) fputc('\n', c->out);
    fflush(c->out);
}

static bool due(YcConsole *c, double now, bool last) {
    if (last) return true;
    if (!c->interactive) return false;
    if (now - c->last_draw < 0.1) return false;
    c->last_draw = now;
    return true;
}

static void on_batch(YcConsole *c, const YcEvent *e) {
    char desc[160];
    char epoch[32], mem[32];
    snprintf(epoch, sizeof epoch, "%d/%d", e->epoch, e->epochs);
    snprintf(mem, sizeof mem, "%.3gG", isfinite(e->device_mem_gb) ? e->device_mem_gb : 0.0);
    snprintf(desc, sizeof desc, "%11s%11s%11.4g%11.4g%11.4g%11d%11d", epoch, mem, e->losses[0], e->losses[1],
             e->losses[2], e->instances, e->imgsz);
    bool last = e->batch >= e->batches;
    if (due(c, e->wall_time, last)) draw_bar(c, desc, e->batch, e->batches, e->elapsed_s, last);
}

static void on_val_progress(YcConsole *c, const YcEvent *e, bool start) {
    if (start) {
        c->val_start = e->wall_time;
        c->val_batches = e->batches;
        c->val_open = true;
    }
    char desc[160];
    snprintf(desc, sizeof desc, "%22s%11s%11s%11s%11s%11s%11s", "Class", "Images", "Instances", "Box(P", "R",
             "mAP50", "mAP50-95)");
    int n = start ? 0 : e->batch;
    bool last = n >= c->val_batches;
    if (due(c, e->wall_time, last)) {
        draw_bar(c, desc, n, c->val_batches, e->wall_time - c->val_start, last);
        if (last) c->val_open = false;
    }
}

void yc_console_on_event(const YcEvent *e, void *user) {
    YcConsole *c = user;
    switch (e->type) {
    case YC_EVENT_RUN_START:
        if (e->message) fprintf(c->out, "%s\n", e->message);
        break;
    case YC_EVENT_EPOCH_START:
        fprintf(c->out, "\n%11s%11s%11s%11s%11s%11s%11s\n", "Epoch", "GPU_mem", "box_loss", "cls_loss", "dfl_loss",
                "Instances", "Size");
        c->last_draw = 0;
        break;
    case YC_EVENT_BATCH_END:
        on_batch(c, e);
        break;
    case YC_EVENT_VAL_START:
        on_val_progress(c, e, true);
        break;
    case YC_EVENT_VAL_BATCH:
        on_val_progress(c, e, false);
        break;
    case YC_EVENT_VAL_END:
        if (c->val_open) { /* a validation with no batch events still closes its line */
            fputc('\n', c->out);
            c->val_open = false;
        }
        if (e->message) fputs(e->message, c->out);
        break;
    case YC_EVENT_LOG:
    case YC_EVENT_PREDICT_IMAGE:
        if (e->message) fprintf(c->out, "%s\n", e->message);
        break;
    case YC_EVENT_FINISHED:
        if (e->message) fprintf(c->out, "%s\n", e->message);
        break;
    case YC_EVENT_FAILED:
    case YC_EVENT_INTERRUPTED:
        if (e->message) fprintf(c->err, "%s\n", e->message);
        break;
    case YC_EVENT_EPOCH_END:
    case YC_EVENT_CHECKPOINT:
    case YC_EVENT_TYPE_COUNT:
        break;
    }
    fflush(c->out);
}
