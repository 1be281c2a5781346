// SPDX-License-Identifier: GPL-2.0
/*
 * Test client: a big tunnel_write() must not keep interrupts off while it
 * copies. A kernel thread on CPU 0 writes the whole k2u buffer (load
 * kup_tunnel with pages=1024: 4 MiB) in one call. As the copy begins,
 * kup_tunnel's test hook (test builds: tunnel_test_copy_hook) raises an
 * irq_work on that CPU, a self-IPI, pending from that instant: with
 * interrupts on, it is served at once, while the copy runs; with them off,
 * only when they come on again, after the copy. Which one it was does not
 * depend on timing: the handler reads whether the copy is still running.
 * Logs "tunnel_test_irqon: an interrupt raised as the copy began was
 * served during it: yes|no (B-byte tunnel_write() of U us, T taken)"; the
 * bytes stay for user space to read: the stream of tests/vm/tunnel_pat.c
 * (8-byte records "%07X\n" of their own number), so that
 * "tunnel_pat check 0 T" verifies them.
 */
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <kup/tunnel.h>
#include <kup/kup_compat.h>

/* kernel/tunnel.c's, in test builds only: no header of the API has it. */
extern void (*tunnel_test_copy_hook)(bool begin);

static bool copying, served, served_during;

/* Hard irq, also on PREEMPT_RT (IRQ_WORK_INIT_HARD). */
static void raised(struct irq_work *w)
{
	WRITE_ONCE(served_during, READ_ONCE(copying));
	WRITE_ONCE(served, true);
}

static struct irq_work work = IRQ_WORK_INIT_HARD(raised);

/* In the writer, on CPU 0, with preemption off (or RT's lock held). */
static void copy_hook(bool begin)
{
	WRITE_ONCE(copying, begin);
	if (begin)
		irq_work_queue(&work);
}

static int writer(void *arg)
{
	int i, len = tunnel_avail() & ~7, taken;
	ktime_t start;
	s64 us;
	char *buf = vmalloc(len + 1);	/* + the last record's NUL */

	if (!buf)
		kthread_complete_and_exit(arg, 0);
	for (i = 0; i < len / 8; i++)
		snprintf(buf + 8 * i, 9, "%07X\n", i);
	WRITE_ONCE(tunnel_test_copy_hook, copy_hook);
	start = ktime_get();
	taken = tunnel_write(buf, len);
	us = ktime_us_delta(ktime_get(), start);
	WRITE_ONCE(tunnel_test_copy_hook, NULL);
	irq_work_sync(&work);
	pr_info("tunnel_test_irqon: an interrupt raised as the copy began was served during it: %s (%d-byte tunnel_write() of %lld us, %d taken)\n",
		!READ_ONCE(served) ? "never" : READ_ONCE(served_during) ? "yes" : "no",
		len, us, taken);
	vfree(buf);
	kthread_complete_and_exit(arg, 0);
}

static int __init tunnel_test_irqon_init(void)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct task_struct *t = kthread_create(writer, &done, "tunnel_irqon");

	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, 0);
	wake_up_process(t);
	wait_for_completion(&done);
	return 0;
}

static void __exit tunnel_test_irqon_exit(void)
{
}

module_init(tunnel_test_irqon_init);
module_exit(tunnel_test_irqon_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("tunnel_write() with interrupts on test client (test only)");
