/* yoloc train: the training flow (train_flow.c) on the data loader. */
#include "cli.h"
#include "train_data.h"

int cli_mode_train(int argc, char **argv) { return cli_train(argc, argv, &cli_loader_data); }
