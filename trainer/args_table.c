/* The argument table itself. Order is the order of `yoloc help` and args.yaml
 * (Ultralytics' default.yaml order). Defaults are Ultralytics 8.3's. */
#include <float.h>
#include <limits.h>

#include "args.h"

/* Offset and capacity of a YcArgs field. */
#define FIELD(f) offsetof(YcArgs, f), sizeof(((YcArgs *)0)->f)


const YcArgSpec yc_arg_table[] = {
    /* Run */
    {"task", YC_ARG_ENUM, FIELD(task), "detect", 0, 0, "detect", "Run", "task; yoloc does object detection"},
    {"mode", YC_ARG_ENUM, FIELD(mode), "train", 0, 0, "train,val,predict", "Run", "mode, normally given as the first word (yoloc MODE ...)"},
    {"model", YC_ARG_STRING, FIELD(model), "", 0, 0, NULL, "Run", "model YAML (yolov8n.yaml, yolo11s.yaml, your own) or weights (.safetensors)"},
    {"data", YC_ARG_STRING, FIELD(data), "", 0, 0, NULL, "Run", "dataset YAML (coco8.yaml, bccd.yaml, your own)"},
    {"epochs", YC_ARG_INT, FIELD(epochs), "100", 1, DBL_MAX, NULL, "Run", "number of epochs to train"},
    {"time", YC_ARG_OPT_FLOAT, FIELD(time), "", 0, DBL_MAX, NULL, "Run", "hours to train; overrides epochs when set"},
    {"patience", YC_ARG_INT, FIELD(patience), "100", 0, INT_MAX, NULL, "Run", "stop after this many epochs without a better fitness (0 = never)"},
    {"batch", YC_ARG_BATCH, FIELD(batch), "16", -1, DBL_MAX, NULL, "Run", "images per batch; -1 = fit 60% of device memory; 0<b<1 = that fraction"},
    {"imgsz", YC_ARG_IMGSZ, FIELD(imgsz), "640", 32, 8192, NULL, "Run", "input size in pixels (int; [h,w] for predict)"},
    {"save", YC_ARG_BOOL, FIELD(save), "true", 0, 0, NULL, "Run", "save checkpoints and prediction results"},
    {"save_period", YC_ARG_INT, FIELD(save_period), "-1", INT_MIN, INT_MAX, NULL, "Run", "also keep a checkpoint every N epochs (< 1 = off)"},
    {"cache", YC_ARG_ENUM, FIELD(cache), "false", 0, 0, "false,true,ram,disk", "Run", "cache decoded images in RAM (true|ram) or on disk"},
    {"device", YC_ARG_DEVICE, FIELD(device), "", 0, YC_MAX_DEVICES - 1, NULL, "Run", "cpu, a GPU index (0) or a list for data parallel (0,1,2,3); none = first GPU or cpu"},
    {"workers", YC_ARG_INT, FIELD(workers), "8", 0, 256, NULL, "Run", "data loader threads (per rank)"},
    {"project", YC_ARG_STRING, FIELD(project), "", 0, 0, NULL, "Run", "directory holding the runs (none = runs/detect)"},
    {"name", YC_ARG_STRING, FIELD(name), "", 0, 0, NULL, "Run", "run name inside project (none = train, train2, ...)"},
    {"exist_ok", YC_ARG_BOOL, FIELD(exist_ok), "false", 0, 0, NULL, "Run", "reuse project/name if it exists instead of numbering a new one"},
    {"pretrained", YC_ARG_BOOL_OR_PATH, FIELD(pretrained), "true", 0, 0, NULL, "Run", "start from pretrained weights (true) or from this weights file"},
    {"optimizer", YC_ARG_ENUM, FIELD(optimizer), "auto", 0, 0, "SGD,Adam,AdamW,auto", "Run", "optimiser; auto picks SGD or AdamW by run length"},
    {"verbose", YC_ARG_BOOL, FIELD(verbose), "true", 0, 0, NULL, "Run", "print detailed logs"},
    {"seed", YC_ARG_INT, FIELD(seed), "0", 0, INT_MAX, NULL, "Run", "random seed"},
    {"deterministic", YC_ARG_BOOL, FIELD(deterministic), "true", 0, 0, NULL, "Run", "use deterministic algorithms (reproducible, may be slower)"},
    {"single_cls", YC_ARG_BOOL, FIELD(single_cls), "false", 0, 0, NULL, "Run", "train every class as one class"},
    {"rect", YC_ARG_BOOL, FIELD(rect), "false", 0, 0, NULL, "Run", "rectangular batches (less padding)"},
    {"cos_lr", YC_ARG_BOOL, FIELD(cos_lr), "false", 0, 0, NULL, "Run", "cosine learning-rate schedule instead of linear"},
    {"close_mosaic", YC_ARG_INT, FIELD(close_mosaic), "10", 0, INT_MAX, NULL, "Run", "turn mosaic off for the last N epochs (0 = keep it on)"},
    {"resume", YC_ARG_BOOL_OR_PATH, FIELD(resume), "false", 0, 0, NULL, "Run", "resume the latest run (true) or the run of this last.safetensors"},
    {"amp", YC_ARG_ENUM, FIELD(amp), "true", 0, 0, "true,false,bf16,fp16", "Run", "mixed precision on GPU: true = bf16, fp16 (with loss scaling), false = fp32"},
    {"fraction", YC_ARG_FLOAT, FIELD(fraction), "1.0", 0, 1, NULL, "Run", "fraction of the training images to use"},
    {"freeze", YC_ARG_INT_LIST, FIELD(freeze), "", 0, 1000, NULL, "Run", "freeze the first N layers (int) or these layer indices (list)"},
    {"multi_scale", YC_ARG_BOOL, FIELD(multi_scale), "false", 0, 0, NULL, "Run", "vary the image size per batch (0.5x to 1.5x imgsz)"},
    /* Validation */
    {"val", YC_ARG_BOOL, FIELD(val), "true", 0, 0, NULL, "Validation", "validate after every epoch while training"},
    {"split", YC_ARG_ENUM, FIELD(split), "val", 0, 0, "val,test,train", "Validation", "dataset split to validate on"},
    {"save_json", YC_ARG_BOOL, FIELD(save_json), "false", 0, 0, NULL, "Validation", "write predictions.json in COCO results format"},
    {"conf", YC_ARG_OPT_FLOAT, FIELD(conf), "", 0, 1, NULL, "Validation", "confidence threshold (none = 0.001 in val, 0.25 in predict)"},
    {"iou", YC_ARG_FLOAT, FIELD(iou), "0.7", 0, 1, NULL, "Validation", "IoU threshold of non-maximum suppression"},
    {"max_det", YC_ARG_INT, FIELD(max_det), "300", 1, DBL_MAX, NULL, "Validation", "most detections kept per image"},
    {"half", YC_ARG_BOOL, FIELD(half), "false", 0, 0, NULL, "Validation", "half-precision inference (GPU)"},
    {"plots", YC_ARG_BOOL, FIELD(plots), "true", 0, 0, NULL, "Validation", "save plots and labelled image grids"},
    /* Prediction */
    {"source", YC_ARG_STRING, FIELD(source), "", 0, 0, NULL, "Prediction", "image file or directory to predict on"},
    {"agnostic_nms", YC_ARG_BOOL, FIELD(agnostic_nms), "false", 0, 0, NULL, "Prediction", "suppress overlapping boxes across classes"},
    {"classes", YC_ARG_INT_LIST, FIELD(classes), "", 0, DBL_MAX, NULL, "Prediction", "keep only these class ids (int or list)"},
    {"save_txt", YC_ARG_BOOL, FIELD(save_txt), "false", 0, 0, NULL, "Prediction", "save detections as YOLO .txt labels"},
    {"save_conf", YC_ARG_BOOL, FIELD(save_conf), "false", 0, 0, NULL, "Prediction", "add confidences to the saved .txt labels"},
    {"show_labels", YC_ARG_BOOL, FIELD(show_labels), "true", 0, 0, NULL, "Prediction", "draw class names on annotated images"},
    {"show_conf", YC_ARG_BOOL, FIELD(show_conf), "true", 0, 0, NULL, "Prediction", "draw confidences on annotated images"},
    {"show_boxes", YC_ARG_BOOL, FIELD(show_boxes), "true", 0, 0, NULL, "Prediction", "draw boxes on annotated images"},
    {"line_width", YC_ARG_OPT_INT, FIELD(line_width), "", 0, 100, NULL, "Prediction", "box line width in pixels (none = scale with the image)"},
    /* Hyperparameters */
    {"lr0", YC_ARG_FLOAT, FIELD(lr0), "0.01", 0, 1, NULL, "Hyperparameters", "initial learning rate"},
    {"lrf", YC_ARG_FLOAT, FIELD(lrf), "0.01", 0, 1, NULL, "Hyperparameters", "final learning rate as a fraction of lr0"},
    {"momentum", YC_ARG_FLOAT, FIELD(momentum), "0.937", 0, 1, NULL, "Hyperparameters", "SGD momentum or Adam beta1"},
    {"weight_decay", YC_ARG_FLOAT, FIELD(weight_decay), "0.0005", 0, 1, NULL, "Hyperparameters", "weight decay at the nominal batch size"},
    {"warmup_epochs", YC_ARG_FLOAT, FIELD(warmup_epochs), "3.0", 0, DBL_MAX, NULL, "Hyperparameters", "warm-up length in epochs (fractions allowed)"},
    {"warmup_momentum", YC_ARG_FLOAT, FIELD(warmup_momentum), "0.8", 0, 1, NULL, "Hyperparameters", "momentum at the start of warm-up"},
    {"warmup_bias_lr", YC_ARG_FLOAT, FIELD(warmup_bias_lr), "0.1", 0, 1, NULL, "Hyperparameters", "bias learning rate at the start of warm-up"},
    {"box", YC_ARG_FLOAT, FIELD(box), "7.5", 0, DBL_MAX, NULL, "Hyperparameters", "box (CIoU) loss gain"},
    {"cls", YC_ARG_FLOAT, FIELD(cls), "0.5", 0, DBL_MAX, NULL, "Hyperparameters", "classification loss gain"},
    {"dfl", YC_ARG_FLOAT, FIELD(dfl), "1.5", 0, DBL_MAX, NULL, "Hyperparameters", "distribution focal loss gain"},
    {"nbs", YC_ARG_INT, FIELD(nbs), "64", 1, DBL_MAX, NULL, "Hyperparameters", "nominal batch size: gradients accumulate to about this many images"},
    /* Augmentation */
    {"hsv_h", YC_ARG_FLOAT, FIELD(hsv_h), "0.015", 0, 1, NULL, "Augmentation", "hue gain (fraction)"},
    {"hsv_s", YC_ARG_FLOAT, FIELD(hsv_s), "0.7", 0, 1, NULL, "Augmentation", "saturation gain (fraction)"},
    {"hsv_v", YC_ARG_FLOAT, FIELD(hsv_v), "0.4", 0, 1, NULL, "Augmentation", "value (brightness) gain (fraction)"},
    {"degrees", YC_ARG_FLOAT, FIELD(degrees), "0.0", -180, 180, NULL, "Augmentation", "random rotation, +/- degrees"},
    {"translate", YC_ARG_FLOAT, FIELD(translate), "0.1", 0, 1, NULL, "Augmentation", "random translation, +/- fraction of the image"},
    {"scale", YC_ARG_FLOAT, FIELD(scale), "0.5", 0, 1, NULL, "Augmentation", "random scale, +/- gain"},
    {"shear", YC_ARG_FLOAT, FIELD(shear), "0.0", -180, 180, NULL, "Augmentation", "random shear, +/- degrees"},
    {"perspective", YC_ARG_FLOAT, FIELD(perspective), "0.0", 0, 1, NULL, "Augmentation", "random perspective, +/- fraction (0 to 0.001 is typical)"},
    {"flipud", YC_ARG_FLOAT, FIELD(flipud), "0.0", 0, 1, NULL, "Augmentation", "probability of an up-down flip"},
    {"fliplr", YC_ARG_FLOAT, FIELD(fliplr), "0.5", 0, 1, NULL, "Augmentation", "probability of a left-right flip"},
    {"bgr", YC_ARG_FLOAT, FIELD(bgr), "0.0", 0, 1, NULL, "Augmentation", "probability of swapping RGB to BGR"},
    {"mosaic", YC_ARG_FLOAT, FIELD(mosaic), "1.0", 0, 1, NULL, "Augmentation", "probability of a 4-image mosaic"},
    {"mixup", YC_ARG_FLOAT, FIELD(mixup), "0.0", 0, 1, NULL, "Augmentation", "probability of mixing two images"},
    /* Configuration */
    {"cfg", YC_ARG_STRING, FIELD(cfg), "", 0, 0, NULL, "Configuration", "YAML file of key: value pairs; command-line keys override it"},
};

