// SPDX-License-Identifier: GPL-2.0
/*
 * kup_bench_mp: make bench's many-producers stream (vm.mp.*). Device
 * kupb_mp, one channel of @pages; once a user attaches, @producers kernel
 * threads, one per vCPU, each send @count messages of @size bytes, copied,
 * blocking, as @mode says:
 *   mp      a KUPDEV_CREATE_MP channel: no lock of ours
 *   sp      a single-producer channel, @producers should be 1
 *   splock  a single-producer channel, and a spinlock of ours around a
 *           non-blocking send (a full ring: unlock, yield, again): what a
 *           client without multi-producer channels would write
 * The user side (vm_bench mp MODE) times the whole stream.
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kup/kupdev.h>

static char *mode = "mp";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "mp, sp or splock");

static uint producers = 2;
module_param(producers, uint, 0444);
MODULE_PARM_DESC(producers, "producer threads, one per online CPU at most");

static ulong count = 100000;
module_param(count, ulong, 0444);
MODULE_PARM_DESC(count, "messages per producer");

static uint size = 64;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "bytes per message");

static uint pages = 64;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "pages of the channel each way");

#define KBMP_MAX	8

static struct kupdev_softc *sc;
static struct task_struct *threads[KBMP_MAX];
static unsigned int nthreads;
static DEFINE_SPINLOCK(client_lock);
static bool locked;
static u8 payload[256];

/* splock: one non-blocking send under our lock, retried while full. */
static int kbmp_send_locked(void)
{
	int err;

	for (;;) {
		spin_lock(&client_lock);
		err = kupdev_send_flags(sc, 0, payload, size, KUPDEV_NB);
		spin_unlock(&client_lock);
		if (err != -EAGAIN)
			return err;
		if (kthread_should_stop())
			return -EINTR;
		cond_resched();
	}
}

static int kbmp_thread(void *arg)
{
	unsigned long i;
	int err = kupdev_wait_attached(sc, 0);

	for (i = 0; !err && i < count; i++)
		err = locked ? kbmp_send_locked() :
			       kupdev_send_flags(sc, 0, payload, size, 0);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init kbmp_init(void)
{
	struct kupdev_options o = { 0 };
	unsigned int cpu;

	if (strcmp(mode, "mp") && strcmp(mode, "sp") && strcmp(mode, "splock"))
		return -EINVAL;
	if (size > sizeof(payload) || !producers)
		return -EINVAL;
	memset(payload, 0x5a, sizeof(payload));
	if (!strcmp(mode, "mp"))
		o.flags = KUPDEV_CREATE_MP;
	locked = !strcmp(mode, "splock");
	sc = kupdev_create_opts("kupb_mp", pages, 1, &o);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	for_each_online_cpu(cpu) {
		if (nthreads == producers || nthreads == KBMP_MAX)
			break;
		threads[nthreads] = kthread_create(kbmp_thread, NULL, "kupb_mp/%u", cpu);
		if (IS_ERR(threads[nthreads]))
			break;
		kthread_bind(threads[nthreads], cpu);
		wake_up_process(threads[nthreads++]);
	}
	kupdev_notify(sc);
	return 0;
}

static void __exit kbmp_exit(void)
{
	unsigned int i;

	for (i = 0; i < nthreads; i++)
		kthread_stop(threads[i]);
	kupdev_unload(sc);
}

module_init(kbmp_init);
module_exit(kbmp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUP benchmarks: many kernel producers on one channel");
KUP_MODULE_IMPORT_NS();
