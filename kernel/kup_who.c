// SPDX-License-Identifier: GPL-2.0
/*
 * Which user a kernel thread's call is meant for.
 *
 * The channel calls name a channel, not a user. When one user leaves and
 * the next arrives, a call may be meant for either: the answer of a worker
 * that served the departed user, or the first call of a worker started for
 * the new one (kupdev_wait_channel() starts one per attach in the seed
 * API's shape). Kernel clients serve a channel from threads, so threads
 * tell them apart:
 *
 *  - the thread that received last from a session is that user's receiver
 *    (kup_sess.rx_who; the one that reserved last, tx_who). When the user
 *    leaves, its receiver becomes the channel's "gone" thread: its next
 *    data call fails once with -EPIPE (an answer has nobody to go to, and a
 *    worker that stops on -EPIPE stops there instead of serving the next
 *    user beside the thread started for it). kupdev_wait_attached() and
 *    kupdev_wait_channel() in that thread forget it: it knows.
 *  - what the departed user left unread (the drain) goes to its receiver,
 *    before anything of the next user, and its answers fail with -EPIPE;
 *    another thread receiving while the next user is there gets the next
 *    user's messages, and the drain is dropped then (kup_sess_get()).
 *  - a message or reservation still held for a departed session does not
 *    stop another thread from holding one of the next user's: it moves to
 *    the channel's "old" slot (kup_slot_take()), from which its holder
 *    releases it (kup_slot_mine()).
 *
 * Calls from interrupts, which run on whatever task they interrupted, are
 * nobody's; a workqueue worker is one thread whatever work item it runs,
 * so per-attach work items are not told apart (per-attach kernel threads
 * are). A hold released from an interrupt or another thread than the one
 * that took it goes to the current slot while that holds one, to the
 * departed user's moved aside when that is the only one left: a release
 * that cannot tell the two apart takes the next user's, whose pages stay
 * mapped, rather than free the departed user's under a thread that may
 * still read them; and the departed user's is still released once (see
 * kup_slot_mine()). That holds for a client that releases each hold
 * once: a release by a thread that holds nothing is taken for a handed
 * over one, whatever another thread still holds. A thread is its task
 * and start time: a task_struct freed and reused for a new thread is not
 * taken for the old one.
 */
#include <linux/preempt.h>
#include <linux/sched.h>
#include "kup_internal.h"

static bool kup_who_is(const struct kup_who *w, const struct task_struct *t)
{
	u64 start;

	if (READ_ONCE(w->task) != t)
		return false;
	/* Pairs with the smp_wmb()s of kup_who_set(): @start of that @task. */
	smp_rmb();
	start = READ_ONCE(w->start);
	/* And @task again, as a seqcount would: not rewritten meanwhile. */
	smp_rmb();
	return READ_ONCE(w->task) == t && start == t->start_time;
}

/* @w := (@task, @start), for readers that take no lock (kup_who_is()). */
static void kup_who_write(struct kup_who *w, struct task_struct *task,
			  u64 start)
{
	WRITE_ONCE(w->task, NULL);
	/* Pairs with the smp_rmb()s of kup_who_is(): no @task with a stale @start. */
	smp_wmb();
	WRITE_ONCE(w->start, start);
	smp_wmb();
	WRITE_ONCE(w->task, task);
}

/* Record the calling thread in @w, of which it is the only writer. */
void kup_who_set(struct kup_who *w)
{
	if (in_task() && !kup_who_is(w, current))
		kup_who_write(w, current, current->start_time);
}

bool kup_who_me(const struct kup_who *w)
{
	return in_task() && kup_who_is(w, current);
}

/* Under the channel's lock; readers of @to take none. */
void kup_who_copy(struct kup_who *to, const struct kup_who *from)
{
	struct task_struct *t = READ_ONCE(from->task);
	u64 start;

	/* Pairs with the smp_wmb()s of kup_who_write(): @start of that @task. */
	smp_rmb();
	start = READ_ONCE(from->start);
	kup_who_write(to, t, start);
}

/* Is the caller the channel's gone thread? Then it is told, once. */
bool kup_gone_take(struct kup_chan *ch)
{
	return kup_who_me(&ch->gone) &&
	       cmpxchg(&ch->gone.task, current, NULL) == current;
}

/* The caller waited for the next user: it has heard of the departure. */
void kup_gone_forget(struct kup_chan *ch)
{
	kup_gone_take(ch);
}

static struct kup_who *kup_slot_who(struct kup_sess *s, bool rx)
{
	return rx ? &s->rx_who : &s->tx_who;
}