const int yc_arg_count = (int)(sizeof yc_arg_table / sizeof yc_arg_table[0]);

const YcUnsupportedArg yc_unsupported_args[] = {
    {"profile", "false", "ONNX/TensorRT profiling is an export feature; yoloc does not export models"},
    {"compile", "false", "torch.compile does not apply: yoloc is not PyTorch"},
    {"overlap_mask", "true", "segmentation is not supported; yoloc trains detectors"},
    {"mask_ratio", "4", "segmentation is not supported; yoloc trains detectors"},
    {"retina_masks", "false", "segmentation is not supported; yoloc trains detectors"},
    {"copy_paste", "0.0", "copy-paste needs segmentation masks; yoloc trains detectors"},
    {"copy_paste_mode", "flip", "copy-paste needs segmentation masks; yoloc trains detectors"},
    {"pose", "12.0", "pose estimation is not supported; yoloc trains detectors"},
    {"kobj", "1.0", "pose estimation is not supported; yoloc trains detectors"},
    {"dropout", "0.0", "classification is not supported; yoloc trains detectors"},
    {"auto_augment", "randaugment", "classification is not supported; yoloc trains detectors"},
    {"erasing", "0.4", "classification is not supported; yoloc trains detectors"},
    {"cutmix", "0.0", "CutMix is not implemented; use mosaic and mixup"},
    {"augment", "false", "test-time augmentation is not implemented"},
    {"visualize", "false", "feature visualisation is not implemented"},
    {"save_crop", "false", "saving crops is not implemented"},
    {"dnn", "false", "OpenCV DNN inference does not apply: yoloc runs its own model"},
    {"vid_stride", "1", "video sources are not supported; use image files or directories"},
    {"stream_buffer", "false", "video sources are not supported; use image files or directories"},
    {"save_frames", "false", "video sources are not supported; use image files or directories"},
    {"show", "false", "yoloc opens no windows; annotated images are saved and shown inline in notebooks"},
    {"embed", "", "feature embeddings are not implemented"},
    {"tracker", "botsort.yaml", "tracking is not supported"},
    {"format", "torchscript", "yoloc does not export models"},
    {"keras", "false", "yoloc does not export models"},
    {"optimize", "false", "yoloc does not export models"},
    {"int8", "false", "yoloc does not export models"},
    {"dynamic", "false", "yoloc does not export models"},
    {"simplify", "true", "yoloc does not export models"},
    {"opset", "", "yoloc does not export models"},
    {"workspace", "", "yoloc does not export models"},
    {"nms", "false", "yoloc does not export models"},
};

const int yc_unsupported_count = (int)(sizeof yc_unsupported_args / sizeof yc_unsupported_args[0]);
