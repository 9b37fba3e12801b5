#include "kernel_inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "args_help.h"
#include "kernel.h"
#include "kernel_complete.h"
#include "kernel_wire.h"
#include "strbuf.h"

static bool word_char(char c) { return c && !strchr(" \t\r\n\"'[]", c); }

cJSON *yc_inspect_reply(const cJSON *req) {
    const char *code = yc_msg_str(req, "code", "");
    size_t len = strlen(code);
    long cp = yc_msg_long(req, "cursor_pos", -1, -1, (long)len);
    size_t cur = cp < 0 ? len : yc_utf8_offset(code, len, cp);
    /* the word around the cursor; for key=value, the key */
    size_t a = cur, b = cur;
    while (a > 0 && word_char(code[a - 1])) a--;
    while (b < len && word_char(code[b])) b++;
    char word[256];
    snprintf(word, sizeof word, "%.*s", (int)(b - a), code + a);
    char *eq = strchr(word, '=');
    if (eq) *eq = '\0';

    cJSON *content = cJSON_CreateObject();
    cJSON_AddStringToObject(content, "status", "ok");
    YcStr text;
    yc_str_init(&text);
    const YcCommand *cmd = yc_command_find(word);
    if (cmd) yc_str_printf(&text, "%s: %s\nusage: %s\n\n%s\n", cmd->name, cmd->summary, cmd->usage, cmd->details);
    YcErr err;
    if (yc_arg_find(word)) {
        if (cmd) yc_str_append(&text, "\n");
        yc_arg_help(word, &text, &err);
    } else if (!strcmp(word, "background")) {
        yc_str_append(&text, "background=false\n  run the worker in the background and return at once with a job id "
                             "(kernel only)\n  type: boolean\n  default: false\n");
    }
    bool found = text.len > 0;
    cJSON_AddBoolToObject(content, "found", found);
    cJSON *data = cJSON_AddObjectToObject(content, "data");
    if (found) cJSON_AddStringToObject(data, "text/plain", yc_str_cstr(&text));
    cJSON_AddObjectToObject(content, "metadata");
    yc_str_free(&text);
    return content;
}
