/* Small text utilities. */
#ifndef YC_TEXTUTIL_H
#define YC_TEXTUTIL_H

/* Levenshtein distance (for "did you mean" suggestions); 99 for long strings. */
int yc_edit_distance(const char *a, const char *b);

/* Of the candidates, the one closest to word if it is close enough, else NULL. */
const char *yc_closest(const char *word, const char *const *candidates, int count);

#endif
