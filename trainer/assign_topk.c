/* torch.topk's CPU selection: libstdc++'s heap select and introselect with a
 * "greater value first" comparator (see assign_topk.h). */
#include "assign_topk.h"

#include <math.h>

/* Comparator: x goes before y (larger value; NaN before numbers). */
static bool before(YcTopkItem x, YcTopkItem y) {
    return (isnan(x.value) && !isnan(y.value)) || x.value > y.value;
}

static void swap_items(YcTopkItem *a, YcTopkItem *b) {
    YcTopkItem t = *a;
    *a = *b;
    *b = t;
}

/* Sift `value` into the hole at `hole` of heap[0..len) (libstdc++ __adjust_heap). */
static void adjust_heap(YcTopkItem *h, long hole, long len, YcTopkItem value) {
    long top = hole, child = hole;
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (before(h[child], h[child - 1])) child--;
        h[hole] = h[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        h[hole] = h[child - 1];
        hole = child - 1;
    }
    long parent = (hole - 1) / 2;
    while (hole > top && before(h[parent], value)) {
        h[hole] = h[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    h[hole] = value;
}

void yc_topk_heap_make(YcTopkItem *h, int k) {
    long len = k;
    if (len < 2) return;
    for (long parent = (len - 2) / 2;; parent--) {
        adjust_heap(h, parent, len, h[parent]);
        if (parent == 0) break;
    }
}

void yc_topk_heap_offer(YcTopkItem *h, int k, YcTopkItem item) {
    if (k > 0 && before(item, h[0])) adjust_heap(h, 0, k, item);
}

/* Heap select over q[first..last) keeping `middle - first` elements (used by
 * introselect when its depth limit runs out); the displaced elements go to
 * the positions they came from, as libstdc++'s __pop_heap does. */
static void heap_select(YcTopkItem *q, long first, long middle, long last) {
    long len = middle - first;
    YcTopkItem *h = q + first;
    if (len >= 2)
        for (long parent = (len - 2) / 2;; parent--) {
            adjust_heap(h, parent, len, h[parent]);
            if (parent == 0) break;
        }
    for (long i = middle; i < last; i++)
        if (before(q[i], h[0])) {
            YcTopkItem v = q[i];
            q[i] = h[0];
            adjust_heap(h, 0, len, v);
        }
}

static void move_median_to_first(YcTopkItem *q, long result, long a, long b, long c) {
    if (before(q[a], q[b])) {
        if (before(q[b], q[c])) swap_items(&q[result], &q[b]);
        else if (before(q[a], q[c])) swap_items(&q[result], &q[c]);
        else swap_items(&q[result], &q[a]);
    } else if (before(q[a], q[c])) swap_items(&q[result], &q[a]);
    else if (before(q[b], q[c])) swap_items(&q[result], &q[c]);
    else swap_items(&q[result], &q[b]);
}

static long partition_pivot(YcTopkItem *q, long first, long last) {
    long mid = first + (last - first) / 2;
    move_median_to_first(q, first, first + 1, mid, last - 1);
    long lo = first + 1, hi = last;
    for (;;) {
        while (before(q[lo], q[first])) lo++;
        hi--;
        while (before(q[first], q[hi])) hi--;
        if (!(lo < hi)) return lo;
        swap_items(&q[lo], &q[hi]);
        lo++;
    }
}

static void insertion_sort(YcTopkItem *q, long first, long last) {
    if (first == last) return;
    for (long i = first + 1; i < last; i++) {
        YcTopkItem v = q[i];
        if (before(v, q[first])) {
            for (long j = i; j > first; j--) q[j] = q[j - 1];
            q[first] = v;
        } else {
            long j = i;
            while (before(v, q[j - 1])) {
                q[j] = q[j - 1];
                j--;
            }
            q[j] = v;
        }
    }
}

void yc_topk_nth(YcTopkItem *q, int n, int k) {
    if (n <= 0 || k <= 0 || k > n) return;
    long first = 0, last = n, nth = k - 1;
    int depth = 0;
    for (long m = n; m > 1; m >>= 1) depth++; /* floor(log2(n)) */
    depth *= 2;
    while (last - first > 3) {
        if (depth == 0) {
            heap_select(q, first, nth + 1, last);
            swap_items(&q[first], &q[nth]);
            return;
        }
        depth--;
        long cut = partition_pivot(q, first, last);
        if (cut <= nth) first = cut;
        else last = cut;
    }
    insertion_sort(q, first, last);
}
