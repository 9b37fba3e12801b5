/* The signatures of messages already accepted, so that a replayed message (a
 * repeated signature) is dropped, as jupyter_client does. Bounded: the oldest
 * signatures are forgotten first. */
#ifndef YC_KERNEL_REPLAY_H
#define YC_KERNEL_REPLAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define YC_REPLAY_DEFAULT_CAPACITY 65536 /* jupyter_client's digest_history_size */

typedef struct YcReplaySet {
    int capacity;
    int count;
    int next;                   /* ring slot written next (the oldest when full) */
    unsigned char (*digests)[32];
    unsigned *chain;            /* per slot: next slot + 1 in its bucket, 0 = end */
    unsigned *buckets;          /* slot + 1 of a bucket's first entry, 0 = empty */
    unsigned bucket_mask;
    pthread_mutex_t lock;       /* the shell and control threads share one set */
} YcReplaySet;

/* Returns -1 when out of memory. Memory is touched only as it fills. */
int yc_replay_init(YcReplaySet *r, int capacity);
void yc_replay_free(YcReplaySet *r);

/* Records the signature (thread-safe) (64 hex digits); false if it was seen before (a replay)
 * or is not 64 hex digits. */
bool yc_replay_add(YcReplaySet *r, const char *hex, size_t len);

#endif
