/* The XML reader (see convert_xml.h): recursive descent over the text with a
 * depth limit. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_xml.h"

#define XML_MAX_DEPTH 64

typedef struct Parser {
    const char *p, *end;
    int line;
    YcErr *err;
} Parser;

static int fail(Parser *ps, const char *what) {
    return yc_err(ps->err, "line %d: %s", ps->line, what);
}

static void advance(Parser *ps, size_t n) {
    for (size_t i = 0; i < n && ps->p < ps->end; i++, ps->p++)
        if (*ps->p == '\n') ps->line++;
}

static bool starts(Parser *ps, const char *s) {
    size_t n = strlen(s);
    return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

/* Skips to just after `until` (e.g. "-->"); -1 if the text ends first. */
static int skip_past(Parser *ps, const char *until, const char *what) {
    size_t n = strlen(until);
    while (ps->p < ps->end) {
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, until, n) == 0) {
            advance(ps, n);
            return 0;
        }
        advance(ps, 1);
    }
    return fail(ps, what);
}

static void skip_space(Parser *ps) {
    while (ps->p < ps->end && isspace((unsigned char)*ps->p)) advance(ps, 1);
}

/* Comments, processing instructions and DOCTYPE between elements. */
static int skip_misc(Parser *ps) {
    for (;;) {
        skip_space(ps);
        if (starts(ps, "<!--")) {
            if (skip_past(ps, "-->", "unterminated comment")) return -1;
        } else if (starts(ps, "<?")) {
            if (skip_past(ps, "?>", "unterminated processing instruction")) return -1;
        } else if (starts(ps, "<!DOCTYPE")) {
            if (skip_past(ps, ">", "unterminated DOCTYPE")) return -1;
        } else {
            return 0;
        }
    }
}

typedef struct Buf {
    char *s;
    size_t n, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) return -1;
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

static int utf8(Buf *b, unsigned long cp) {
    char out[4];
    size_t n;
    if (cp < 0x80) out[0] = (char)cp, n = 1;
    else if (cp < 0x800) out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else if (cp < 0x110000)
        out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F)), out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        out[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    else return -1;
    return buf_add(b, out, n);
}

