/* A minimal unit-test harness: each tests/unit/test_*.c is one program with a
 * table of test functions. CHECK records a failure with file and line and the
 * test goes on; the program prints one line per test and "N passed, N failed". */
#ifndef YC_CHECK_H
#define YC_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct CheckCase {
    const char *name;
    void (*fn)(void);
} CheckCase;

static int check_failures_in_case;

static inline int check_report(int ok, const char *expr, const char *file, int line) {
    if (!ok) {
        check_failures_in_case++;
        fprintf(stderr, "    %s:%d: check failed: %s\n", file, line, expr);
    }
    return ok;
}

static inline int check_near(double got, double want, double tol, const char *expr, const char *file, int line) {
    int ok = fabs(got - want) <= tol || (isnan(got) && isnan(want));
    if (!ok) {
        check_failures_in_case++;
        fprintf(stderr, "    %s:%d: %s: got %.9g, want %.9g (tolerance %g)\n", file, line, expr, got, want, tol);
    }
    return ok;
}

static inline int check_str(const char *got, const char *want, const char *expr, const char *file, int line) {
    int ok = got && want && strcmp(got, want) == 0;
    if (!ok) {
        check_failures_in_case++;
        fprintf(stderr, "    %s:%d: %s: got \"%s\", want \"%s\"\n", file, line, expr, got ? got : "(null)",
                want ? want : "(null)");
    }
    return ok;
}

#define CHECK(cond) check_report(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_NEAR(got, want, tol) check_near((got), (want), (tol), #got, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str((got), (want), #got, __FILE__, __LINE__)

static inline int check_run(const CheckCase *cases, int count) {
    int passed = 0, failed = 0;
    for (int i = 0; i < count; i++) {
        check_failures_in_case = 0;
        cases[i].fn();
        if (check_failures_in_case) {
            failed++;
            printf("FAIL %s\n", cases[i].name);
        } else {
            passed++;
            printf("ok   %s\n", cases[i].name);
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
