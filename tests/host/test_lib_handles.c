// SPDX-License-Identifier: GPL-2.0
/*
 * Host test: every libkup channel call refuses NULL and a device handle
 * (EINVAL) instead of taking it for a channel. No KUP device is needed:
 * kernproxy_open() checks nothing but the open, so /dev/null makes a
 * device handle. The VM's kup_hostile handles does the same over kup_echo.
 */
#include "kp_handles.h"

int main(void)
{
	void *dev = kernproxy_open("null");

	if (!tap_ok(dev != NULL, "a device handle over /dev/null"))
		return 1;
	kp_check_wrong_handles("", "null");
	kernproxy_close(dev);
	return tap_exit_status();
}
