/* The event-file writer (see tb_writer.h). */
#include "tb_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "tb_crc32c.h"

/* Records are written to the file when the buffer passes this size, or on flush. */
#define WRITE_THRESHOLD (1u << 20)

/* The <counter> part of file names: distinct files opened by one process in
 * the same second get distinct names. The only process-wide state here. */
static atomic_int yc_tb_file_counter;

typedef struct TagStep {
    char *tag;
    int64_t step;
} TagStep;

struct YcTbWriter {
    char path[4096];
    int fd;
    unsigned char *buf;
    size_t len, cap;
    double last_write;
    TagStep *tags;       /* open addressing, capacity a power of two */
    size_t tag_cap, tag_count;
};

double yc_tb_now(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void yc_tb_record_frame(const void *payload, size_t size, unsigned char header[12], unsigned char footer[4]) {
    uint64_t len = size;
    for (int i = 0; i < 8; i++) header[i] = (unsigned char)(len >> (8 * i));
    put_u32(header + 8, yc_crc32c_masked(header, 8));
    put_u32(footer, yc_crc32c_masked(payload, size));
}

static void host_name(char *out, size_t cap) {
    if (gethostname(out, cap) != 0 || !out[0]) snprintf(out, cap, "localhost");
    out[cap - 1] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == ' ') *p = '_';
}

int yc_tb_writer_open(YcTbWriter **out, const char *dir, YcErr *err) {
    *out = NULL;
    if (yc_mkdirs(dir, err)) return -1;
    YcTbWriter *w = calloc(1, sizeof *w);
    if (!w) return yc_err(err, "%s: out of memory", dir);
    w->fd = -1;
    char host[256];
    host_name(host, sizeof host);
    for (int attempt = 0; attempt < 1000 && w->fd < 0; attempt++) {
        int counter = atomic_fetch_add(&yc_tb_file_counter, 1);
        char name[512];
        snprintf(name, sizeof name, "events.out.tfevents.%010ld.%s.%ld.%d", (long)time(NULL), host, (long)getpid(),
                 counter);
        if (yc_path_join(w->path, sizeof w->path, dir, name)) {
            free(w);
            return yc_err(err, "%s: path too long", dir);
        }
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (w->fd < 0 && errno != EEXIST) {
            yc_err_errno(err, "cannot create %s", w->path);
            free(w);
            return -1;
        }
    }
    if (w->fd < 0) {
        free(w);
        return yc_err(err, "%s: no free event file name", dir);
    }
    YcPb event;
    yc_pb_init(&event);
    yc_tb_event_file_version(&event, yc_tb_now());
    int rc = yc_tb_writer_write_event(w, &event, err);
    yc_pb_free(&event);
    if (rc == 0) rc = yc_tb_writer_flush(w, false, err);
    if (rc) {
        YcErr ignored;
        yc_tb_writer_close(w, &ignored);
        return -1;
    }
    *out = w;
    return 0;
}

const char *yc_tb_writer_path(const YcTbWriter *w) { return w->path; }

static int append(YcTbWriter *w, const void *data, size_t n, YcErr *err) {
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 65536;
        while (cap < w->len + n) cap *= 2;
        unsigned char *bigger = realloc(w->buf, cap);
        if (!bigger) return yc_err(err, "%s: out of memory", w->path);
        w->buf = bigger;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
    return 0;
}

int yc_tb_writer_write_event(YcTbWriter *w, const YcPb *event, YcErr *err) {
    if (event->failed) return yc_err(err, "%s: out of memory encoding an event", w->path);
    unsigned char header[12], footer[4];
    yc_tb_record_frame(event->data, event->len, header, footer);
    size_t before = w->len;
    if (append(w, header, 12, err) || append(w, event->data, event->len, err) || append(w, footer, 4, err)) {
        w->len = before; /* never leave half a record in the buffer */
        return -1;
    }
    if (w->len >= WRITE_THRESHOLD) return yc_tb_writer_flush(w, false, err);
    return 0;
}

int yc_tb_writer_flush(YcTbWriter *w, bool sync, YcErr *err) {
    size_t done = 0;
    while (done < w->len) {
        ssize_t n = write(w->fd, w->buf + done, w->len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            /* keep what was not written, so a later flush can retry it */
            memmove(w->buf, w->buf + done, w->len - done);
            w->len -= done;
            return yc_err_errno(err, "cannot write %s", w->path);
        }
        done += (size_t)n;
    }
    w->len = 0;
    w->last_write = yc_tb_now();
    if (sync && fsync(w->fd) != 0) return yc_err_errno(err, "cannot sync %s", w->path);
    return 0;
}

