// SPDX-License-Identifier: GPL-2.0
/*
 * kup_bench: the kernel half of make bench (see bench/README.md). Only the
 * benchmarks load it. It offers, side by side, KUP and the kernel
 * interfaces a user would otherwise pick, each written the way a careful
 * driver would write it, so that the ratios compare designs, not effort:
 *
 *  /dev/kup_bench      a KUP device. The first message on an attached
 *                      channel is a command (struct kupb_cmd): be a sink
 *                      (take N messages in place, discard them, ack) or a
 *                      source (send N messages of S bytes, copied or zero
 *                      copy). One kernel thread per channel, blocking calls.
 *  /dev/kup_bench_io   ioctl() echo of 64 bytes (copy in, copy out, same
 *                      thread); write() copies the message into the kernel
 *                      and drops it (sink); read() copies a ready kernel
 *                      buffer out (source). One system call per message.
 *  /dev/kup_bench_kt   write() hands the message to a kernel thread, which
 *                      echoes it for read(): a wake-up hand-off each way.
 *  netlink             a kernel socket (protocol nl_proto): echo, sink, and
 *                      a source that streams N messages from a work item.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <kup/kupdev.h>
#include "../common/kup_bench_uapi.h"

static uint pages = 64;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "pages per direction of each KUP channel (power of two)");

static uint chans = 1;
module_param(chans, uint, 0444);
MODULE_PARM_DESC(chans, "KUP channels, one kernel thread each");

static int nl_proto = 31;
module_param(nl_proto, int, 0444);
MODULE_PARM_DESC(nl_proto, "netlink protocol number of the kernel socket");

/* What every copying source copies from: KUPB_MAX_MSG bytes of pattern. */
static void *kb_pattern;

/* ---- KUP: sink and source ---- */

static struct kupdev_softc *kb_sc;
static struct task_struct **kb_threads;

/* Take @count messages in place and give them back unread. */
static int kb_sink(int id, u64 count)
{
	size_t len;
	void *msg;
	u64 i;

	for (i = 0; i < count; i++) {
		msg = kupdev_receive_len(kb_sc, id, &len, 0);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		kupdev_unlock_channel(kb_sc, id);
	}
	/* The user's clock stops at this acknowledgement. */
	return kupdev_send_flags(kb_sc, id, &count, sizeof(count), 0);
}

static int kb_source(int id, u32 size, u64 count, bool zero_copy)
{
	u64 i, *buf;
	int err;

	for (i = 0; i < count; i++) {
		if (!zero_copy) {
			err = kupdev_send_flags(kb_sc, id, kb_pattern, size, 0);
			if (err)
				return err;
			continue;
		}
		buf = kupdev_reserve(kb_sc, id, size, 0);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		/* Records are 8-byte aligned: a sequence number fits. */
		if (size >= sizeof(*buf))
			*buf = i;
		err = kupdev_commit(kb_sc, id);
		if (err)
			return err;
	}
	return 0;
}

/* KUPB_OP_SINK_BURST: take @count messages of @size, in bursts. */
static int kb_sink_burst(int id, u32 size, u64 count)
{
	u64 burst = KUPB_BURST_FOR(size, kupdev_max_msg(kb_sc) + 8), i;
	struct kupdev_msg m[KUPB_BURST];
	int n;

	for (i = 0; i < count; i += n) {
		n = kupdev_receive_batch(kb_sc, id, m, min(burst, count - i), 0);
		if (n < 0)
			return n;
		kupdev_unlock_channel(kb_sc, id);
	}
	return kupdev_send_flags(kb_sc, id, &count, sizeof(count), 0);
}

/* KUPB_OP_SOURCE_BURST: send @count copies, a burst per call. */
static int kb_source_burst(int id, u32 size, u64 count)
{
	u64 burst = KUPB_BURST_FOR(size, kupdev_max_msg(kb_sc) + 8), i;
	struct kupdev_msg m[KUPB_BURST];
	int n;

	for (i = 0; i < KUPB_BURST; i++) {
		m[i].data = kb_pattern;
		m[i].len = size;
	}
	for (i = 0; i < count; i += n) {
		n = kupdev_send_batch(kb_sc, id, m, min(burst, count - i), 0);
		if (n < 0)
			return n;
	}
	return 0;
}

