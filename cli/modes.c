/* The list of modes, in the order `yoloc help` shows them. */
#include "cli.h"

const CliMode cli_modes[] = {
    {"train", "train a detector", "yoloc train model=yolov8n.yaml data=coco8.yaml [key=value ...]", cli_mode_train},
    {"val", "validate weights on a dataset split", "yoloc val model=RUN/weights/best.safetensors data=coco8.yaml [key=value ...]", cli_mode_val},
    {"predict", "detect objects in images and save annotated copies", "yoloc predict model=WEIGHTS source=IMAGE|DIR [key=value ...]", cli_mode_predict},
    {"info", "print a model summary (layers, parameters, GFLOPs)", "yoloc info model=yolov8n.yaml [nc=80] [imgsz=640]", cli_mode_info},
    {"runs", "list the runs of a project (name, status, epochs, best mAP50-95, duration)", "yoloc runs [project=runs/detect]", cli_mode_runs},
    {"plot", "render one plot of a run from its files (results.csv, validation.json, dataset)", "yoloc plot results|pr|f1|p|r|confusion|confusion_normalized|labels|batch run=DIR [out=FILE]", cli_mode_plot},
    {"compare", "compare runs: a table of their best epochs and compare.png, their curves overlaid", "yoloc compare RUN RUN ... | run=RUN,RUN,... [project=runs/detect] [out=compare.png]", cli_mode_compare},
    {"cocoeval", "COCO box metrics of a predictions.json, as pycocotools computes them", "yoloc cocoeval gt=INSTANCES.json pred=PREDICTIONS.json [json=STATS.json]", cli_mode_cocoeval},
    {"dataset", "check a dataset: per-split counts, problem files, instances per class", "yoloc dataset data=bccd.yaml [fraction=1.0] [single_cls=false]", cli_mode_dataset},
    {"convert", "import Pascal VOC or COCO annotations into the YOLO layout", "yoloc convert from=voc src=DIR dst=DIR [classes=a,b,...] [difficult=false] [yaml=FILE]\n"
     "       yoloc convert from=coco src=instances.json images=DIR dst=DIR [split=train|val|test] [yaml=FILE]", cli_mode_convert},
    {"devices", "list the devices this build can train on; with device=, what that choice opens here", "yoloc devices [device=0,1]", cli_mode_devices},
    {"cfg", "print the resolved arguments as YAML (what args.yaml holds)", "yoloc cfg [cfg=FILE] [key=value ...]", cli_mode_cfg},
    {"help", "list modes and arguments, or explain one", "yoloc help [MODE|KEY]", cli_mode_help},
    {"version", "print the version and build", "yoloc version", cli_mode_version},
};

const int cli_mode_count = (int)(sizeof cli_modes / sizeof cli_modes[0]);
