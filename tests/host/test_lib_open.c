// SPDX-License-Identifier: GPL-2.0
/* Host test: libkup's name handling and errors, no KUP device needed. */
#include <errno.h>
#include <kup.h>
#include "kp_err.h"
#include "tap.h"

static void expect_open_error(const char *name, int err)
{
	void *h = kernproxy_open(name);

	tap_ok(!h && kp_errno() == err && kernproxy_error(NULL) == err,
	       "kernproxy_open(\"%s\") fails with errno %d (got %p, %d)",
	       name ? name : "(null)", err, h, kernproxy_errno);
}

int main(void)
{
	expect_open_error(NULL, EINVAL);
	expect_open_error("", EINVAL);
	expect_open_error("/dev/", EINVAL);
	expect_open_error("a/b", EINVAL);
	expect_open_error("kup_no_such_device", ENOENT);
	expect_open_error("/dev/kup_no_such_device", ENOENT);
	kernproxy_close(NULL);
	tap_ok(1, "kernproxy_close(NULL) is a no-op");
	return tap_exit_status();
}