/*
 * KUPB_OP_PROBE: what single calls cost here, alone on this CPU. Timed
 * with ktime_get_ns() around whole loops; the loops' own cost is included
 * and is the same small amount in each.
 */
static DEFINE_SPINLOCK(kb_probe_lock);

static int kb_probe(int id, u64 count)
{
	const u64 iters = 20000;
	struct kupb_probe pr = { .count = count, .iters = iters };
	unsigned long flags;
	refcount_t ref;
	u64 i, t, *buf;
	void *msg;

	/* The user sends its messages meanwhile, timing its own side. */
	msleep(KUPB_PROBE_SLEEP_MS);
	t = ktime_get_ns();
	for (i = 0; i < count; i++) {
		msg = kupdev_receive_len(kb_sc, id, NULL, KUPDEV_NB);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		kupdev_unlock_channel(kb_sc, id);
	}
	pr.sink_ns = ktime_get_ns() - t;
	t = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		msg = kupdev_receive_len(kb_sc, id, NULL, KUPDEV_NB);
		if (!IS_ERR(msg))
			return -EPROTO;		/* nothing may come now */
	}
	pr.empty_ns = ktime_get_ns() - t;
	/* count + 1 messages fit: the user takes them after our answer. */
	t = ktime_get_ns();
	for (i = 0; i < count / 2; i++) {
		buf = kupdev_reserve(kb_sc, id, 64, KUPDEV_NB);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		*buf = i;
		kupdev_commit(kb_sc, id);
	}
	pr.reserve_ns = ktime_get_ns() - t;
	t = ktime_get_ns();
	for (i = 0; i < count / 2; i++)
		if (kupdev_send_flags(kb_sc, id, kb_pattern, 64, KUPDEV_NB))
			return -EAGAIN;
	pr.send_ns = ktime_get_ns() - t;
	t = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		spin_lock_irqsave(&kb_probe_lock, flags);
		spin_unlock_irqrestore(&kb_probe_lock, flags);
	}
	pr.lock_ns = ktime_get_ns() - t;
	refcount_set(&ref, 1);
	t = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		refcount_inc(&ref);
		refcount_dec(&ref);
	}
	pr.atomic_ns = ktime_get_ns() - t;
	t = ktime_get_ns();
	for (i = 0; i < iters; i++)
		smp_mb();
	pr.mb_ns = ktime_get_ns() - t;
	return kupdev_send_flags(kb_sc, id, &pr, sizeof(pr), 0);
}

/* Serve one attached user: commands until it leaves (-EPIPE) or -EINTR. */
static int kb_serve(int id)
{
	struct kupb_cmd cmd;
	ssize_t n;

	for (;;) {
		n = kupdev_receive_copy(kb_sc, id, &cmd, sizeof(cmd), 0);
		if (n == -EMSGSIZE) {
			/* Not a command: drop it. */
			if (!IS_ERR(kupdev_receive_len(kb_sc, id, NULL, 0)))
				kupdev_unlock_channel(kb_sc, id);
			continue;
		}
		if (n < 0)
			return n;
		if (n != sizeof(cmd) || cmd.size > kupdev_max_msg(kb_sc))
			continue;
		switch (cmd.op) {
		case KUPB_OP_SINK:
			n = kb_sink(id, cmd.count);
			break;
		case KUPB_OP_SOURCE_COPY:
			n = kb_source(id, cmd.size, cmd.count, false);
			break;
		case KUPB_OP_SOURCE_ZC:
			n = kb_source(id, cmd.size, cmd.count, true);
			break;
		case KUPB_OP_SINK_BURST:
			n = kb_sink_burst(id, cmd.size, cmd.count);
			break;
		case KUPB_OP_SOURCE_BURST:
			n = kb_source_burst(id, cmd.size, cmd.count);
			break;
		case KUPB_OP_PROBE:
			n = kb_probe(id, min_t(u64, cmd.count, KUPB_PROBE_MAX));
			break;
		default:
			n = 0;
			break;
		}
		if (n < 0)
			return n;
	}
}

