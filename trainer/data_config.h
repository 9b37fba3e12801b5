/* Dataset YAMLs in the Ultralytics format:
 *   path: dataset root (relative: against the YAML's directory; absent: that directory)
 *   train, val (or validation), test: a directory of images, a .txt list of
 *       images, or a list of either (relative to the root)
 *   names: a list, or a map {0: name, 1: name, ...}; nc: the class count
 * `data=coco8.yaml` and `data=bccd.yaml` find the bundled copies in
 * share/datasets when no such file exists here. */
#ifndef YC_DATA_CONFIG_H
#define YC_DATA_CONFIG_H

#include "error.h"

typedef struct YcDataSources {
    int count;
    char **paths;          /* absolute: directories, .txt lists or image files */
} YcDataSources;

typedef struct YcDataConfig {
    char file[4096];       /* the YAML that was read */
    char root[4096];       /* the dataset root */
    int nc;
    char **names;          /* nc names */
    YcDataSources train, val, test;
} YcDataConfig;

/* Reads and checks a dataset YAML. Errors name the file and key, e.g.
 * "bccd.yaml: 'names' has 2 entries but nc is 3". */
int yc_data_config_load(const char *data, YcDataConfig *cfg, YcErr *err);
void yc_data_config_free(YcDataConfig *cfg);

/* "train", "val" or "test"; NULL for other names. An empty split has count 0. */
const YcDataSources *yc_data_config_split(const YcDataConfig *cfg, const char *split);

#endif
