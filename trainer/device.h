/* Device selection for train, val and predict: device=cpu, device=0,
 * device=0,1 (data parallel) or none, into a backend (backend.h). */
#ifndef YC_DEVICE_H
#define YC_DEVICE_H

#include <stddef.h>

#include "args.h"
#include "backend.h"
#include "error.h"

/* cpu -> the CPU backend; none -> CUDA device 0 when this build has CUDA and
 * a device exists, else the CPU; an index -> that CUDA device (an error
 * saying so in a build without CUDA); several indices -> an error (data
 * parallel training is not built yet). amp: the amp argument (precision on
 * CUDA). describe (may be NULL) gets one line for the log, e.g.
 * "CPU (AMD EPYC 7B13, 2 threads)" or "CUDA:0 (NVIDIA H100 80GB HBM3, 79.1 GiB)". */
YcBackend *yc_device_open(const YcDevice *device, const char *amp, char *describe, size_t cap, YcErr *err);

/* True when the build has the CUDA backend (make GPU=1). */
int yc_device_has_cuda(void);

#endif