/* Nothing left to serve (device gone): wait for kthread_stop(). */
static void kb_park(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

static int kb_thread(void *arg)
{
	int id = (long)arg, err;

	while (!kthread_should_stop()) {
		err = kupdev_wait_attached(kb_sc, id);
		if (err == -EPIPE)
			break;
		if (!err)
			kb_serve(id);
	}
	kb_park();
	return 0;
}

static void kb_kup_exit(void)
{
	uint i;

	for (i = 0; i < chans; i++)
		if (!IS_ERR_OR_NULL(kb_threads[i]))
			kthread_stop(kb_threads[i]);
	kupdev_unload(kb_sc);
	kfree(kb_threads);
}

static int kb_kup_init(void)
{
	long i;

	kb_threads = kcalloc(chans, sizeof(*kb_threads), GFP_KERNEL);
	if (!kb_threads)
		return -ENOMEM;
	kb_sc = kupdev_create(KUPB_KUP_NAME, pages, chans);
	if (IS_ERR(kb_sc)) {
		kfree(kb_threads);
		return PTR_ERR(kb_sc);
	}
	for (i = 0; i < chans; i++) {
		kb_threads[i] = kthread_run(kb_thread, (void *)i, "kup_bench/%ld", i);
		if (IS_ERR(kb_threads[i])) {
			int err = PTR_ERR(kb_threads[i]);

			kb_kup_exit();
			return err;
		}
	}
	kupdev_notify(kb_sc);
	return 0;
}

/* ---- /dev/kup_bench_io: ioctl echo, write() sink, read() source ---- */

static int kb_io_open(struct inode *inode, struct file *file)
{
	void *buf = kvmalloc(KUPB_MAX_MSG, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, KUPB_MAX_MSG);
	file->private_data = buf;
	return nonseekable_open(inode, file);
}

static int kb_io_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static ssize_t kb_io_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	size_t n = min_t(size_t, count, KUPB_MAX_MSG);

	if (copy_from_user(file->private_data, ubuf, n))
		return -EFAULT;
	return n;
}

static ssize_t kb_io_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	size_t n = min_t(size_t, count, KUPB_MAX_MSG);

	if (copy_to_user(ubuf, file->private_data, n))
		return -EFAULT;
	return n;
}

static long kb_io_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct kupb_echo64 m;

	if (cmd != KUPB_IOC_ECHO64)
		return -ENOTTY;
	if (copy_from_user(&m, uarg, sizeof(m)) ||
	    copy_to_user(uarg, &m, sizeof(m)))
		return -EFAULT;
	return 0;
}

static const struct file_operations kb_io_fops = {
	.owner		= THIS_MODULE,
	.open		= kb_io_open,
	.release	= kb_io_release,
	.read		= kb_io_read,
	.write		= kb_io_write,
	.unlocked_ioctl	= kb_io_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice kb_io_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KUPB_IO_NAME,
	.fops	= &kb_io_fops,
};

/* ---- /dev/kup_bench_kt: write() -> kernel thread -> read() ---- */

/*
 * One request slot and one reply slot, each with a "full" flag that hands
 * the slot over: the side that fills a slot publishes it with a release
 * store of the flag, the side that empties it reads the flag with an
 * acquire load first. Three wait queues, so that nobody is ever woken
 * for something it does not wait for: the thread for a request, the
 * reader for a reply, and either of them for a free slot.
 */
static struct {
	wait_queue_head_t req_wq;	/* the thread waits for a request */
	wait_queue_head_t rep_wq;	/* read() waits for a reply */
	wait_queue_head_t room_wq;	/* a free slot for write() or the thread */
	struct task_struct *thread;
	atomic_t users;			/* one opener at a time */
	void *req, *rep;
	size_t req_len, rep_len;
	bool req_full, rep_full;
} kt;

static int kt_thread(void *arg)
{
	while (!kthread_should_stop()) {
		/*
		 * The acquires pair with the release of req_full in
		 * kt_write() (the request bytes are there) and of rep_full
		 * in kt_read() (the reader is done with the reply slot).
		 */
		if (wait_event_interruptible(kt.req_wq,
				smp_load_acquire(&kt.req_full) ||
				kthread_should_stop()))
			continue;
		if (wait_event_interruptible(kt.room_wq,
				!smp_load_acquire(&kt.rep_full) ||
				kthread_should_stop()))
			continue;
		if (kthread_should_stop())
			break;
		memcpy(kt.rep, kt.req, kt.req_len);
		kt.rep_len = kt.req_len;
		/* Pairs with the acquire in kt_write(): req is read. */
		smp_store_release(&kt.req_full, false);
		wake_up(&kt.room_wq);
		/* Pairs with the acquire in kt_read(): rep is written. */
		smp_store_release(&kt.rep_full, true);
		wake_up(&kt.rep_wq);
	}
	return 0;
}

