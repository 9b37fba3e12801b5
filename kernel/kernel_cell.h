/* The cell language: one command per line in the command-line style,
 * `command key=value ...`. `#` at the start of a word comments out the rest of
 * the line; a backslash at the end of a line continues it; '...' and "..."
 * quote (the quotes are removed, "\"" and "\\" escape inside double quotes);
 * [...] groups a list with its spaces (imgsz=[640, 480]). */
#ifndef YC_KERNEL_CELL_H
#define YC_KERNEL_CELL_H

#include <stddef.h>

#include "error.h"

typedef struct YcCellWord {
    char *text;       /* unquoted value */
    size_t start;     /* byte offsets of the raw word in the source */
    size_t end;
} YcCellWord;

typedef struct YcCellCommand {
    int line;         /* 1-based line of the first word */
    int argc;         /* argv[0] is the command name */
    char **argv;      /* argc words + NULL */
    YcCellWord *words;
} YcCellCommand;

typedef struct YcCell {
    int count;
    YcCellCommand *commands;
} YcCell;

typedef enum YcCellStatus {
    YC_CELL_COMPLETE = 0,
    YC_CELL_INCOMPLETE,   /* an open quote or bracket, or a trailing backslash */
    YC_CELL_INVALID,      /* complete text that cannot run: see yc_cell_check */
} YcCellStatus;

/* Splits the first len bytes of code into commands. Always fills out (free
 * it with yc_cell_free); returns YC_CELL_INCOMPLETE, with err saying what is
 * open, when the text ends inside a quote or bracket or after a backslash:
 * then the last word is the unfinished one. Returns -1 only when out of memory. */
int yc_cell_parse(const char *code, size_t len, YcCell *out, YcErr *err);
void yc_cell_free(YcCell *cell);

/* Checks the commands against a list of known command names: unknown names
 * and words like "=3" are YC_CELL_INVALID (err says why, with "did you
 * mean"). */
YcCellStatus yc_cell_check(const YcCell *cell, const char *const *commands, int count, YcErr *err);

/* The status a Jupyter is_complete reply should give for the code. */
YcCellStatus yc_cell_is_complete(const char *code, const char *const *commands, int count);

#endif
