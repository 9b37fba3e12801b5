/* A small read-only JSON parser for the large, mostly numeric files tracking
 * reads (validation.json): one pass builds a tree in an arena (no allocation
 * per value), and numbers stay text until asked for, so a reader that needs
 * three of eight curve arrays converts only those. Strict RFC 8259 syntax;
 * errors give the line and column. */
#ifndef YC_JSON_LITE_H
#define YC_JSON_LITE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum YjType { YJ_NULL, YJ_FALSE, YJ_TRUE, YJ_NUMBER, YJ_STRING, YJ_ARRAY, YJ_OBJECT } YjType;

typedef struct YjNode {
    YjType type;
    const char *text;          /* number: its text; string: between the quotes, escapes not decoded */
    size_t len;
    const char *key;           /* as a member of an object: the key, raw */
    size_t key_len;
    struct YjNode *child;      /* first element or member */
    struct YjNode *next;       /* next sibling */
    int count;                 /* elements or members */
} YjNode;

typedef struct YjDoc {
    YjNode *root;
    char *text;                /* owned copy of the input */
    void *blocks;              /* arena */
} YjDoc;

/* Parses text (a copy is kept); `name` labels errors (a file name). */
int yj_parse(YjDoc *doc, const char *text, size_t len, const char *name, YcErr *err);
/* Reads and parses a file (one read of its known size, no extra copy). */
int yj_parse_file(YjDoc *doc, const char *path, YcErr *err);
void yj_free(YjDoc *doc);

/* The member `key` of an object, or NULL (also when o is not an object). */
const YjNode *yj_get(const YjNode *o, const char *key);
/* The number's value (NAN for a non-number). */
double yj_number(const YjNode *n);
/* The decoded string into buf (truncated to cap - 1 bytes); false if not a string. */
bool yj_string(const YjNode *n, char *buf, size_t cap);

static inline bool yj_is(const YjNode *n, YjType t) { return n && n->type == t; }

#endif
