// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tunnel: a pipe-like procfs file between kernel code and user space,
 * one byte ring per direction:
 *
 *	k2u	kernel writes (tunnel_write), user space reads (read(2))
 *	u2k	user space writes (write(2)), kernel reads (tunnel_read)
 *
 * Each ring's spinlock guards its positions. Without PREEMPT_RT nobody
 * copies under it: the kernel side may be called with interrupts on, and a
 * copy of up to the whole buffer must not keep them off. A kernel writer
 * reserves its room under the lock (k2u's reserved), copies, and under the
 * lock again is done; the last one of those copying at once publishes all
 * of their bytes (used += reserved), which are contiguous and complete by
 * then. A kernel reader claims bytes the same way (u2k's claimed) and the
 * last one gives their room back. Since a writer's bytes wait for every
 * writer that reserved before it, nothing between the two lock sections
 * may wait for the scheduler: see tunnel_call_begin(), which also tells
 * why PREEMPT_RT copies under the lock instead. Both never sleep (but for
 * RT's sleeping spinlock_t), so they work from any context. User
 * space must not fault under a spinlock, so it too copies with the lock dropped:
 * under the lock it notes where the bytes (or the room) are, copies with
 * copy_{to,from}_user(), and under the lock again consumes (or publishes)
 * what it copied, all at once. That is safe because the ring's user mutex
 * makes the copier the only party of its kind on that ring: a user reader
 * is k2u's only consumer, so the bytes it copies stay put while the kernel
 * appends behind them; a user writer is u2k's only producer, so nobody else
 * touches the room it copies into. The unlock after the look and the lock
 * before the update order the copy against the other side: no barrier of
 * our own is needed for the bytes.
 *
 * User space sees pipe(7) semantics: read() blocks while k2u is empty and
 * returns what is there; write() blocks while u2k is full, writes of up to
 * PIPE_BUF bytes go in whole, and a blocking write returns early only on a
 * signal or unload once some bytes are in; O_NONBLOCK gives -EAGAIN. Once
 * unloading starts every read() and write() fails with -EIO, sleepers
 * included, and pollers wake up (EPOLLERR | EPOLLHUP from us; once the
 * file is gone, procfs reports it readable and writable, and read() and
 * write() keep failing with -EIO).
 *
 * rmmod never waits for user space. It would: proc_remove() waits for the
 * file operations in flight, and a copy to or from user space can stall
 * for as long as user space likes (a userfaultfd page, a FUSE-backed
 * mapping). So each copy holds the module (tunnel_hold()): while one is
 * under way, rmmod fails at once with "in use" and can be tried again.
 * Sleepers hold nothing; the unload wakes them.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <kup/tunnel.h>

static uint pages = 1;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "size of each direction's buffer, in pages (1.."
		 __stringify(TUNNEL_MAX_PAGES) ")");

struct tunnel_ring {
	spinlock_t lock;		/* guards the positions below */
	unsigned int head;		/* offset of the oldest byte */
	unsigned int used;		/* bytes in the ring */
	unsigned int reserved;		/* k2u: room past @used being written */
	unsigned int claimed;		/* u2k: bytes from @head being read */
	unsigned int copiers;		/* kernel callers between the two */
	unsigned int size;		/* a whole number of pages */
	char *buf;
	struct mutex user_lock;		/* one user-space copier at a time */
	wait_queue_head_t wait;		/* user space waiting for @ready */
	__poll_t ready;			/* what a wake-up on @wait means */
};

static struct tunnel_ring k2u, u2k;
static struct proc_dir_entry *tunnel_entry;
static bool tunnel_dying;
static void (__rcu *tunnel_notify_fn)(void);
static DEFINE_MUTEX(tunnel_notify_lock);

/*
 * Ring arithmetic; the caller holds r->lock. The head is never reset when
 * the ring empties: a user copier works on a span it looked up earlier.
 */
static void ring_consume(struct tunnel_ring *r, unsigned int n)
{
	r->head += n;
	if (r->head >= r->size)
		r->head -= r->size;
	r->used -= n;
}

/*
 * A kernel caller, from its reservation (or claim) to its publication:
 * the bytes of the callers copying at the same time, published by the
 * last one out, must wait for copies only, never for the scheduler, or a
 * preempted low-priority writer would hold back the bytes of every writer
 * after it for as long as the scheduler keeps it off its CPU; a
 * higher-priority writer on that same CPU could only find the ring full.
 *
 * Without RT: preemption off across the whole call, the lock taken and
 * dropped inside it, interrupts on for the copy (as the caller had them).
 * Only interrupts then come between a caller's reservation and its
 * publication, and they return to it. (Preemption off around the copy
 * alone left the unlock after the reservation and the end of the copy as
 * preemption points.)
 *
 * PREEMPT_RT: spinlock_t is a sleeping lock there, which may not be taken
 * with preemption off, and a long copy with preemption off is what RT
 * forbids. So the copy runs under the lock, whose section RT keeps
 * preemptible with interrupts on: each caller publishes its own bytes
 * before it lets go, and a higher-priority caller that must wait for the
 * lock lends its priority to the holder until its copy is done (priority
 * inheritance), instead of waiting for the scheduler.
 */
static void tunnel_call_begin(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_disable();
}

static void tunnel_call_end(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_enable();
}

/* Without RT the lock is dropped for the copy; with RT it is kept. */
static void tunnel_copy_unlock(struct tunnel_ring *r, unsigned long flags)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_unlock_irqrestore(&r->lock, flags);
}

static void tunnel_copy_relock(struct tunnel_ring *r, unsigned long *flags)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_lock_irqsave(&r->lock, *flags);
}

