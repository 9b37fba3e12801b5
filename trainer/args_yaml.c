/* Arguments to and from YAML: cfg= files in, args.yaml out. Reading goes
 * through the same per-key setter as the command line, so a value means the
 * same thing wherever it is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "args.h"
#include "fileio.h"

/* The text of a value node: a scalar as written, a sequence as "[a,b,...]".
 * Plain null scalars give "". Returns -1 for anything else (mappings, nesting). */
static int node_text(yaml_document_t *doc, yaml_node_t *node, char *buf, size_t cap) {
    if (node->type == YAML_SCALAR_NODE) {
        size_t len = node->data.scalar.length;
        if (len >= cap) return -1;
        memcpy(buf, node->data.scalar.value, len);
        buf[len] = '\0';
        return 0;
    }
    if (node->type != YAML_SEQUENCE_NODE) return -1;
    size_t o = 0;
    buf[o++] = '[';
    bool first = true;
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(doc, *it);
        if (!item || item->type != YAML_SCALAR_NODE) return -1;
        size_t len = item->data.scalar.length;
        if (o + len + 3 >= cap) return -1;
        if (!first) buf[o++] = ',';
        memcpy(buf + o, item->data.scalar.value, len);
        o += len;
        first = false;
    }
    buf[o++] = ']';
    buf[o] = '\0';
    return 0;
}

/* Reads the mapping from an open stream; path names it in errors. */
static int load_stream(YcArgs *args, FILE *fp, const char *path, YcArgSource src, YcErr *err) {
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) return yc_err(err, "%s: cannot start the YAML parser", path);
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &doc)) {
        yc_err(err, "%s:%zu: invalid YAML: %s", path, parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return -1;
    }
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) goto done; /* an empty file sets nothing */
    if (root->type != YAML_MAPPING_NODE) {
        rc = yc_err(err, "%s: expected a mapping of key: value pairs", path);
        goto done;
    }
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(&doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(&doc, pair->value);
        size_t line = key->start_mark.line + 1;
        if (key->type != YAML_SCALAR_NODE) {
            rc = yc_err(err, "%s:%zu: expected a plain key", path, line);
            goto done;
        }
        char key_text[64];
        if (node_text(&doc, key, key_text, sizeof key_text)) {
            rc = yc_err(err, "%s:%zu: unknown argument '%.40s...'", path, line, (const char *)key->data.scalar.value);
            goto done;
        }
        if (strcmp(key_text, "cfg") == 0 && src == YC_SRC_CFG) continue; /* no nested cfg files */
        char value_text[YC_PATH_MAX + 64];
        if (node_text(&doc, value, value_text, sizeof value_text)) {
            rc = yc_err(err, "%s:%zu: %s: expected a value or a list of values", path, line, key_text);
            goto done;
        }
        if (yc_args_set(args, key_text, value_text, src, err)) {
            rc = yc_err_prefix(err, "%s:%zu", path, line);
            goto done;
        }
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int yc_args_load_yaml(YcArgs *args, const char *path, YcArgSource src, YcErr *err) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return yc_err_errno(err, "cfg: cannot open %s", path);
    int rc = load_stream(args, fp, path, src, err);
    fclose(fp);
    return rc;
}

int yc_args_load_yaml_text(YcArgs *args, const char *text, const char *name, YcArgSource src, YcErr *err) {
    if (!text[0]) return 0;
    FILE *fp = fmemopen((void *)text, strlen(text), "rb");
    if (!fp) return yc_err_errno(err, "%s: cannot read the arguments", name);
    int rc = load_stream(args, fp, name, src, err);
    fclose(fp);
    return rc;
}

int yc_args_to_yaml(const YcArgs *args, char *buf, size_t cap) {
    size_t o = 0;
    char value[YC_PATH_MAX + 64];
    for (int i = 0; i < yc_arg_count; i++) {
        yc_arg_format(args, &yc_arg_table[i], value, sizeof value);
        int n = snprintf(buf + o, cap - o, "%s: %s\n", yc_arg_table[i].name, value);
        if (n < 0 || (size_t)n >= cap - o) return -1;
        o += (size_t)n;
    }
    return (int)o;
}

int yc_args_save_yaml(const YcArgs *args, const char *path, YcErr *err) {
    static const size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    if (!buf) return yc_err(err, "%s: out of memory", path);
    int len = yc_args_to_yaml(args, buf, cap);
    int rc = len < 0 ? yc_err(err, "%s: arguments do not fit the buffer", path)
                     : yc_write_file_atomic(path, buf, (size_t)len, err);
    free(buf);
    return rc;
}
