/* Reading Ultralytics-format model YAMLs (see model_yaml.h). Scalars are
 * interpreted as YAML 1.1 does (PyYAML's safe loader, which the reference
 * uses), then as the reference's parse_model does for strings: "None",
 * "True", "False" and numbers are literals; other text stays text. */
#include "model_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "fileio.h"
#include "share.h"

char yc_model_guess_scale(const char *name) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (const char *p = strstr(base, "yolo"); p; p = strstr(p + 1, "yolo")) {
        const char *q = p + 4;
        if (strncmp(q, "e-", 2) == 0) q += 2;
        if (*q == 'v') q++;
        if (!isdigit((unsigned char)*q)) continue;
        while (isdigit((unsigned char)*q)) q++;
        if (*q && strchr("nslmx", *q)) return *q;
    }
    return 0;
}

/* yolov8n.yaml -> yolov8.yaml: drops the scale letter after the first run of
 * digits that is followed by one (the reference's unified name). */
static bool unscaled_name(const char *name, char *out, size_t cap) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (const char *p = base; *p; p++) {
        if (!isdigit((unsigned char)*p)) continue;
        const char *q = p;
        while (isdigit((unsigned char)*q)) q++;
        if (*q && strchr("nslmx", *q)) {
            size_t head = (size_t)(q - name);
            if (head + strlen(q + 1) + 1 > cap) return false;
            memcpy(out, name, head);
            snprintf(out + head, cap - head, "%s", q + 1);
            return true;
        }
        p = q - 1;
    }
    return false;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

bool yc_model_is_weights_path(const char *path) { return ends_with(path, ".safetensors"); }

int yc_model_resolve(const char *name, char *path, size_t cap, char *scale, YcErr *err) {
    /* users of the reference type model=yolov8n.pt; say what to do instead */
    if (ends_with(name, ".pt") || ends_with(name, ".pth"))
        return yc_err(err,
                      "%s: PyTorch checkpoints are not read: convert it with share/tools/pt_to_safetensors.py "
                      "(needs torch), or start from a model YAML such as yolov8n.yaml",
                      name);
    *scale = yc_model_guess_scale(name);
    YcErr first;
    if (yc_resolve_share_file(name, "models", path, cap, &first) == 0) return 0;
    char unified[1024];
    if (unscaled_name(name, unified, sizeof unified) &&
        yc_resolve_share_file(unified, "models", path, cap, err) == 0)
        return 0;
    /* an existing file of any name is read as a YAML; a missing one without
     * the suffix was most likely meant as one of ours (model=yolov8n) */
    if (!ends_with(name, ".yaml") && !ends_with(name, ".yml"))
        return yc_err(err, "%s: no such file; model= takes a model YAML (e.g. yolov8n.yaml, yolo11s.yaml) or weights "
                           "(.safetensors)",
                      name);
    *err = first;
    return -1;
}

/* ---- scalars ---- */

static bool is_null_text(const char *s) {
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int bool_text(const char *s) {
    static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) return 1;
        if (strcasecmp(s, no[i]) == 0) return 0;
    }
    return -1;
}

static bool parse_number(const char *s, double *v, bool *is_int) {
    if (!*s) return false;
    char *end;
    errno = 0;
    long long iv = strtoll(s, &end, 0);
    if (*end == '\0' && errno == 0) {
        *v = (double)iv;
        *is_int = true;
        return true;
    }
    double d = strtod(s, &end);
    if (*end == '\0' && !isnan(d)) {
        *v = d;
        *is_int = false;
        return true;
    }
    return false;
}

static void scalar_to_arg(const yaml_node_t *node, YcSpecArg *a) {
    const char *s = (const char *)node->data.scalar.value;
    memset(a, 0, sizeof *a);
    snprintf(a->text, sizeof a->text, "%s", s);
    bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    int b = bool_text(s);
    if (plain && is_null_text(s)) {
        a->kind = YC_SARG_NONE;
    } else if (plain && b >= 0) {
        a->kind = YC_SARG_BOOL;
        a->num = b;
    } else if (parse_number(s, &a->num, &a->is_int)) {
        a->kind = YC_SARG_NUM; /* quoted numbers too: the reference literal-evaluates strings */
    } else if (strcmp(s, "None") == 0) {
        a->kind = YC_SARG_NONE;
    } else if (strcmp(s, "True") == 0 || strcmp(s, "False") == 0) {
        a->kind = YC_SARG_BOOL;
        a->num = s[0] == 'T';
    } else {
        a->kind = YC_SARG_STR;
    }
}

/* ---- document walking ---- */

typedef struct Reader {
    yaml_document_t doc;
    const char *path;
    YcErr *err;
} Reader;

static yaml_node_t *node_at(Reader *r, int id) { return yaml_document_get_node(&r->doc, id); }
static size_t line_of(const yaml_node_t *n) { return n->start_mark.line + 1; }

