/* A growable list of owned strings (file lists, names). */
#ifndef YC_STRLIST_H
#define YC_STRLIST_H

typedef struct YcStrList {
    char **items;   /* each malloc'd; the caller may take the array (then zero the list) */
    int count, cap;
} YcStrList;

/* Appends a copy of text; -1 when out of memory (the list is unchanged). */
int yc_strlist_push(YcStrList *l, const char *text);
/* Sorts by strcmp. */
void yc_strlist_sort(YcStrList *l);
void yc_strlist_free(YcStrList *l);

#endif
