/* The inputs (and text outputs) of the cells run with store_history, for
 * history_request: tail, range and search (glob patterns). Kept in memory for
 * the kernel's life; the session number is 1. */
#ifndef YC_KERNEL_HISTORY_H
#define YC_KERNEL_HISTORY_H

#include <cjson/cJSON.h>

typedef struct YcHistoryEntry {
    int line;            /* the execution count */
    char *input;
    char *output;        /* text/plain of the execute_result, or NULL */
} YcHistoryEntry;

typedef struct YcHistory {
    int session;
    YcHistoryEntry *items;
    int count, cap;
} YcHistory;

void yc_history_init(YcHistory *h);
void yc_history_free(YcHistory *h);
void yc_history_add(YcHistory *h, int line, const char *input, const char *output);

/* The content of a history_reply for a history_request's content. */
cJSON *yc_history_reply(const YcHistory *h, const cJSON *request);

#endif