static int scalar_int(Reader *r, yaml_node_t *n, const char *what, int *out) {
    double v;
    bool is_int;
    if (n->type != YAML_SCALAR_NODE || !parse_number((const char *)n->data.scalar.value, &v, &is_int) || !is_int ||
        fabs(v) > 1e9)
        return yc_err(r->err, "%s:%zu: %s must be an integer", r->path, line_of(n), what);
    *out = (int)v;
    return 0;
}

static int scalar_double(Reader *r, yaml_node_t *n, const char *what, double *out) {
    bool is_int;
    if (n->type != YAML_SCALAR_NODE || !parse_number((const char *)n->data.scalar.value, out, &is_int))
        return yc_err(r->err, "%s:%zu: %s must be a number", r->path, line_of(n), what);
    return 0;
}

static int read_arg(Reader *r, yaml_node_t *n, YcSpecArg *a) {
    if (n->type == YAML_SCALAR_NODE) {
        scalar_to_arg(n, a);
        return 0;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        memset(a, 0, sizeof *a);
        a->kind = YC_SARG_LIST;
        size_t o = 0;
        o += (size_t)snprintf(a->text, sizeof a->text, "[");
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            yaml_node_t *item = node_at(r, *it);
            bool is_int;
            if (a->list_len == YC_SPEC_MAX_LIST || item->type != YAML_SCALAR_NODE ||
                !parse_number((const char *)item->data.scalar.value, &a->list[a->list_len], &is_int))
                return yc_err(r->err, "%s:%zu: module arguments may hold lists of up to %d numbers only", r->path,
                              line_of(item), YC_SPEC_MAX_LIST);
            if (o < sizeof a->text)
                o += (size_t)snprintf(a->text + o, sizeof a->text - o, "%s%s", a->list_len ? ", " : "",
                                      (const char *)item->data.scalar.value);
            a->list_len++;
        }
        if (o < sizeof a->text) snprintf(a->text + o, sizeof a->text - o, "]");
        return 0;
    }
    return yc_err(r->err, "%s:%zu: module arguments must be values or lists of numbers", r->path, line_of(n));
}

static int read_layer(Reader *r, yaml_node_t *n, YcLayerSpec *l) {
    memset(l, 0, sizeof *l);
    l->line = (int)line_of(n);
    int count = n->type == YAML_SEQUENCE_NODE ? (int)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
    if (count != 4)
        return yc_err(r->err, "%s:%d: a layer must be [from, repeats, module, args]", r->path, l->line);
    yaml_node_t *from = node_at(r, n->data.sequence.items.start[0]);
    yaml_node_t *rep = node_at(r, n->data.sequence.items.start[1]);
    yaml_node_t *mod = node_at(r, n->data.sequence.items.start[2]);
    yaml_node_t *args = node_at(r, n->data.sequence.items.start[3]);
    if (from->type == YAML_SEQUENCE_NODE) {
        l->from_is_list = true;
        for (yaml_node_item_t *it = from->data.sequence.items.start; it < from->data.sequence.items.top; it++) {
            if (l->n_from == YC_SPEC_MAX_FROM)
                return yc_err(r->err, "%s:%d: at most %d 'from' layers", r->path, l->line, YC_SPEC_MAX_FROM);
            if (scalar_int(r, node_at(r, *it), "a 'from' index", &l->from[l->n_from++])) return -1;
        }
        if (l->n_from == 0) return yc_err(r->err, "%s:%d: 'from' is an empty list", r->path, l->line);
    } else {
        if (scalar_int(r, from, "'from'", &l->from[0])) return -1;
        l->n_from = 1;
    }
    if (scalar_int(r, rep, "repeats", &l->repeats)) return -1;
    if (l->repeats < 1) return yc_err(r->err, "%s:%d: repeats must be at least 1", r->path, l->line);
    if (mod->type != YAML_SCALAR_NODE || mod->data.scalar.length == 0 ||
        mod->data.scalar.length >= sizeof l->module)
        return yc_err(r->err, "%s:%d: the module must be a name such as Conv or C2f", r->path, l->line);
    snprintf(l->module, sizeof l->module, "%s", (const char *)mod->data.scalar.value);
    if (args->type == YAML_SCALAR_NODE && is_null_text((const char *)args->data.scalar.value)) return 0;
    if (args->type != YAML_SEQUENCE_NODE)
        return yc_err(r->err, "%s:%d: the module's arguments must be a list", r->path, l->line);
    for (yaml_node_item_t *it = args->data.sequence.items.start; it < args->data.sequence.items.top; it++) {
        if (l->n_args == YC_SPEC_MAX_ARGS)
            return yc_err(r->err, "%s:%d: at most %d module arguments", r->path, l->line, YC_SPEC_MAX_ARGS);
        if (read_arg(r, node_at(r, *it), &l->args[l->n_args++])) return -1;
    }
    return 0;
}

static int read_layers(Reader *r, yaml_node_t *seq, const char *key, YcModelSpec *spec) {
    if (seq->type != YAML_SEQUENCE_NODE)
        return yc_err(r->err, "%s:%zu: '%s' must be a list of layers", r->path, line_of(seq), key);
    int count = (int)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    YcLayerSpec *grown = realloc(spec->layers, (size_t)(spec->n_layers + count + 1) * sizeof *grown);
    if (!grown) return yc_err(r->err, "%s: out of memory", r->path);
    spec->layers = grown;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
        if (read_layer(r, node_at(r, *it), &spec->layers[spec->n_layers++])) return -1;
    return 0;
}

