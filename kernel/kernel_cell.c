#include "kernel_cell.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"

typedef struct Builder {
    YcCell *cell;
    /* the command being built */
    YcCellWord *words;
    int nwords, capwords;
    int line;
    /* the word being built */
    char *buf;
    size_t len, cap;
    bool in_word;
    size_t word_start;
    int failed;
} Builder;

static int buf_put(Builder *b, char c) {
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        char *p = realloc(b->buf, cap);
        if (!p) return b->failed = -1;
        b->buf = p;
        b->cap = cap;
    }
    b->buf[b->len++] = c;
    b->buf[b->len] = '\0';
    return 0;
}

static void end_word(Builder *b, size_t end) {
    if (!b->in_word || b->failed) return;
    b->in_word = false;
    if (b->nwords == b->capwords) {
        int cap = b->capwords ? b->capwords * 2 : 8;
        YcCellWord *w = realloc(b->words, (size_t)cap * sizeof *w);
        if (!w) {
            b->failed = -1;
            return;
        }
        b->words = w;
        b->capwords = cap;
    }
    char *text = malloc(b->len + 1);
    if (!text) {
        b->failed = -1;
        return;
    }
    memcpy(text, b->buf ? b->buf : "", b->len);
    text[b->len] = '\0';
    b->words[b->nwords++] = (YcCellWord){text, b->word_start, end};
    b->len = 0;
    if (b->buf) b->buf[0] = '\0';
}

static void start_word(Builder *b, size_t at, int line) {
    if (b->in_word) return;
    b->in_word = true;
    b->word_start = at;
    b->len = 0;
    if (b->nwords == 0) b->line = line;
}

static void end_command(Builder *b) {
    if (b->failed || b->nwords == 0) return;
    YcCell *c = b->cell;
    YcCellCommand *cmds = realloc(c->commands, (size_t)(c->count + 1) * sizeof *cmds);
    char **argv = malloc((size_t)(b->nwords + 1) * sizeof *argv);
    if (!cmds || !argv) {
        if (cmds) c->commands = cmds;
        free(argv);
        b->failed = -1;
        return;
    }
    c->commands = cmds;
    for (int i = 0; i < b->nwords; i++) argv[i] = b->words[i].text;
    argv[b->nwords] = NULL;
    YcCellWord *words = realloc(b->words, (size_t)b->nwords * sizeof *words);
    cmds[c->count++] = (YcCellCommand){b->line, b->nwords, argv, words ? words : b->words};
    b->words = NULL;
    b->nwords = b->capwords = 0;
}

