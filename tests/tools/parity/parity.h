/* tests/bin/parity: checks yoloc against reference fixtures (safetensors files
 * generated from ultralytics/torch by the scripts in tests/parity/). The metadata key
 * `kind` picks the checker; each checker compares tensor groups and the
 * program prints the worst error per group and exits non-zero beyond tolerance. */
#ifndef YC_PARITY_H
#define YC_PARITY_H

#include <stdbool.h>
#include <stddef.h>

#include "safetensors.h"

typedef enum ParityTolMode {
    PARITY_SCALED, /* max |got - want| / max |want| over the tensor (the tensor's scale) */
    PARITY_ABS,    /* max |got - want| */
} ParityTolMode;

typedef struct ParityGroup {
    char name[64];
    double worst;          /* worst error in the group's mode */
    char worst_tensor[160];
    int tensors;
    double tolerance;
    ParityTolMode mode;
} ParityGroup;

typedef struct ParityReport {
    const char *fixture;
    int group_count;
    ParityGroup groups[32];
    int failures;          /* tensors beyond tolerance, plus errors */
    bool verbose;
    const char *device;    /* --device: NULL (the CPU reference), "cpu", "cuda:N" */
} ParityReport;

/* Compares one tensor and files the result under `group`. Returns 0 if within tolerance. */
int parity_compare(ParityReport *r, const char *group, const char *tensor, const float *got, const float *want,
                   size_t count, double tolerance, ParityTolMode mode);

/* Records a failure that is not a numeric comparison (missing tensor, error). */
void parity_fail(ParityReport *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads a float32 copy of a fixture tensor (malloc'd); NULL + parity_fail if missing. */
float *parity_load(ParityReport *r, const YcSafetensors *fx, const char *name, size_t *count);

/* One checker per fixture kind. */
typedef int (*ParityChecker)(const YcSafetensors *fixture, ParityReport *report);

/* The checkers (parity_<kind>.c). */
int parity_check_loss(const YcSafetensors *fixture, ParityReport *report);
int parity_check_optim(const YcSafetensors *fixture, ParityReport *report);
/* The group of that name, created on first use (the last one when all are taken). */
ParityGroup *parity_group(ParityReport *r, const char *name, double tolerance, ParityTolMode mode);
/* Double-precision twins of parity_load / parity_compare (parity_f64.c), for
 * values that must agree beyond float32 (metrics within 1e-6). parity_load_f64
 * reads F64, F32, I64, I32, U8 tensors. */
double *parity_load_f64(ParityReport *r, const YcSafetensors *fx, const char *name, size_t *count);
int parity_compare_f64(ParityReport *r, const char *group, const char *tensor, const double *got,
                       const double *want, size_t count, double tolerance, ParityTolMode mode);
/* Checkers of validation (parity_metrics.c, parity_nms.c, parity_decode.c). */
int parity_check_metrics(const YcSafetensors *fixture, ParityReport *report);
int parity_check_nms(const YcSafetensors *fixture, ParityReport *report);
int parity_check_decode(const YcSafetensors *fixture, ParityReport *report);
/* The backend a checker runs on (parity_device.c): the CPU backend, or with
 * --device cuda:N a CUDA backend (GPU builds: build/gpu/tests/parity) in float32.
 * NULL + parity_fail when it cannot start. */
struct YcBackend;
struct YcBackend *parity_backend(ParityReport *r);

/* kind "model": the detection model's forward and backward (parity_model.c). */
int parity_check_model(const YcSafetensors *fixture, ParityReport *report);
/* kind "train": the training loop's iterations (parity_train.c). */
int parity_check_train(const YcSafetensors *fixture, ParityReport *report);
/* kind "val": the validation loop with its losses on coco8 (parity_val.c). */
int parity_check_val(const YcSafetensors *fixture, ParityReport *report);

#endif
