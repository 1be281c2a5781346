/* SPDX-License-Identifier: GPL-2.0 */
/* Private to kup.ko: shared between its source files, never installed. */
#ifndef _KUP_INTERNAL_H
#define _KUP_INTERNAL_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <kup/kupdev.h>
#include <kup/ring.h>

#define KUP_MAX_DEVICES		256

/*
 * A kernel thread, as kup_who.c tells threads apart: the task and its start
 * time, so that a task_struct freed and reused for a new thread is not
 * taken for the old one. Written by that thread only; @task last.
 */
struct kup_who {
	struct task_struct *task;
	u64 start;
};

/*
 * One attachment of a user to a channel: the shared pages, the kernel's
 * mappings of them and the kernel's private ring state. A new attach gets a
 * new session, so a kernel thread still finishing a call on the old one can
 * never write into the new user's rings.
 *
 * References: the channel while attached, the channel fd, each kernel call
 * in flight, and a message held between receive and unlock (or a reserve
 * before its commit). A session holds a reference on its device.
 */
struct kup_sess {
	refcount_t ref;
	struct kupdev_softc *sc;
	struct kup_chan *ch;
	unsigned int npages;		/* data pages per direction */
	struct page **ro_pages;		/* RO region: ctrl page, k2u data x2 */
	struct page **rw_pages;		/* RW region: ctrl page, u2k data x2 */
	void *ro_ctrl, *rw_ctrl;	/* the two control pages */
	struct kup_ring k2u, u2k;	/* kernel views of both rings */
	struct kup_prod k2u_p;		/* kernel's private producer state */
	struct kup_cons u2k_c;		/* kernel's private consumer state */
	__u32 *status;			/* KUP_ST_* in the RO page */
	__u32 *u2k_want;		/* user-written hint for POLLOUT */
	u64 *k2u_seen;			/* user-written hint for POLLIN */
	wait_queue_head_t kwq;		/* kernel threads of this channel */
	wait_queue_head_t uwq;		/* user pollers */
	struct irq_work wake_work;	/* kup_sess_wake_*() deferred (RT) */
	bool linked;			/* was published on its channel */
	bool detached;			/* user gone or device unloaded */
	bool detach_once;		/* kup_sess_detach() has begun */
	u64 u2k_end;			/* u2k producer position at the detach:
					 * the kernel reads no further */
	struct kup_who rx_who;		/* the thread that received last */
	struct kup_who tx_who;		/* the thread that reserved last */
	size_t rx_len;			/* the held message's length */
	bool tx_more;			/* the reservation has KUPDEV_MORE */
	bool broken;			/* protocol violation seen */
#ifdef KUP_TEST_HOOKS
	bool test_poll_armed;		/* kup_chan_poll() armed EPOLLIN, empty */
#endif
	/*
	 * Records were committed with KUPDEV_MORE and nobody has checked
	 * yet whether the user sleeps. Set by the producer after each such
	 * commit; taken with xchg() by kup_tx_flush(), from whichever kernel
	 * caller of the channel gets there first; cleared by a commit whose
	 * own check covers it. Its own line: the producer writes it per
	 * record, the consumer reads the flags above on every wait.
	 */
	int k2u_unflushed ____cacheline_aligned_in_smp;
	/*
	 * Multi-producer channels: serializes the producers' reservations,
	 * k2u_p with them, and their counts (kup_mp.c). Raw: a producer may
	 * be in hard irq, on PREEMPT_RT too. Its own line: every reserve
	 * writes it. (Two sessions of a channel overlap only around a
	 * detach; a count they both make then may be lost.)
	 */
	raw_spinlock_t mp_lock ____cacheline_aligned_in_smp;
	unsigned int mp_sleepers;	/* producers asleep for room */
	/* The attaching process's (mmgrab()): only it maps the session. */
	struct mm_struct *mm;
	struct work_struct gone_work;	/* its mapping went: unlink it */
	struct work_struct free_work;
	struct rcu_head rcu;		/* kup_sess_get() may still look */
};

/*
 * Per-channel counters. Each plain one has a single writer, so that the
 * data path counts without a lock and without losing an increment: the
 * kernel's producer towards the user (one caller at a time, by the rules
 * of the API) or its consumer from the user. What anyone may count at once
 * (user ioctls, attaches, breakage) is atomic. Readers take a snapshot
 * with kup_stats_read().
 */
