/* Label cache file: writing, reading, checking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "label_cache.h"

static const char magic[16] = "YOLOC-LABELS-v1\n";
enum { CACHE_VERSION = 1 };

YcFileStamp yc_file_stamp(const char *path) {
    struct stat st;
    YcFileStamp s = {-1, 0};
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return s;
    s.size = (int64_t)st.st_size;
    s.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    return s;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void yc_label_entries_free(YcLabelEntry *entries, int count) {
    if (!entries) return;
    for (int i = 0; i < count; i++) {
        free(entries[i].image);
        free(entries[i].label);
        yc_label_check_free(&entries[i].check);
    }
    free(entries);
}

/* A growable byte buffer for the writer. */
typedef struct Bytes {
    uint8_t *p;
    size_t n, cap;
    bool failed;
} Bytes;

static void put(Bytes *b, const void *data, size_t n) {
    if (b->failed) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        uint8_t *g = realloc(b->p, cap);
        if (!g) {
            b->failed = true;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_u32(Bytes *b, uint32_t v) { put(b, &v, 4); }
static void put_i32(Bytes *b, int32_t v) { put(b, &v, 4); }
static void put_i64(Bytes *b, int64_t v) { put(b, &v, 8); }
static void put_str(Bytes *b, const char *s) {
    uint32_t n = (uint32_t)strlen(s);
    put_u32(b, n);
    put(b, s, n);
}

int yc_label_cache_write(const char *path, int nc, bool single_cls, const YcLabelEntry *entries, int count, YcErr *err) {
    Bytes b = {0};
    put(&b, magic, sizeof magic);
    put_u32(&b, CACHE_VERSION);
    put_i32(&b, nc);
    put_u32(&b, single_cls ? 1 : 0);
    put_u32(&b, (uint32_t)count);
    for (int i = 0; i < count; i++) {
        const YcLabelEntry *e = &entries[i];
        const YcLabelCheck *c = &e->check;
        put_str(&b, e->image);
        put_str(&b, e->label);
        put_i64(&b, e->image_stamp.size);
        put_i64(&b, e->image_stamp.mtime_ns);
        put_i64(&b, e->label_stamp.size);
        put_i64(&b, e->label_stamp.mtime_ns);
        uint8_t flags = (uint8_t)((c->found ? 1 : 0) | (c->missing ? 2 : 0) | (c->empty ? 4 : 0) | (c->corrupt ? 8 : 0));
        put(&b, &flags, 1);
        put_i32(&b, c->h);
        put_i32(&b, c->w);
        put_i32(&b, c->count);
        put_i32(&b, c->duplicates);
        if (c->count > 0) put(&b, c->rows, sizeof(float) * 5 * (size_t)c->count);
        put_str(&b, c->message);
    }
    uint64_t h = fnv1a(b.p, b.n);
    put(&b, &h, 8);
    if (b.failed) {
        free(b.p);
        return yc_err(err, "%s: out of memory", path);
    }
    int rc = yc_write_file_atomic(path, b.p, b.n, err);
    free(b.p);
    return rc;
}

typedef struct Reader {
    const uint8_t *p, *end;
    bool bad;
} Reader;

static void get(Reader *r, void *out, size_t n) {
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}

static uint32_t get_u32(Reader *r) { uint32_t v; get(r, &v, 4); return v; }
static int32_t get_i32(Reader *r) { int32_t v; get(r, &v, 4); return v; }
static int64_t get_i64(Reader *r) { int64_t v; get(r, &v, 8); return v; }

static char *get_str(Reader *r, size_t max) {
    uint32_t n = get_u32(r);
    if (r->bad || n > max || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    return s;
}

int yc_label_cache_read(const char *path, int nc, bool single_cls, YcLabelEntry **entries_out, int *count_out) {
    *entries_out = NULL;
    *count_out = 0;
    char *data = NULL;
    size_t size = 0;
    YcErr err;
    if (yc_read_file(path, &data, &size, &err)) return -1;
    const uint8_t *bytes = (const uint8_t *)data;
    if (size < sizeof magic + 16 + 8 || memcmp(bytes, magic, sizeof magic) != 0) {
        free(data);
        return -1;
    }
    uint64_t want;
    memcpy(&want, bytes + size - 8, 8);
    if (fnv1a(bytes, size - 8) != want) {
        free(data);
        return -1;
    }
    Reader r = {bytes + sizeof magic, bytes + size - 8, false};
    uint32_t version = get_u32(&r);
    int32_t file_nc = get_i32(&r);
    uint32_t file_single = get_u32(&r);
    uint32_t count = get_u32(&r);
    if (r.bad || version != CACHE_VERSION || file_nc != nc || file_single != (single_cls ? 1u : 0u) ||
        count > (uint32_t)(size / 40)) {
        free(data);
        return -1;
    }
    YcLabelEntry *entries = calloc(count ? count : 1, sizeof *entries);
    if (!entries) {
        free(data);
        return -1;
    }
    uint32_t n = 0;
    for (; n < count && !r.bad; n++) {
        YcLabelEntry *e = &entries[n];
        e->image = get_str(&r, 65536);
        e->label = get_str(&r, 65536);
        e->image_stamp.size = get_i64(&r);
        e->image_stamp.mtime_ns = get_i64(&r);
        e->label_stamp.size = get_i64(&r);
        e->label_stamp.mtime_ns = get_i64(&r);
        uint8_t flags = 0;
        get(&r, &flags, 1);
        YcLabelCheck *c = &e->check;
        c->found = flags & 1;
        c->missing = flags & 2;
        c->empty = flags & 4;
        c->corrupt = flags & 8;
        c->h = get_i32(&r);
        c->w = get_i32(&r);
        c->count = get_i32(&r);
        c->duplicates = get_i32(&r);
        if (r.bad || c->count < 0 || (size_t)c->count > (size_t)(r.end - r.p) / 20) {
            r.bad = true;
            c->count = 0;
            break;
        }
        if (c->count > 0) {
            c->rows = malloc(sizeof(float) * 5 * (size_t)c->count);
            if (!c->rows) {
                r.bad = true;
                c->count = 0;
                break;
            }
            get(&r, c->rows, sizeof(float) * 5 * (size_t)c->count);
        }
        char *msg = get_str(&r, sizeof c->message - 1);
        if (msg) {
            snprintf(c->message, sizeof c->message, "%s", msg);
            free(msg);
        }
        if (!e->image || !e->label) r.bad = true;
    }
    free(data);
    if (r.bad || r.p != r.end) {
        yc_label_entries_free(entries, (int)count); /* calloc'd: untouched entries free as empty */
        return -1;
    }
    *entries_out = entries;
    *count_out = (int)count;
    return 0;
}