/* One entity at ps->p ('&'), decoded into b. */
static int entity(Parser *ps, Buf *b) {
    static const struct { const char *name; char c; } named[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (starts(ps, named[i].name)) {
            advance(ps, strlen(named[i].name));
            return buf_add(b, &named[i].c, 1) ? fail(ps, "out of memory") : 0;
        }
    if (starts(ps, "&#")) {
        const char *q = ps->p + 2;
        int base = 10;
        if (q < ps->end && (*q == 'x' || *q == 'X')) base = 16, q++;
        unsigned long cp = 0;
        int digits = 0;
        while (q < ps->end && isxdigit((unsigned char)*q) && (base == 16 || isdigit((unsigned char)*q)) && digits < 8) {
            cp = cp * (unsigned long)base + (unsigned long)(isdigit((unsigned char)*q) ? *q - '0' : (tolower((unsigned char)*q) - 'a' + 10));
            q++;
            digits++;
        }
        if (digits == 0 || q >= ps->end || *q != ';') return fail(ps, "malformed character reference");
        advance(ps, (size_t)(q + 1 - ps->p));
        return utf8(b, cp) ? fail(ps, "invalid character reference") : 0;
    }
    return fail(ps, "unknown entity (expected &amp; &lt; &gt; &quot; &apos; or &#N;)");
}

static char *trimmed(const Buf *b) {
    const char *s = b->s ? b->s : "";
    size_t n = b->n;
    while (n > 0 && isspace((unsigned char)*s)) s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static bool name_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static int parse_element(Parser *ps, YcXmlNode *node, int depth);

static int add_child(Parser *ps, YcXmlNode *node, int depth) {
    YcXmlNode *g = realloc(node->children, sizeof *g * (size_t)(node->nchildren + 1));
    if (!g) return fail(ps, "out of memory");
    node->children = g;
    YcXmlNode *child = &node->children[node->nchildren];
    memset(child, 0, sizeof *child);
    node->nchildren++;
    return parse_element(ps, child, depth + 1);
}

/* ps->p at '<' of a start tag. */
static int parse_element(Parser *ps, YcXmlNode *node, int depth) {
    if (depth > XML_MAX_DEPTH) return fail(ps, "elements nested too deeply");
    node->line = ps->line;
    advance(ps, 1);
    const char *start = ps->p;
    while (ps->p < ps->end && name_char(*ps->p)) advance(ps, 1);
    if (ps->p == start) return fail(ps, "expected an element name after '<'");
    size_t nlen = (size_t)(ps->p - start);
    node->name = malloc(nlen + 1);
    if (!node->name) return fail(ps, "out of memory");
    memcpy(node->name, start, nlen);
    node->name[nlen] = '\0';
    /* attributes: skipped, quotes respected */
    for (;;) {
        if (ps->p >= ps->end) return fail(ps, "unterminated start tag");
        char c = *ps->p;
        if (c == '"' || c == '\'') {
            advance(ps, 1);
            while (ps->p < ps->end && *ps->p != c) advance(ps, 1);
            if (ps->p >= ps->end) return fail(ps, "unterminated attribute value");
            advance(ps, 1);
        } else if (c == '>' || c == '/') {
            break;
        } else {
            advance(ps, 1);
        }
    }
    if (*ps->p == '/') {
        advance(ps, 1);
        if (ps->p >= ps->end || *ps->p != '>') return fail(ps, "expected '>' after '/'");
        advance(ps, 1);
        node->text = malloc(1);
        if (!node->text) return fail(ps, "out of memory");
        node->text[0] = '\0';
        return 0;
    }
    advance(ps, 1);
    Buf text = {0};
    int rc = 0;
    for (;;) {
        if (ps->p >= ps->end) {
            rc = yc_err(ps->err, "line %d: element <%s> is not closed", node->line, node->name);
            break;
        }
        if (starts(ps, "</")) {
            advance(ps, 2);
            const char *cs = ps->p;
            while (ps->p < ps->end && name_char(*ps->p)) advance(ps, 1);
            size_t clen = (size_t)(ps->p - cs);
            if (clen != nlen || memcmp(cs, node->name, nlen) != 0) {
                rc = yc_err(ps->err, "line %d: </%.*s> closes <%s> (opened on line %d)", ps->line, (int)(clen > 60 ? 60 : clen),
                            cs, node->name, node->line);
                break;
            }
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != '>') {
                rc = fail(ps, "expected '>' in an end tag");
                break;
            }
            advance(ps, 1);
            break;
        }
        if (starts(ps, "<!--")) {
            if ((rc = skip_past(ps, "-->", "unterminated comment")) != 0) break;
        } else if (starts(ps, "<![CDATA[")) {
            advance(ps, 9);
            const char *cs = ps->p;
            if ((rc = skip_past(ps, "]]>", "unterminated CDATA section")) != 0) break;
            if (buf_add(&text, cs, (size_t)(ps->p - 3 - cs))) {
                rc = fail(ps, "out of memory");
                break;
            }
        } else if (starts(ps, "<?")) {
            if ((rc = skip_past(ps, "?>", "unterminated processing instruction")) != 0) break;
        } else if (*ps->p == '<') {
            if ((rc = add_child(ps, node, depth)) != 0) break;
        } else if (*ps->p == '&') {
            if ((rc = entity(ps, &text)) != 0) break;
        } else {
            const char *cs = ps->p;
            while (ps->p < ps->end && *ps->p != '<' && *ps->p != '&') advance(ps, 1);
            if (buf_add(&text, cs, (size_t)(ps->p - cs))) {
                rc = fail(ps, "out of memory");
                break;
            }
        }
    }
    if (rc == 0) {
        node->text = trimmed(&text);
        if (!node->text) rc = fail(ps, "out of memory");
    }
    free(text.s);
    return rc;
}

void yc_xml_free(YcXmlNode *node) {
    if (!node) return;
    for (int i = 0; i < node->nchildren; i++) yc_xml_free(&node->children[i]);
    free(node->children);
    free(node->name);
    free(node->text);
    memset(node, 0, sizeof *node);
}

int yc_xml_parse(const char *text, size_t size, YcXmlNode *root, YcErr *err) {
    memset(root, 0, sizeof *root);
    Parser ps = {text, text + size, 1, err};
    if (size >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
        ps.p += 3; /* UTF-8 byte order mark */
    if (skip_misc(&ps)) return -1;
    if (ps.p >= ps.end || *ps.p != '<') return fail(&ps, "no root element");
    if (parse_element(&ps, root, 0)) {
        yc_xml_free(root);
        return -1;
    }
    if (skip_misc(&ps)) {
        yc_xml_free(root);
        return -1;
    }
    if (ps.p < ps.end) {
        yc_xml_free(root);
        return fail(&ps, "text after the root element");
    }
    return 0;
}

const YcXmlNode *yc_xml_child(const YcXmlNode *node, const char *name) {
    if (!node) return NULL;
    for (int i = 0; i < node->nchildren; i++)
        if (strcmp(node->children[i].name, name) == 0) return &node->children[i];
    return NULL;
}

const char *yc_xml_child_text(const YcXmlNode *node, const char *name) {
    const YcXmlNode *c = yc_xml_child(node, name);
    return c ? c->text : NULL;
}
