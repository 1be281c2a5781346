// SPDX-License-Identifier: GPL-2.0
/*
 * kup_bench_peers.ko: what a kernel developer would pick instead of KUP to
 * stream records from the kernel to a user process, for make bench. Every
 * record carries its sequence number in its first 8 bytes, so that the
 * user checks each one.
 *
 *  - relay: one global relay buffer in debugfs (kup_bench/relay0),
 *    KUPB_RELAY_NSUB sub-buffers of KUPB_RELAY_SUBBUF bytes, no overwrite.
 *    The user reads it in place through mmap. Each sub-buffer starts with
 *    struct kupb_relay_hdr, written when the producer switches to it: its
 *    sequence number tells the user that the sub-buffer before it is
 *    complete, and how much padding that one has, without a system call;
 *    the user gives sub-buffers back with KUPB_IOC_RELAY_CONSUMED (the
 *    relay API's relay_subbufs_consumed()). That is relay at its fastest.
 *  - a kfifo char device: the producer puts records into a kfifo and
 *    wakes the reader; read() copies out as many bytes as are there.
 *  - the BPF ring buffer: the producer fires the trace event kupb_record
 *    per record (kup_bench_trace.h); the user's BPF program on it copies
 *    the record into a BPF ring buffer (kupb_ringbuf.bpf.c) or drops it
 *    when that is full: a tracepoint cannot wait.
 *  - io_uring: the device answers IORING_OP_URING_CMD (KUPB_URING_ECHO)
 *    with an echo, completed inline, for the round trip and the pipelined
 *    echo against io_uring's submission-queue polling and submit_and_wait.
 *
 * /dev/kupb_peers takes the commands: KUPB_IOC_STREAM starts a producer
 * (a work item) for @count records of @size bytes; read() is the kfifo.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/relay.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <kup/kup_compat.h>
#include KUP_IO_URING_CMD_H
#include "../common/kup_bench_uapi.h"

#define CREATE_TRACE_POINTS
#include "kup_bench_trace.h"

#define KBP_FIFO_SIZE	(256 * 1024)	/* as KUP's 64-page ring */

static struct dentry *kbp_dir;
static struct rchan *kbp_chan;
static struct rchan_buf *kbp_rbuf;	/* the global buffer */
static DEFINE_MUTEX(kbp_lock);		/* commands */
static struct kupb_stream kbp_cmd;
static bool kbp_stop;
static struct work_struct kbp_work;
static unsigned char *kbp_rec;		/* one record being made */

static DECLARE_KFIFO_PTR(kbp_fifo, unsigned char);
static DECLARE_WAIT_QUEUE_HEAD(kbp_readers);
static DECLARE_WAIT_QUEUE_HEAD(kbp_writers);

/* ---- relay ---- */

/*
 * The padding at the end of the sub-buffer before this one: what relay
 * passed as subbuf_start()'s prev_padding until 6.17. On every kernel it
 * has stored it in buf->padding[] by now, at the index of the last
 * sub-buffer produced (a switch refused for a full buffer produces none,
 * and passed the same value again); the first call, from a reset, had 0.
 */
static size_t kbp_prev_padding(struct rchan_buf *buf, void *prev_subbuf)
{
	if (!prev_subbuf || !buf->subbufs_produced)
		return 0;
	return buf->padding[(buf->subbufs_produced - 1) % buf->chan->n_subbufs];
}

static KUP_RELAY_SUBBUF_START(kbp_subbuf_start)
{
	struct kupb_relay_hdr *h = subbuf;

	if (relay_buf_full(buf))
		return 0;	/* no overwrite: the producer waits */
	h->magic = KUPB_RELAY_MAGIC;
	h->prev_padding = kbp_prev_padding(buf, prev_subbuf);
	/*
	 * relay_switch_subbuf() issued smp_mb() after the last record of the
	 * previous sub-buffer; the user's acquire load of seq pairs with this
	 * release: once it sees seq, that sub-buffer is complete.
	 */
	smp_store_release(&h->seq, buf->subbufs_produced + 1);
	/*
	 * Only then does read() see the header: it copies up to the offset
	 * subbuf_start_reserve() moves (no barrier on its side: what it
	 * hands out early is what vm_bench counts as stale).
	 */
	smp_wmb();
	subbuf_start_reserve(buf, sizeof(*h));
	return 1;
}

