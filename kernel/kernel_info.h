/* The kernel_info_reply content (shell and control answer the same). */
#ifndef YC_KERNEL_INFO_H
#define YC_KERNEL_INFO_H

#include <cjson/cJSON.h>

#define YC_KERNEL_LANGUAGE "yoloc"
#define YC_KERNEL_FILE_EXTENSION ".yoloc"

cJSON *yc_kernel_info_content(void);

#endif