static int kt_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&kt.users, 0, 1))
		return -EBUSY;
	return nonseekable_open(inode, file);
}

static int kt_release(struct inode *inode, struct file *file)
{
	atomic_set(&kt.users, 0);
	return 0;
}

static ssize_t kt_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	size_t n = min_t(size_t, count, KUPB_MAX_MSG);

	/* Pairs with the release in kt_thread(): it is done with req. */
	if (wait_event_interruptible(kt.room_wq, !smp_load_acquire(&kt.req_full)))
		return -ERESTARTSYS;
	if (copy_from_user(kt.req, ubuf, n))
		return -EFAULT;
	kt.req_len = n;
	/* Pairs with the acquire in kt_thread(): req is complete. */
	smp_store_release(&kt.req_full, true);
	wake_up(&kt.req_wq);
	return n;
}

static ssize_t kt_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	size_t n;

	/* Pairs with the release in kt_thread(): rep is complete. */
	if (wait_event_interruptible(kt.rep_wq, smp_load_acquire(&kt.rep_full)))
		return -ERESTARTSYS;
	n = min(count, kt.rep_len);
	if (copy_to_user(ubuf, kt.rep, n))
		return -EFAULT;
	/* Pairs with the acquire in kt_thread(): we are done with rep. */
	smp_store_release(&kt.rep_full, false);
	wake_up(&kt.room_wq);
	return n;
}

static const struct file_operations kt_fops = {
	.owner		= THIS_MODULE,
	.open		= kt_open,
	.release	= kt_release,
	.read		= kt_read,
	.write		= kt_write,
};

static struct miscdevice kt_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KUPB_KT_NAME,
	.fops	= &kt_fops,
};

static void kt_exit(void)
{
	misc_deregister(&kt_dev);
	kthread_stop(kt.thread);
	kvfree(kt.rep);
	kvfree(kt.req);
}

static int kt_init(void)
{
	int err = -ENOMEM;

	init_waitqueue_head(&kt.req_wq);
	init_waitqueue_head(&kt.rep_wq);
	init_waitqueue_head(&kt.room_wq);
	kt.req = kvmalloc(KUPB_MAX_MSG, GFP_KERNEL);
	kt.rep = kvmalloc(KUPB_MAX_MSG, GFP_KERNEL);
	if (!kt.req || !kt.rep)
		goto free_bufs;
	kt.thread = kthread_run(kt_thread, NULL, "kup_bench_kt");
	if (IS_ERR(kt.thread)) {
		err = PTR_ERR(kt.thread);
		goto free_bufs;
	}
	err = misc_register(&kt_dev);
	if (err)
		goto stop_thread;
	return 0;

stop_thread:
	kthread_stop(kt.thread);
free_bufs:
	kvfree(kt.rep);
	kvfree(kt.req);
	return err;
}

/* ---- netlink: echo, sink, source ---- */

static struct sock *kb_nl;
static struct workqueue_struct *kb_nl_wq;

struct kb_nl_source {
	struct work_struct work;
	u32 portid;
	u32 size;
	u64 count;
};

/* Stream the messages from a work item: not in the requester's sendmsg(). */
static void kb_nl_source_work(struct work_struct *work)
{
	struct kb_nl_source *s = container_of(work, struct kb_nl_source, work);
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	u64 i;

	for (i = 0; i < s->count; i++) {
		skb = nlmsg_new(s->size, GFP_KERNEL);
		if (!skb)
			break;
		nlh = nlmsg_put(skb, 0, (u32)i, KUPB_NL_DATA, s->size, 0);
		memcpy(nlmsg_data(nlh), kb_pattern, s->size);
		/* Blocking: waits (up to sk_sndtimeo) while the user is full. */
		if (netlink_unicast(kb_nl, skb, s->portid, 0) < 0)
			break;
	}
	kfree(s);
}