static struct kup_sess **kup_slot(struct kup_chan *ch, bool rx, bool old)
{
	if (rx)
		return old ? &ch->rx_old : &ch->rx;
	return old ? &ch->tx_old : &ch->tx;
}

/*
 * Hold the channel's receive (@rx) or reserve slot for @s. When another
 * thread holds it for a session that is over, that is the departed user's
 * receiver (or sender), which has not released yet while this thread
 * serves the next user: its hold moves to the old slot, if that is free.
 * Return: 0 or -EBUSY.
 */
int kup_slot_take(struct kup_sess *s, bool rx)
{
	struct kup_chan *ch = s->ch;
	struct kup_sess **cur = kup_slot(ch, rx, false);
	struct kup_sess **old = kup_slot(ch, rx, true);
	struct kup_sess *h;
	unsigned long f;
	int err;

	if (likely(!cmpxchg(cur, NULL, s)))
		goto mine;
	raw_spin_lock_irqsave(&ch->lock, f);
	h = READ_ONCE(*cur);
	if (h && h != s && READ_ONCE(h->detached) && !*old &&
	    READ_ONCE(kup_slot_who(h, rx)->task) &&
	    !kup_who_me(kup_slot_who(h, rx)) && cmpxchg(cur, h, NULL) == h)
		WRITE_ONCE(*old, h);
	/*
	 * Free now (moved, or released since our first try or since we
	 * read it, by a release that takes no lock): ours.
	 */
	err = cmpxchg(cur, NULL, s) ? -EBUSY : 0;
	raw_spin_unlock_irqrestore(&ch->lock, f);
	if (err)
		return err;
mine:
	/* Only a thread that holds records itself (see kup_slot_mine()). */
	kup_who_set(kup_slot_who(s, rx));
	return 0;
}

/* A call that held a slot for @s failed: it holds no more, moved or not. */
void kup_slot_drop(struct kup_sess *s, bool rx)
{
	struct kup_chan *ch = s->ch;
	struct kup_sess **old = kup_slot(ch, rx, true);
	unsigned long f;

	if (likely(cmpxchg(kup_slot(ch, rx, false), s, NULL) == s))
		return;
	raw_spin_lock_irqsave(&ch->lock, f);
	if (*old == s)
		WRITE_ONCE(*old, NULL);
	raw_spin_unlock_irqrestore(&ch->lock, f);
}

/*
 * The old slot's hold, taken out with @take: if the caller holds it
 * (@any false), or whoever does (@any true). Under the lock: the old slot
 * is written there only. NULL: not that one.
 */
static struct kup_sess *kup_slot_old(struct kup_chan *ch, bool rx, bool take,
				     bool any)
{
	struct kup_sess **old = kup_slot(ch, rx, true);
	struct kup_sess *s;
	unsigned long f;

	raw_spin_lock_irqsave(&ch->lock, f);
	s = *old;
	if (s && (any || kup_who_me(kup_slot_who(s, rx)))) {
		if (take)
			WRITE_ONCE(*old, NULL);
	} else {
		s = NULL;
	}
	raw_spin_unlock_irqrestore(&ch->lock, f);
	return s;
}

/*
 * The session of the caller's hold in the receive (@rx) or reserve slot:
 * the current slot's when it holds for the caller (the usual case, without
 * a lock), else the old slot's if that holds for the caller. A caller that
 * holds neither (an interrupt, or a thread the hold was handed to) gets the
 * current slot's, and the old slot's when that is the only hold left: a
 * departed user's hold moved aside is then released by the next release
 * that finds no other, never kept for good. With @take, the hold is taken
 * out, and its reference goes to the caller. NULL: nothing held.
 */
struct kup_sess *kup_slot_mine(struct kup_chan *ch, bool rx, bool take)
{
	struct kup_sess **cur = kup_slot(ch, rx, false);
	struct kup_sess *s;
	bool mine;

	/* Another thread's hold may be released meanwhile: sessions outlive RCU. */
	rcu_read_lock();
	s = READ_ONCE(*cur);
	mine = s && kup_who_me(kup_slot_who(s, rx));
	rcu_read_unlock();
	if (likely(mine)) {
		if (!take || cmpxchg(cur, s, NULL) == s)
			return s;
	}
	if (in_task()) {
		/*
		 * A hold we saw in the current slot that kup_slot_take() put
		 * there after moving ours aside was written under the lock
		 * after the old slot: taking the lock, we see the old slot.
		 */
		s = kup_slot_old(ch, rx, take, false);
		if (s)
			return s;
	}
	s = take ? xchg(cur, NULL) : READ_ONCE(*cur);
	return s ?: kup_slot_old(ch, rx, take, true);
}
