/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* Private to libkup. */
#ifndef _KUP_LIB_H
#define _KUP_LIB_H

#include <pthread.h>
#include <stdbool.h>
#include <kup.h>
#include <kup/ring.h>

#define KUP_API __attribute__((visibility("default")))

struct kup_chan_handle;

/*
 * Both handle kinds start with this, so that kernproxy_error() works on
 * either and every call can tell a handle of the other kind passed by
 * mistake.
 */
struct kup_hdr {
	unsigned int kind;		/* KUP_KIND_* */
	unsigned int forks;		/* kup_forks when it was made */
	/*
	 * Last error of a call made on this handle; written only by such
	 * calls (kup_fail()), read by kernproxy_error() from any thread:
	 * relaxed atomics, so that reading it is no data race.
	 */
	int error;
};
#define KUP_KIND_DEV	0x4b504456u	/* "KPDV" */
#define KUP_KIND_CHAN	0x4b504348u	/* "KPCH" */

struct kup_handle {
	struct kup_hdr hdr;
	int fd;				/* /dev/<name> */
	pthread_mutex_t lock;		/* chans */
	struct kup_chan_handle *chans;	/* attached channels */
};

struct kup_chan_handle {
	struct kup_hdr hdr;
	/* Hot: the two rings and our private side of each. */
	struct kup_ring tx;		/* u2k: we produce */
	struct kup_ring rx;		/* k2u: we consume */
	struct kup_prod txp;
	struct kup_cons rxc;
	const kup_u32 *status;		/* KUP_ST_* from the kernel */
	kup_u32 *want;			/* bytes we wait for, for POLLOUT */
	kup_u64 *seen;			/* where our reading is, for POLLIN */
	unsigned int spin;
	int fd;				/* channel fd */
	size_t last_len;		/* length of the last message received */
	bool reserved;			/* a reserve awaits its commit */
	bool tx_more;			/* ... and had KP_MORE */
	bool unflushed;			/* KP_MORE commits not yet checked */
	bool rx_held;			/* records handed out, not released */
	/* Cold. */
	struct kup_handle *dev;
	struct kup_chan_handle *next;
	void *ro, *rw;
	size_t ro_len, rw_len;
	unsigned int chan_id;
	kup_u64 seen_local;		/* *seen for a kup.ko without the word */
};

/*
 * Record @err in errno and kernproxy_errno of the calling thread and in
 * @handle, the handle the call was made on, of either kind; NULL, or a
 * pointer that is neither kind (a stale one), records nothing there.
 * Only there: a channel's failure never writes its device's error, since
 * threads on different channels must not write the same memory. Returns
 * -1 for chaining.
 */
int kup_fail(void *handle, int err);

/*
 * fork()s this process went through since libkup was loaded, counted in
 * the child (pthread_atfork()). A handle made before the last one was
 * inherited: its channel is not this process's (the kernel detached it
 * when the process that attached it was gone, and this one has none of
 * its mappings), and its calls fail with EBADF without touching them.
 */
extern unsigned int kup_forks;
void kup_fork_watch(void);

/* A handle of kind @kind made before the last fork(): see kup_forks. */
static inline bool kup_inherited(const struct kup_hdr *h, unsigned int kind)
{
	return h && h->kind == kind && h->forks != kup_forks;
}

/* A handle of ours made in this process, of kind @kind. */
static inline bool kup_is(const struct kup_hdr *h, unsigned int kind)
{
	return kup_likely(h != NULL) && kup_likely(h->kind == kind) &&
	       kup_likely(h->forks == kup_forks);
}

/* A device handle, not NULL and not a channel passed by mistake. */
static inline bool kup_is_dev(const struct kup_handle *h)
{
	return kup_is(h ? &h->hdr : NULL, KUP_KIND_DEV);
}

/*
 * A channel handle, not NULL and not a device passed by mistake: what
 * every channel call checks first, a test and two compares, predicted.
 */
static inline bool kup_is_chan(const struct kup_chan_handle *c)
{
	return kup_is(c ? &c->hdr : NULL, KUP_KIND_CHAN);
}

/* Record why a handle was refused: EBADF inherited, else EINVAL. -1. */
int kup_bad_handle(void *handle);
void kup_chan_free(struct kup_chan_handle *c);
/* For the host benchmarks only: a channel over memory, no fd (kup_chan.c). */
struct kup_chan_handle *kup_chan_over(void *ro, size_t ro_len, void *rw,
				      size_t rw_len);

#endif /* _KUP_LIB_H */
