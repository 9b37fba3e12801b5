#include "strlist.h"

#include <stdlib.h>
#include <string.h>

int yc_strlist_push(YcStrList *l, const char *text) {
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, sizeof *items * (size_t)cap);
        if (!items) return -1;
        l->items = items;
        l->cap = cap;
    }
    char *copy = strdup(text);
    if (!copy) return -1;
    l->items[l->count++] = copy;
    return 0;
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void yc_strlist_sort(YcStrList *l) {
    if (l->count > 1) qsort(l->items, (size_t)l->count, sizeof *l->items, by_string);
}

void yc_strlist_free(YcStrList *l) {
    for (int i = 0; i < l->count; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}