#ifdef KUP_TEST_HOOKS
/*
 * Test builds only: called as a kernel writer's copy begins (true) and
 * ends (false), in the writer's context, so that tunnel_test_irqon.ko can
 * raise an interrupt at the exact start of the copy and see whether it is
 * served before the copy ends.
 */
void (*tunnel_test_copy_hook)(bool begin);
KUP_EXPORT(tunnel_test_copy_hook);

static void tunnel_test_copy(bool begin)
{
	void (*hook)(bool begin) = READ_ONCE(tunnel_test_copy_hook);

	if (hook)
		hook(begin);
}
#else
static inline void tunnel_test_copy(bool begin) { }
#endif

/* The byte @n after the head, as an offset into the buffer. */
static unsigned int ring_at(const struct tunnel_ring *r, unsigned int n)
{
	unsigned int off = r->head + n;

	return off < r->size ? off : off - r->size;
}

static void ring_copy_in(struct tunnel_ring *r, unsigned int off,
			 const char *src, unsigned int n)
{
	unsigned int first = min(n, r->size - off);

	memcpy(r->buf + off, src, first);
	memcpy(r->buf, src + first, n - first);
}

static void ring_copy_out(const struct tunnel_ring *r, unsigned int off,
			  char *dst, unsigned int n)
{
	unsigned int first = min(n, r->size - off);

	memcpy(dst, r->buf + off, first);
	memcpy(dst + first, r->buf, n - first);
}

static unsigned int ring_used(struct tunnel_ring *r)
{
	unsigned long flags;
	unsigned int used;

	spin_lock_irqsave(&r->lock, flags);
	used = r->used;
	spin_unlock_irqrestore(&r->lock, flags);
	return used;
}

/* Room for a writer: what is neither in the ring nor reserved. */
static unsigned int ring_room(struct tunnel_ring *r)
{
	unsigned long flags;
	unsigned int room;

	spin_lock_irqsave(&r->lock, flags);
	room = r->size - r->used - r->reserved;
	spin_unlock_irqrestore(&r->lock, flags);
	return room;
}

/*
 * Wake the user space waiting on @r after the kernel side moved bytes.
 * wq_has_sleeper()'s smp_mb() orders our ring update before the look at the
 * wait list. It pairs with the barrier of set_current_state() in
 * prepare_to_wait() (wait_event_interruptible() in read and write) and with
 * the smp_mb() in tunnel_proc_poll(): each orders joining the list before
 * the waiter's look at the ring, so one of the two sides sees the other.
 */
static void tunnel_wake(struct tunnel_ring *r)
{
	if (wq_has_sleeper(&r->wait))
		wake_up_interruptible_poll(&r->wait, r->ready);
}

/* Tell the kernel client that user space moved bytes. */
static void tunnel_notify(void)
{
	void (*fn)(void);

	rcu_read_lock();
	fn = rcu_dereference(tunnel_notify_fn);
	if (fn)
		fn();
	rcu_read_unlock();
}

/**
 * tunnel_read() - take bytes that user space wrote to /proc/tunnel
 * @loc: where to put them
 * @count: at most this many
 *
 * Takes up to @count bytes from the user-to-kernel buffer, oldest first,
 * continuing where the previous call stopped, and wakes user-space writers
 * waiting for room. Never sleeps: any context, any locks held (on
 * PREEMPT_RT, where spinlock_t may be taken; it may wait there for another
 * kernel caller's copy, lending it its priority).
 *
 * Return: the number of bytes taken (0 if the buffer is empty), or -EINVAL
 * for a NULL @loc or a negative @count.
 */
