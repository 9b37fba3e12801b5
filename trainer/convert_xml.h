/* A small XML reader for annotation files (Pascal VOC): elements, text,
 * attributes skipped, comments, processing instructions, DOCTYPE and CDATA
 * handled, the five predefined entities and numeric character references
 * decoded. Not a validating parser; malformed input is an error with a line
 * number, never a crash. */
#ifndef YC_CONVERT_XML_H
#define YC_CONVERT_XML_H

#include <stddef.h>

#include "error.h"

typedef struct YcXmlNode {
    char *name;
    char *text;            /* the element's own text, whitespace-trimmed ("" if none) */
    int line;              /* where the element starts */
    int nchildren;
    struct YcXmlNode *children;
} YcXmlNode;

/* Parses a document; *root receives its root element. */
int yc_xml_parse(const char *text, size_t size, YcXmlNode *root, YcErr *err);
void yc_xml_free(YcXmlNode *node);

/* The first child element named `name`, or NULL. */
const YcXmlNode *yc_xml_child(const YcXmlNode *node, const char *name);
/* The trimmed text of the first child named `name`, or NULL if there is none. */
const char *yc_xml_child_text(const YcXmlNode *node, const char *name);

#endif
