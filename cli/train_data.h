/* The data sets of `yoloc train` (dataset YAML, scanned splits, loaders). */
#ifndef YC_CLI_TRAIN_DATA_H
#define YC_CLI_TRAIN_DATA_H

#include "data_dataset.h"
#include "loader.h"
#include "train_flow.h"

/* Training data from args->data: the train split (fraction=, single_cls)
 * and the val split (test when there is no val), their loaders (training
 * batch; validation at twice the batch, rect, as the reference). */
extern const CliTrainDataOps cli_loader_data;

/* A batch source over a new loader of ds with options o. */
YcBatchSource *yc_cli_loader_source(const YcDataset *ds, const YcLoaderOptions *o, YcErr *err);

#endif