int yc_cell_parse(const char *code, size_t len, YcCell *out, YcErr *err) {
    memset(out, 0, sizeof *out);
    Builder b = {.cell = out};
    enum { PLAIN, SINGLE, DOUBLE } quote = PLAIN;
    int depth = 0, line = 1, quote_line = 0;
    bool trailing_backslash = false;
    size_t i = 0;
    while (i < len && !b.failed) {
        char c = code[i];
        if (quote == SINGLE) {
            if (c == '\'') quote = PLAIN;
            else buf_put(&b, c);
            if (c == '\n') line++;
            i++;
            continue;
        }
        if (quote == DOUBLE) {
            if (c == '"') quote = PLAIN;
            else if (c == '\\' && i + 1 < len && (code[i + 1] == '"' || code[i + 1] == '\\')) buf_put(&b, code[++i]);
            else buf_put(&b, c);
            if (c == '\n') line++;
            i++;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= len) { /* a backslash ending the cell: more to come */
                trailing_backslash = true;
                i++;
                continue;
            }
            if (code[i + 1] == '\n' || (code[i + 1] == '\r' && i + 2 < len && code[i + 2] == '\n')) {
                i += code[i + 1] == '\n' ? 2 : 3; /* line continuation */
                line++;
                continue;
            }
            start_word(&b, i, line);
            buf_put(&b, code[i + 1]);
            if (code[i + 1] == '\n') line++;
            i += 2;
            continue;
        }
        if (c == '\n' && depth == 0) {
            end_word(&b, i);
            end_command(&b);
            line++;
            i++;
            continue;
        }
        if ((c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n') && depth == 0) {
            end_word(&b, i);
            i++;
            continue;
        }
        if (c == '#' && !b.in_word && depth == 0) { /* a comment to the end of the line */
            while (i < len && code[i] != '\n') i++;
            continue;
        }
        start_word(&b, i, line);
        if (c == '\'' || c == '"') {
            quote = c == '\'' ? SINGLE : DOUBLE;
            quote_line = line;
        } else {
            if (c == '[') depth++;
            else if (c == ']' && depth > 0) depth--;
            if (c == '\n') line++;
            buf_put(&b, c);
        }
        i++;
    }
    end_word(&b, len);
    end_command(&b);
    for (int k = 0; k < b.nwords; k++) free(b.words[k].text);
    free(b.words);
    free(b.buf);
    if (b.failed) {
        yc_cell_free(out);
        yc_err(err, "out of memory");
        return -1;
    }
    if (quote != PLAIN) {
        yc_err(err, "line %d: the %s quote is not closed", quote_line, quote == SINGLE ? "'" : "\"");
        return YC_CELL_INCOMPLETE;
    }
    if (depth > 0) {
        yc_err(err, "line %d: a '[' is not closed", line);
        return YC_CELL_INCOMPLETE;
    }
    if (trailing_backslash) {
        yc_err(err, "line %d: the cell ends with a backslash (a continued line)", line);
        return YC_CELL_INCOMPLETE;
    }
    return YC_CELL_COMPLETE;
}

void yc_cell_free(YcCell *cell) {
    for (int i = 0; i < cell->count; i++) {
        for (int k = 0; k < cell->commands[i].argc; k++) free(cell->commands[i].argv[k]);
        free(cell->commands[i].argv);
        free(cell->commands[i].words);
    }
    free(cell->commands);
    memset(cell, 0, sizeof *cell);
}

YcCellStatus yc_cell_check(const YcCell *cell, const char *const *commands, int count, YcErr *err) {
    for (int i = 0; i < cell->count; i++) {
        const YcCellCommand *c = &cell->commands[i];
        const char *name = c->argv[0];
        char where[32] = ""; /* which line, when there are several */
        if (cell->count > 1) snprintf(where, sizeof where, "line %d: ", c->line);
        bool known = false;
        for (int k = 0; k < count && !known; k++) known = strcmp(commands[k], name) == 0;
        if (!known) {
            const char *near = yc_closest(name, commands, count);
            if (strchr(name, '='))
                yc_err(err, "%s'%s' is not a command: a line starts with a command (e.g. train %s)", where, name,
                       name);
            else if (near)
                yc_err(err, "%sunknown command '%s' (did you mean '%s'?)", where, name, near);
            else
                yc_err(err, "%sunknown command '%s' (type 'help' for the commands)", where, name);
            return YC_CELL_INVALID;
        }
        for (int k = 1; k < c->argc; k++)
            if (c->argv[k][0] == '=') {
                yc_err(err, "%s'%s' has no key before '='", where, c->argv[k]);
                return YC_CELL_INVALID;
            }
    }
    return YC_CELL_COMPLETE;
}

YcCellStatus yc_cell_is_complete(const char *code, const char *const *commands, int count) {
    YcCell cell;
    YcErr err;
    int rc = yc_cell_parse(code, strlen(code), &cell, &err);
    YcCellStatus status;
    if (rc < 0) status = YC_CELL_INVALID;
    else if (rc == YC_CELL_INCOMPLETE) status = YC_CELL_INCOMPLETE;
    else status = yc_cell_check(&cell, commands, count, &err);
    yc_cell_free(&cell);
    return status;
}
