#include "kernel_info.h"

#include "kernel_msg.h"
#include "version.h"

cJSON *yc_kernel_info_content(void) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "status", "ok");
    cJSON_AddStringToObject(c, "protocol_version", YC_PROTOCOL_VERSION);
    cJSON_AddStringToObject(c, "implementation", "yoloc-kernel");
    cJSON_AddStringToObject(c, "implementation_version", YC_VERSION);
    cJSON *li = cJSON_AddObjectToObject(c, "language_info");
    cJSON_AddStringToObject(li, "name", YC_KERNEL_LANGUAGE);
    cJSON_AddStringToObject(li, "version", YC_VERSION);
    cJSON_AddStringToObject(li, "mimetype", "text/x-yoloc");
    cJSON_AddStringToObject(li, "file_extension", YC_KERNEL_FILE_EXTENSION);
    /* key=value command lines read best with shell highlighting */
    cJSON_AddStringToObject(li, "pygments_lexer", "bash");
    cJSON_AddStringToObject(li, "codemirror_mode", "shell");
    cJSON_AddStringToObject(c, "banner",
                            "yoloc " YC_VERSION ": YOLO detector training in C.\n"
                            "Cells hold commands such as 'train model=yolov8n.yaml data=coco8.yaml epochs=3'; "
                            "type 'help' for the list.");
    cJSON_AddArrayToObject(c, "help_links");
    cJSON_AddArrayToObject(c, "supported_features"); /* no debugger, no subshells */
    cJSON_AddBoolToObject(c, "debugger", 0);
    return c;
}
