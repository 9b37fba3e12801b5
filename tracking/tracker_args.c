/* Arguments as hparams and as a markdown table (see tracker_args.h). */
#include "tracker_args.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const yc_hparam_metric_tags[] = {
    "metrics/mAP50-95(B)", "metrics/mAP50(B)", "metrics/precision(B)", "metrics/recall(B)",
    "val/box_loss",        "val/cls_loss",     "val/dfl_loss",
    "train/box_loss",      "train/cls_loss",   "train/dfl_loss",
};
const int yc_hparam_metric_count = 10;

static bool included(const YcArgSpec *spec) {
    if (strcmp(spec->group, "Prediction") == 0) return false;
    return strcmp(spec->name, "mode") != 0 && strcmp(spec->name, "cfg") != 0;
}

int yc_args_hparams(const YcArgs *args, YcTbHParam *out, char (*texts)[256]) {
    int n = 0;
    for (int i = 0; i < yc_arg_count && n < YC_ARGS_HPARAM_MAX; i++) {
        const YcArgSpec *spec = &yc_arg_table[i];
        if (!included(spec)) continue;
        const char *field = (const char *)args + spec->offset;
        YcTbHParam *hp = &out[n];
        memset(hp, 0, sizeof *hp);
        hp->name = spec->name;
        switch (spec->type) {
        case YC_ARG_BOOL:
            hp->type = YC_TB_HP_BOOL;
            hp->flag = *(const bool *)(const void *)field;
            break;
        case YC_ARG_INT:
            hp->type = YC_TB_HP_NUMBER;
            hp->number = *(const int *)(const void *)field;
            break;
        case YC_ARG_FLOAT:
        case YC_ARG_BATCH:
            hp->type = YC_TB_HP_NUMBER;
            hp->number = *(const double *)(const void *)field;
            break;
        case YC_ARG_IMGSZ:
            hp->type = YC_TB_HP_NUMBER;
            hp->number = ((const YcImgSize *)(const void *)field)->h;
            break;
        default: /* optional values, text, lists: as args.yaml writes them */
            hp->type = YC_TB_HP_STRING;
            yc_arg_format(args, spec, texts[n], sizeof texts[n]);
            hp->text = texts[n];
            break;
        }
        if (hp->type == YC_TB_HP_NUMBER && !isfinite(hp->number)) hp->number = 0;
        n++;
    }
    return n;
}

void yc_args_markdown(const YcArgs *args, YcStr *out) {
    yc_str_append(out, "| argument | value |\n|---|---|\n");
    char value[2048];
    for (int i = 0; i < yc_arg_count; i++) {
        const YcArgSpec *spec = &yc_arg_table[i];
        yc_arg_format(args, spec, value, sizeof value);
        yc_str_printf(out, "| %s | ", spec->name);
        for (const char *p = value; *p; p++) { /* a | would end the cell */
            if (*p == '|') yc_str_append(out, "\\|");
            else yc_str_append_n(out, p, 1);
        }
        yc_str_append(out, " |\n");
    }
}
