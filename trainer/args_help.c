/* Help text for arguments, shared by `yoloc help` and the kernel's help and
 * inspect replies. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "args_help.h"

void yc_args_help_table(YcStr *out) {
    YcArgs defaults;
    yc_args_defaults(&defaults);
    const char *group = "";
    char value[YC_PATH_MAX + 16];
    for (int i = 0; i < yc_arg_count; i++) {
        const YcArgSpec *spec = &yc_arg_table[i];
        if (strcmp(spec->group, group) != 0) {
            group = spec->group;
            yc_str_printf(out, "\n%s:\n", group);
        }
        yc_arg_format(&defaults, spec, value, sizeof value);
        if (strcmp(value, "null") == 0) snprintf(value, sizeof value, "none");
        yc_str_printf(out, "  %-16s %-12s %s\n", spec->name, value, spec->help);
    }
}

int yc_arg_help(const char *key, YcStr *out, YcErr *err) {
    const YcArgSpec *spec = yc_arg_find(key);
    if (!spec) {
        for (int i = 0; i < yc_unsupported_count; i++)
            if (strcmp(yc_unsupported_args[i].name, key) == 0)
                return yc_err(err, "%s: not supported: %s", key, yc_unsupported_args[i].reason);
        const char *near = yc_arg_suggest(key);
        if (near) return yc_err(err, "unknown argument '%s' (did you mean '%s'?)", key, near);
        return yc_err(err, "unknown argument '%s' (see 'yoloc help' for the list)", key);
    }
    YcArgs defaults;
    yc_args_defaults(&defaults);
    char value[YC_PATH_MAX + 16], type[256];
    yc_arg_format(&defaults, spec, value, sizeof value);
    yc_arg_describe_type(spec, type, sizeof type);
    yc_str_printf(out, "%s=%s\n  %s\n  type: %s\n  default: %s\n  group: %s\n", spec->name, value,
                  spec->help, type, value, spec->group);
    return 0;
}
