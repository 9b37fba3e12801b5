/* The argument table, parser, cfg= files and the args.yaml round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "check.h"

static void test_table_is_consistent(void) {
    CHECK(yc_arg_count <= (int)sizeof(((YcArgs *)0)->source_of));
    for (int i = 0; i < yc_arg_count; i++) {
        const YcArgSpec *spec = &yc_arg_table[i];
        YcArgs args;
        YcErr err = {0};
        yc_args_defaults(&args);
        if (!CHECK(yc_args_set(&args, spec->name, spec->default_text, YC_SRC_CLI, &err) == 0))
            fprintf(stderr, "    default of %s does not parse: %s\n", spec->name, err.msg);
        CHECK(yc_arg_find(spec->name) == spec);
        CHECK(spec->help && strlen(spec->help) > 5);
        for (int j = 0; j < yc_unsupported_count; j++) CHECK(strcmp(spec->name, yc_unsupported_args[j].name) != 0);
        for (int j = i + 1; j < yc_arg_count; j++) CHECK(strcmp(spec->name, yc_arg_table[j].name) != 0);
    }
}

static void test_defaults(void) {
    YcArgs a;
    yc_args_defaults(&a);
    CHECK(a.epochs == 100);
    CHECK(a.batch == 16);
    CHECK(a.imgsz.h == 640 && a.imgsz.w == 640 && !a.imgsz.is_pair);
    CHECK_NEAR(a.lr0, 0.01, 0);
    CHECK_NEAR(a.momentum, 0.937, 0);
    CHECK_NEAR(a.weight_decay, 0.0005, 0);
    CHECK(isnan(a.conf));
    CHECK(isnan(a.time));
    CHECK(a.device.kind == YC_DEVICE_AUTO);
    CHECK(a.pretrained.on && a.pretrained.path[0] == '\0');
    CHECK(!a.resume.on);
    CHECK_STR(a.optimizer, "auto");
    CHECK_STR(a.amp, "true");
    CHECK_STR(a.cache, "false");
    CHECK(a.freeze.count == 0);
    CHECK(a.line_width == -1);
    CHECK(a.model[0] == '\0');
}

static const char *set_error(const char *key, const char *value) {
    static YcErr err;
    YcArgs a;
    yc_args_defaults(&a);
    memset(&err, 0, sizeof err);
    if (yc_args_set(&a, key, value, YC_SRC_CLI, &err) == 0) return "(accepted)";
    return err.msg;
}

static void test_error_messages(void) {
    CHECK_STR(set_error("epochs", "abc"), "epochs: expected an integer, got 'abc'");
    CHECK_STR(set_error("epoch", "3"), "unknown argument 'epoch' (did you mean 'epochs'?)");
    CHECK_STR(set_error("lr0", "1.5"), "lr0: must be between 0 and 1, got 1.5");
    CHECK_STR(set_error("epochs", "0"), "epochs: must be at least 1, got 0");
    CHECK_STR(set_error("epochs", "2.5"), "epochs: expected an integer, got '2.5'");
    CHECK_STR(set_error("optimizer", "NAdam"), "optimizer: expected one of SGD, Adam, AdamW, auto; got 'NAdam'");
    CHECK_STR(set_error("save", "maybe"), "save: expected true or false, got 'maybe'");
    CHECK_STR(set_error("lr0", "nan"), "lr0: expected a number, got 'nan'");
    CHECK_STR(set_error("device", "0,0"), "device: GPU 0 is listed twice in '0,0'");
    CHECK_STR(set_error("device", "mps"), "device: expected cpu, a GPU index or a list of them (0,1,2,3), got 'mps'");
    CHECK_STR(set_error("format", "onnx"), "format: not supported: yoloc does not export models");
    CHECK_STR(set_error("zzzzzzzz", "1"), "unknown argument 'zzzzzzzz' (see 'yoloc help' for the list)");
    CHECK(strstr(set_error("batch", "2.5"), "batch: expected -1 (auto)") != NULL);
    CHECK(strstr(set_error("imgsz", "16"), "imgsz: must be between 32 and 8192") != NULL);
}

static void test_booleans(void) {
    const char *yes[] = {"true", "True", "TRUE", "1"}, *no[] = {"false", "False", "0"};
    for (int i = 0; i < 4; i++) {
        YcArgs a;
        YcErr err;
        yc_args_defaults(&a);
        CHECK(yc_args_set(&a, "rect", yes[i], YC_SRC_CLI, &err) == 0 && a.rect);
    }
    for (int i = 0; i < 3; i++) {
        YcArgs a;
        YcErr err;
        yc_args_defaults(&a);
        CHECK(yc_args_set(&a, "save", no[i], YC_SRC_CLI, &err) == 0 && !a.save);
    }
    /* Enums with true/false choices take boolean spellings too. */
    YcArgs a;
    YcErr err;
    yc_args_defaults(&a);
    CHECK(yc_args_set(&a, "cache", "True", YC_SRC_CLI, &err) == 0);
    CHECK_STR(a.cache, "true");
    CHECK(yc_args_set(&a, "amp", "0", YC_SRC_CLI, &err) == 0);
    CHECK_STR(a.amp, "false");
    CHECK(yc_args_set(&a, "optimizer", "adamw", YC_SRC_CLI, &err) == 0);
    CHECK_STR(a.optimizer, "AdamW");
}

