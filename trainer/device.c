/* Device selection (see device.h). */
#include "device.h"

#include <stdio.h>
#include <string.h>

#ifdef YC_WITH_CUDA
#include "backend_cuda.h"
#include "cuda_device.h"
#endif

int yc_device_has_cuda(void) {
#ifdef YC_WITH_CUDA
    return 1;
#else
    return 0;
#endif
}

/* The CPU's model name from /proc/cpuinfo ("" when unknown). */
static void cpu_name(char *buf, size_t cap) {
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *v = strchr(line, ':');
        if (!v) break;
        v++;
        while (*v == ' ' || *v == '\t') v++;
        snprintf(buf, cap, "%s", v);
        buf[strcspn(buf, "\n")] = '\0';
        break;
    }
    fclose(f);
}

static YcBackend *open_cpu(char *describe, size_t cap, YcErr *err) {
    YcBackend *be = yc_backend_cpu_create(0, err);
    if (be && describe) {
        char name[256];
        cpu_name(name, sizeof name);
        snprintf(describe, cap, "CPU (%s%s%d threads)", name, name[0] ? ", " : "", be->threads);
    }
    return be;
}

#ifdef YC_WITH_CUDA
static YcBackend *open_cuda(int index, const char *amp, char *describe, size_t cap, YcErr *err) {
    int count = yc_cuda_device_count();
    if (index >= count) {
        yc_err(err, "device=%d: no such CUDA device (%d found)", index, count);
        return NULL;
    }
    YcBackend *be = yc_backend_cuda_create(index, amp, err);
    if (be && describe) {
        char text[256] = "";
        yc_cuda_device_describe(index, text, sizeof text);
        snprintf(describe, cap, "CUDA:%d (%s)", index, text);
    }
    return be;
}
#endif

YcBackend *yc_device_open(const YcDevice *device, const char *amp, char *describe, size_t cap, YcErr *err) {
    if (describe && cap) describe[0] = '\0';
    switch (device->kind) {
    case YC_DEVICE_CPU:
        return open_cpu(describe, cap, err);
    case YC_DEVICE_AUTO:
#ifdef YC_WITH_CUDA
        if (yc_cuda_device_count() > 0) return open_cuda(0, amp, describe, cap, err);
#endif
        return open_cpu(describe, cap, err);
    case YC_DEVICE_CUDA:
        if (device->count > 1) {
            yc_err(err, "device=%d,%d...: data-parallel training on several devices is not built yet; use one device "
                        "(e.g. device=%d)",
                   device->ids[0], device->ids[1], device->ids[0]);
            return NULL;
        }
#ifdef YC_WITH_CUDA
        return open_cuda(device->count ? device->ids[0] : 0, amp, describe, cap, err);
#else
        (void)amp;
        yc_err(err, "device=%d: this build of yoloc has no CUDA support (build it with make GPU=1), or use device=cpu",
               device->count ? device->ids[0] : 0);
        return NULL;
#endif
    }
    yc_err(err, "device: unknown kind");
    return NULL;
}