int tunnel_read(char *loc, int count)
{
	unsigned int off, n, freed = 0;
	unsigned long flags;

	if (!loc || count < 0)
		return -EINVAL;
	tunnel_call_begin();
	spin_lock_irqsave(&u2k.lock, flags);
	n = min_t(unsigned int, count, u2k.used - u2k.claimed);
	if (n) {
		off = ring_at(&u2k, u2k.claimed);
		u2k.claimed += n;
		u2k.copiers++;
		tunnel_copy_unlock(&u2k, flags);
		ring_copy_out(&u2k, off, loc, n);
		tunnel_copy_relock(&u2k, &flags);
		/* The last reader out gives back the room of all of them. */
		if (--u2k.copiers == 0) {
			freed = u2k.claimed;
			u2k.head = ring_at(&u2k, freed);
			u2k.used -= freed;
			u2k.claimed = 0;
		}
	}
	spin_unlock_irqrestore(&u2k.lock, flags);
	tunnel_call_end();
	if (freed)
		tunnel_wake(&u2k);
	return n;
}
KUP_EXPORT(tunnel_read);

/**
 * tunnel_write() - give bytes to the readers of /proc/tunnel
 * @loc: the bytes
 * @count: how many
 *
 * Appends as much of @loc as fits to the kernel-to-user buffer and wakes
 * user-space readers. Bytes that do not fit are not taken: check
 * tunnel_avail() first, or keep the rest for later. Never sleeps: any
 * context, any locks held (on PREEMPT_RT, where spinlock_t may be taken;
 * it may wait there for another kernel caller's copy, lending it its
 * priority).
 *
 * Return: the number of bytes taken (0 if the buffer is full), or -EINVAL
 * for a NULL @loc or a negative @count.
 */
int tunnel_write(char *loc, int count)
{
	unsigned int off, n, published = 0;
	unsigned long flags;

	if (!loc || count < 0)
		return -EINVAL;
	tunnel_call_begin();
	spin_lock_irqsave(&k2u.lock, flags);
	n = min_t(unsigned int, count, k2u.size - k2u.used - k2u.reserved);
	if (n) {
		off = ring_at(&k2u, k2u.used + k2u.reserved);
		k2u.reserved += n;
		k2u.copiers++;
		tunnel_copy_unlock(&k2u, flags);
		tunnel_test_copy(true);
		ring_copy_in(&k2u, off, loc, n);
		tunnel_test_copy(false);
		tunnel_copy_relock(&k2u, &flags);
		/* The last writer out publishes the bytes of all of them. */
		if (--k2u.copiers == 0) {
			published = k2u.reserved;
			k2u.used += published;
			k2u.reserved = 0;
		}
	}
	spin_unlock_irqrestore(&k2u.lock, flags);
	tunnel_call_end();
	if (published)
		tunnel_wake(&k2u);
	return n;
}
KUP_EXPORT(tunnel_write);

/**
 * tunnel_user() - bytes waiting in the kernel-to-user buffer
 *
 * tunnel_user() + tunnel_avail() is the buffer size, as long as no reader
 * or writer moved bytes between the two calls and no kernel writer was in
 * the middle of its copy.
 *
 * Context: Any context.
 * Return: bytes written by tunnel_write() and not yet read by user space.
 */
int tunnel_user(void)
{
	return ring_used(&k2u);
}
KUP_EXPORT(tunnel_user);

/**
 * tunnel_avail() - free bytes in the kernel-to-user buffer
 *
 * A tunnel_write() of at most this many bytes is taken whole, unless
 * another kernel writer got in first.
 *
 * Context: Any context.
 * Return: the number of bytes tunnel_write() can take now.
 */
int tunnel_avail(void)
{
	return ring_room(&k2u);
}
KUP_EXPORT(tunnel_avail);

/**
 * tunnel_set_notify() - be told when user space moved bytes
 * @fn: the callback (see &tunnel_notify_t), or NULL to remove it
 *
 * Extended API. One callback at a time; it lets a client schedule its work
 * at once instead of polling tunnel_avail() and tunnel_read() on a timer.
 * Process context; removing it sleeps until no call of it is running, so
 * the client module may go away afterwards.
 *
 * Return: 0, or -EBUSY if another callback is set.
 */
