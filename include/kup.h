/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libkup: the user side of KUP. One public header; link with -lkup.
 *
 * A device handle (kernproxy_open) gives channels (kernproxy_channel). Each
 * channel is two rings in memory shared with the kernel: sending and
 * receiving touch only that memory, and make a system call only to wake a
 * kernel thread that sleeps, or to sleep when there is nothing to do.
 *
 * Errors: functions return NULL or -1 and set errno, kernproxy_errno (per
 * thread, kept until the next failure) and the error of the handle the
 * call was made on (kernproxy_error(), on a device or a channel handle;
 * a channel's failures are not its device's) to an errno value. A
 * channel call given NULL or a device handle fails with EINVAL.
 *
 * Threads: one thread at a time per channel; different channels, and
 * different processes, are independent.
 */
#ifndef _KUP_H
#define _KUP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* errno of the calling thread's last failed kernproxy_* call. */
extern __thread int kernproxy_errno;

/* flags: fail with EAGAIN instead of waiting. */
#define KP_NB			0x1
/*
 * flags of a send or reserve: more messages follow at once. The check
 * whether the kernel sleeps and must be woken (a full memory barrier) is
 * left to the end of the burst: the next send, reserve or commit without
 * KP_MORE (even one that fails), kernproxy_flush(), kernproxy_detach(), a
 * receive or send on the channel that would wait, or a poll() of its fd.
 */
#define KP_MORE			0x2

void *kernproxy_open(char const *name);
void *kernproxy_channel(void *handle, size_t chan_id, size_t size);
void *kernproxy_receive(void *chan, int flags);
int kernproxy_send(void *chan, void *data, size_t len, int flags);
void kernproxy_close(void *handle);
int kernproxy_error(void *handle);

/* ---- Extended API ---- */

/* kernproxy_channel_opts() options. */
struct kernproxy_chan_opts {
	unsigned int flags;	/* KP_ATTACH_* */
	unsigned int spin;	/* ring checks before sleeping; 0: default */
};
/* Fail with EAGAIN if the kernel side has not called kupdev_notify(). */
#define KP_ATTACH_NOWAIT	0x1

struct kernproxy_msg {
	void *data;
	size_t len;
};

/* Per-channel counters kept by the kernel. */
struct kernproxy_stats {
	uint64_t k2u_msgs, k2u_bytes;	/* kernel to user */
	uint64_t u2k_msgs, u2k_bytes;	/* user to kernel */
	uint64_t wakeups_sent;		/* kernel woke the user */
	uint64_t wakeups_recv;		/* user woke the kernel */
	uint64_t full_waits;		/* kernel slept for room */
	uint64_t empty_waits;		/* kernel slept for data */
	uint64_t proto_errors;
	uint64_t attaches;
};

void *kernproxy_channel_opts(void *handle, size_t chan_id, size_t size,
			     const struct kernproxy_chan_opts *opts);

/* A device before attaching (KUP_1.1). */
struct kernproxy_info {
	unsigned int channels;		/* channels of the device */
	unsigned int pages;		/* data pages each way of a channel */
	size_t page_size;		/* bytes of one page */
	size_t max_msg;			/* largest payload of one message */
	int ready;			/* the kernel called kupdev_notify() */
};
int kernproxy_info(void *handle, struct kernproxy_info *info);
/* For poll/epoll: POLLIN once kupdev_notify() was called, POLLHUP once the
 * device is unloaded. The handle's own fd: do not close it. */
int kernproxy_dev_fd(void *handle);
void kernproxy_detach(void *chan);
int kernproxy_fd(void *chan);
size_t kernproxy_max_msg(void *chan);

/* Receive: release what was received before, return the next message. */
void *kernproxy_receive_len(void *chan, size_t *len, int flags);
size_t kernproxy_msg_len(void *chan);
/* Up to max messages (waits for the first unless KP_NB); valid until the
 * next receive or release. Returns the count, or -1. */
int kernproxy_receive_batch(void *chan, struct kernproxy_msg *msgs, int max,
			    int flags);
/* Peek: the next message, keeping earlier ones held; release: all held. */
void *kernproxy_peek(void *chan, size_t *len, int flags);
void kernproxy_release(void *chan);

/* Zero-copy send: write len bytes at the returned address, then commit. */
void *kernproxy_reserve(void *chan, size_t len, int flags);
int kernproxy_commit(void *chan);

int kernproxy_stats(void *chan, struct kernproxy_stats *st);

/* Bursts: send up to n messages with one wake-up check at the end (none
 * with KP_MORE). Returns how many were sent, or -1 if none was. */
int kernproxy_send_batch(void *chan, const struct kernproxy_msg *msgs, int n,
			 int flags);
/* End a KP_MORE burst: wake the kernel if it sleeps. */
int kernproxy_flush(void *chan);

#ifdef __cplusplus
}
#endif

#endif /* _KUP_H */
