/* The set of indices torch.topk(values, k, largest=True) returns on the CPU,
 * ties included. PyTorch's CPU kernel sorts (value, index) pairs with a
 * comparator on the value only (NaN counts as largest) using libstdc++'s
 * std::partial_sort when k * 64 <= n and std::nth_element otherwise; which of
 * several equal values end up in the top k follows from those algorithms, so
 * we run the same algorithms. This decides the task-aligned assigner's
 * candidates exactly as the reference does when metrics tie (typically at 0). */
#ifndef YC_ASSIGN_TOPK_H
#define YC_ASSIGN_TOPK_H

#include <stdbool.h>

typedef struct YcTopkItem {
    float value;
    int index;
} YcTopkItem;

/* True when torch uses the partial-sort (heap) path for k of n. */
static inline bool yc_topk_uses_heap(int n, int k) { return (long)k * 64 <= (long)n; }

/* Heap path, incrementally: `heap` holds elements 0..k-1 of the sequence;
 * make it a heap, then offer every later element in sequence order (elements
 * that are not strictly greater than the heap's minimum never enter, so a
 * caller may skip elements known to be <= every initial value's minimum, e.g.
 * zeros when all values are >= 0). At the end heap[0..k) is the selected set. */
void yc_topk_heap_make(YcTopkItem *heap, int k);
void yc_topk_heap_offer(YcTopkItem *heap, int k, YcTopkItem item);

/* nth_element path: reorders items[0..n) so that items[0..k) is the selected set. */
void yc_topk_nth(YcTopkItem *items, int n, int k);

#endif
