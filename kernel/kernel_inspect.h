/* inspect_request: the help of the command or argument under the cursor. */
#ifndef YC_KERNEL_INSPECT_H
#define YC_KERNEL_INSPECT_H

#include <cjson/cJSON.h>

cJSON *yc_inspect_reply(const cJSON *request);

#endif
