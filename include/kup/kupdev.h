/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUP in-kernel API: what a client module includes to create a named KUP
 * device (/dev/<name>) and talk to the user process attached to its channels.
 */
#ifndef _KUP_KUPDEV_H
#define _KUP_KUPDEV_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <kup/kup_ns.h>

/* Longest device name, not counting the terminating NUL. */
#define KUPDEV_NAME_MAX		31
/* Most channels one device may have. */
#define KUPDEV_MAX_CHANNELS	64
/* Largest data area of one direction of one channel, in pages. */
#define KUPDEV_MAX_PAGES	1024

/* kupdev_*_flags(): fail with -EAGAIN instead of sleeping (the only flag a
 * receive takes; others are -EINVAL). */
#define KUPDEV_NB		0x1u
/*
 * Sending: more messages follow at once. The check whether the user sleeps
 * and must be woken (a full memory barrier) is left to the end of the
 * burst: the next send, reserve or commit without this flag (even one that
 * fails), kupdev_flush(), or a send or receive of the same caller that
 * finds its ring full or empty and so would wait.
 */
#define KUPDEV_MORE		0x2u

/**
 * struct kupdev_msg - one message of kupdev_send_batch() or
 * kupdev_receive_batch()
 * @data: payload (in the shared pages after a receive)
 * @len: payload bytes
 */
struct kupdev_msg {
	void *data;
	size_t len;
};

struct kupdev_softc;

/**
 * struct kupdev_ops - callbacks for users coming and going
 * @attach: a user attached @chan_id
 * @detach: the user of @chan_id closed it or died
 *
 * Both run in process context, one at a time per channel and in order
 * (each user's detach before the next user's attach), and the next user of
 * the channel waits for them: a callback must not wait for that user
 * (kupdev_wait_attached(), kupdev_wait_channel(), a blocking receive or
 * send on its own channel), nor call kupdev_unload() or kupdev_set_ops().
 * Non-blocking calls (KUPDEV_NB) are fine, e.g. a detach callback that
 * receives what the user left.
 */
struct kupdev_ops {
	void (*attach)(struct kupdev_softc *sc, int chan_id, void *priv);
	void (*detach)(struct kupdev_softc *sc, int chan_id, void *priv);
};

/**
 * struct kupdev_options - optional settings for kupdev_create_opts()
 * @mode: permission bits of /dev/<name>; 0 means the default 0600
 * @uid: owner of the node (default root)
 * @gid: group of the node (default root)
 * @flags: KUPDEV_CREATE_*
 */
struct kupdev_options {
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	unsigned int flags;
};

/*
 * Every channel's kernel -> user direction is multi-producer: kupdev_send*()
 * and kupdev_mp_reserve()/kupdev_mp_commit()/kupdev_mp_discard() may be
 * called at once from any CPU and any context, hard irq included, without
 * a lock of the client's. Records reach the user in reservation order,
 * never half written. kupdev_reserve()/kupdev_commit() are -EINVAL there.
 */
#define KUPDEV_CREATE_MP	0x1u

/**
 * struct kupdev_rsv - one reservation of kupdev_mp_reserve()
 * @data: where to write the payload, @len bytes, in the shared pages
 * @len: the payload bytes reserved
 * @priv: kup.ko's own; NULL once committed or discarded
 */
struct kupdev_rsv {
	void *data;
	size_t len;
	void *priv;
};

struct kupdev_softc *kupdev_create(const char *name, size_t size,
				   size_t chan_cnt);
struct kupdev_softc *kupdev_create_opts(const char *name, size_t size,
					size_t chan_cnt,
					const struct kupdev_options *opts);
int kupdev_unload(struct kupdev_softc *sc);
int kupdev_wait_channel(struct kupdev_softc *sc);
void kupdev_notify(struct kupdev_softc *sc);
int kupdev_send(struct kupdev_softc *sc, void *data, size_t len, int chan_id);
void *kupdev_receive(struct kupdev_softc *sc, int chan_id);
void kupdev_unlock_channel(struct kupdev_softc *sc, int chan_id);
void kupdev_pass(struct kupdev_softc *sc, int chan_id);

/* Extended API. */
int kupdev_wait_attached(struct kupdev_softc *sc, int chan_id);
void kupdev_set_ops(struct kupdev_softc *sc, const struct kupdev_ops *ops,
		    void *priv);
int kupdev_send_flags(struct kupdev_softc *sc, int chan_id, const void *data,
		      size_t len, unsigned int flags);
void *kupdev_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
		     unsigned int flags);
int kupdev_commit(struct kupdev_softc *sc, int chan_id);
void *kupdev_receive_len(struct kupdev_softc *sc, int chan_id, size_t *len,
			 unsigned int flags);
size_t kupdev_msg_len(struct kupdev_softc *sc, int chan_id);
ssize_t kupdev_receive_copy(struct kupdev_softc *sc, int chan_id, void *buf,
			    size_t size, unsigned int flags);
size_t kupdev_max_msg(struct kupdev_softc *sc);

/* Bursts: many messages, one wake-up check. */
int kupdev_send_batch(struct kupdev_softc *sc, int chan_id,
		      const struct kupdev_msg *msgs, unsigned int n,
		      unsigned int flags);
int kupdev_receive_batch(struct kupdev_softc *sc, int chan_id,
			 struct kupdev_msg *msgs, unsigned int max,
			 unsigned int flags);
int kupdev_flush(struct kupdev_softc *sc, int chan_id);

/* Multi-producer channels (KUPDEV_CREATE_MP). */
int kupdev_mp_reserve(struct kupdev_softc *sc, int chan_id, size_t len,
		      unsigned int flags, struct kupdev_rsv *rsv);
int kupdev_mp_commit(struct kupdev_rsv *rsv, unsigned int flags);
void kupdev_mp_discard(struct kupdev_rsv *rsv);

#ifdef KUP_TEST_HOOKS
/*
 * Test builds of kup.ko only (make check): is the attached user of the
 * channel asleep waiting for records, past its last look at the ring?
 */
bool kup_test_user_sleeps(struct kupdev_softc *sc, int chan_id);
#endif

#endif /* _KUP_KUPDEV_H */
