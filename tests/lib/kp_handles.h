/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every libkup channel call, given what is not a channel handle (NULL, a
 * device handle): each must fail with EINVAL in errno and kernproxy_errno
 * instead of taking it for a channel; given a channel handle its process
 * inherited across fork(), with EBADF. Shared by the host test
 * (tests/host/test_lib_handles.c, a device handle over /dev/null) and the
 * VM's (tests/vm/kup_hostile.c handles, over kup_echo).
 */
#ifndef _KUP_KP_HANDLES_H
#define _KUP_KP_HANDLES_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include "kp_err.h"
#include "tap.h"

/* The error the calls below must fail with. */
static int kp_want = EINVAL;

/*
 * Each channel call, given @h (NULL or a device handle), must fail with
 * kp_want in errno and kernproxy_errno: true if it did. Run in a child by
 * kp_wrong_handle(), because a library that takes the handle for a channel
 * crashes, or writes through what it finds there.
 */
static inline int bad_send(void *h)
{
	char b[8] = "handles";

	return kernproxy_send(h, b, sizeof(b), KP_NB) == -1 && kp_errno() == kp_want;
}

static inline int bad_receive(void *h)
{
	return !kernproxy_receive(h, KP_NB) && kp_errno() == kp_want;
}

static inline int bad_receive_len(void *h)
{
	size_t len = 7;

	return !kernproxy_receive_len(h, &len, KP_NB) && kp_errno() == kp_want &&
	       len == 7;
}

static inline int bad_peek(void *h)
{
	return !kernproxy_peek(h, NULL, KP_NB) && kp_errno() == kp_want;
}

static inline int bad_receive_batch(void *h)
{
	struct kernproxy_msg m[4];

	return kernproxy_receive_batch(h, m, 4, KP_NB) == -1 && kp_errno() == kp_want;
}

static inline int bad_release(void *h)
{
	kernproxy_release(h);
	return kp_errno() == kp_want;
}

static inline int bad_flush(void *h)
{
	return kernproxy_flush(h) == -1 && kp_errno() == kp_want;
}

static inline int bad_fd(void *h)
{
	return kernproxy_fd(h) == -1 && kp_errno() == kp_want;
}

static inline int bad_reserve(void *h)
{
	return !kernproxy_reserve(h, 8, KP_NB) && kp_errno() == kp_want;
}

static inline int bad_commit(void *h)
{
	return kernproxy_commit(h) == -1 && kp_errno() == kp_want;
}

static inline int bad_send_batch(void *h)
{
	struct kernproxy_msg m = { .data = "x", .len = 1 };

	return kernproxy_send_batch(h, &m, 1, KP_NB) == -1 && kp_errno() == kp_want;
}

static inline int bad_max_msg(void *h)
{
	return kernproxy_max_msg(h) == 0 && kp_errno() == kp_want;
}

static inline int bad_msg_len(void *h)
{
	return kernproxy_msg_len(h) == 0 && kp_errno() == kp_want;
}

static inline int bad_stats(void *h)
{
	struct kernproxy_stats st;

	return kernproxy_stats(h, &st) == -1 && kp_errno() == kp_want;
}

static inline int bad_detach(void *h)
{
	kernproxy_detach(h);
	return kp_errno() == kp_want;
}

static const struct {
	const char *name;
	int (*call)(void *h);
} kp_chan_calls[] = {
	{ "kernproxy_send", bad_send },
	{ "kernproxy_receive", bad_receive },
	{ "kernproxy_receive_len", bad_receive_len },
	{ "kernproxy_peek", bad_peek },
	{ "kernproxy_receive_batch", bad_receive_batch },
	{ "kernproxy_release", bad_release },
	{ "kernproxy_flush", bad_flush },
	{ "kernproxy_fd", bad_fd },
	{ "kernproxy_reserve", bad_reserve },
	{ "kernproxy_commit", bad_commit },
	{ "kernproxy_send_batch", bad_send_batch },
	{ "kernproxy_max_msg", bad_max_msg },
	{ "kernproxy_msg_len", bad_msg_len },
	{ "kernproxy_stats", bad_stats },
	{ "kernproxy_detach", bad_detach },
};

/*
 * @call in a child, errno and kernproxy_errno cleared first, on @h, or on
 * a handle of device @name the child opens (a handle made before a fork()
 * is another matter: see kp_check_inherited()); it must fail with @want.
 * What it did, as text ("EINVAL", "killed by signal 11", ...), in @out.
 */
static inline int kp_wrong_handle(int (*call)(void *), void *h,
				  const char *name, int want, char *out,
				  size_t size)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (name && !(h = kernproxy_open(name)))
			_exit(2);
		kp_want = want;
		errno = 0;
		kernproxy_errno = 0;
		_exit(call(h) ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		snprintf(out, size, "fork/wait failed");
		return 0;
	}
	if (WIFSIGNALED(st))
		snprintf(out, size, "killed by signal %d", WTERMSIG(st));
	else if (WEXITSTATUS(st) == 2)
		snprintf(out, size, "no device handle");
	else
		snprintf(out, size, "%s%s", WEXITSTATUS(st) ? "not " : "",
			 want == EINVAL ? "EINVAL" : want == EBADF ? "EBADF" : "?");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Each call given NULL and a handle of device @name: a TAP line per call. */
static inline void kp_check_wrong_handles(const char *prefix, const char *name)
{
	char what[2][48];
	size_t i;
	int ok;

	for (i = 0; i < sizeof(kp_chan_calls) / sizeof(kp_chan_calls[0]); i++) {
		ok = kp_wrong_handle(kp_chan_calls[i].call, NULL, NULL, EINVAL,
				     what[0], sizeof(what[0]));
		ok &= kp_wrong_handle(kp_chan_calls[i].call, NULL, name, EINVAL,
				      what[1], sizeof(what[1]));
		tap_ok(ok, "%s%s() given NULL or a device handle fails with EINVAL (%s; %s)",
		       prefix, kp_chan_calls[i].name, what[0], what[1]);
	}
}

/*
 * Each call but kernproxy_detach() (which just drops what the child got),
 * in a fork()ed child, on the channel handle @ch its parent made: the
 * channel is not the child's, which has none of its mappings; it must
 * fail with EBADF, touching nothing. A TAP line per call.
 */
static inline void kp_check_inherited(const char *prefix, void *ch)
{
	char what[48];
	size_t i;

	for (i = 0; i < sizeof(kp_chan_calls) / sizeof(kp_chan_calls[0]); i++) {
		if (kp_chan_calls[i].call == bad_detach)
			continue;
		tap_ok(kp_wrong_handle(kp_chan_calls[i].call, ch, NULL, EBADF,
				       what, sizeof(what)),
		       "%s%s() in a fork()ed child, on the parent's channel, fails with EBADF (%s)",
		       prefix, kp_chan_calls[i].name, what);
	}
}

#endif /* _KUP_KP_HANDLES_H */