static int read_scales(Reader *r, yaml_node_t *map, char want, YcModelSpec *spec) {
    if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.start == map->data.mapping.pairs.top)
        return yc_err(r->err, "%s:%zu: 'scales' must map letters to [depth, width, max_channels]", r->path,
                      line_of(map));
    yaml_node_pair_t *chosen = NULL;
    char letters[64] = "";
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(r, p->key);
        const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        if (strlen(letters) + strlen(name) + 3 < sizeof letters)
            strcat(strcat(letters, *letters ? ", " : ""), name);
        if (!chosen && (want == 0 || (strlen(name) == 1 && name[0] == want))) chosen = p;
    }
    if (!chosen)
        return yc_err(r->err, "%s: no scale '%c' in 'scales' (it has %s)", r->path, want, letters);
    yaml_node_t *k = node_at(r, chosen->key), *v = node_at(r, chosen->value);
    spec->scale = ((const char *)k->data.scalar.value)[0];
    int count = v->type == YAML_SEQUENCE_NODE ? (int)(v->data.sequence.items.top - v->data.sequence.items.start) : 0;
    if (count != 3)
        return yc_err(r->err, "%s:%zu: scale '%s' must be [depth, width, max_channels]", r->path, line_of(v),
                      (const char *)k->data.scalar.value);
    if (scalar_double(r, node_at(r, v->data.sequence.items.start[0]), "depth", &spec->depth) ||
        scalar_double(r, node_at(r, v->data.sequence.items.start[1]), "width", &spec->width) ||
        scalar_double(r, node_at(r, v->data.sequence.items.start[2]), "max_channels", &spec->max_channels))
        return -1;
    return 0;
}

int yc_model_spec_load(const char *path, char scale, YcModelSpec *spec, YcErr *err) {
    memset(spec, 0, sizeof *spec);
    snprintf(spec->path, sizeof spec->path, "%s", path);
    spec->nc = -1;
    spec->depth = spec->width = 1.0;
    spec->max_channels = INFINITY;
    spec->channels = 3;
    FILE *fp = fopen(path, "rb");
    if (!fp) return yc_err_errno(err, "cannot open model file %s", path);
    yaml_parser_t parser;
    Reader r = {.path = path, .err = err};
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return yc_err(err, "%s: cannot start the YAML parser", path);
    }
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &r.doc)) {
        yc_err(err, "%s:%zu: invalid YAML: %s", path, parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return -1;
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&r.doc);
    yaml_node_t *backbone = NULL, *head = NULL, *scales = NULL;
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = yc_err(err, "%s: a model file must be a mapping with backbone and head", path);
        goto done;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(&r, p->key), *v = node_at(&r, p->value);
        if (k->type != YAML_SCALAR_NODE) continue;
        const char *key = (const char *)k->data.scalar.value;
        if (strcmp(key, "nc") == 0) rc = scalar_int(&r, v, "nc", &spec->nc);
        else if (strcmp(key, "depth_multiple") == 0) rc = scalar_double(&r, v, "depth_multiple", &spec->depth);
        else if (strcmp(key, "width_multiple") == 0) rc = scalar_double(&r, v, "width_multiple", &spec->width);
        else if (strcmp(key, "ch") == 0 || strcmp(key, "channels") == 0) rc = scalar_int(&r, v, key, &spec->channels);
        else if (strcmp(key, "scales") == 0) scales = v;
        else if (strcmp(key, "backbone") == 0) backbone = v;
        else if (strcmp(key, "head") == 0) head = v;
        else if (strcmp(key, "activation") == 0) {
            const char *act = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
            if (strcmp(act, "nn.SiLU()") != 0 && strcmp(act, "torch.nn.SiLU()") != 0)
                rc = yc_err(err, "%s:%zu: activation '%s' is not supported (yoloc models use SiLU)", path,
                            line_of(v), act);
        }
        if (rc) goto done;
    }
    if (scales && read_scales(&r, scales, scale, spec)) {
        rc = -1;
        goto done;
    }
    if (!backbone || !head) {
        rc = yc_err(err, "%s: a model file needs both 'backbone' and 'head' lists", path);
        goto done;
    }
    if (read_layers(&r, backbone, "backbone", spec)) {
        rc = -1;
        goto done;
    }
    spec->n_backbone = spec->n_layers;
    if (read_layers(&r, head, "head", spec)) {
        rc = -1;
        goto done;
    }
    if (spec->n_layers == 0) rc = yc_err(err, "%s: the model has no layers", path);
    if (spec->channels < 1) rc = yc_err(err, "%s: input channels must be at least 1", path);
done:
    yaml_document_delete(&r.doc);
    if (rc) yc_model_spec_free(spec);
    return rc;
}

void yc_model_spec_free(YcModelSpec *spec) {
    free(spec->layers);
    spec->layers = NULL;
    spec->n_layers = 0;
}
