/* Dataset YAML reading (libyaml document API) and path resolution. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "data_config.h"
#include "data_files.h"
#include "fileio.h"
#include "share.h"

static void free_sources(YcDataSources *s) {
    for (int i = 0; i < s->count; i++) free(s->paths[i]);
    free(s->paths);
    s->paths = NULL;
    s->count = 0;
}

void yc_data_config_free(YcDataConfig *cfg) {
    if (!cfg) return;
    for (int i = 0; i < cfg->nc && cfg->names; i++) free(cfg->names[i]);
    free(cfg->names);
    cfg->names = NULL;
    cfg->nc = 0;
    free_sources(&cfg->train);
    free_sources(&cfg->val);
    free_sources(&cfg->test);
}

const YcDataSources *yc_data_config_split(const YcDataConfig *cfg, const char *split) {
    if (strcmp(split, "train") == 0) return &cfg->train;
    if (strcmp(split, "val") == 0) return &cfg->val;
    if (strcmp(split, "test") == 0) return &cfg->test;
    return NULL;
}

static const char *scalar(yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A null scalar: empty, ~, null (YAML's plain nulls). */
static int is_null(yaml_node_t *n) {
    const char *s = scalar(n);
    if (!s) return 0;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

static int add_source(YcDataSources *s, const char *root, const char *rel, YcErr *err) {
    char joined[8192], clean[4096];
    if (yc_path_join(joined, sizeof joined, root, rel)) return yc_err(err, "path too long: %s", rel);
    yc_path_normalize(joined, clean, sizeof clean);
    /* the reference retries "../x" as "x" under the root when the first does not exist */
    if (!yc_file_exists(clean) && !yc_dir_exists(clean) && strncmp(rel, "../", 3) == 0) {
        char alt[8192], alt_clean[4096];
        if (yc_path_join(alt, sizeof alt, root, rel + 3) == 0) {
            yc_path_normalize(alt, alt_clean, sizeof alt_clean);
            if (yc_file_exists(alt_clean) || yc_dir_exists(alt_clean)) snprintf(clean, sizeof clean, "%s", alt_clean);
        }
    }
    char **grown = realloc(s->paths, sizeof(char *) * (size_t)(s->count + 1));
    if (!grown) return yc_err(err, "out of memory");
    s->paths = grown;
    s->paths[s->count] = strdup(clean);
    if (!s->paths[s->count]) return yc_err(err, "out of memory");
    s->count++;
    return 0;
}

static int read_sources(yaml_document_t *doc, yaml_node_t *node, const char *root, const char *key,
                        YcDataSources *out, const char *file, YcErr *err) {
    if (!node || is_null(node)) return 0;
    if (node->type == YAML_SCALAR_NODE) return add_source(out, root, scalar(node), err);
    if (node->type != YAML_SEQUENCE_NODE)
        return yc_err(err, "%s: '%s' must be a path or a list of paths", file, key);
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(doc, *it);
        const char *text = scalar(item);
        if (!text || is_null(item)) return yc_err(err, "%s: '%s' must list paths", file, key);
        if (add_source(out, root, text, err)) return -1;
    }
    return 0;
}

static int parse_index(const char *s, long *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int read_names(yaml_document_t *doc, yaml_node_t *node, YcDataConfig *cfg, const char *file, YcErr *err) {
    if (node->type == YAML_SEQUENCE_NODE) {
        int n = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
        cfg->names = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
        if (!cfg->names) return yc_err(err, "out of memory");
        cfg->nc = n;
        for (int i = 0; i < n; i++) {
            const char *text = scalar(yaml_document_get_node(doc, node->data.sequence.items.start[i]));
            if (!text) return yc_err(err, "%s: names[%d] must be a plain name", file, i);
            cfg->names[i] = strdup(text);
            if (!cfg->names[i]) return yc_err(err, "out of memory");
        }
        return 0;
    }
    if (node->type != YAML_MAPPING_NODE) return yc_err(err, "%s: 'names' must be a list or a map of index: name", file);
    int n = (int)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    cfg->names = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    if (!cfg->names) return yc_err(err, "out of memory");
    cfg->nc = n;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        const char *v = scalar(yaml_document_get_node(doc, p->value));
        long idx;
        if (parse_index(k, &idx)) return yc_err(err, "%s: names: key '%s' is not a class index", file, k ? k : "?");
        if (idx < 0 || idx >= n)
            return yc_err(err, "%s: names: %d-class dataset requires class indices 0-%d, but has %ld", file, n, n - 1,
                          idx);
        if (!v) return yc_err(err, "%s: names: %ld must map to a plain name", file, idx);
        if (cfg->names[idx]) return yc_err(err, "%s: names: index %ld appears twice", file, idx);
        cfg->names[idx] = strdup(v);
        if (!cfg->names[idx]) return yc_err(err, "out of memory");
    }
    return 0;
}

