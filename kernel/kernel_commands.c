/* The commands of the cell language, in the order `help` lists them. */
#include <string.h>

#include "kernel.h"

const YcCommand yc_commands[] = {
    {"train", "train model=yolov8n.yaml data=coco8.yaml [key=value ...] [background=true]",
     "train a detector in a worker process, with a live progress display",
     "Runs `yoloc train` with the same arguments (see 'help KEY'). The cell shows one live display "
     "(progress bar, losses, images/s, time left, the table of epochs) and, at the end, the validation "
     "table, results.png and PR_curve.png. background=true returns at once with a job id ('wait JOB' "
     "attaches again). Interrupting the cell stops the worker after its current batch; the last weights "
     "are saved and the cell says how to resume.",
     yc_cmd_train, YC_COMPLETE_ARGS},
    {"val", "val model=RUN/weights/best.safetensors data=coco8.yaml [key=value ...]",
     "validate weights on a dataset split (table and plots inline)",
     "Runs `yoloc val` in a worker process and shows its metrics table, PR curve and confusion matrix.",
     yc_cmd_val, YC_COMPLETE_ARGS},
    {"predict", "predict model=WEIGHTS source=IMAGE|DIR [key=value ...]",
     "detect objects in images and show the annotated images inline",
     "Runs `yoloc predict` in a worker process and shows the annotated images it saves (at most 16).",
     yc_cmd_predict, YC_COMPLETE_ARGS},
    {"info", "info model=yolov8n.yaml [imgsz=640]", "print a model summary (layers, parameters, GFLOPs)",
     "Runs `yoloc info` and shows its summary.", yc_cmd_info, YC_COMPLETE_ARGS},
    {"devices", "devices [device=0,1]", "the devices this machine can train on, and what a device= choice opens",
     "Runs `yoloc devices`: the CPU, and the CUDA devices of a GPU build; with device=, whether train would "
     "run there and, if not, what it says (e.g. device=0,1 on a machine without GPUs).",
     yc_cmd_devices, YC_COMPLETE_NOTHING},
    {"runs", "runs [project=runs/detect]", "list the runs of a project as a table",
     "One row per run directory holding a run.json: name, status, epochs, best mAP50 and mAP50-95, "
     "duration.",
     yc_cmd_runs, YC_COMPLETE_PROJECT},
    {"plot", "plot results|pr|f1|p|r|confusion|confusion_normalized|labels|batch|val [run=NAME|DIR]",
     "show a plot of a run inline (default: the latest run)",
     "Renders the plot from the run's files as `yoloc plot` does (results.csv, validation.json, the "
     "dataset), so a run still training shows its latest epoch; a run that only has the PNG shows "
     "that. `val` shows the validation batches training saved.", yc_cmd_plot,
     YC_COMPLETE_PLOT},
    {"compare", "compare RUN RUN [...] [project=DIR]", "compare runs: overlaid curves and a table of their best epochs",
     "The runs' results.csv curves overlaid (losses, precision, recall, mAP50, mAP50-95; one colour per "
     "run), then a table of each run's status, epochs and best epoch (P, R, mAP50, mAP50-95, val "
     "losses), the best run in bold. `yoloc compare` gives the same on the command line.",
     yc_cmd_compare, YC_COMPLETE_RUNS},
    {"jobs", "jobs", "list the worker jobs of this kernel", "Job id, state, progress, run directory and command.",
     yc_cmd_jobs, YC_COMPLETE_NOTHING},
    {"wait", "wait [JOB ...]", "watch jobs until they end (default: every running job)",
     "Attaches the cell to the jobs' live displays. Interrupting stops the waiting, not the jobs.",
     yc_cmd_wait, YC_COMPLETE_JOBS},
    {"stop", "stop [JOB ...] [force=true]", "stop jobs (default: every running job)",
     "Sends SIGINT to the job's process group: the worker ends its batch, saves last weights and "
     "flushes its logs. A second stop, or force=true, sends SIGKILL.",
     yc_cmd_stop, YC_COMPLETE_JOBS},
    {"tensorboard", "tensorboard [project=runs/detect]", "the command that shows the runs in TensorBoard",
     "Prints the tensorboard command line and the log directory of the project.", yc_cmd_tensorboard,
     YC_COMPLETE_PROJECT},
    {"cfg", "cfg [cfg=FILE] [key=value ...]", "show the resolved arguments (what args.yaml holds)",
     "The arguments after defaults, cfg= and the given keys, as YAML.", yc_cmd_cfg, YC_COMPLETE_ARGS},
    {"help", "help [COMMAND|KEY][?]", "list the commands, or explain one command or argument",
     "Without a topic: every command. With a command: its usage. With an argument name: its type, "
     "allowed values and default. A trailing ? (help epochs?) opens the text in the notebook's pager "
     "instead of the cell's output.",
     yc_cmd_help, YC_COMPLETE_HELP},
    {"echo", "echo TEXT", "print the text", "Prints its words, separated by spaces.", yc_cmd_echo,
     YC_COMPLETE_NOTHING},
    {"clear", "clear [wait=true]", "clear the output of the cell so far",
     "Sends clear_output; with wait=true the output clears when the next output arrives.", yc_cmd_clear,
     YC_COMPLETE_NOTHING},
};

const int yc_command_count = (int)(sizeof yc_commands / sizeof yc_commands[0]);

const YcCommand *yc_command_find(const char *name) {
    for (int i = 0; i < yc_command_count; i++)
        if (strcmp(yc_commands[i].name, name) == 0) return &yc_commands[i];
    return NULL;
}

int yc_command_names(const char **out, int cap) {
    int n = 0;
    for (int i = 0; i < yc_command_count && n < cap; i++) out[n++] = yc_commands[i].name;
    return n;
}