static void test_devices(void) {
    YcArgs a;
    YcErr err;
    yc_args_defaults(&a);
    CHECK(yc_args_set(&a, "device", "cpu", YC_SRC_CLI, &err) == 0 && a.device.kind == YC_DEVICE_CPU);
    CHECK(yc_args_set(&a, "device", "0", YC_SRC_CLI, &err) == 0 && a.device.kind == YC_DEVICE_CUDA &&
          a.device.count == 1 && a.device.ids[0] == 0);
    CHECK(yc_args_set(&a, "device", "0,1,2,3", YC_SRC_CLI, &err) == 0 && a.device.count == 4 && a.device.ids[3] == 3);
    CHECK(yc_args_set(&a, "device", "[0, 1]", YC_SRC_CLI, &err) == 0 && a.device.count == 2 && a.device.ids[1] == 1);
    CHECK(yc_args_set(&a, "device", "cuda:2", YC_SRC_CLI, &err) == 0 && a.device.count == 1 && a.device.ids[0] == 2);
    CHECK(yc_args_set(&a, "device", "None", YC_SRC_CLI, &err) == 0 && a.device.kind == YC_DEVICE_AUTO);
    CHECK(yc_args_set(&a, "device", "-1", YC_SRC_CLI, &err) != 0);
}

static void test_special_types(void) {
    YcArgs a;
    YcErr err;
    yc_args_defaults(&a);
    CHECK(yc_args_set(&a, "batch", "-1", YC_SRC_CLI, &err) == 0 && a.batch == -1);
    CHECK(yc_args_set(&a, "batch", "0.7", YC_SRC_CLI, &err) == 0 && a.batch == 0.7);
    CHECK(yc_args_set(&a, "batch", "32", YC_SRC_CLI, &err) == 0 && a.batch == 32);
    CHECK(yc_args_set(&a, "batch", "0", YC_SRC_CLI, &err) != 0);
    CHECK(yc_args_set(&a, "imgsz", "[480, 640]", YC_SRC_CLI, &err) == 0 && a.imgsz.h == 480 && a.imgsz.w == 640);
    CHECK(yc_args_set(&a, "freeze", "10", YC_SRC_CLI, &err) == 0 && a.freeze.count == 1 && !a.freeze.is_list &&
          a.freeze.values[0] == 10);
    CHECK(yc_args_set(&a, "freeze", "[0,3,5]", YC_SRC_CLI, &err) == 0 && a.freeze.count == 3 && a.freeze.is_list);
    CHECK(yc_args_set(&a, "freeze", "none", YC_SRC_CLI, &err) == 0 && a.freeze.count == 0);
    CHECK(yc_args_set(&a, "resume", "runs/detect/train/weights/last.safetensors", YC_SRC_CLI, &err) == 0 &&
          a.resume.on && strcmp(a.resume.path, "runs/detect/train/weights/last.safetensors") == 0);
    CHECK(yc_args_set(&a, "resume", "True", YC_SRC_CLI, &err) == 0 && a.resume.on && !a.resume.path[0]);
    CHECK(yc_args_set(&a, "conf", "0.25", YC_SRC_CLI, &err) == 0 && a.conf == 0.25);
    CHECK(yc_args_set(&a, "conf", "None", YC_SRC_CLI, &err) == 0 && isnan(a.conf));
    CHECK(yc_args_set(&a, "line_width", "3", YC_SRC_CLI, &err) == 0 && a.line_width == 3);
    /* An Ultralytics key we do not implement, at its default value, changes nothing. */
    CHECK(yc_args_set(&a, "simplify", "True", YC_SRC_CLI, &err) == 0);
    CHECK(yc_args_set(&a, "copy_paste", "0.0", YC_SRC_CLI, &err) == 0);
    CHECK(yc_args_set(&a, "copy_paste", "0.5", YC_SRC_CLI, &err) != 0);
}

