#include "textutil.h"

#include <string.h>

int yc_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    int prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = prev[j - 1] + cost;
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *yc_closest(const char *word, const char *const *candidates, int count) {
    const char *best = NULL;
    int best_distance = 3; /* suggest only close names */
    int limit = (int)strlen(word) / 2;
    for (int i = 0; i < count; i++) {
        int d = yc_edit_distance(word, candidates[i]);
        if (d < best_distance && d <= limit) {
            best_distance = d;
            best = candidates[i];
        }
    }
    return best;
}
