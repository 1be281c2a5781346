// SPDX-License-Identifier: GPL-2.0
/*
 * KUP channel sessions: the shared pages of one attachment, the channel fd
 * (mmap, poll, ioctl), attach/detach, the lookup and reference counting of
 * sessions by kernel calls, and the kernel's waits for attaches.
 *
 * Pages are inserted into user mappings with vm_insert_page(), which takes
 * a page reference per mapping: a user mapping stays valid after the
 * session is freed, and the pages go back only when it is unmapped.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kup/kup_compat.h>
#include <linux/vmalloc.h>
#include "kup_internal.h"
#include "kup_trace.h"

/* The ring words' offsets in the control pages: KUP_RO_*, KUP_RW_* (ABI). */
static_assert(sizeof(struct kup_layout) <= KUP_RO_STATUS);

static inline void *kup_at(void *page, unsigned int off)
{
	return (char *)page + off;
}

static size_t kup_region_pages(const struct kup_sess *s)
{
	return 1 + 2 * s->npages;
}

static void kup_sess_free_pages(struct kup_sess *s)
{
	unsigned int i;

	if (s->k2u.data)
		vunmap(s->k2u.data);
	if (s->u2k.data)
		vunmap(s->u2k.data);
	/* Each page appears once in the first half of a region array. */
	for (i = 0; i < 1 + s->npages; i++) {
		if (s->ro_pages && s->ro_pages[i])
			__free_page(s->ro_pages[i]);
		if (s->rw_pages && s->rw_pages[i])
			__free_page(s->rw_pages[i]);
	}
	kfree(s->ro_pages);
	kfree(s->rw_pages);
}

static void kup_sess_free_work(struct work_struct *work)
{
	struct kup_sess *s = container_of(work, struct kup_sess, free_work);

	irq_work_sync(&s->wake_work);
	if (s->mm)
		mmdrop(s->mm);
	kup_sess_free_pages(s);
	kup_test_live(-1);
	kup_dev_put(s->sc);
	/* kup_sess_get() may have read the pointer just before the unlink. */
	kfree_rcu(s, rcu);
}

/*
 * The last reference may go from atomic context (a non-blocking kernel
 * call), and vunmap() may sleep: free from the workqueue.
 */
void kup_sess_put(struct kup_sess *s)
{
	if (refcount_dec_and_test(&s->ref))
		queue_work(kup_wq, &s->free_work);
}

/*
 * A session is up to ~8 MiB that a user asks for: charged to the user's
 * memory cgroup, and past its limit the attach fails with -ENOMEM, without
 * the OOM killer and without the allocator's warning (a user can always
 * make it fail).
 */
