/* The CUDA backend's creation and housekeeping (GPU flavour only:
 * build/gpu/tests/test_cuda_backend). Without a device it checks the errors
 * a user sees; with one, memory, transfers, the allocator's reuse, precision
 * switching and error reporting. Runs in CI (no device) and on the GPU
 * machine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "backend_cuda.h"
#include "check.h"
#include "cuda_device.h"

static void test_errors_without_device(void) {
    if (yc_cuda_device_count() > 0) return; /* see the device tests */
    YcErr err;
    YcBackend *be = yc_backend_cuda_create(0, "false", &err);
    CHECK(be == NULL);
    CHECK(strstr(err.msg, "cuda:0: no CUDA device found") != NULL);
    be = yc_backend_cuda_create(3, "true", &err);
    CHECK(be == NULL && strstr(err.msg, "cuda:3") != NULL);
    /* the CPU backend still works in the GPU build */
    be = yc_backend_cpu_create(1, &err);
    CHECK(be && be->mem == YC_MEM_HOST);
    CHECK(yc_backend_cuda_options(be, true, true) == -1); /* not a CUDA backend */
    yc_backend_destroy(be);
}

static void test_bad_arguments(void) {
    YcErr err;
    /* the amp value is checked first, whatever the machine */
    CHECK(yc_backend_cuda_create(0, "fp8", &err) == NULL);
    CHECK(strstr(err.msg, "amp=fp8") != NULL);
    int n = yc_cuda_device_count();
    CHECK(yc_backend_cuda_create(n + 5, "false", &err) == NULL);
    CHECK(strstr(err.msg, "cuda:") != NULL);
    CHECK(yc_backend_cuda_create(-1, "false", &err) == NULL);
}

static void test_device_basics(void) {
    if (yc_cuda_device_count() == 0) return;
    YcErr err;
    YcBackend *be = yc_backend_cuda_create(0, "false", &err);
    if (!CHECK(be)) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_STR(be->name, "cuda:0");
    /* every entry after `destroy` is a function pointer: all filled */
    int missing = 0;
    for (const char *at = (const char *)&be->destroy; at + sizeof(void (*)(void)) <= (const char *)(be + 1);
         at += sizeof(void (*)(void))) {
        void (*fn)(void);
        memcpy(&fn, at, sizeof fn);
        missing += fn == NULL;
    }
    CHECK(missing == 0);
    CHECK(be->mem == YC_MEM_CUDA && be->get_precision(be) == YC_PREC_F32);
    enum { N = 100003 };
    float *host = malloc(N * sizeof *host), *back = malloc(N * sizeof *back);
    for (int i = 0; i < N; i++) host[i] = (float)i * 0.5f - 7.0f;
    float *d = be->alloc(be, N * sizeof(float));
    CHECK(d && ((uintptr_t)d & 255) == 0);
    be->upload(be, d, host, N * sizeof(float));
    be->download(be, back, d, N * sizeof(float));
    CHECK(memcmp(host, back, N * sizeof(float)) == 0);
    CHECK(be->sync(be, &err) == 0);
    /* the allocator reuses a freed block: no cudaMalloc in a steady loop */
    YcGpuCacheStats s0, s1;
    be->free(be, d);
    yc_backend_cuda_memory(be, &s0);
    for (int i = 0; i < 50; i++) {
        float *p = be->alloc(be, N * sizeof(float));
        be->fill(be, p, N, 1.0f);
        be->free(be, p);
    }
    yc_backend_cuda_memory(be, &s1);
    CHECK(s1.raw_allocs == s0.raw_allocs && s1.hits >= s0.hits + 50);
    CHECK(be->sync(be, &err) == 0);
    /* precision */
    CHECK(be->set_precision(be, YC_PREC_BF16, &err) == YC_PREC_BF16 || strstr(err.msg, "compute capability"));
    CHECK(be->set_precision(be, YC_PREC_F32, &err) == YC_PREC_F32);
    /* errors are reported at sync and name the entry */
    be->free(be, host); /* not a device pointer of ours */
    CHECK(be->sync(be, &err) == -1);
    CHECK(strstr(err.msg, "cuda:0 free") != NULL);
    free(host);
    free(back);
    yc_backend_destroy(be);
}

static void test_pinned_u8_upload(void) {
    if (yc_cuda_device_count() == 0) return;
    YcErr err;
    YcBackend *be = yc_backend_cuda_create(0, "false", &err);
    if (!CHECK(be)) return;
    enum { N = 3 * 64 * 64 };
    uint8_t *src[2] = {be->host_alloc(be, N), be->host_alloc(be, N)};
    float *dst[2] = {be->alloc(be, N * sizeof(float)), be->alloc(be, N * sizeof(float))}, *back = malloc(N * sizeof(float));
    for (int round = 0; round < 4; round++) {
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < N; i++) src[k][i] = (uint8_t)(i * 31 + round * 7 + k);
            be->upload_u8(be, dst[k], src[k], N, 255.0f);
        }
        CHECK(be->sync(be, &err) == 0);
        for (int k = 0; k < 2; k++) {
            be->download(be, back, dst[k], N * sizeof(float));
            int exact = 0;
            for (int i = 0; i < N; i++) exact += back[i] == (float)src[k][i] / 255.0f;
            CHECK(exact == N);
        }
    }
    for (int k = 0; k < 2; k++) {
        be->host_free(be, src[k]);
        be->free(be, dst[k]);
    }
    free(back);
    CHECK(be->sync(be, &err) == 0);
    yc_backend_destroy(be);
}

int main(void) {
    printf("CUDA devices: %d\n", yc_cuda_device_count());
    const CheckCase cases[] = {
        {"errors_without_device", test_errors_without_device},
        {"bad_arguments", test_bad_arguments},
        {"device_basics", test_device_basics},
        {"pinned_u8_upload", test_pinned_u8_upload},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
