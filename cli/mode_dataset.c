/* yoloc dataset: check a dataset the way training will read it, and print
 * the reference's summary line per split with instance counts per class.
 *   yoloc dataset data=bccd.yaml [fraction=1.0] [single_cls=false]
 * Exit status 1 when a split has no usable image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data_config.h"
#include "data_dataset.h"

static int show_split(const YcDataConfig *cfg, const YcArgs *args, const char *split) {
    YcDatasetOptions o;
    yc_dataset_options_default(&o, split);
    o.fraction = strcmp(split, "train") == 0 ? args->fraction : 1.0;
    o.single_cls = args->single_cls;
    YcDataset ds;
    YcErr err;
    if (yc_dataset_open(&ds, cfg, &o, &err)) return cli_fail(CLI_FAILED, &err);
    for (int i = 0; i < ds.message_count; i++) printf("  %s\n", ds.messages[i]);
    printf("%s\n", ds.summary);
    if (ds.cache_note[0]) printf("  %s\n", ds.cache_note);
    int nc = args->single_cls ? 1 : ds.nc;
    long *per = calloc((size_t)nc, sizeof(long));
    long *imgs = calloc((size_t)nc, sizeof(long));
    char *seen = calloc((size_t)nc, 1);
    if (!per || !imgs || !seen) {
        free(per), free(imgs), free(seen);
        yc_dataset_free(&ds);
        return cli_failf(CLI_FAILED, "out of memory");
    }
    for (int i = 0; i < ds.count; i++) {
        memset(seen, 0, (size_t)nc);
        for (int b = 0; b < ds.items[i].count; b++) {
            int c = (int)ds.items[i].boxes[5 * b];
            if (c < 0 || c >= nc) continue;
            per[c]++;
            if (!seen[c]) imgs[c]++, seen[c] = 1;
        }
    }
    printf("  %-20s %8s %10s\n", "class", "images", "instances");
    printf("  %-20s %8d %10d\n", "all", ds.count, ds.instances);
    for (int c = 0; c < nc; c++)
        if (per[c] > 0) printf("  %-20.20s %8ld %10ld\n", args->single_cls ? "item" : ds.names[c], imgs[c], per[c]);
    free(per), free(imgs), free(seen);
    yc_dataset_free(&ds);
    return CLI_OK;
}

int cli_mode_dataset(int argc, char **argv) {
    YcArgs args;
    int rc = cli_parse_args(&args, "val", argc, argv);
    if (rc != CLI_OK) return rc;
    YcDataConfig cfg;
    YcErr err;
    if (yc_data_config_load(args.data, &cfg, &err)) return cli_fail(CLI_USAGE, &err);
    printf("%s: %d classes, root %s\n", cfg.file, cfg.nc, cfg.root);
    const char *splits[] = {"train", "val", "test"};
    int status = CLI_OK;
    for (int i = 0; i < 3; i++) {
        if (yc_data_config_split(&cfg, splits[i])->count == 0) continue;
        if (show_split(&cfg, &args, splits[i]) != CLI_OK) status = CLI_FAILED;
    }
    yc_data_config_free(&cfg);
    return status;
}
