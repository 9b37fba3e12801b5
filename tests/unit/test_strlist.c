/* The growable string list. */
#include <string.h>

#include "check.h"
#include "strlist.h"

static void test_push_sort_free(void) {
    YcStrList l = {0};
    const char *words[] = {"pear", "apple", "fig", "apple"};
    for (int i = 0; i < 4; i++) CHECK(yc_strlist_push(&l, words[i]) == 0);
    for (int i = 0; i < 100; i++) CHECK(yc_strlist_push(&l, "zz") == 0); /* grows past its first capacity */
    CHECK(l.count == 104 && l.cap >= 104);
    CHECK(l.items[0] != words[0]); /* owned copies */
    yc_strlist_sort(&l);
    CHECK_STR(l.items[0], "apple");
    CHECK_STR(l.items[1], "apple");
    CHECK_STR(l.items[2], "fig");
    CHECK_STR(l.items[3], "pear");
    CHECK_STR(l.items[103], "zz");
    yc_strlist_free(&l);
    CHECK(l.items == NULL && l.count == 0 && l.cap == 0);
    yc_strlist_sort(&l); /* empty: nothing to do */
    yc_strlist_free(&l);
}

int main(void) {
    static const CheckCase cases[] = {{"push_sort_free", test_push_sort_free}};
    return check_run(cases, 1);
}