int tunnel_set_notify(tunnel_notify_t fn)
{
	int err = 0;

	mutex_lock(&tunnel_notify_lock);
	if (fn && rcu_access_pointer(tunnel_notify_fn))
		err = -EBUSY;
	else
		rcu_assign_pointer(tunnel_notify_fn, fn);
	mutex_unlock(&tunnel_notify_lock);
	if (!fn)
		synchronize_rcu();
	return err;
}
KUP_EXPORT(tunnel_set_notify);

/*
 * Around each copy to or from user space: the module cannot go while it
 * runs (rmmod fails instead of waiting), and once rmmod has begun, no copy
 * starts. Dropping the module reference in our own code is safe here:
 * we are inside a file operation, and the proc_remove() of a later rmmod
 * waits for it to return.
 */
static bool tunnel_hold(void)
{
	return try_module_get(THIS_MODULE);
}

static void tunnel_unhold(void)
{
	module_put(THIS_MODULE);
}

/*
 * Copy k2u bytes out to user space: what is there when we look, up to
 * @count; 0 if there is nothing. The bytes go at once when we are done.
 */
static ssize_t k2u_to_user(char __user *buf, size_t count)
{
	unsigned int off, len, n, left = 0, done = 0;

	spin_lock_irq(&k2u.lock);
	off = k2u.head;
	len = min_t(size_t, k2u.used, count);
	spin_unlock_irq(&k2u.lock);
	if (len && !tunnel_hold())
		return -EIO;
	while (done < len && !left) {
		n = min(len - done, k2u.size - off);
		left = copy_to_user(buf + done, k2u.buf + off, n);
		done += n - left;
		off = 0;		/* the rest is at the start */
	}
	if (len)
		tunnel_unhold();
	if (!done)
		return left ? -EFAULT : 0;
	spin_lock_irq(&k2u.lock);
	ring_consume(&k2u, done);
	spin_unlock_irq(&k2u.lock);
	return done;
}

/*
 * Copy user bytes into u2k, as many as fit, if at least @need fit (else 0).
 * They appear at once, so the kernel never sees part of a write's bytes.
 */
static ssize_t u2k_from_user(const char __user *buf, size_t count, size_t need)
{
	unsigned int off, room, len, n, left = 0, done = 0;

	spin_lock_irq(&u2k.lock);
	off = ring_at(&u2k, u2k.used);
	room = u2k.size - u2k.used;
	spin_unlock_irq(&u2k.lock);
	if (room < need)
		return 0;
	len = min_t(size_t, room, count);
	if (len && !tunnel_hold())
		return -EIO;
	while (done < len && !left) {
		n = min(len - done, u2k.size - off);
		left = copy_from_user(u2k.buf + off, buf + done, n);
		done += n - left;
		off = 0;
	}
	if (len)
		tunnel_unhold();
	if (!done)
		return left ? -EFAULT : 0;
	spin_lock_irq(&u2k.lock);
	u2k.used += done;
	spin_unlock_irq(&u2k.lock);
	return done;
}

static ssize_t tunnel_proc_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (!count)
		return 0;
	for (;;) {
		if (READ_ONCE(tunnel_dying))
			return -EIO;
		if (mutex_lock_interruptible(&k2u.user_lock))
			return -ERESTARTSYS;
		ret = k2u_to_user(buf, count);
		mutex_unlock(&k2u.user_lock);
		if (ret)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(k2u.wait, ring_used(&k2u) ||
					     READ_ONCE(tunnel_dying)))
			return -ERESTARTSYS;
	}
	if (ret > 0)
		tunnel_notify();
	return ret;
}

static ssize_t tunnel_proc_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	/* As on a pipe, up to PIPE_BUF bytes go in whole or not at all. */
	size_t need = count <= PIPE_BUF ? count : 1;
	size_t done = 0;
	ssize_t ret = 0;

	while (done < count) {
		if (READ_ONCE(tunnel_dying)) {
			ret = -EIO;
			break;
		}
		if (mutex_lock_interruptible(&u2k.user_lock)) {
			ret = -ERESTARTSYS;
			break;
		}
		ret = u2k_from_user(buf + done, count - done, need);
		mutex_unlock(&u2k.user_lock);
		if (ret < 0)
			break;
		if (ret > 0) {
			done += ret;
			tunnel_notify();
			continue;
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(u2k.wait,
					     ring_room(&u2k) >= need ||
					     READ_ONCE(tunnel_dying))) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	return done ? done : ret;
}

