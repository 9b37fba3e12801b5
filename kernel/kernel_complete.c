#include "kernel_complete.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fileio.h"
#include "kernel.h"
#include "kernel_cell.h"
#include "kernel_wire.h"
#include "share.h"

#define MAX_MATCHES 500

size_t yc_utf8_offset(const char *text, size_t len, long cp) {
    size_t i = 0;
    long seen = 0;
    while (i < len && seen < cp) {
        i++;
        while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80) i++; /* continuation bytes */
        seen++;
    }
    return i;
}

long yc_utf8_count(const char *text, size_t bytes) {
    long n = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80) n++;
    return n;
}

typedef struct Matches {
    cJSON *list;
    cJSON *types;
    int count;
    const char *prefix;        /* what the match must start with */
    size_t start, end;         /* byte span replaced */
    const char *code;
} Matches;

static void add(Matches *m, const char *text, const char *type) {
    if (m->count >= MAX_MATCHES || strncmp(text, m->prefix, strlen(m->prefix)) != 0) return;
    const cJSON *item;
    cJSON_ArrayForEach(item, m->list) if (strcmp(item->valuestring, text) == 0) return;
    cJSON_AddItemToArray(m->list, cJSON_CreateString(text));
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "start", (double)yc_utf8_count(m->code, m->start));
    cJSON_AddNumberToObject(t, "end", (double)yc_utf8_count(m->code, m->end));
    cJSON_AddStringToObject(t, "text", text);
    cJSON_AddStringToObject(t, "type", type);
    cJSON_AddItemToArray(m->types, t);
    m->count++;
}

static bool arg_given(const YcCellCommand *cmd, const char *name, int skip) {
    size_t n = strlen(name);
    for (int i = 1; cmd && i < cmd->argc; i++)
        if (i != skip && strncmp(cmd->argv[i], name, n) == 0 && cmd->argv[i][n] == '=') return true;
    return false;
}

/* Files and directories whose path starts with prefix (directories end with /). */
static void add_paths(Matches *m, const char *prefix, const char *value_prefix_in_word, const char *const *exts,
                      bool dirs_only) {
    char dir[4096], base[1024];
    const char *slash = strrchr(prefix, '/');
    if (slash) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - prefix + 1), prefix);
        snprintf(base, sizeof base, "%s", slash + 1);
    } else {
        dir[0] = '\0';
        snprintf(base, sizeof base, "%s", prefix);
    }
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && m->count < MAX_MATCHES) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && base[0] != '.') continue;
        if (strncmp(e->d_name, base, strlen(base)) != 0) continue;
        char full[4096 + 300], text[4096 + 600];
        snprintf(full, sizeof full, "%s%s", dir, e->d_name);
        bool is_dir = yc_dir_exists(full);
        if (!is_dir && dirs_only) continue;
        if (!is_dir && exts) {
            const char *dot = strrchr(e->d_name, '.');
            bool ok = false;
            for (int i = 0; exts[i] && !ok; i++) ok = dot && strcmp(dot, exts[i]) == 0;
            if (!ok) continue;
        }
        snprintf(text, sizeof text, "%s%s%s", value_prefix_in_word, full, is_dir ? "/" : "");
        add(m, text, is_dir ? "directory" : "path");
    }
    closedir(d);
}

/* Names of files bundled in share/SUBDIR (model and dataset YAMLs). */
static void add_share_names(Matches *m, const char *subdir, const char *prefix, const char *lead) {
    char share[4096];
    YcErr err;
    if (strchr(prefix, '/') || yc_share_dir(share, sizeof share, &err)) return;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", share, subdir);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !dot || strcmp(dot, ".yaml") != 0) continue;
        char text[1400];
        snprintf(text, sizeof text, "%s%s", lead, e->d_name);
        add(m, text, "path");
    }
    closedir(d);
}