static void test_words(void) {
    YcArgs a;
    YcErr err = {0};
    yc_args_defaults(&a);
    char *words[] = {"epochs=3", "rect", "device=0,1", "name=exp"};
    CHECK(yc_args_parse_words(&a, 4, words, &err) == 0);
    CHECK(a.epochs == 3 && a.rect && a.device.count == 2);
    CHECK_STR(a.name, "exp");
    CHECK(a.source_of[yc_arg_index(yc_arg_find("epochs"))] == YC_SRC_CLI);
    CHECK(a.source_of[yc_arg_index(yc_arg_find("lr0"))] == YC_SRC_DEFAULT);
    char *bad[] = {"epochs"};
    CHECK(yc_args_parse_words(&a, 1, bad, &err) != 0);
    CHECK_STR(err.msg, "epochs: expected epochs=VALUE");
    char *bare[] = {"epoch"};
    CHECK(yc_args_parse_words(&a, 1, bare, &err) != 0);
    CHECK_STR(err.msg, "expected key=value, got 'epoch' (did you mean 'epochs=...'?)");
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static void test_cfg_precedence(void) {
    char dir[] = "/tmp/yoloc-test-args-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], word[300];
    snprintf(path, sizeof path, "%s/my.yaml", dir);
    write_text(path, "# my settings\nepochs: 5\nlr0: 0.02\ndevice: [0, 1]\nname: from_cfg\nformat: torchscript\n");
    snprintf(word, sizeof word, "cfg=%s", path);
    YcArgs a;
    YcErr err = {0};
    yc_args_defaults(&a);
    char *words[] = {"epochs=7", word};
    CHECK(yc_args_parse_words(&a, 2, words, &err) == 0);
    CHECK(a.epochs == 7);           /* the command line wins ... */
    CHECK_NEAR(a.lr0, 0.02, 0);     /* ... over the file, which wins over defaults */
    CHECK(a.device.count == 2);
    CHECK_STR(a.name, "from_cfg");
    CHECK_STR(a.cfg, path);
    CHECK(a.source_of[yc_arg_index(yc_arg_find("lr0"))] == YC_SRC_CFG);
    CHECK(a.source_of[yc_arg_index(yc_arg_find("epochs"))] == YC_SRC_CLI);

    write_text(path, "epochs: 5\n\nlr0: lots\n");
    yc_args_defaults(&a);
    CHECK(yc_args_parse_words(&a, 1, &words[1], &err) != 0);
    char want[512];
    snprintf(want, sizeof want, "%s:3: lr0: expected a number, got 'lots'", path);
    CHECK_STR(err.msg, want);

    write_text(path, "epochs: [1, [2]]\n");
    CHECK(yc_args_parse_words(&a, 1, &words[1], &err) != 0);
    CHECK(strstr(err.msg, "epochs: expected a value or a list") != NULL);

    write_text(path, "epochs: 5\n  bad indent: [\n");
    CHECK(yc_args_parse_words(&a, 1, &words[1], &err) != 0);
    CHECK(strstr(err.msg, "invalid YAML") != NULL);

    char missing[] = "cfg=/nonexistent/dir/x.yaml";
    char *w2[] = {missing};
    CHECK(yc_args_parse_words(&a, 1, w2, &err) != 0);
    CHECK(strstr(err.msg, "cannot open /nonexistent/dir/x.yaml") != NULL);
    unlink(path);
    rmdir(dir);
}

static void test_yaml_round_trip(void) {
    char dir[] = "/tmp/yoloc-test-args-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/args.yaml", dir);
    YcArgs a, b;
    YcErr err = {0};
    yc_args_defaults(&a);
    char *words[] = {"epochs=3", "batch=0.7", "imgsz=[320,480]", "device=0,2", "name=it's: a #run",
                     "project=/tmp/with space", "model=true", "data=123", "conf=0.25", "time=1.5",
                     "freeze=[1,2]", "classes=0", "resume=last.safetensors", "lr0=0.1", "optimizer=SGD",
                     "cache=disk", "amp=bf16", "line_width=2", "degrees=-10.5", "seed=12345"};
    CHECK(yc_args_parse_words(&a, (int)(sizeof words / sizeof words[0]), words, &err) == 0);
    CHECK(yc_args_save_yaml(&a, path, &err) == 0);
    yc_args_defaults(&b);
    if (!CHECK(yc_args_load_yaml(&b, path, YC_SRC_CFG, &err) == 0)) fprintf(stderr, "    %s\n", err.msg);
    const char *diff = NULL;
    if (!CHECK(yc_args_equal(&a, &b, &diff))) fprintf(stderr, "    first difference: %s\n", diff);
    CHECK_STR(b.name, "it's: a #run");
    CHECK_STR(b.model, "true");
    CHECK_STR(b.data, "123");
    CHECK(b.imgsz.h == 320 && b.imgsz.w == 480);
    /* Defaults round-trip too. */
    yc_args_defaults(&a);
    CHECK(yc_args_save_yaml(&a, path, &err) == 0);
    yc_args_defaults(&b);
    b.epochs = 1;
    CHECK(yc_args_load_yaml(&b, path, YC_SRC_CFG, &err) == 0);
    CHECK(yc_args_equal(&a, &b, &diff));
    unlink(path);
    rmdir(dir);
}

int main(void) {
    static const CheckCase cases[] = {
        {"table_is_consistent", test_table_is_consistent},
        {"defaults", test_defaults},
        {"error_messages", test_error_messages},
        {"booleans", test_booleans},
        {"devices", test_devices},
        {"special_types", test_special_types},
        {"words", test_words},
        {"cfg_precedence", test_cfg_precedence},
        {"yaml_round_trip", test_yaml_round_trip},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
