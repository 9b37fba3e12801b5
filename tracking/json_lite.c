/* The JSON parser of json_lite.h. */
#include "json_lite.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NODES 8192
#define MAX_DEPTH 64

typedef struct Block {
    struct Block *next;
    int used;
    YjNode nodes[BLOCK_NODES];
} Block;

typedef struct Parser {
    const char *s, *p, *end;
    const char *name;
    YcErr *err;
    Block *blocks;
    int depth;
} Parser;

static YjNode *new_node(Parser *ps) {
    if (!ps->blocks || ps->blocks->used == BLOCK_NODES) {
        Block *b = malloc(sizeof *b);
        if (!b) return NULL;
        b->next = ps->blocks;
        b->used = 0;
        ps->blocks = b;
    }
    YjNode *n = &ps->blocks->nodes[ps->blocks->used++];
    memset(n, 0, sizeof *n);
    return n;
}

static int fail(Parser *ps, const char *what) {
    int line = 1, col = 1;
    for (const char *q = ps->s; q < ps->p && q < ps->end; q++) {
        if (*q == '\n') line++, col = 1;
        else col++;
    }
    return yc_err(ps->err, "%s:%d:%d: invalid JSON: %s", ps->name, line, col, what);
}

static void skip_space(Parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

static int parse_value(Parser *ps, YjNode *n);

static int parse_string(Parser *ps, const char **text, size_t *len) {
    ps->p++; /* the opening quote */
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) return fail(ps, "control character in a string");
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end) break;
            if (*ps->p == 'u') {
                for (int k = 1; k <= 4; k++) {
                    char h = ps->p + k < ps->end ? ps->p[k] : 0;
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return fail(ps, "bad \\u escape");
                }
                ps->p += 4;
            } else if (!strchr("\"\\/bfnrt", *ps->p)) return fail(ps, "bad escape");
        }
        ps->p++;
    }
    if (ps->p >= ps->end) return fail(ps, "unterminated string");
    *text = start;
    *len = (size_t)(ps->p - start);
    ps->p++;
    return 0;
}

static int parse_number(Parser *ps, YjNode *n) {
    const char *q = ps->p;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || !(*q >= '0' && *q <= '9')) return fail(ps, "bad number");
    if (*q == '0') q++;
    else while (q < ps->end && *q >= '0' && *q <= '9') q++;
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9')) return fail(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9')) return fail(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    n->type = YJ_NUMBER;
    n->text = ps->p;
    n->len = (size_t)(q - ps->p);
    ps->p = q;
    return 0;
}

static int parse_container(Parser *ps, YjNode *n, bool object) {
    if (++ps->depth > MAX_DEPTH) return fail(ps, "nested too deeply");
    n->type = object ? YJ_OBJECT : YJ_ARRAY;
    char close = object ? '}' : ']';
    ps->p++;
    skip_space(ps);
    YjNode *last = NULL;
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return 0;
    }
    for (;;) {
        YjNode *item = new_node(ps);
        if (!item) return yc_err(ps->err, "%s: out of memory", ps->name);
        skip_space(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a key");
            if (parse_string(ps, &item->key, &item->key_len)) return -1;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':'");
            ps->p++;
            skip_space(ps);
        }
        if (parse_value(ps, item)) return -1;
        if (last) last->next = item;
        else n->child = item;
        last = item;
        n->count++;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return 0;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(Parser *ps, YjNode *n, const char *word, YjType type) {
    size_t len = strlen(word);
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) return fail(ps, "unexpected character");
    n->type = type;
    ps->p += len;
    return 0;
}

static int parse_value(Parser *ps, YjNode *n) {
    skip_space(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end");
    switch (*ps->p) {
    case '{': return parse_container(ps, n, true);
    case '[': return parse_container(ps, n, false);
    case '"':
        n->type = YJ_STRING;
        return parse_string(ps, &n->text, &n->len);
    case 't': return literal(ps, n, "true", YJ_TRUE);
    case 'f': return literal(ps, n, "false", YJ_FALSE);
    case 'n': return literal(ps, n, "null", YJ_NULL);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps, n);
        return fail(ps, "unexpected character");
    }
}

