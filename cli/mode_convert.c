/* yoloc convert: import Pascal VOC or COCO annotations into the YOLO layout.
 *   yoloc convert from=voc src=DIR dst=DIR [classes=a,b,c] [difficult=false] [yaml=FILE]
 *   yoloc convert from=coco src=instances.json images=DIR dst=DIR [split=train|val|test] [yaml=FILE]
 * The keys are this mode's own (not training arguments), checked here. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "convert.h"
#include "textutil.h"

typedef struct ConvertArgs {
    const char *from, *src, *dst, *images, *classes, *split, *yaml, *difficult;
} ConvertArgs;

static const char *const keys[] = {"from", "src", "dst", "images", "classes", "split", "yaml", "difficult"};
enum { NKEYS = (int)(sizeof keys / sizeof keys[0]) };

static int set_key(ConvertArgs *a, const char *k, const char *v) {
    const char **slot[NKEYS] = {&a->from, &a->src, &a->dst, &a->images, &a->classes, &a->split, &a->yaml, &a->difficult};
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(k, keys[i]) == 0) {
            *slot[i] = v;
            return 0;
        }
    const char *near = yc_closest(k, keys, NKEYS);
    if (near) return cli_failf(CLI_USAGE, "convert: unknown key '%s' (did you mean '%s'?)", k, near);
    return cli_failf(CLI_USAGE, "convert: unknown key '%s' (keys: from, src, dst, images, classes, split, yaml, difficult)", k);
}

/* Keys that belong to one source format only. */
static int reject(const char *value, const char *key, const char *format) {
    if (value) return cli_failf(CLI_USAGE, "convert: %s= does not apply to from=%s", key, format);
    return CLI_OK;
}

static void print_report(const YcConvertReport *r) {
    for (int i = 0; i < r->message_count; i++) printf("  %s\n", r->messages[i]);
    printf("convert: %d images (", r->images);
    for (int i = 0; i < r->splits; i++) printf("%s%s %d", i ? ", " : "", r->split_names[i], r->split_images[i]);
    printf("), %d boxes, %d classes; %d boxes and %d images skipped\n", r->boxes, r->nc, r->skipped_boxes, r->skipped_images);
    printf("convert: dataset YAML %s\n", r->yaml);
}

int cli_mode_convert(int argc, char **argv) {
    ConvertArgs a = {0};
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) return cli_failf(CLI_USAGE, "convert: expected key=value, got '%s'", argv[i]);
        *eq = '\0';
        int rc = set_key(&a, argv[i], eq + 1);
        *eq = '=';
        if (rc) return rc;
    }
    if (!a.from) return cli_failf(CLI_USAGE, "convert: from= is required (from=voc or from=coco)");
    if (!a.src || !*a.src) return cli_failf(CLI_USAGE, "convert: src= is required (the VOC root or the COCO JSON)");
    if (!a.dst || !*a.dst) return cli_failf(CLI_USAGE, "convert: dst= is required (the directory to write)");
    YcErr err;
    YcConvertReport report;
    if (strcmp(a.from, "voc") == 0) {
        int rc;
        if ((rc = reject(a.images, "images", "voc")) || (rc = reject(a.split, "split", "voc"))) return rc;
        bool keep = false;
        if (a.difficult) {
            if (strcmp(a.difficult, "true") == 0) keep = true;
            else if (strcmp(a.difficult, "false") != 0)
                return cli_failf(CLI_USAGE, "convert: difficult: expected true or false, got '%s'", a.difficult);
        }
        YcConvertVocOptions o = {.src = a.src, .dst = a.dst, .yaml = a.yaml, .classes = a.classes, .keep_difficult = keep};
        if (yc_convert_voc(&o, &report, &err)) {
            for (int i = 0; i < report.message_count; i++) fprintf(stderr, "  %s\n", report.messages[i]);
            yc_convert_report_free(&report);
            return cli_failf(CLI_FAILED, "convert: %s", err.msg);
        }
    } else if (strcmp(a.from, "coco") == 0) {
        int rc;
        if ((rc = reject(a.classes, "classes", "coco")) || (rc = reject(a.difficult, "difficult", "coco"))) return rc;
        if (!a.images || !*a.images) return cli_failf(CLI_USAGE, "convert: images= is required with from=coco (the image directory)");
        if (a.split && strcmp(a.split, "train") && strcmp(a.split, "val") && strcmp(a.split, "test"))
            return cli_failf(CLI_USAGE, "convert: split: expected train, val or test, got '%s'", a.split);
        YcConvertCocoOptions o = {.src = a.src, .images = a.images, .dst = a.dst, .split = a.split, .yaml = a.yaml};
        if (yc_convert_coco(&o, &report, &err)) {
            for (int i = 0; i < report.message_count; i++) fprintf(stderr, "  %s\n", report.messages[i]);
            yc_convert_report_free(&report);
            return cli_failf(CLI_FAILED, "convert: %s", err.msg);
        }
    } else {
        return cli_failf(CLI_USAGE, "convert: from: expected voc or coco, got '%s'", a.from);
    }
    print_report(&report);
    yc_convert_report_free(&report);
    return CLI_OK;
}