static __poll_t tunnel_proc_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &k2u.wait, wait);
	poll_wait(file, &u2k.wait, wait);
	/* Join the lists before the look; pairs with tunnel_wake()'s smp_mb(). */
	smp_mb();
	if (READ_ONCE(tunnel_dying))
		return EPOLLERR | EPOLLHUP;
	if (ring_used(&k2u))
		mask |= EPOLLIN | EPOLLRDNORM;
	/* As on a pipe, writable means a PIPE_BUF-byte write would go in. */
	if (ring_room(&u2k) >= PIPE_BUF)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct proc_ops tunnel_proc_ops = {
	.proc_open	= nonseekable_open,
	.proc_read	= tunnel_proc_read,
	.proc_write	= tunnel_proc_write,
	.proc_poll	= tunnel_proc_poll,
};

static int ring_init(struct tunnel_ring *r, __poll_t ready)
{
	r->size = pages * PAGE_SIZE;
	r->buf = kvmalloc(r->size, GFP_KERNEL);
	if (!r->buf)
		return -ENOMEM;
	spin_lock_init(&r->lock);
	mutex_init(&r->user_lock);
	init_waitqueue_head(&r->wait);
	r->ready = ready;
	return 0;
}

/*
 * Unload, step 1: every sleeper and poller wakes and sees tunnel_dying.
 * All of them, exclusive epoll entries too, hence nr_exclusive 0. One that
 * joins the queue after us takes its lock after we dropped it, so it sees
 * the tunnel_dying we stored before.
 */
static void ring_wake_dying(struct tunnel_ring *r)
{
	__wake_up(&r->wait, TASK_NORMAL, 0,
		  poll_to_key(EPOLLERR | EPOLLHUP | r->ready));
}

/* Under the lock: whoever just left the list is also done with the lock. */
static bool ring_has_waiters(struct tunnel_ring *r)
{
	bool ret;

	spin_lock_irq(&r->wait.lock);
	ret = !list_empty(&r->wait.head);
	spin_unlock_irq(&r->wait.lock);
	return ret;
}

/*
 * Unload, step 3, once no call into us can run or start: the wait queue is
 * in our module's memory, so no entry may stay on it. read() and write()
 * sleepers left with their calls. POLLFREE detaches epoll, aio and io_uring
 * entries (they can outlive any call: a file stays in an epoll set); what
 * remains are poll()/select() callers, woken in step 1, which remove their
 * entries on their way out of the system call.
 */
static void ring_drain_waiters(struct tunnel_ring *r)
{
	__wake_up(&r->wait, TASK_NORMAL, 0, poll_to_key(EPOLLHUP | POLLFREE));
	while (ring_has_waiters(r))
		msleep(1);
}

static int __init tunnel_init(void)
{
	int err;

	if (pages < 1 || pages > TUNNEL_MAX_PAGES) {
		pr_err("kup_tunnel: pages=%u, must be 1..%u\n", pages,
		       TUNNEL_MAX_PAGES);
		return -EINVAL;
	}
	err = ring_init(&k2u, EPOLLIN | EPOLLRDNORM);
	if (err)
		return err;
	err = ring_init(&u2k, EPOLLOUT | EPOLLWRNORM);
	if (err)
		goto free_k2u;
	tunnel_entry = proc_create("tunnel", 0600, NULL, &tunnel_proc_ops);
	if (!tunnel_entry) {
		err = -ENOMEM;
		goto free_u2k;
	}
	pr_info("kup_tunnel: /proc/tunnel, %u page(s) each way\n", pages);
	return 0;

free_u2k:
	kvfree(u2k.buf);
free_k2u:
	kvfree(k2u.buf);
	return err;
}

static void __exit tunnel_exit(void)
{
	/* Clients use our symbols, so they are gone: only users remain. */
	WRITE_ONCE(tunnel_dying, true);
	ring_wake_dying(&k2u);
	ring_wake_dying(&u2k);
	/* Step 2: waits for calls in flight, which return -EIO now. */
	proc_remove(tunnel_entry);
	ring_drain_waiters(&k2u);
	ring_drain_waiters(&u2k);
	/* epoll may still look at a detached head under RCU (see POLLFREE). */
	synchronize_rcu();
	kvfree(u2k.buf);
	kvfree(k2u.buf);
}

module_init(tunnel_init);
module_exit(tunnel_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/proc/tunnel: a pipe-like file between kernel and user space");
MODULE_VERSION(KUP_VERSION);
