/* yoloc cocoeval gt=instances.json pred=predictions.json [json=stats.json]:
 * the twelve COCO summary numbers, computed as pycocotools does. Its keys are
 * its own (not in the argument table). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cocoeval.h"
#include "fileio.h"
#include "metrics_np.h"
#include "textutil.h"

static const char *const keys[] = {"gt", "pred", "json"};

int cli_mode_cocoeval(int argc, char **argv) {
    const char *values[3] = {NULL, NULL, NULL};
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i])
            return cli_failf(CLI_USAGE, "cocoeval: expected key=value, got '%s' (keys: gt, pred, json)", argv[i]);
        size_t klen = (size_t)(eq - argv[i]);
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (strlen(keys[j]) == klen && strncmp(keys[j], argv[i], klen) == 0) k = j;
        if (k < 0) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(klen < 63 ? klen : 63), argv[i]);
            const char *near = yc_closest(key, keys, 3);
            if (near)
                return cli_failf(CLI_USAGE, "cocoeval: unknown key '%s' (did you mean '%s'?)", key, near);
            return cli_failf(CLI_USAGE, "cocoeval: unknown key '%s' (keys: gt, pred, json)", key);
        }
        if (!eq[1]) return cli_failf(CLI_USAGE, "cocoeval: %s= needs a file path", keys[k]);
        values[k] = eq + 1;
    }
    if (!values[0] || !values[1])
        return cli_failf(CLI_USAGE, "cocoeval: needs gt=INSTANCES.json and pred=PREDICTIONS.json");

    YcErr err;
    YcCocoGt *gt = yc_coco_gt_load(values[0], &err);
    if (!gt) return cli_fail(CLI_FAILED, &err);
    YcCocoDets *dt = yc_coco_dets_load(values[1], gt, &err);
    if (!dt) {
        yc_coco_gt_free(gt);
        return cli_fail(CLI_FAILED, &err);
    }
    double stats[YC_COCO_STATS];
    int rc = yc_cocoeval(gt, dt, stats, &err);
    yc_coco_dets_free(dt);
    yc_coco_gt_free(gt);
    if (rc) return cli_fail(CLI_FAILED, &err);

    YcStr out;
    yc_str_init(&out);
    yc_cocoeval_summary(stats, &out);
    fputs(yc_str_cstr(&out), stdout);
    if (values[2]) {
        yc_str_clear(&out);
        yc_str_append(&out, "{");
        for (int i = 0; i < YC_COCO_STATS; i++) {
            char num[40];
            yc_repr_double(stats[i], num, sizeof num);
            yc_str_printf(&out, "%s\"%s\": %s", i ? ", " : "", yc_coco_stat_names[i], isfinite(stats[i]) ? num : "null");
        }
        yc_str_append(&out, "}\n");
        if (yc_write_file_atomic(values[2], out.data, out.len, &err)) {
            yc_str_free(&out);
            return cli_fail(CLI_FAILED, &err);
        }
    }
    yc_str_free(&out);
    return CLI_OK;
}