static struct dentry *kbp_create_buf_file(const char *filename,
					  struct dentry *parent, umode_t mode,
					  struct rchan_buf *buf, int *is_global)
{
	*is_global = 1;
	kbp_rbuf = buf;
	/*
	 * Without debugfs's proxy, which has no mmap: relay's file
	 * operations are the kernel's own, and an open file holds a
	 * reference on the buffer.
	 */
	return debugfs_create_file_unsafe(filename, mode, parent, buf,
					  &relay_file_operations);
}

static int kbp_remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static const struct rchan_callbacks kbp_relay_cb = {
	.subbuf_start = kbp_subbuf_start,
	.create_buf_file = kbp_create_buf_file,
	.remove_buf_file = kbp_remove_buf_file,
};

/* Wait, as a relay producer without overwrite must, for a free sub-buffer. */
static bool kbp_relay_wait(void)
{
	while (relay_buf_full(kbp_rbuf)) {
		if (READ_ONCE(kbp_stop))
			return false;
		cond_resched();
		cpu_relax();
	}
	return true;
}

static void kbp_relay_produce(u32 size, u64 count)
{
	u64 i;
	void *p;

	for (i = 0; i < count; i++) {
		while (!(p = relay_reserve(kbp_chan, size)))
			if (!kbp_relay_wait())
				return;
		memcpy(p, kbp_rec, size);
		memcpy(p, &i, sizeof(i));
	}
	/* Complete the last sub-buffer: the user sees the next one start. */
	if (kbp_relay_wait())
		relay_flush(kbp_chan);
}

/* ---- kfifo ---- */

static void kbp_fifo_produce(u32 size, u64 count)
{
	u64 i;

	for (i = 0; i < count; i++) {
		if (wait_event_interruptible(kbp_writers,
					     kfifo_avail(&kbp_fifo) >= size ||
					     READ_ONCE(kbp_stop)) ||
		    READ_ONCE(kbp_stop))
			return;
		memcpy(kbp_rec, &i, sizeof(i));
		kfifo_in(&kbp_fifo, kbp_rec, size);
		wake_up_interruptible(&kbp_readers);
	}
}

/* ---- the BPF ring buffer, through the trace event ---- */

static void kbp_trace_produce(u32 size, u64 count)
{
	u64 i;

	for (i = 0; i < count && !READ_ONCE(kbp_stop); i++) {
		memcpy(kbp_rec, &i, sizeof(i));
		trace_kupb_record(i, kbp_rec, size);
		if (!(i & 63))
			cond_resched();
	}
}

static void kbp_produce(struct work_struct *w)
{
	if (kbp_cmd.kind == KUPB_STREAM_RELAY)
		kbp_relay_produce(kbp_cmd.size, kbp_cmd.count);
	else if (kbp_cmd.kind == KUPB_STREAM_TRACE)
		kbp_trace_produce(kbp_cmd.size, kbp_cmd.count);
	else
		kbp_fifo_produce(kbp_cmd.size, kbp_cmd.count);
}

/* End the previous stream, whatever state its user left it in. */
static void kbp_stop_stream(void)
{
	WRITE_ONCE(kbp_stop, true);
	wake_up_interruptible(&kbp_writers);
	flush_work(&kbp_work);
	WRITE_ONCE(kbp_stop, false);
	if (kbp_chan) {
		relay_close(kbp_chan);
		kbp_chan = NULL;
	}
	kfifo_reset(&kbp_fifo);
}

