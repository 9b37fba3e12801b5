/* The CPU backend's worker threads: a generation counter announces a job,
 * each worker takes its range, the last one to finish wakes the caller. */
#include <pthread.h>
#include <stdlib.h>

#include "ops_cpu.h"

struct YcCpuThreads {
    int count;               /* threads including the caller */
    pthread_t *workers;      /* count - 1 of them */
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation;
    int pending;             /* workers still running the current job */
    bool quit;
    /* the current job */
    YcCpuTask fn;
    void *ctx;
    int64_t n;
    int parts;
};

typedef struct WorkerArg {
    YcCpuThreads *t;
    int index; /* 1..count-1; the caller is part 0 */
} WorkerArg;

static void run_part(YcCpuThreads *t, int part) {
    if (part >= t->parts) return;
    int64_t begin = t->n * part / t->parts, end = t->n * (part + 1) / t->parts;
    if (begin < end) t->fn(t->ctx, begin, end);
}

static void *worker_main(void *arg) {
    WorkerArg *wa = arg;
    YcCpuThreads *t = wa->t;
    int index = wa->index;
    free(wa);
    unsigned long seen = 0;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (!t->quit && t->generation == seen) pthread_cond_wait(&t->wake, &t->lock);
        if (t->quit) break;
        seen = t->generation;
        pthread_mutex_unlock(&t->lock);
        run_part(t, index);
        pthread_mutex_lock(&t->lock);
        if (--t->pending == 0) pthread_cond_signal(&t->done);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

YcCpuThreads *yc_cpu_threads_create(int count) {
    if (count < 1) count = 1;
    YcCpuThreads *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->count = count;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    pthread_cond_init(&t->done, NULL);
    if (count > 1) {
        t->workers = calloc((size_t)count - 1, sizeof *t->workers);
        if (!t->workers) {
            yc_cpu_threads_destroy(t);
            return NULL;
        }
        for (int i = 1; i < count; i++) {
            WorkerArg *wa = malloc(sizeof *wa);
            if (wa) {
                wa->t = t;
                wa->index = i;
            }
            if (!wa || pthread_create(&t->workers[i - 1], NULL, worker_main, wa) != 0) {
                free(wa);
                t->count = i; /* only the ones started get joined */
                yc_cpu_threads_destroy(t);
                return NULL;
            }
        }
    }
    return t;
}

void yc_cpu_threads_destroy(YcCpuThreads *t) {
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    t->quit = true;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
    for (int i = 1; i < t->count; i++) pthread_join(t->workers[i - 1], NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->done);
    free(t->workers);
    free(t);
}

int yc_cpu_threads_count(const YcCpuThreads *t) { return t->count; }

void yc_cpu_parallel_parts(YcCpuThreads *t, int parts, YcCpuTask fn, void *ctx) {
    if (parts > t->count) parts = t->count;
    /* with n == parts, each part is exactly one item: [p, p + 1) */
    yc_cpu_parallel_for(t, parts, 1, fn, ctx);
}

void yc_cpu_parallel_for(YcCpuThreads *t, int64_t n, int64_t min_chunk, YcCpuTask fn, void *ctx) {
    if (n <= 0) return;
    if (min_chunk < 1) min_chunk = 1;
    int64_t parts = (n + min_chunk - 1) / min_chunk;
    if (parts > t->count) parts = t->count;
    if (parts <= 1) {
        fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->fn = fn;
    t->ctx = ctx;
    t->n = n;
    t->parts = (int)parts;
    t->pending = t->count - 1;
    t->generation++;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
    run_part(t, 0);
    pthread_mutex_lock(&t->lock);
    while (t->pending > 0) pthread_cond_wait(&t->done, &t->lock);
    pthread_mutex_unlock(&t->lock);
}