static void complete_value(Matches *m, const char *key, const char *value, const char *lead) {
    const YcArgSpec *spec = yc_arg_find(key);
    static const char *yaml_ext[] = {".yaml", ".yml", NULL};
    static const char *weights_ext[] = {".yaml", ".yml", ".safetensors", NULL};
    static const char *image_ext[] = {".jpg", ".jpeg", ".png", ".bmp", ".JPG", ".PNG", NULL};
    char buf[1400];
    if (!strcmp(key, "background") || !strcmp(key, "force") || !strcmp(key, "wait")) {
        snprintf(buf, sizeof buf, "%strue", lead), add(m, buf, "value");
        snprintf(buf, sizeof buf, "%sfalse", lead), add(m, buf, "value");
        return;
    }
    if (!spec) return;
    switch (spec->type) {
    case YC_ARG_ENUM: {
        const char *p = spec->choices;
        while (p && *p) {
            size_t n = strcspn(p, ",");
            snprintf(buf, sizeof buf, "%s%.*s", lead, (int)n, p);
            add(m, buf, "value");
            p += n + (p[n] == ',');
        }
        break;
    }
    case YC_ARG_BOOL:
        snprintf(buf, sizeof buf, "%strue", lead), add(m, buf, "value");
        snprintf(buf, sizeof buf, "%sfalse", lead), add(m, buf, "value");
        break;
    case YC_ARG_BOOL_OR_PATH:
        snprintf(buf, sizeof buf, "%strue", lead), add(m, buf, "value");
        snprintf(buf, sizeof buf, "%sfalse", lead), add(m, buf, "value");
        add_paths(m, value, lead, weights_ext, false);
        break;
    case YC_ARG_DEVICE:
        snprintf(buf, sizeof buf, "%scpu", lead), add(m, buf, "value");
        break;
    case YC_ARG_STRING:
        if (!strcmp(key, "model")) {
            add_share_names(m, "models", value, lead);
            add_paths(m, value, lead, weights_ext, false);
        } else if (!strcmp(key, "data")) {
            add_share_names(m, "datasets", value, lead);
            add_paths(m, value, lead, yaml_ext, false);
        } else if (!strcmp(key, "cfg")) {
            add_paths(m, value, lead, yaml_ext, false);
        } else if (!strcmp(key, "source")) {
            add_paths(m, value, lead, image_ext, false);
        } else if (!strcmp(key, "project")) {
            add_paths(m, value, lead, NULL, true); /* directories only */
        }
        break;
    default:
        break;
    }
}

static void complete_runs(Matches *m, const char *lead, const char *value) {
    (void)value;
    DIR *d = opendir("runs/detect");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[600];
        snprintf(path, sizeof path, "runs/detect/%s", e->d_name);
        if (!yc_dir_exists(path)) continue;
        char text[700];
        snprintf(text, sizeof text, "%s%s", lead, e->d_name);
        add(m, text, "run");
    }
    closedir(d);
}

/* Is there an unescaped newline in code[from, to)? */
static bool newline_between(const char *code, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (code[i] == '\n' && !(i > 0 && code[i - 1] == '\\')) return true;
    return false;
}