static void kb_nl_echo(struct sk_buff *skb, const struct nlmsghdr *nlh)
{
	int len = nlmsg_len(nlh);
	struct nlmsghdr *out_nlh;
	struct sk_buff *out;

	out = nlmsg_new(len, GFP_KERNEL);
	if (!out)
		return;
	out_nlh = nlmsg_put(out, 0, nlh->nlmsg_seq, KUPB_NL_ECHO, len, 0);
	memcpy(nlmsg_data(out_nlh), nlmsg_data(nlh), len);
	nlmsg_unicast(kb_nl, out, NETLINK_CB(skb).portid);
}

/* Called in the sender's sendmsg(); netlink frees @skb after us. */
static void kb_nl_input(struct sk_buff *skb)
{
	const struct nlmsghdr *nlh;
	struct kb_nl_source *s;
	struct kupb_cmd cmd;

	if (skb->len < NLMSG_HDRLEN)
		return;
	nlh = nlmsg_hdr(skb);
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > skb->len)
		return;
	switch (nlh->nlmsg_type) {
	case KUPB_NL_ECHO:
		kb_nl_echo(skb, nlh);
		break;
	case KUPB_NL_SOURCE:
		if (nlmsg_len(nlh) < (int)sizeof(cmd))
			return;
		memcpy(&cmd, nlmsg_data(nlh), sizeof(cmd));
		if (cmd.size > KUPB_MAX_MSG)
			return;
		s = kmalloc(sizeof(*s), GFP_KERNEL);
		if (!s)
			return;
		INIT_WORK(&s->work, kb_nl_source_work);
		s->portid = NETLINK_CB(skb).portid;
		s->size = cmd.size;
		s->count = cmd.count;
		queue_work(kb_nl_wq, &s->work);
		break;
	default:
		/* KUPB_NL_SINK: taken and dropped, which is all a sink does. */
		break;
	}
}

static void kb_nl_exit(void)
{
	netlink_kernel_release(kb_nl);
	destroy_workqueue(kb_nl_wq);
}

static int kb_nl_init(void)
{
	struct netlink_kernel_cfg cfg = { .input = kb_nl_input };

	/* Ordered: one source at a time, in the order they were asked for. */
	kb_nl_wq = alloc_ordered_workqueue("kup_bench_nl", 0);
	if (!kb_nl_wq)
		return -ENOMEM;
	kb_nl = netlink_kernel_create(&init_net, nl_proto, &cfg);
	if (!kb_nl) {
		destroy_workqueue(kb_nl_wq);
		return -EBUSY;
	}
	/* A source whose reader stopped reading gives up instead of hanging. */
	kb_nl->sk_sndtimeo = 5 * HZ;
	return 0;
}

static int __init kup_bench_init(void)
{
	int err = -ENOMEM;

	kb_pattern = kvmalloc(KUPB_MAX_MSG, GFP_KERNEL);
	if (!kb_pattern)
		return err;
	memset(kb_pattern, 0x5a, KUPB_MAX_MSG);
	err = misc_register(&kb_io_dev);
	if (err)
		goto free_pattern;
	err = kt_init();
	if (err)
		goto unregister_io;
	err = kb_nl_init();
	if (err)
		goto exit_kt;
	err = kb_kup_init();
	if (err)
		goto exit_nl;
	pr_info("kup_bench: /dev/%s (%u channel(s) of %u pages), /dev/%s, /dev/%s, netlink %d\n",
		KUPB_KUP_NAME, chans, pages, KUPB_IO_NAME, KUPB_KT_NAME,
		nl_proto);
	return 0;

exit_nl:
	kb_nl_exit();
exit_kt:
	kt_exit();
unregister_io:
	misc_deregister(&kb_io_dev);
free_pattern:
	kvfree(kb_pattern);
	return err;
}

static void __exit kup_bench_exit(void)
{
	kb_kup_exit();
	kb_nl_exit();
	kt_exit();
	misc_deregister(&kb_io_dev);
	kvfree(kb_pattern);
}

module_init(kup_bench_init);
module_exit(kup_bench_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP benchmarks: KUP sink/source and the syscall paths to compare with");
