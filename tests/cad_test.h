/* A tiny test harness: CHECK records a failure and goes on, so one run
 * shows every broken assertion; TEST_MAIN_END returns non-zero if any
 * failed. Tests that need ../shared/data and cannot find it fail loudly
 * (cad_test_data_dir) rather than skip: a silent skip cannot fail. */
#ifndef CAD_TEST_H
#define CAD_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int cad_test_failures = 0;
static int cad_test_checks = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        cad_test_checks++;                                                 \
        if (!(cond)) {                                                     \
            cad_test_failures++;                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

#define CHECKF(cond, ...)                                                  \
    do {                                                                   \
        cad_test_checks++;                                                 \
        if (!(cond)) {                                                     \
            cad_test_failures++;                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__,         \
                    __LINE__, #cond);                                      \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

#define TEST_MAIN_END()                                                    \
    do {                                                                   \
        printf("%d checks, %d failed\n", cad_test_checks,                  \
               cad_test_failures);                                         \
        return cad_test_failures ? 1 : 0;                                  \
    } while (0)

/* ../shared/data, found from CAD_DATA_DIR or relative to the source tree
 * (tests run with the source root as working directory's parent). */
static inline const char *cad_test_data_dir(void)
{
    const char *env = getenv("CAD_DATA_DIR");
    static const char *cands[] = {"../shared/data", "../../shared/data",
                                  "../../../shared/data"};
    struct stat st;
    if (env && stat(env, &st) == 0)
        return env;
    for (unsigned i = 0; i < sizeof cands / sizeof *cands; i++)
        if (stat(cands[i], &st) == 0)
            return cands[i];
    fprintf(stderr, "TEST DATA MISSING: ../shared/data not found "
                    "(set CAD_DATA_DIR)\n");
    exit(1);
}

#endif