static int load_document(yaml_document_t *doc, YcDataConfig *cfg, YcErr *err) {
    const char *file = cfg->file;
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root || root->type != YAML_MAPPING_NODE) return yc_err(err, "%s: expected a mapping (path, train, val, names)", file);
    yaml_node_t *path = NULL, *train = NULL, *val = NULL, *validation = NULL, *test = NULL, *names = NULL, *nc = NULL,
                *channels = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k) continue;
        if (strcmp(k, "path") == 0) path = v;
        else if (strcmp(k, "train") == 0) train = v;
        else if (strcmp(k, "val") == 0) val = v;
        else if (strcmp(k, "validation") == 0) validation = v;
        else if (strcmp(k, "test") == 0) test = v;
        else if (strcmp(k, "names") == 0) names = v;
        else if (strcmp(k, "nc") == 0) nc = v;
        else if (strcmp(k, "channels") == 0) channels = v;
    }
    if (!train) return yc_err(err, "%s: 'train:' key missing ('train' and 'val' are required in all data YAMLs)", file);
    if (!val) val = validation;
    if (!val) return yc_err(err, "%s: 'val:' key missing ('train' and 'val' are required in all data YAMLs)", file);
    if ((!names || is_null(names)) && (!nc || is_null(nc)))
        return yc_err(err, "%s: either 'names' or 'nc' is required", file);
    if (channels && !is_null(channels) && strcmp(scalar(channels) ? scalar(channels) : "", "3") != 0)
        return yc_err(err, "%s: channels: yoloc trains on 3-channel (RGB) images only", file);
    long nc_value = -1;
    if (nc && !is_null(nc)) {
        if (parse_index(scalar(nc), &nc_value) || nc_value < 1 || nc_value > 100000)
            return yc_err(err, "%s: nc: expected a class count >= 1, got '%s'", file, scalar(nc) ? scalar(nc) : "?");
    }
    if (names && !is_null(names)) {
        if (read_names(doc, names, cfg, file, err)) return -1;
        if (cfg->nc == 0) return yc_err(err, "%s: 'names' is empty", file);
        if (nc_value >= 0 && nc_value != cfg->nc)
            return yc_err(err, "%s: 'names' has %d entries but nc is %ld; they must match", file, cfg->nc, nc_value);
    } else {
        cfg->nc = (int)nc_value;
        cfg->names = calloc((size_t)cfg->nc, sizeof(char *));
        if (!cfg->names) return yc_err(err, "out of memory");
        for (int i = 0; i < cfg->nc; i++) {
            char name[32];
            snprintf(name, sizeof name, "class_%d", i);
            cfg->names[i] = strdup(name);
            if (!cfg->names[i]) return yc_err(err, "out of memory");
        }
    }

    char yaml_dir[4096];
    yc_path_dirname(yaml_dir, sizeof yaml_dir, file);
    const char *path_text = path && !is_null(path) ? scalar(path) : NULL;
    if (path && !is_null(path) && !path_text) return yc_err(err, "%s: 'path' must be a directory", file);
    char joined[8192];
    if (yc_path_join(joined, sizeof joined, yaml_dir, path_text ? path_text : ".")) return yc_err(err, "%s: path too long", file);
    yc_path_normalize(joined, cfg->root, sizeof cfg->root);

    if (read_sources(doc, train, cfg->root, "train", &cfg->train, file, err)) return -1;
    if (read_sources(doc, val, cfg->root, "val", &cfg->val, file, err)) return -1;
    if (read_sources(doc, test, cfg->root, "test", &cfg->test, file, err)) return -1;
    if (cfg->train.count == 0) return yc_err(err, "%s: 'train' is empty", file);
    if (cfg->val.count == 0) return yc_err(err, "%s: 'val' is empty", file);
    const YcDataSources *all[3] = {&cfg->train, &cfg->val, &cfg->test};
    const char *keys[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < all[s]->count; i++)
            if (!yc_file_exists(all[s]->paths[i]) && !yc_dir_exists(all[s]->paths[i]))
                return yc_err(err, "%s: %s: images not found, missing path '%s'", file, keys[s], all[s]->paths[i]);
    return 0;
}

int yc_data_config_load(const char *data, YcDataConfig *cfg, YcErr *err) {
    memset(cfg, 0, sizeof *cfg);
    if (!data || !*data) return yc_err(err, "data: no dataset given (e.g. data=coco8.yaml)");
    char found[4096];
    if (yc_resolve_share_file(data, "datasets", found, sizeof found, err)) return yc_err_prefix(err, "data");
    char abs_path[4096];
    yc_path_normalize(found, abs_path, sizeof abs_path);
    snprintf(cfg->file, sizeof cfg->file, "%s", abs_path);
    FILE *fp = fopen(cfg->file, "rb");
    if (!fp) return yc_err_errno(err, "data: cannot open %s", cfg->file);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return yc_err(err, "%s: cannot start the YAML parser", cfg->file);
    }
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &doc)) {
        yc_err(err, "%s:%zu: invalid YAML: %s", cfg->file, parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return -1;
    }
    int rc = load_document(&doc, cfg, err);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    if (rc) yc_data_config_free(cfg);
    return rc;
}