struct kup_chan_stats {
	u64 k2u_msgs, k2u_bytes, full_waits, tx_wakeups;	/* producer */
	u64 u2k_msgs, u2k_bytes, empty_waits, rx_wakeups;	/* consumer */
	atomic64_t wakeups_recv, proto_errors, attaches;	/* anyone */
	/*
	 * Multi-producer channels: records committed, counted at the commit
	 * (any CPU, any context), so that no count ever goes down: one taken
	 * at the reserve would have to be taken back by a discard.
	 */
	atomic64_t mp_msgs, mp_bytes;
};

/* A single-writer counter: the one writer adds, readers READ_ONCE(). */
#define kup_stat_add(field, n)	WRITE_ONCE(field, (field) + (n))

struct kup_chan {
	raw_spinlock_t lock;		/* writers of sess; any context */
	/*
	 * Serializes "link, attach callback" with "unlink, detach callback",
	 * so that the client hears of each user's departure before the next
	 * one's arrival, and of no departure without an arrival.
	 */
	struct mutex users;
	int id;
	/*
	 * The attached session or NULL; kernel calls read it under RCU. The
	 * two slots below are taken and emptied with cmpxchg()/xchg().
	 */
	struct kup_sess __rcu *sess;
	/*
	 * A session whose user left records the kernel has not read yet:
	 * receives take it before sess, until it is drained. It owns the
	 * reference the channel had; freed after a grace period, like sess.
	 */
	struct kup_sess *drain;
	/*
	 * The thread that was receiving from the last user to leave: the
	 * departure is reported to it (kup_who.c). Under @lock; read without.
	 */
	struct kup_who gone;
	/*
	 * The session of a message held between receive and unlock, and of
	 * a reservation between reserve and commit: taken and emptied with
	 * cmpxchg()/xchg(), each owns a session reference. Who holds it is
	 * that session's rx_who/tx_who.
	 */
	struct kup_sess *rx, *tx;
	/*
	 * A departed user's held message or reservation, moved aside for
	 * the next user's by another thread (kup_slot_take()); its holder
	 * releases it. Under @lock.
	 */
	struct kup_sess *rx_old, *tx_old;
	struct kup_chan_stats stats;	/* since the device was created */
	/* @stats as they were at the last attach, under @lock. */
	struct kup_stats sess_base;
};

/*
 * Two references keep a device. @ref keeps its memory: the client until
 * kupdev_unload() returns, each open file, each session. @active is held by
 * every kupdev_*() call from entry to return, sleepers included, so that a
 * thread woken by the unload still finds the device when it runs; the
 * unload kills it, wakes every sleeper and waits on @idle for the last call
 * to leave (see kup_dev_enter()).
 */
struct kupdev_softc {
	struct kref ref;		/* client, open files, sessions */
	struct percpu_ref active;	/* kupdev_*() calls in flight */
	struct completion idle;		/* @active dropped to zero */
	struct list_head node;		/* in kup_devices, under kup_lock,
					 * until kupdev_unload() is done */
	char name[KUPDEV_NAME_MAX + 1];
	size_t size;			/* pages per direction per channel */
	size_t chan_cnt;
	int minor;
	struct cdev *cdev;
	struct device *dev;
	struct proc_dir_entry *proc;
	struct kupdev_options opts;
	bool dead;			/* kupdev_unload() has begun */
	bool ready;			/* kupdev_notify() was called */
	bool mp;			/* KUPDEV_CREATE_MP: see kup_mp.c */
	wait_queue_head_t ready_wq;	/* users waiting for notify */
	struct irq_work notify_work;	/* kupdev_notify()'s wake-up (RT) */
	wait_queue_head_t attach_wq;	/* kupdev_wait_channel() */
	unsigned long pending[BITS_TO_LONGS(KUPDEV_MAX_CHANNELS)];
	struct mutex ops_lock;		/* ops, priv; held across callbacks */
	const struct kupdev_ops *ops;
	void *ops_priv;
	struct kup_chan chans[];
};

/*
 * Test-only pauses at the exact point of a race, so that a test widens it
 * deterministically instead of looping for luck. Compiled in only with
 * KUP_TEST_HOOKS (the builds of make check and make demo); what make and
 * make install build has none. kup.ko's test_pause_at=NAME makes every
 * pass through kup_test_pause(NAME) log "kup: test pause at NAME" and sleep
 * test_pause_ms (spinning where it may not sleep). The read-only parameter test_live_sessions counts the
 * sessions not yet freed (kup_test_live()), so that a test can tell a leak
 * exactly, where free-memory figures move by megabytes on their own.
 * kup_test_user_sleeps() (exported, kup_io.c) tells a test module that a
 * channel's user sleeps waiting for records.
 */
