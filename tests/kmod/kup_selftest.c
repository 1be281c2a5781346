// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module that misbehaves on request, so that the VM runner's
 * failure detection can itself be tested: warn=1 hits a WARN_ON() (which
 * panic_on_warn turns into a panic), hang=1 never returns from init.
 */
#include <linux/module.h>
#include <linux/completion.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "trigger a WARN_ON() at load");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "block forever, uninterruptibly, at load");

static DECLARE_COMPLETION(never);

static int __init kup_selftest_init(void)
{
	WARN_ON(warn);
	/*
	 * An uninterruptible wait that is never woken: exactly what the
	 * hung-task detector looks for (a task that keeps waking up would not
	 * be reported).
	 */
	if (hang)
		wait_for_completion(&never);
	return 0;
}

static void __exit kup_selftest_exit(void)
{
}

module_init(kup_selftest_init);
module_exit(kup_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP test-runner self-test (misbehaves on purpose)");
