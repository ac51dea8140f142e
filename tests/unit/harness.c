#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>

static struct test_case *tests;
static int current_failed;

void
test_register(struct test_case *t)
{
	/* Keep registration order (constructors run in file order). */
	struct test_case **p = &tests;

	while (*p != NULL)
		p = &(*p)->next;
	*p = t;
}

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "#   %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failed = 1;
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (struct test_case *t = tests; t != NULL; t = t->next) {
		if (argc > 1 && strstr(t->name, argv[1]) == NULL)
			continue;
		current_failed = 0;
		t->fn();
		printf("%s - %s\n", current_failed ? "not ok" : "ok", t->name);
		fflush(stdout);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
