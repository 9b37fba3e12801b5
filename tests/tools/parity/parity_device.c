/* The backend a checker runs on: --device cpu|cuda:N (see parity.h). */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "parity.h"
#ifdef YC_WITH_CUDA
#include "backend_cuda.h"
#endif

YcBackend *parity_backend(ParityReport *r) {
    YcErr err;
    const char *d = r->device ? r->device : "cpu";
    YcBackend *be = NULL;
    if (strcmp(d, "cpu") == 0) {
        be = yc_backend_cpu_create(0, &err);
    } else {
        const char *num = strncmp(d, "cuda:", 5) == 0 ? d + 5 : d;
        char *end = NULL;
        long index = strtol(num, &end, 10);
        if (!*num || *end || index < 0) {
            parity_fail(r, "--device %s: expected cpu or cuda:N", d);
            return NULL;
        }
#ifdef YC_WITH_CUDA
        be = yc_backend_cuda_create((int)index, "false", &err);
#else
        yc_err(&err, "--device %s: this parity checker was built without CUDA (the GPU build is build/gpu/tests/parity)", d);
#endif
    }
    if (!be) parity_fail(r, "%s", err.msg);
    return be;
}
