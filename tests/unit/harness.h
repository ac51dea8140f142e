/*
 * A tiny unit-test harness.  Each TEST() registers itself; CHECK* record a
 * failure with file:line and the expression, and the test goes on so one
 * run shows every broken check.  Output is one "ok - NAME" / "not ok -
 * NAME" line per test, and a final "N passed, N failed" line.
 */
#ifndef PXESTICK_TEST_HARNESS_H
#define PXESTICK_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *t);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                           \
	static void test_##name(void);                                       \
	static struct test_case test_case_##name = { #name, test_##name, 0 }; \
	__attribute__((constructor)) static void test_reg_##name(void)       \
	{                                                                    \
		test_register(&test_case_##name);                            \
	}                                                                    \
	static void test_##name(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			test_fail(__FILE__, __LINE__, "%s", #cond);          \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                 \
		long long va_ = (long long)(a), vb_ = (long long)(b);        \
		if (va_ != vb_)                                              \
			test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", \
			    #a, #b, va_, vb_);                               \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *sa_ = (a), *sb_ = (b);                           \
		if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0)     \
			test_fail(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", \
			    #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
	} while (0)

#endif