cJSON *yc_complete_reply(const cJSON *req, const YcJobs *jobs) {
    const char *code = yc_msg_str(req, "code", "");
    size_t len = strlen(code);
    long cp = yc_msg_long(req, "cursor_pos", -1, -1, (long)len);
    size_t cur = cp < 0 ? len : yc_utf8_offset(code, len, cp);

    YcCell cell;
    YcErr err;
    int rc = yc_cell_parse(code, cur, &cell, &err);
    const YcCellCommand *cmd = (rc >= 0 && cell.count) ? &cell.commands[cell.count - 1] : NULL;
    bool in_word = cmd && cmd->words[cmd->argc - 1].end == cur && cur > 0 &&
                   !strchr(" \t\r\n", code[cur - 1]);
    if (cmd && !in_word && newline_between(code, cmd->words[cmd->argc - 1].end, cur)) cmd = NULL; /* a new line */
    int word_index = cmd ? (in_word ? cmd->argc - 1 : cmd->argc) : 0;
    size_t start = in_word ? cmd->words[cmd->argc - 1].start : cur;
    char *raw = strndup(code + start, cur - start); /* what is typed of the word */

    Matches m = {cJSON_CreateArray(), cJSON_CreateArray(), 0, raw ? raw : "", start, cur, code};
    if (raw && word_index == 0) {
        for (int i = 0; i < yc_command_count; i++) add(&m, yc_commands[i].name, "command");
    } else if (raw) {
        const YcCommand *c = yc_command_find(cmd->argv[0]);
        YcCompleteKind kind = c ? c->completes : YC_COMPLETE_NOTHING;
        char *eq = strchr(raw, '=');
        char lead[256] = "";
        if (eq) snprintf(lead, sizeof lead, "%.*s", (int)(eq - raw + 1), raw);
        const char *value = eq ? eq + 1 : "";
        char key[128] = "";
        if (eq) snprintf(key, sizeof key, "%.*s", (int)(eq - raw), raw);
        switch (kind) {
        case YC_COMPLETE_ARGS:
            if (eq) {
                complete_value(&m, key, value, lead);
            } else {
                char buf[160];
                for (int i = 0; i < yc_arg_count; i++) {
                    const YcArgSpec *s = &yc_arg_table[i];
                    if (!strcmp(s->name, "mode") || arg_given(cmd, s->name, word_index)) continue;
                    snprintf(buf, sizeof buf, "%s=", s->name);
                    add(&m, buf, "argument");
                }
                if (!strcmp(cmd->argv[0], "train") || !strcmp(cmd->argv[0], "val") || !strcmp(cmd->argv[0], "predict"))
                    add(&m, "background=", "argument");
            }
            break;
        case YC_COMPLETE_PLOT:
            if (!eq && word_index == 1) {
                for (int i = 0; i < yc_kernel_plot_kind_count(); i++) add(&m, yc_kernel_plot_kind_name(i), "value");
            } else if (!eq) {
                add(&m, "run=", "argument");
                add(&m, "project=", "argument");
            } else if (!strcmp(key, "run")) {
                complete_runs(&m, lead, value);
            } else if (!strcmp(key, "project")) {
                add_paths(&m, value, lead, NULL, true);
            }
            break;
        case YC_COMPLETE_JOBS:
            for (int i = 0; jobs && !eq && i < jobs->count; i++) {
                char id[16];
                snprintf(id, sizeof id, "%d", jobs->list[i]->id);
                add(&m, id, "job");
            }
            if (!eq && !strcmp(cmd->argv[0], "stop")) add(&m, "force=", "argument");
            if (eq) complete_value(&m, key, value, lead);
            break;
        case YC_COMPLETE_RUNS:
            if (!eq) complete_runs(&m, "", value);
            if (!eq) add(&m, "project=", "argument");
            else if (!strcmp(key, "project")) add_paths(&m, value, lead, NULL, true);
            break;
        case YC_COMPLETE_HELP:
            if (word_index == 1) {
                for (int i = 0; i < yc_command_count; i++) add(&m, yc_commands[i].name, "command");
                for (int i = 0; i < yc_arg_count; i++) add(&m, yc_arg_table[i].name, "argument");
                add(&m, "args", "value");
            }
            break;
        case YC_COMPLETE_PROJECT:
            if (!eq) add(&m, "project=", "argument");
            else if (!strcmp(key, "project")) add_paths(&m, value, lead, NULL, true);
            break;
        case YC_COMPLETE_NOTHING:
            if (!strcmp(cmd->argv[0], "clear") && !eq) add(&m, "wait=", "argument");
            else if (eq) complete_value(&m, key, value, lead);
            break;
        }
    }
    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "status", "ok");
    cJSON_AddItemToObject(content, "matches", m.list);
    cJSON_AddNumberToObject(content, "cursor_start", (double)yc_utf8_count(code, start));
    cJSON_AddNumberToObject(content, "cursor_end", (double)yc_utf8_count(code, cur));
    cJSON *meta = cJSON_AddObjectToObject(content, "metadata");
    cJSON_AddItemToObject(meta, "_jupyter_types_experimental", m.types);
    free(raw);
    yc_cell_free(&cell);
    return content;
}
