#include "kernel_history.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_wire.h"

void yc_history_init(YcHistory *h) {
    memset(h, 0, sizeof *h);
    h->session = 1;
}

void yc_history_free(YcHistory *h) {
    for (int i = 0; i < h->count; i++) {
        free(h->items[i].input);
        free(h->items[i].output);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

void yc_history_add(YcHistory *h, int line, const char *input, const char *output) {
    if (h->count == h->cap) {
        int cap = h->cap ? h->cap * 2 : 64;
        YcHistoryEntry *items = realloc(h->items, (size_t)cap * sizeof *items);
        if (!items) return;
        h->items = items;
        h->cap = cap;
    }
    char *in = strdup(input ? input : "");
    char *out = output ? strdup(output) : NULL;
    if (!in) {
        free(out);
        return;
    }
    h->items[h->count++] = (YcHistoryEntry){line, in, out};
}

static cJSON *entry_json(const YcHistory *h, const YcHistoryEntry *e, bool output) {
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(h->session));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(e->line));
    if (output) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(e->input));
        cJSON_AddItemToArray(pair, e->output ? cJSON_CreateString(e->output) : cJSON_CreateNull());
        cJSON_AddItemToArray(a, pair);
    } else {
        cJSON_AddItemToArray(a, cJSON_CreateString(e->input));
    }
    return a;
}

cJSON *yc_history_reply(const YcHistory *h, const cJSON *req) {
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "status", "ok");
    cJSON *list = cJSON_AddArrayToObject(content, "history");
    const char *type = yc_msg_str(req, "hist_access_type", "tail");
    bool output = yc_msg_bool(req, "output", 0);
    int n = (int)yc_msg_long(req, "n", -1, -1, 1 << 30);
    bool *pick = calloc((size_t)h->count + 1, sizeof *pick);
    if (!pick) return content;
    if (strcmp(type, "tail") == 0) {
        int first = n >= 0 && n < h->count ? h->count - n : 0;
        for (int i = first; i < h->count; i++) pick[i] = true;
    } else if (strcmp(type, "range") == 0) {
        int session = (int)yc_msg_long(req, "session", 0, -(1 << 30), 1 << 30);
        /* 0 is the current session, as are our own number and -0 */
        if (session == 0 || session == h->session) {
            int start = (int)yc_msg_long(req, "start", 0, -(1 << 30), 1 << 30);
            int stop = (int)yc_msg_long(req, "stop", -1, -1, 1 << 30);
            for (int i = 0; i < h->count; i++) {
                int line = h->items[i].line;
                pick[i] = line >= start && (stop < 0 || line < stop);
            }
        }
    } else if (strcmp(type, "search") == 0) {
        const char *pattern = yc_msg_str(req, "pattern", "*");
        bool unique = yc_msg_bool(req, "unique", 0);
        int found = 0;
        /* newest first, so that n keeps the latest matches and unique keeps
         * the last occurrence of each input */
        for (int i = h->count - 1; i >= 0 && (n < 0 || found < n); i--) {
            if (fnmatch(pattern, h->items[i].input, 0) != 0) continue;
            bool dup = false;
            for (int j = i + 1; unique && j < h->count && !dup; j++)
                dup = pick[j] && strcmp(h->items[j].input, h->items[i].input) == 0;
            if (dup) continue;
            pick[i] = true;
            found++;
        }
    }
    for (int i = 0; i < h->count; i++)
        if (pick[i]) cJSON_AddItemToArray(list, entry_json(h, &h->items[i], output));
    free(pick);
    return content;
}