#ifdef KUP_TEST_HOOKS
void kup_test_pause(const char *where);
void kup_test_live(int delta);
#define kup_test_poll_armed(s, v)	WRITE_ONCE((s)->test_poll_armed, (v))
#else
static inline void kup_test_pause(const char *where) { }
static inline void kup_test_live(int delta) { }
#define kup_test_poll_armed(s, v)	do { } while (0)
#endif

/* kup_main.c: the module-wide state every device hangs off. */
extern struct class *kup_class;
extern dev_t kup_devt;
extern struct workqueue_struct *kup_wq;
extern struct proc_dir_entry *kup_proc_dir;

/* kup_dev.c */
void kup_dev_get(struct kupdev_softc *sc);
void kup_dev_put(struct kupdev_softc *sc);

/*
 * Every kupdev_*() call that may run while kupdev_unload() does brackets
 * its work with these. Cheap: a per-CPU increment under RCU, no barrier.
 * Return: 0; -EINVAL for a NULL or error pointer; -EPIPE once the unload
 * has marked the device dead.
 */
static inline int kup_dev_enter(struct kupdev_softc *sc)
{
	if (IS_ERR_OR_NULL(sc))
		return -EINVAL;
	return percpu_ref_tryget_live(&sc->active) ? 0 : -EPIPE;
}

/* kup_dev_enter() for a call that sleeps unless @flags has KUPDEV_NB. */
static inline int kup_call_enter(struct kupdev_softc *sc, unsigned int flags)
{
	/* Catches a blocking call where sleeping is not allowed. */
	if (!(flags & KUPDEV_NB))
		might_sleep();
	return kup_dev_enter(sc);
}

static inline void kup_dev_leave(struct kupdev_softc *sc)
{
	percpu_ref_put(&sc->active);
}
void kup_registry_exit(void);

/* kup_sess.c */
long kup_attach(struct kupdev_softc *sc, struct kup_attach __user *uarg);
struct kup_sess *kup_sess_get(struct kupdev_softc *sc, int chan_id, bool rx);
void kup_sess_put(struct kup_sess *s);
void kup_sess_detach(struct kup_sess *s, __u32 why);
bool kup_can_wake_now(void);
void kup_sess_wake_user(struct kup_sess *s);
/* @what: a string literal, for the log and the trace event. */
void kup_sess_break(struct kup_sess *s, const char *what);
void kup_chan_detach_all(struct kupdev_softc *sc);
void kup_drain_done(struct kup_sess *s);
void kup_drain_drop(struct kup_chan *ch);
void kup_stats_read(const struct kup_chan *ch, struct kup_stats *out);
long kup_chan_stats(struct kupdev_softc *sc, void __user *uarg);

/* kup_who.c: which user a kernel thread's call is meant for. */
void kup_who_set(struct kup_who *w);
bool kup_who_me(const struct kup_who *w);
void kup_who_copy(struct kup_who *to, const struct kup_who *from);
bool kup_gone_take(struct kup_chan *ch);
void kup_gone_forget(struct kup_chan *ch);
int kup_slot_take(struct kup_sess *s, bool rx);
void kup_slot_drop(struct kup_sess *s, bool rx);
struct kup_sess *kup_slot_mine(struct kup_chan *ch, bool rx, bool take);

/* kup_io.c */
bool kup_sess_stopped(const struct kup_sess *s);
bool kup_should_stop(void);
int kup_sess_error(const struct kup_sess *s);
void kup_tx_flush(struct kup_sess *s, u64 *wakeups);
extern unsigned int spin_iters;

/*
 * Sleep until @cond, the session stops, or the caller must stop. A kthread
 * is asked to stop by kthread_stop(), which wakes it out of this wait.
 */
#define kup_wait(s, cond)						\
({									\
	int __err = wait_event_interruptible((s)->kwq,			\
		(cond) || kup_sess_stopped(s) || kup_should_stop());	\
	__err ? -EINTR : kup_should_stop() ? -EINTR : 0;		\
})

#define KUP_BAD_K2U_CONS	"k2u: bad consumer position"
/* The flags a data call knows; anything else is -EINVAL. */
#define KUPDEV_DATA_FLAGS	(KUPDEV_NB | KUPDEV_MORE)

/* kup_mp.c: the kernel -> user side of KUPDEV_CREATE_MP channels. */
int kup_mp_send_batch(struct kupdev_softc *sc, int chan_id,
		      const struct kupdev_msg *msgs, unsigned int n,
		      unsigned int flags);
int kup_mp_flush(struct kup_sess *s);

#endif /* _KUP_INTERNAL_H */