static void free_blocks(Block *b) {
    while (b) {
        Block *next = b->next;
        free(b);
        b = next;
    }
}

/* Parses doc->text (len bytes, NUL-terminated), which the doc owns. */
static int parse_owned(YjDoc *doc, size_t len, const char *name, YcErr *err) {
    Parser ps = {.s = doc->text, .p = doc->text, .end = doc->text + len, .name = name, .err = err};
    YjNode *root = new_node(&ps);
    int rc = root ? parse_value(&ps, root) : yc_err(err, "%s: out of memory", name);
    if (rc == 0) {
        skip_space(&ps);
        if (ps.p != ps.end) rc = fail(&ps, "text after the value");
    }
    doc->blocks = ps.blocks;
    if (rc) {
        yj_free(doc);
        return -1;
    }
    doc->root = root;
    return 0;
}

int yj_parse(YjDoc *doc, const char *text, size_t len, const char *name, YcErr *err) {
    memset(doc, 0, sizeof *doc);
    doc->text = malloc(len + 1);
    if (!doc->text) return yc_err(err, "%s: out of memory", name);
    memcpy(doc->text, text, len);
    doc->text[len] = '\0'; /* strtod stops at the NUL at the latest */
    return parse_owned(doc, len, name, err);
}

int yj_parse_file(YjDoc *doc, const char *path, YcErr *err) {
    memset(doc, 0, sizeof *doc);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return yc_err_errno(err, "cannot open %s", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return yc_err(err, "%s: not a regular file", path);
    }
    size_t size = (size_t)st.st_size, got = 0;
    doc->text = malloc(size + 1);
    if (!doc->text) {
        close(fd);
        return yc_err(err, "%s: out of memory", path);
    }
    while (got < size) {
        ssize_t n = read(fd, doc->text + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        free(doc->text);
        doc->text = NULL;
        return yc_err(err, "%s: could not read the whole file", path);
    }
    doc->text[size] = '\0';
    return parse_owned(doc, size, path, err);
}

void yj_free(YjDoc *doc) {
    free_blocks(doc->blocks);
    free(doc->text);
    memset(doc, 0, sizeof *doc);
}

const YjNode *yj_get(const YjNode *o, const char *key) {
    if (!yj_is(o, YJ_OBJECT)) return NULL;
    size_t len = strlen(key);
    for (const YjNode *m = o->child; m; m = m->next)
        if (m->key_len == len && memcmp(m->key, key, len) == 0) return m;
    return NULL;
}

double yj_number(const YjNode *n) { return yj_is(n, YJ_NUMBER) ? strtod(n->text, NULL) : NAN; }

static int hex4(const char *p) {
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t put_utf8(char *out, uint32_t cp) {
    if (cp < 0x80) return out[0] = (char)cp, 1;
    if (cp < 0x800) return out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000)
        return out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
               out[2] = (char)(0x80 | (cp & 0x3F)), 3;
    return out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
           out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F)), 4;
}

bool yj_string(const YjNode *n, char *buf, size_t cap) {
    if (!yj_is(n, YJ_STRING) || cap == 0) return false;
    size_t o = 0;
    for (size_t i = 0; i < n->len;) {
        char piece[4];
        size_t plen = 1;
        char c = n->text[i];
        if (c != '\\') {
            piece[0] = c;
            i++;
        } else {
            char e = n->text[i + 1];
            i += 2;
            switch (e) {
            case 'b': piece[0] = '\b'; break;
            case 'f': piece[0] = '\f'; break;
            case 'n': piece[0] = '\n'; break;
            case 'r': piece[0] = '\r'; break;
            case 't': piece[0] = '\t'; break;
            case 'u': {
                uint32_t cp = (uint32_t)hex4(n->text + i);
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n->len && n->text[i] == '\\' && n->text[i + 1] == 'u') {
                    uint32_t lo = (uint32_t)hex4(n->text + i + 2);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                plen = put_utf8(piece, cp);
                break;
            }
            default: piece[0] = e; break; /* \" \\ \/ */
            }
        }
        if (o + plen >= cap) break;
        memcpy(buf + o, piece, plen);
        o += plen;
    }
    buf[o] = '\0';
    return true;
}
