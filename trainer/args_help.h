#ifndef YC_ARGS_HELP_H
#define YC_ARGS_HELP_H

#include "error.h"
#include "strbuf.h"

/* Every argument, grouped, with its default and one line of help. */
void yc_args_help_table(YcStr *out);

/* One argument explained (type, allowed values, default); errors for unknown keys. */
int yc_arg_help(const char *key, YcStr *out, YcErr *err);

#endif
