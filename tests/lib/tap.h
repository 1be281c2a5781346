/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP helper for our C tests: one "ok - ..." / "not ok - ..." line per
 * check (the caller numbers them), exit status non-zero if any failed.
 */
#ifndef _KUP_TAP_H
#define _KUP_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_failures;

static inline __attribute__((format(printf, 2, 3)))
int tap_check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failures++;
	return ok;
}

/* The condition is evaluated before the message's arguments (errno etc.). */
#define tap_ok(cond, ...) ({				\
	int __tap_ok = !!(cond);			\
	tap_check(__tap_ok, __VA_ARGS__);		\
})

/* Diagnostics go out as TAP comments. */
#define tap_diag(...) do {			\
	printf("# " __VA_ARGS__);		\
	putchar('\n');				\
	fflush(stdout);				\
} while (0)

static inline int tap_exit_status(void)
{
	return tap_failures ? 1 : 0;
}

#endif /* _KUP_TAP_H */