double yc_tb_writer_seconds_since_write(const YcTbWriter *w) { return yc_tb_now() - w->last_write; }

static uint64_t hash_tag(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int grow_tags(YcTbWriter *w) {
    size_t cap = w->tag_cap ? w->tag_cap * 2 : 64;
    TagStep *fresh = calloc(cap, sizeof *fresh);
    if (!fresh) return -1;
    for (size_t i = 0; i < w->tag_cap; i++) {
        if (!w->tags[i].tag) continue;
        size_t j = hash_tag(w->tags[i].tag) & (cap - 1);
        while (fresh[j].tag) j = (j + 1) & (cap - 1);
        fresh[j] = w->tags[i];
    }
    free(w->tags);
    w->tags = fresh;
    w->tag_cap = cap;
    return 0;
}

bool yc_tb_writer_claim_step(YcTbWriter *w, const char *tag, int64_t step) {
    if ((w->tag_count + 1) * 2 > w->tag_cap && grow_tags(w)) return true; /* out of memory: do not guard */
    size_t j = hash_tag(tag) & (w->tag_cap - 1);
    while (w->tags[j].tag) {
        if (strcmp(w->tags[j].tag, tag) == 0) {
            if (step <= w->tags[j].step) return false;
            w->tags[j].step = step;
            return true;
        }
        j = (j + 1) & (w->tag_cap - 1);
    }
    w->tags[j].tag = strdup(tag);
    if (!w->tags[j].tag) return true;
    w->tags[j].step = step;
    w->tag_count++;
    return true;
}

/* Wraps a finished Summary into an Event and writes it. */
static int write_summary(YcTbWriter *w, int64_t step, const YcPb *summary, double wall_time, YcErr *err) {
    YcPb event;
    yc_pb_init(&event);
    yc_tb_event_summary(&event, wall_time > 0 ? wall_time : yc_tb_now(), step, summary);
    int rc = yc_tb_writer_write_event(w, &event, err);
    yc_pb_free(&event);
    return rc;
}

int yc_tb_add_scalar(YcTbWriter *w, const char *tag, int64_t step, double value, double wall_time, YcErr *err) {
    if (!yc_tb_writer_claim_step(w, tag, step)) return 1;
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_scalar(&summary, tag, (float)value);
    int rc = write_summary(w, step, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_add_image_png(YcTbWriter *w, const char *tag, int64_t step, const void *png, size_t size, int width,
                        int height, int colorspace, double wall_time, YcErr *err) {
    if (!yc_tb_writer_claim_step(w, tag, step)) return 1;
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_image(&summary, tag, width, height, colorspace, png, size);
    int rc = write_summary(w, step, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_add_histogram(YcTbWriter *w, const char *tag, int64_t step, const float *values, size_t n,
                        double wall_time, YcErr *err) {
    YcTbHistogram h;
    yc_tb_histogram_from_floats(values, n, 30, &h);
    if (h.num == 0) return 1; /* nothing finite to show */
    if (!yc_tb_writer_claim_step(w, tag, step)) return 1;
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_histogram(&summary, tag, &h);
    int rc = write_summary(w, step, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_add_text(YcTbWriter *w, const char *tag, int64_t step, const char *markdown, double wall_time,
                   YcErr *err) {
    if (!yc_tb_writer_claim_step(w, tag, step)) return 1;
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_text(&summary, tag, markdown);
    int rc = write_summary(w, step, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_add_pr_curve(YcTbWriter *w, const char *tag, int64_t step, const float *rows, int n, double wall_time,
                       YcErr *err) {
    if (!yc_tb_writer_claim_step(w, tag, step)) return 1;
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_pr_curve(&summary, tag, rows, n);
    int rc = write_summary(w, step, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_add_hparams(YcTbWriter *w, const char *tag, const YcPb *content, double wall_time, YcErr *err) {
    YcPb summary;
    yc_pb_init(&summary);
    yc_tb_value_hparams(&summary, tag, content);
    int rc = write_summary(w, 0, &summary, wall_time, err);
    yc_pb_free(&summary);
    return rc;
}

int yc_tb_writer_close(YcTbWriter *w, YcErr *err) {
    if (!w) return 0;
    int rc = 0;
    if (w->fd >= 0) {
        rc = yc_tb_writer_flush(w, true, err);
        if (close(w->fd) != 0 && rc == 0) rc = yc_err_errno(err, "cannot close %s", w->path);
    }
    for (size_t i = 0; i < w->tag_cap; i++) free(w->tags[i].tag);
    free(w->tags);
    free(w->buf);
    free(w);
    return rc;
}
