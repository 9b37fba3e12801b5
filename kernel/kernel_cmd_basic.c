/* Commands that answer at once: echo, clear, help, cfg, tensorboard. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "args_help.h"
#include "kernel.h"
#include "textutil.h"

YcCmdStatus yc_cmd_echo(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    YcStr s;
    yc_str_init(&s);
    for (int i = 1; i < argc; i++) yc_str_printf(&s, "%s%s", i > 1 ? " " : "", argv[i]);
    yc_str_append(&s, "\n");
    yc_out_stream(&x->out, "stdout", yc_str_cstr(&s));
    yc_str_free(&s);
    return YC_CMD_OK;
}

/* Parses a true/false word as the argument table does. */
static int parse_bool(const char *v, bool *out) {
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "0")) *out = false;
    else return -1;
    return 0;
}

YcCmdStatus yc_cmd_clear(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    bool wait = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "wait=", 5) == 0 && parse_bool(argv[i] + 5, &wait) == 0) continue;
        if (strcmp(argv[i], "wait") == 0) {
            wait = true;
            continue;
        }
        return yc_exec_errorf(x, "UsageError", "clear: expected wait=true|false, got '%s'", argv[i]);
    }
    yc_out_clear(&x->out, wait);
    return YC_CMD_OK;
}

static void overview(YcStr *s) {
    yc_str_append(s, "Commands (one per line; # starts a comment; a trailing \\ continues a line):\n");
    for (int i = 0; i < yc_command_count; i++)
        yc_str_printf(s, "  %-12s %s\n", yc_commands[i].name, yc_commands[i].summary);
    yc_str_append(s, "\n'help COMMAND' shows its usage; 'help KEY' explains an argument (e.g. help epochs);\n"
                     "'help args' lists every argument with its default. Arguments are Ultralytics' names.\n");
}

YcCmdStatus yc_cmd_help(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    YcStr s;
    yc_str_init(&s);
    YcCmdStatus st = YC_CMD_OK;
    if (argc == 1) {
        overview(&s);
    } else if (argc > 2) {
        st = yc_exec_errorf(x, "UsageError", "help: expected at most one COMMAND or KEY, got %d words", argc - 1);
    } else if (strcmp(argv[1], "args") == 0) {
        yc_str_append(&s, "Arguments (key=value; the column after the name is the default):\n");
        yc_args_help_table(&s);
    } else {
        const char *topic = argv[1];
        const YcCommand *cmd = yc_command_find(topic);
        if (cmd) yc_str_printf(&s, "%s: %s\nusage: %s\n\n%s\n", cmd->name, cmd->summary, cmd->usage, cmd->details);
        if (!cmd || yc_arg_find(topic)) {
            YcErr err;
            if (cmd) yc_str_append(&s, "\n");
            if (yc_arg_help(topic, &s, &err)) {
                const char *names[YC_MAX_COMMANDS];
                int n = yc_command_names(names, YC_MAX_COMMANDS);
                const char *near = yc_closest(topic, names, n);
                if (near) st = yc_exec_errorf(x, "UsageError", "unknown command or argument '%s' (did you mean '%s'?)",
                                              topic, near);
                else st = yc_exec_error(x, "ArgumentError", err.msg, NULL, 0);
            }
        }
    }
    if (st == YC_CMD_OK) yc_out_stream(&x->out, "stdout", yc_str_cstr(&s));
    yc_str_free(&s);
    return st;
}

YcCmdStatus yc_cmd_cfg(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    YcArgs *args = malloc(sizeof *args);
    if (!args) return yc_exec_errorf(x, "OutOfMemory", "out of memory");
    YcErr err;
    yc_args_defaults(args);
    YcCmdStatus st = YC_CMD_OK;
    if (yc_args_parse_words(args, argc - 1, argv + 1, &err)) {
        st = yc_exec_error(x, "ArgumentError", err.msg, NULL, 0);
    } else {
        size_t cap = 1 << 16;
        char *yaml = malloc(cap);
        if (yaml && yc_args_to_yaml(args, yaml, cap) >= 0) yc_exec_result(x, yc_mime_text(yaml));
        else st = yc_exec_errorf(x, "OutOfMemory", "cfg: cannot format the arguments");
        free(yaml);
    }
    free(args);
    return st;
}

/* project=DIR from the words (default runs/detect), as an absolute path. */
int yc_project_dir(YcExec *x, int argc, char **argv, char *out, size_t cap) {
    const char *project = "runs/detect";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "project=", 8) == 0 && argv[i][8]) {
            project = argv[i] + 8;
            continue;
        }
        yc_exec_errorf(x, "UsageError", "%s: expected project=DIR, got '%s'", argv[0], argv[i]);
        return -1;
    }
    char *real = realpath(project, NULL);
    if (real) {
        snprintf(out, cap, "%s", real);
        free(real);
    } else if (project[0] == '/') {
        snprintf(out, cap, "%s", project);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
        snprintf(out, cap, "%s/%s", cwd, project);
    }
    return 0;
}

static int count_event_files(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (strstr(e->d_name, "tfevents")) n++;
        else if (depth > 0 && e->d_type == DT_DIR) {
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            n += count_event_files(sub, depth - 1);
        }
    }
    closedir(d);
    return n;
}

YcCmdStatus yc_cmd_tensorboard(YcKernel *k, YcExec *x, int argc, char **argv) {
    (void)k;
    char dir[PATH_MAX];
    if (yc_project_dir(x, argc, argv, dir, sizeof dir)) return YC_CMD_ERROR;
    int files = count_event_files(dir, 2);
    YcStr plain, html;
    yc_str_init(&plain);
    yc_str_init(&html);
    yc_str_printf(&plain, "tensorboard --logdir %s\n", dir);
    if (files) yc_str_printf(&plain, "(%d event file%s under it; then open http://localhost:6006)\n", files, files == 1 ? "" : "s");
    else yc_str_printf(&plain, "(no TensorBoard event files there yet: each training run writes them)\n");
    yc_str_append(&html, "<p>Run in a terminal:</p><pre>tensorboard --logdir ");
    yc_html_escape(&html, dir);
    yc_str_append(&html, "</pre>");
    if (files) yc_str_printf(&html, "<p>%d event file%s; then open <a href=\"http://localhost:6006\" target=\"_blank\">"
                                    "http://localhost:6006</a></p>", files, files == 1 ? "" : "s");
    else yc_str_append(&html, "<p>No TensorBoard event files there yet: each training run writes them.</p>");
    yc_out_display(&x->out, yc_mime_text_html(yc_str_cstr(&plain), yc_str_cstr(&html)), NULL, NULL, false);
    yc_str_free(&plain);
    yc_str_free(&html);
    return YC_CMD_OK;
}
