/* unit.h - the smallest harness: CHECK prints a FAIL line per failed check; unit_end()
 * prints one PASS line when none failed; unit_skip() says which checks did not run and
 * why (a SKIP line: never counted as passed). */
#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failures;
static const char *unit_name = "unit";

#define CHECK(cond)                                                                        \
	do {                                                                               \
		unit_checks++;                                                             \
		if (!(cond)) {                                                             \
			unit_failures++;                                                   \
			printf("FAIL unit/%s: %s:%d: %s\n", unit_name, __FILE__, __LINE__, #cond); \
		}                                                                          \
	} while (0)
static int unit_streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }
#define CHECK_STR(a, b) CHECK(unit_streq((a), (b)))

static inline void unit_skip(const char *what, const char *why)
{
	printf("SKIP unit/%s: %s: %s\n", unit_name, what, why);
	fflush(stdout);
}

static int unit_end(void)
{
	if (!unit_failures)
		printf("PASS unit/%s: %d checks\n", unit_name, unit_checks);
	return unit_failures != 0;
}
