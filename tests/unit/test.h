/* Minimal unit-test support: CHECK records a failure and carries on, so one
 * run shows every broken case; test_done() prints a summary and gives the
 * exit code. Each tests/unit/test_*.c is one program run by tests/run.sh. */
#ifndef PSYS_TEST_H
#define PSYS_TEST_H

#include <stdio.h>
#include <string.h>

static int test_checks, test_failures;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		test_checks++;                                            \
		if (!(cond)) {                                            \
			test_failures++;                                  \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ",      \
				__FILE__, __LINE__, #cond);               \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

#define CHECK_STR(got, want, ctx)                                         \
	CHECK(strcmp((got), (want)) == 0, "%s: got '%s', want '%s'", (ctx), \
	      (got), (want))

static inline int test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	return test_failures ? 1 : 0;
}

#endif