static long kbp_start(const struct kupb_stream __user *uarg)
{
	struct kupb_stream c;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.size < sizeof(u64) || c.size > KUPB_MAX_MSG ||
	    (c.kind == KUPB_STREAM_RELAY &&
	     c.size > KUPB_RELAY_SUBBUF - sizeof(struct kupb_relay_hdr)) ||
	    (c.kind != KUPB_STREAM_RELAY && c.kind != KUPB_STREAM_KFIFO &&
	     c.kind != KUPB_STREAM_TRACE))
		return -EINVAL;
	kbp_stop_stream();
	if (c.kind == KUPB_STREAM_RELAY) {
		kbp_chan = relay_open("relay", kbp_dir, KUPB_RELAY_SUBBUF,
				      KUPB_RELAY_NSUB, &kbp_relay_cb, NULL);
		if (!kbp_chan)
			return -ENOMEM;
	}
	kbp_cmd = c;
	queue_work(system_unbound_wq, &kbp_work);
	return 0;
}

static long kbp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	long ret = -ENOTTY;

	mutex_lock(&kbp_lock);
	if (cmd == KUPB_IOC_STREAM)
		ret = kbp_start((const void __user *)arg);
	if (cmd == KUPB_IOC_RELAY_CONSUMED && kbp_chan) {
		relay_subbufs_consumed(kbp_chan, 0, arg);
		ret = 0;
	}
	mutex_unlock(&kbp_lock);
	return ret;
}

static ssize_t kbp_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	unsigned int copied;
	int err;

	if (wait_event_interruptible(kbp_readers, !kfifo_is_empty(&kbp_fifo)))
		return -ERESTARTSYS;
	err = kfifo_to_user(&kbp_fifo, ubuf, count, &copied);
	wake_up_interruptible(&kbp_writers);
	return err ? err : copied;
}

/* ---- io_uring ---- */

#if IS_ENABLED(CONFIG_IO_URING)
/*
 * Issued from the submitting task or from its SQPOLL thread, which shares
 * its mm: copy_*_user() reach the submitter's buffers either way. The
 * command bytes are in the SQ ring, which the user may still write.
 * Success is 0, as 6.1's io_uring_cmd() wants of an inline completion: it
 * passes any other value back as the issue's result, which sends the
 * request down the failure path, or, issued from io-wq (IOSQE_ASYNC), never
 * completes it.
 */
static int kbp_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	const struct kupb_uring_echo *e = kup_uring_cmd_bytes(cmd);
	u8 msg[KUPB_URING_MAX];
	u64 buf = READ_ONCE(e->buf);
	u32 len = READ_ONCE(e->len);

	if (cmd->cmd_op != KUPB_URING_ECHO || len > sizeof(msg))
		return -EINVAL;
	if (copy_from_user(msg, u64_to_user_ptr(buf), len) ||
	    copy_to_user(u64_to_user_ptr(buf + len), msg, len))
		return -EFAULT;
	return 0;
}
#endif

static const struct file_operations kbp_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kbp_ioctl,
	.read		= kbp_read,
#if IS_ENABLED(CONFIG_IO_URING)
	.uring_cmd	= kbp_uring_cmd,
#endif
	.llseek		= noop_llseek,
};

static struct miscdevice kbp_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KUPB_PEERS_NAME,
	.fops	= &kbp_fops,
	.mode	= 0600,
};

static int __init kbp_init(void)
{
	int err = -ENOMEM, i;

	INIT_WORK(&kbp_work, kbp_produce);
	kbp_rec = kmalloc(KUPB_MAX_MSG, GFP_KERNEL);
	if (!kbp_rec)
		return -ENOMEM;
	for (i = 0; i < KUPB_MAX_MSG; i++)
		kbp_rec[i] = (unsigned char)(i * 7 + 1);
	if (kfifo_alloc(&kbp_fifo, KBP_FIFO_SIZE, GFP_KERNEL))
		goto free_rec;
	kbp_dir = debugfs_create_dir("kup_bench", NULL);
	err = misc_register(&kbp_misc);
	if (!err)
		return 0;
	debugfs_remove(kbp_dir);
	kfifo_free(&kbp_fifo);
free_rec:
	kfree(kbp_rec);
	return err;
}

static void __exit kbp_exit(void)
{
	misc_deregister(&kbp_misc);
	kbp_stop_stream();
	debugfs_remove(kbp_dir);
	kfifo_free(&kbp_fifo);
	kfree(kbp_rec);
}

module_init(kbp_init);
module_exit(kbp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("make bench: relay, kfifo, BPF ring buffer and io_uring peers to compare KUP with");