#define KUP_GFP_SESS	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Region array: control page, then the n data pages twice. */
static int kup_region_alloc(struct page ***out, unsigned int n)
{
	struct page **pg = kcalloc(1 + 2 * n, sizeof(*pg), KUP_GFP_SESS);
	unsigned int i;

	*out = pg;
	if (!pg)
		return -ENOMEM;
	for (i = 0; i < 1 + n; i++) {
		pg[i] = alloc_page(KUP_GFP_SESS | __GFP_ZERO);
		if (!pg[i])
			return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		pg[1 + n + i] = pg[1 + i];
	return 0;
}

static void kup_layout_init(struct kup_sess *s)
{
	struct kup_layout *l = s->ro_ctrl;

	kup_layout_fill(l, PAGE_SIZE, (u64)s->npages << PAGE_SHIFT,
			kup_region_pages(s) << PAGE_SHIFT);
	l->chan_id = s->ch->id;
	if (s->sc->mp)
		l->version = KUP_ABI_VERSION_MP;
}

static void kup_rings_init(struct kup_sess *s)
{
	u64 size = (u64)s->npages << PAGE_SHIFT;
	void *ro = s->ro_ctrl, *rw = s->rw_ctrl;

	s->status = kup_at(ro, KUP_RO_STATUS);
	s->u2k_want = kup_at(rw, KUP_RW_U2K_WANT);
	s->k2u_seen = kup_at(rw, KUP_RW_K2U_SEEN);
	s->k2u.prod = kup_at(ro, KUP_RO_K2U_PROD);
	s->k2u.prod_flags = kup_at(ro, KUP_RO_K2U_PROD_FLAGS);
	s->k2u.cons = kup_at(rw, KUP_RW_K2U_CONS);
	s->k2u.cons_flags = kup_at(rw, KUP_RW_K2U_CONS_FLAGS);
	s->u2k.prod = kup_at(rw, KUP_RW_U2K_PROD);
	s->u2k.prod_flags = kup_at(rw, KUP_RW_U2K_PROD_FLAGS);
	s->u2k.cons = kup_at(ro, KUP_RO_U2K_CONS);
	s->u2k.cons_flags = kup_at(ro, KUP_RO_U2K_CONS_FLAGS);
	s->k2u.size = s->u2k.size = size;
	s->k2u.max_msg = s->u2k.max_msg = size - sizeof(struct kup_rec_hdr);
	s->k2u.mp = s->sc->mp;
	raw_spin_lock_init(&s->mp_lock);
}

/*
 * Wake-ups from any context. A wait queue's lock is a spinlock_t, which
 * PREEMPT_RT turns into a sleeping lock: where a KUPDEV_NB call may run but
 * such a lock may not be taken there (hard irq, interrupts or preemption
 * off, a raw spinlock held), the wake-up goes to an irq_work, which RT runs
 * in a thread. The same rule holds without RT, so that lockdep's raw-lock
 * nesting check (which flags there what RT would break) stays quiet; it
 * costs only the calls that must wake a sleeping peer, which pays for a
 * context switch anyway. preemptible() knows all of that where the kernel
 * counts preemption; elsewhere hard irq and interrupts off are what is
 * known.
 */
bool kup_can_wake_now(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return preemptible();
	return !in_hardirq() && !irqs_disabled();
}

/* Both sides, for what is not a plain "data moved": breakage. */
static void kup_sess_wake_work(struct irq_work *work)
{
	struct kup_sess *s = container_of(work, struct kup_sess, wake_work);

	wake_up_all(&s->kwq);
	wake_up_all(&s->uwq);
}

/* The user side moved data or room: wake whoever polls or sleeps on it. */
void kup_sess_wake_user(struct kup_sess *s)
{
	trace_kup_wake_user(s);
	if (kup_can_wake_now())
		wake_up_interruptible(&s->uwq);
	else
		irq_work_queue(&s->wake_work);
}

static void kup_sess_gone_work(struct work_struct *work);

static struct kup_sess *kup_sess_alloc(struct kupdev_softc *sc,
				       struct kup_chan *ch)
{
	struct kup_sess *s = kzalloc(sizeof(*s), KUP_GFP_SESS);
	unsigned int n = sc->size;

	if (!s)
		return NULL;
	s->sc = sc;
	s->ch = ch;
	s->npages = n;
	refcount_set(&s->ref, 1);
	init_waitqueue_head(&s->kwq);
	init_waitqueue_head(&s->uwq);
	init_irq_work(&s->wake_work, kup_sess_wake_work);
	INIT_WORK(&s->free_work, kup_sess_free_work);
	INIT_WORK(&s->gone_work, kup_sess_gone_work);
	if (kup_region_alloc(&s->ro_pages, n) ||
	    kup_region_alloc(&s->rw_pages, n))
		goto fail;
	/* The data pages twice, back to back: records never wrap. */
	s->k2u.data = vmap(s->ro_pages + 1, 2 * n, VM_MAP, PAGE_KERNEL);
	s->u2k.data = vmap(s->rw_pages + 1, 2 * n, VM_MAP, PAGE_KERNEL);
	if (!s->k2u.data || !s->u2k.data)
		goto fail;
	s->ro_ctrl = page_address(s->ro_pages[0]);
	s->rw_ctrl = page_address(s->rw_pages[0]);
	kup_layout_init(s);
	kup_rings_init(s);
	/* Kept (not its pages) so that no later process can have its address. */
	s->mm = current->mm;
	mmgrab(s->mm);
	kup_dev_get(sc);
	kup_test_live(1);
	return s;

fail:
	kup_sess_free_pages(s);
	kfree(s);
	return NULL;
}

/*
 * Set status bits for the user to see. Close, unload and a kernel thread
 * that finds the channel broken may do it at once: no bit may be lost. The
 * cmpxchg() is fully ordered, so everything the kernel published before
 * (its last records) is visible to a user that sees the bit; libkup reads
 * the status with an acquire in kup_chan_state().
 */
static void kup_status_set(struct kup_sess *s, __u32 bits)
{
	__u32 old = READ_ONCE(*s->status), seen;

	/* Test builds: the unload may set DETACHED between the read and here. */
	if (bits & KUP_ST_BROKEN)
		kup_test_pause("status-broken");
	while ((seen = cmpxchg(s->status, old, old | bits)) != old)
		old = seen;
}

/*
 * The user's producer position as it leaves: the kernel reads no further.
 * It is the user's to write, so it is checked as kup_cons_peek() checks
 * one (aligned, at most a ring ahead of what the kernel released); a bad
 * one ends the reading where the kernel is.
 */
static u64 kup_u2k_end(const struct kup_sess *s)
{
	u64 c = READ_ONCE(*s->u2k.cons), p = kup_load_acquire(s->u2k.prod);

	if (p - c > s->u2k.size || (p & (KUP_REC_ALIGN - 1)))
		return c;
	return p;
}

/*
 * Tell both sides this session is over. The kernel receiver still gets the
 * records the user had published when it left, up to u2k_end, and then
 * -EPIPE; everything else gets -EPIPE at once.
 */
void kup_sess_detach(struct kup_sess *s, __u32 why)
{
	/*
	 * Once per session, though the unload, an unmap and the close may
	 * all end it: what the user sent before it left is fixed then, and a
	 * user that keeps writing after cannot add to it.
	 */
	if (!xchg(&s->detach_once, true)) {
		WRITE_ONCE(s->u2k_end, kup_u2k_end(s));
		trace_kup_detach(s, why);
	}
	kup_status_set(s, why);
	/* Pairs with smp_load_acquire() in kup_rx_wait(): u2k_end is set. */
	smp_store_release(&s->detached, true);
	wake_up_all(&s->kwq);
	wake_up_all(&s->uwq);
}

/*
 * A user broke the protocol: stop using the rings, count it, and report it
 * to both sides (POLLERR and KUP_ST_BROKEN for the user, -EPROTO for the
 * kernel). Never a warning splat: user space can always do this.
 */
void kup_sess_break(struct kup_sess *s, const char *what)
{
	if (xchg(&s->broken, true))
		return;
	atomic64_inc(&s->ch->stats.proto_errors);
	kup_status_set(s, KUP_ST_BROKEN);
	trace_kup_proto_error(s, what);
	pr_notice_ratelimited("kup: %s channel %d: protocol error from user space (%s), channel broken\n",
			      s->sc->name, s->ch->id, what);
	/* A KUPDEV_NB call may find it, in any context. */
	if (kup_can_wake_now())
		kup_sess_wake_work(&s->wake_work);
	else
		irq_work_queue(&s->wake_work);
}

/* The counters as user space sees them (KUP_IOC_STATS, /proc/kup). */
void kup_stats_read(const struct kup_chan *ch, struct kup_stats *out)
{
	const struct kup_chan_stats *st = &ch->stats;

	*out = (struct kup_stats) {
		.k2u_msgs = READ_ONCE(st->k2u_msgs) + atomic64_read(&st->mp_msgs),
		.k2u_bytes = READ_ONCE(st->k2u_bytes) +
			     atomic64_read(&st->mp_bytes),
		.u2k_msgs = READ_ONCE(st->u2k_msgs),
		.u2k_bytes = READ_ONCE(st->u2k_bytes),
		.wakeups_sent = READ_ONCE(st->tx_wakeups) +
				READ_ONCE(st->rx_wakeups),
		.wakeups_recv = atomic64_read(&st->wakeups_recv),
		.full_waits = READ_ONCE(st->full_waits),
		.empty_waits = READ_ONCE(st->empty_waits),
		.proto_errors = atomic64_read(&st->proto_errors),
		.attaches = atomic64_read(&st->attaches),
	};
}

/* @now less @base, field by field: the counts since @base was taken. */
static void kup_stats_since(struct kup_stats *now, const struct kup_stats *base)
{
	u64 *n = (u64 *)now;
	const u64 *b = (const u64 *)base;
	size_t i;

	static_assert(sizeof(*now) % sizeof(u64) == 0);
	for (i = 0; i < sizeof(*now) / sizeof(u64); i++)
		n[i] -= b[i];
}

/*
 * KUP_IOC_CHAN_STATS on the device fd. The channel's lock orders the read
 * with the attach that takes the session's base (kup_chan_link()): the
 * totals are read after the base they are taken from, so no field comes
 * out below zero. Not ch->users, which a client's attach or detach
 * callback holds for as long as it runs.
 */
long kup_chan_stats(struct kupdev_softc *sc, void __user *uarg)
{
	struct kup_chan_stats_req r;
	struct kup_chan *ch;
	unsigned long irqf;

	if (copy_from_user(&r.chan_id, uarg, sizeof(r.chan_id)))
		return -EFAULT;
	if (r.chan_id >= sc->chan_cnt)
		return -EINVAL;
	ch = &sc->chans[array_index_nospec(r.chan_id, sc->chan_cnt)];
	r.flags = 0;
	raw_spin_lock_irqsave(&ch->lock, irqf);
	kup_stats_read(ch, &r.total);
	r.session = r.total;
	kup_stats_since(&r.session, &ch->sess_base);
	if (rcu_access_pointer(ch->sess))
		r.flags |= KUP_CHS_ATTACHED;
	raw_spin_unlock_irqrestore(&ch->lock, irqf);
	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

static void kup_call_ops(struct kup_sess *s, bool attach)
{
	struct kupdev_softc *sc = s->sc;

	mutex_lock(&sc->ops_lock);
	if (sc->ops && attach && sc->ops->attach)
		sc->ops->attach(sc, s->ch->id, sc->ops_priv);
	if (sc->ops && !attach && sc->ops->detach)
		sc->ops->detach(sc, s->ch->id, sc->ops_priv);
	mutex_unlock(&sc->ops_lock);
}

/* kupdev_unload(): every attached user is woken and detached. */
void kup_chan_detach_all(struct kupdev_softc *sc)
{
	size_t i;

	for (i = 0; i < sc->chan_cnt; i++) {
		struct kup_chan *ch = &sc->chans[i];
		unsigned long irqf;
		struct kup_sess *s;

		raw_spin_lock_irqsave(&ch->lock, irqf);
		s = rcu_dereference_protected(ch->sess,
					      lockdep_is_held(&ch->lock));
		RCU_INIT_POINTER(ch->sess, NULL);
		raw_spin_unlock_irqrestore(&ch->lock, irqf);
		if (s) {
			kup_sess_detach(s, KUP_ST_DETACHED);
			kup_sess_put(s);
		}
		/*
		 * The device is dead: nobody will read what was left. A park
		 * happens under ch->lock with the unlink, so one that came
		 * before ours above is seen here.
		 */
		kup_drain_drop(ch);
	}
}

/*
 * The user of @s left (release, after kup_sess_detach()): take @s off the
 * channel if it is still the attached one. If it left records the kernel
 * has not read, it becomes the channel's drain in the same step, keeping
 * the channel's reference, so that receives find it without a gap in which
 * they would see neither (and report -EPIPE early, or a new user first).
 * One drain per channel: while an earlier user's records wait, a later
 * one's are dropped, so a user cannot make the kernel hold its sessions.
 * The thread that received from @s last is the one told of its departure
 * (kup_who.c).
 * Return: 0, not ours; 1, unlinked (the caller drops the channel's
 * reference); 2, unlinked and parked.
 */
static int kup_chan_leave(struct kup_chan *ch, struct kup_sess *s)
{
	unsigned long irqf;
	int ret = 0;

	raw_spin_lock_irqsave(&ch->lock, irqf);
	if (rcu_access_pointer(ch->sess) == s) {
		ret = 1;
		/*
		 * u2k_c.pos belongs to a receiver that may be running: a
		 * stale value only parks a session with nothing left, which
		 * the next receive finds drained (-EPIPE) and lets go.
		 */
		if ((s64)(READ_ONCE(s->u2k_end) - READ_ONCE(s->u2k_c.pos)) > 0 &&
		    !READ_ONCE(s->broken) && !READ_ONCE(ch->drain)) {
			WRITE_ONCE(ch->drain, s);
			ret = 2;
		}
		/* Its receiver hears of it (kup_who.c). */
		kup_who_copy(&ch->gone, &s->rx_who);
		/* Pairs with the smp_rmb() in kup_sess_get(). */
		smp_wmb();
		RCU_INIT_POINTER(ch->sess, NULL);
	}
	raw_spin_unlock_irqrestore(&ch->lock, irqf);
	return ret;
}

/* A receive on @s found it drained or broken: it is no longer the drain. */
void kup_drain_done(struct kup_sess *s)
{
	if (READ_ONCE(s->ch->drain) == s && cmpxchg(&s->ch->drain, s, NULL) == s)
		kup_sess_put(s);
}

/* The device is dead: what a departed user left unread is dropped. */
void kup_drain_drop(struct kup_chan *ch)
{
	struct kup_sess *s = xchg(&ch->drain, NULL);

	if (s)
		kup_sess_put(s);
}

/*
 * The user of @s is gone: unlink @s if it still is the channel's attached
 * session, with the detach callback. The caller holds ch->users.
 */
static void kup_chan_unlink_locked(struct kup_sess *s)
{
	int left = kup_chan_leave(s->ch, s);

	if (left) {
		kup_test_pause("release-unlinked");
		/* After parking, so that the callback can read what is left. */
		kup_call_ops(s, false);
	}
	if (left == 1)
		kup_sess_put(s);	/* the channel's reference */
}

static void kup_chan_unlink(struct kup_sess *s)
{
	kup_test_pause("unlink");
	mutex_lock(&s->ch->users);
	kup_chan_unlink_locked(s);
	mutex_unlock(&s->ch->users);
}

static int kup_chan_release(struct inode *inode, struct file *file)
{
	struct kup_sess *s = file->private_data;

	/*
	 * An attach that failed: nobody saw the session, and a callback of
	 * another user may hold ch->users for a while.
	 */
	if (!READ_ONCE(s->linked)) {
		kup_sess_put(s);
		return 0;
	}
	/* Detached first: the snapshot decides whether anything is left. */
	kup_sess_detach(s, KUP_ST_DETACHED);
	kup_chan_unlink(s);
	kup_sess_put(s);		/* the file's reference */
	return 0;
}

static void kup_sess_gone_work(struct work_struct *work)
{
	struct kup_sess *s = container_of(work, struct kup_sess, gone_work);

	kup_chan_unlink(s);
	kup_sess_put(s);
}

/*
 * The attaching process unmapped a region of the channel, or exited: its
 * user is gone, whatever copies of the channel fd live on (a fork()ed
 * child has none of its mappings: VM_DONTCOPY, and it may not map them,
 * see kup_chan_mmap()). This runs under mmap_lock, where neither
 * ch->users nor a client's callback belongs: the session is detached here
 * and unlinked from kup_wq, or by the next attach, which does not wait for
 * the queue (kup_chan_reap()).
 */
static void kup_vm_close(struct vm_area_struct *vma)
{
	struct kup_sess *s = vma->vm_private_data;

	/* A copy in a child (MADV_DOFORK undid VM_DONTCOPY) is not the user. */
	if (vma->vm_mm != s->mm)
		return;
	kup_sess_detach(s, KUP_ST_DETACHED);
	refcount_inc(&s->ref);		/* the work's; the vma's file has one */
	if (!queue_work(kup_wq, &s->gone_work))
		kup_sess_put(s);
}

static const struct vm_operations_struct kup_vm_ops = {
	.close = kup_vm_close,
};

static int kup_chan_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kup_sess *s = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	size_t i, n = kup_region_pages(s);
	struct page **pages;
	int err;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (len != n << PAGE_SHIFT)
		return -EINVAL;
	/* Only the attaching process: not a child holding a copy of the fd. */
	if (current->mm != s->mm)
		return -EACCES;
	/* Its user is gone: nothing more to map (nor to add to its drain). */
	if (READ_ONCE(s->detached))
		return -EPIPE;
	if (vma->vm_pgoff == 0) {
		/* Kernel-written: read-only, and it may never become writable. */
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		kup_vm_flags_mod(vma, 0, VM_MAYWRITE);
		pages = s->ro_pages;
	} else if (vma->vm_pgoff == KUP_MMAP_RW_OFFSET >> PAGE_SHIFT) {
		pages = s->rw_pages;
	} else {
		return -EINVAL;
	}
	/*
	 * Not into a fork()ed child: its copy would keep the session (a
	 * mapping holds the file) after the user that attached is gone.
	 */
	kup_vm_flags_mod(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY, 0);
	for (i = 0; i < n; i++) {
		err = vm_insert_page(vma, vma->vm_start + (i << PAGE_SHIFT),
				     pages[i]);
		if (err)
			return err;
	}
	/* Only a mapping that was made: its end is the user's. */
	vma->vm_private_data = s;
	vma->vm_ops = &kup_vm_ops;
	return 0;
}

/*
 * Positions here are hints (user-written ones may be anything). The user
 * waits for what comes after the records it holds, which its published
 * consumer position still covers: it says where its reading is in
 * k2u_seen, taken when it lies between the two positions (a libkup that
 * predates the word leaves 0 there).
 */
static bool kup_poll_in(const struct kup_sess *s)
{
	u64 c = READ_ONCE(*s->k2u.cons), p = READ_ONCE(*s->k2u.prod);
	u64 seen = READ_ONCE(*s->k2u_seen);

	if (seen - c <= p - c)
		c = seen;
	if (p == c)
		return false;
	/*
	 * Multi-producer: the next record may still be BUSY. @c is the
	 * user's: any value masks into the ring, and an unaligned one (a
	 * misaligned acquire faults on some CPUs) just reads as ready.
	 */
	return !s->k2u.mp || (c & (KUP_REC_ALIGN - 1)) ||
	       !(smp_load_acquire(&kup_rec_at(&s->k2u, c)->flags) & KUP_REC_BUSY);
}

static bool kup_poll_out(const struct kup_sess *s)
{
	u64 size = s->u2k.size, want, used;

	used = READ_ONCE(*s->u2k.prod) - READ_ONCE(*s->u2k.cons);
	want = min_t(u64, READ_ONCE(*s->u2k_want), s->u2k.max_msg);
	return used <= size && size - used >= kup_rec_size(want);
}

/*
 * The kernel wakes the user only when the user's NEED_WAKEUP flag is set.
 * A user waiting in poll/epoll has not set it, so poll sets it on the
 * user's behalf before it reports "not ready", exactly as a sleeping
 * library call would: flag, full barrier, recheck.
 */
static bool kup_poll_arm(u32 *flag, bool (*ready)(const struct kup_sess *),
			 const struct kup_sess *s)
{
	if (ready(s))
		return true;
	WRITE_ONCE(*flag, KUP_NEED_WAKEUP);
	/* Pairs with the barrier in kup_prod_must_wake()/kup_cons_must_wake(). */
	smp_mb();
	if (ready(s))
		return true;
	trace_kup_user_wait(s);
	return false;
}

/*
 * A user that sent with KP_MORE and then waits in its own poll()/epoll on
 * the fd, without kernproxy_flush(), would leave a kernel consumer asleep
 * on records that are there. A poll is a system call anyway: look. The
 * barrier pairs with the one in kup_cons_prepare_sleep() of the kernel's
 * receive: it sees the records, or we see its flag.
 */
static void kup_poll_wake_kernel(struct kup_sess *s)
{
	smp_mb();
	if ((READ_ONCE(*s->u2k.cons_flags) & KUP_NEED_WAKEUP) &&
	    READ_ONCE(*s->u2k.prod) != READ_ONCE(s->u2k_c.pos)) {
		trace_kup_wake_kernel(s);
		wake_up_all(&s->kwq);
	}
}

static __poll_t kup_chan_poll(struct file *file, poll_table *wait)
{
	struct kup_sess *s = file->private_data;
	__poll_t req = poll_requested_events(wait), mask = 0;

	kup_test_poll_armed(s, false);
	poll_wait(file, &s->uwq, wait);
	kup_test_pause("poll-look");
	if (READ_ONCE(s->broken))
		mask |= EPOLLERR;
	if (READ_ONCE(s->detached))
		mask |= EPOLLHUP;
	/* Only arm what the poller waits for: a flag costs the kernel wake-ups. */
	if ((req & EPOLLIN) ? kup_poll_arm(s->k2u.cons_flags, kup_poll_in, s) :
			      kup_poll_in(s))
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((req & EPOLLOUT) ? kup_poll_arm(s->u2k.prod_flags, kup_poll_out, s) :
			       kup_poll_out(s))
		mask |= EPOLLOUT | EPOLLWRNORM;
	kup_poll_wake_kernel(s);
	/*
	 * Nothing it asked for is there: past its last look at the ring, the
	 * poller only waits for a wake-up.
	 */
	kup_test_poll_armed(s, (req & EPOLLIN) && !(mask & req));
	return mask;
}

static long kup_chan_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kup_sess *s = file->private_data;
	struct kup_stats st;

	switch (cmd) {
	case KUP_IOC_WAKE:
		atomic64_inc(&s->ch->stats.wakeups_recv);
		trace_kup_wake_kernel(s);
		wake_up_all(&s->kwq);
		return 0;
	case KUP_IOC_STATS:
		kup_stats_read(s->ch, &st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ?
		       -EFAULT : 0;
	}
	return -ENOTTY;
}

static const struct file_operations kup_chan_fops = {
	.owner = THIS_MODULE,
	.release = kup_chan_release,
	.mmap = kup_chan_mmap,
	.poll = kup_chan_poll,
	.unlocked_ioctl = kup_chan_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static int kup_attach_check(struct kupdev_softc *sc, const struct kup_attach *a)
{
	if ((a->abi_version != KUP_ABI_VERSION &&
	     a->abi_version != KUP_ABI_VERSION_MP) || (a->flags & ~KUP_ATTACH_FLAGS))
		return -EINVAL;
	if (a->chan_id >= sc->chan_cnt || a->pages != sc->size)
		return -EINVAL;
	/* A user that cannot read multi-producer records cannot have them. */
	if (a->abi_version == KUP_ABI_VERSION && sc->mp)
		return -EPROTO;
	if (READ_ONCE(sc->ready))
		return 0;
	if (a->flags & KUP_ATTACH_NOWAIT)
		return -EAGAIN;
	if (wait_event_interruptible(sc->ready_wq,
				     READ_ONCE(sc->ready) || READ_ONCE(sc->dead)))
		return -EINTR;
	return 0;
}

/* A user is attached, and has not left (its session is not detached). */
static bool kup_chan_taken(struct kup_chan *ch)
{
	struct kup_sess *s;
	bool taken;

	rcu_read_lock();
	s = rcu_dereference(ch->sess);
	taken = s && !READ_ONCE(s->detached);
	rcu_read_unlock();
	return taken;
}

/*
 * Under ch->users, before a new user is linked: a session whose user is
 * gone but which is still linked (its mapping went and kup_wq has not
 * unlinked it yet) makes way now, its detach callback first.
 */
static void kup_chan_reap(struct kup_chan *ch)
{
	struct kup_sess *s;
	unsigned long f;

	raw_spin_lock_irqsave(&ch->lock, f);
	s = rcu_dereference_protected(ch->sess, lockdep_is_held(&ch->lock));
	if (s && READ_ONCE(s->detached))
		refcount_inc(&s->ref);
	else
		s = NULL;
	raw_spin_unlock_irqrestore(&ch->lock, f);
	if (s) {
		kup_chan_unlink_locked(s);
		kup_sess_put(s);
	}
}

/* Make @s the channel's session unless another user or unload got there. */
static int kup_chan_link(struct kupdev_softc *sc, struct kup_chan *ch,
			 struct kup_sess *s)
{
	unsigned long irqf;
	int err = 0;

	raw_spin_lock_irqsave(&ch->lock, irqf);
	if (READ_ONCE(sc->dead))
		err = -EPIPE;
	else if (rcu_access_pointer(ch->sess))
		err = -EBUSY;
	else {
		/* Before any kernel call can find it: its counts start here. */
		kup_stats_read(ch, &ch->sess_base);
		rcu_assign_pointer(ch->sess, s);	/* s is fully set up */
	}
	raw_spin_unlock_irqrestore(&ch->lock, irqf);
	return err;
}

/*
 * KUP_IOC_ATTACH on the device fd. The session belongs to its file from
 * birth, and is published on the channel last, when nothing can fail any
 * more: a kernel call can only find a session whose file exists, and an
 * unload right after the link finds the channel's own reference to drop.
 */
long kup_attach(struct kupdev_softc *sc, struct kup_attach __user *uarg)
{
	struct kup_attach a;
	struct kup_chan *ch;
	struct kup_sess *s;
	struct file *f;
	int err, fd;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = kup_attach_check(sc, &a);
	if (err)
		return err;
	ch = &sc->chans[array_index_nospec(a.chan_id, sc->chan_cnt)];
	/* A cheap early answer; kup_chan_link() decides. */
	if (kup_chan_taken(ch))
		return -EBUSY;
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fd;
	err = -ENOMEM;
	s = kup_sess_alloc(sc, ch);	/* its one reference is the file's */
	if (!s)
		goto put_fd;
	f = anon_inode_getfile("[kup-channel]", &kup_chan_fops, s, O_RDWR);
	if (IS_ERR(f)) {
		kup_sess_put(s);
		err = PTR_ERR(f);
		goto put_fd;
	}
	a.fd = fd;
	a.ro_size = a.rw_size = kup_region_pages(s) << PAGE_SHIFT;
	a.rw_offset = KUP_MMAP_RW_OFFSET;
	err = -EFAULT;
	if (copy_to_user(uarg, &a, sizeof(a)))
		goto put_file;
	err = mutex_lock_interruptible(&ch->users);
	if (err)
		goto put_file;
	kup_chan_reap(ch);
	refcount_inc(&s->ref);		/* the channel's reference */
	err = kup_chan_link(sc, ch, s);
	if (err) {
		mutex_unlock(&ch->users);
		kup_sess_put(s);
		goto put_file;
	}
	/* Only this file's release reads it, after fd_install(). */
	WRITE_ONCE(s->linked, true);
	kup_test_pause("attach-linked");
	atomic64_inc(&ch->stats.attaches);
	trace_kup_attach(s);
	/*
	 * The client hears of the attach, and kupdev_wait_channel() of it,
	 * before the user can detach (its fd is not installed yet).
	 */
	kup_call_ops(s, true);
	set_bit(ch->id, sc->pending);
	wake_up_all(&sc->attach_wq);
	mutex_unlock(&ch->users);
	fd_install(fd, f);
	return 0;

put_file:
	/* Its release finds the session never linked: no callback. */
	fput(f);
	/* The answer went out already: its fd is not one any more. */
	put_user(-1, &uarg->fd);
put_fd:
	put_unused_fd(fd);
	return err;
}

/*
 * A departed user's session still holds records the kernel has not read
 * (the drain), and @s is attached or NULL: which does a call get? The
 * drain's receiver gets the drain, and its sends fail (an answer has
 * nobody to go to); with no user attached, any receive gets it; another
 * thread works with the next user, and its receive drops the drain (*@drop):
 * its receiver serves nobody any more (kup_who.c).
 */
static struct kup_sess *kup_drain_pick(struct kup_chan *ch, struct kup_sess *d,
				       struct kup_sess *s, bool rx, bool *drop)
{
	bool mine = kup_who_me(&d->rx_who);

	if (rx && (mine || !s))
		return d;
	if (mine) {
		kup_gone_take(ch);
		return NULL;
	}
	*drop = rx && s;
	return s;
}

/* Drop @d if it is still the channel's drain. */
static void kup_drain_end(struct kup_chan *ch, struct kup_sess *d)
{
	if (cmpxchg(&ch->drain, d, NULL) == d)
		kup_sess_put(d);
}

/*
 * The session a kernel call on a channel works on, with a reference, or an
 * error. Normally the attached one; around a user's departure, as
 * kup_who.c says: the departed user's receiver gets what it left (the
 * drain) and -EPIPE for its answers, and once -EPIPE where it would reach
 * the next user; other threads work with the next user. No lock on this
 * path, which every message takes: sessions are freed only after an RCU
 * grace period, and a reference that already dropped to zero means the
 * session is on its way out. The caller is inside kup_dev_enter().
 */
struct kup_sess *kup_sess_get(struct kupdev_softc *sc, int chan_id, bool rx)
{
	struct kup_sess *s, *d;
	struct kup_chan *ch;
	bool drop = false;

	if (chan_id < 0 || chan_id >= sc->chan_cnt)
		return ERR_PTR(-EINVAL);
	ch = &sc->chans[chan_id];
	rcu_read_lock();
	s = rcu_dereference(ch->sess);
	/* Pairs with the smp_wmb() in kup_chan_leave(). */
	smp_rmb();
	d = READ_ONCE(ch->drain);
	if (unlikely(d))
		s = kup_drain_pick(ch, d, s, rx, &drop);
	else if (unlikely(READ_ONCE(ch->gone.task)) && kup_gone_take(ch))
		s = NULL;
	if (s && (READ_ONCE(sc->dead) || !refcount_inc_not_zero(&s->ref)))
		s = NULL;
	rcu_read_unlock();
	if (drop)
		kup_drain_end(ch, d);
	return s ?: ERR_PTR(-EPIPE);
}

static int kup_take_pending(struct kupdev_softc *sc)
{
	unsigned int id;

	for_each_set_bit(id, sc->pending, sc->chan_cnt)
		if (test_and_clear_bit(id, sc->pending))
			return id;
	return -1;
}

/**
 * kupdev_wait_channel() - wait until a user attaches a channel
 * @sc: device
 *
 * Each attach is reported once, to one caller.
 *
 * Context: process context; sleeps.
 * Return: the channel id; -EPIPE once the device is unloaded; -EINTR on a
 * signal or kthread_stop().
 */
int kupdev_wait_channel(struct kupdev_softc *sc)
{
	int id = -1, err;

	might_sleep();
	err = kup_dev_enter(sc);
	if (err)
		return err;
	if (wait_event_interruptible(sc->attach_wq,
				     (id = kup_take_pending(sc)) >= 0 ||
				     READ_ONCE(sc->dead) || kup_should_stop()))
		err = -EINTR;
	else if (id >= 0)
		err = id;
	/* Waiting for a new user, it has heard of the last one's departure. */
	if (id >= 0)
		kup_gone_forget(&sc->chans[id]);
	else
		err = READ_ONCE(sc->dead) ? -EPIPE : -EINTR;
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_wait_channel);

/* A user is attached, has not left and has not broken the channel. */
static bool kup_chan_usable(struct kup_chan *ch)
{
	struct kup_sess *s;
	unsigned long irqf;
	bool ok;

	raw_spin_lock_irqsave(&ch->lock, irqf);
	s = rcu_dereference_protected(ch->sess, lockdep_is_held(&ch->lock));
	ok = s && !READ_ONCE(s->broken) && !READ_ONCE(s->detached);
	raw_spin_unlock_irqrestore(&ch->lock, irqf);
	return ok;
}

/**
 * kupdev_wait_attached() - wait until a user is attached to one channel
 * @sc: device
 * @chan_id: channel
 *
 * A channel its user broke counts as not attached until a new user comes.
 *
 * Context: process context; sleeps.
 * Return: 0 (a user is attached now); -EPIPE once the device is unloaded;
 * -EINTR on a signal or kthread_stop(); -EINVAL for a bad channel.
 */
int kupdev_wait_attached(struct kupdev_softc *sc, int chan_id)
{
	struct kup_chan *ch;
	int err;

	might_sleep();
	err = kup_dev_enter(sc);
	if (err)
		return err;
	if (chan_id < 0 || chan_id >= sc->chan_cnt) {
		err = -EINVAL;
		goto leave;
	}
	ch = &sc->chans[chan_id];
	if (wait_event_interruptible(sc->attach_wq,
				     kup_chan_usable(ch) || READ_ONCE(sc->dead) ||
				     kup_should_stop()))
		err = -EINTR;
	else if (READ_ONCE(sc->dead))
		err = -EPIPE;
	else
		err = kup_chan_usable(ch) ? 0 : -EINTR;
	/*
	 * Waiting for a new user, it has heard of the last one's departure,
	 * which may have been recorded only while it waited (an unlink by
	 * kup_wq, or by the next attach).
	 */
	kup_gone_forget(ch);
leave:
	kup_dev_leave(sc);
	return err;
}
KUP_EXPORT(kupdev_wait_attached);
