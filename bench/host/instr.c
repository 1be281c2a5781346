// SPDX-License-Identifier: GPL-2.0
/*
 * instr: drives libkup's user-side fast path for valgrind --tool=callgrind,
 * which counts the instructions of one function at a time
 * (--toggle-collect=FUNCTION, see instr.sh). One process: the user sends a
 * batch with libkup, then plays the kernel and takes it; the kernel sends
 * a batch, then the user receives it with libkup. Nobody ever waits, so
 * what is counted is the fast path only: a send that finds room, a
 * receive that finds a message.
 *
 * usage: instr send|send_zc|receive MESSAGES [SIZE]
 */
#define _GNU_SOURCE
#include "bench.h"
#include "shm_chan.h"

#define BATCH		1000
#define RING_BYTES	(256 * 1024)

/* Out of line so that callgrind can tell the kernel's part from ours. */
static void __attribute__((noinline)) kernel_take(struct shm_chan *c, int n)
{
	kup_u64 len;

	while (n--) {
		shm_k_receive(c, &len);
		shm_k_unlock(c);
	}
}

static void __attribute__((noinline)) kernel_give(struct shm_chan *c, int n,
						  size_t size)
{
	while (n--) {
		memset(shm_k_reserve(c, size), 0x5a, size);
		shm_k_commit(c);
	}
}

/* Copying send: kernproxy_send(). */
static void __attribute__((noinline)) user_send(struct shm_chan *c, void *msg,
						size_t size, int n)
{
	while (n--)
		if (kernproxy_send(c->user, msg, size, 0))
			bench_die("kernproxy_send: %s", strerror(kernproxy_errno));
}

/* Zero-copy send: kernproxy_reserve() + kernproxy_commit(). */
static void __attribute__((noinline)) user_send_zc(struct shm_chan *c,
						   size_t size, int n)
{
	while (n--) {
		uint64_t *buf = kernproxy_reserve(c->user, size, 0);

		if (!buf)
			bench_die("kernproxy_reserve: %s", strerror(kernproxy_errno));
		*buf = n;
		kernproxy_commit(c->user);
	}
}

static void __attribute__((noinline)) user_receive(struct shm_chan *c,
						   size_t size, int n)
{
	size_t len;

	while (n--)
		if (!kernproxy_receive_len(c->user, &len, 0) || len != size)
			bench_die("kernproxy_receive_len: %s",
				  strerror(kernproxy_errno));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "send";
	long total = argc > 2 ? atol(argv[2]) : 100000;
	size_t size = argc > 3 ? strtoul(argv[3], NULL, 0) : 64;
	static unsigned char msg[65536];
	struct shm_chan c;
	long done;

	if (strcmp(mode, "send") && strcmp(mode, "send_zc") &&
	    strcmp(mode, "receive"))
		bench_die("usage: instr send|send_zc|receive MESSAGES [SIZE]");
	if (size < 8 || size > sizeof(msg))
		bench_die("size must be 8..%zu", sizeof(msg));
	if (shm_chan_init(&c, RING_BYTES))
		bench_die("shm_chan_init: %s", strerror(errno));
	memset(msg, 0x5a, size);
	/* Only the path asked for runs: the others use the same functions. */
	for (done = 0; done < total; done += BATCH) {
		if (!strcmp(mode, "send")) {
			user_send(&c, msg, size, BATCH);
			kernel_take(&c, BATCH);
		} else if (!strcmp(mode, "send_zc")) {
			user_send_zc(&c, size, BATCH);
			kernel_take(&c, BATCH);
		} else {
			kernel_give(&c, BATCH, size);
			user_receive(&c, size, BATCH);
		}
	}
	shm_chan_fini(&c);
	return 0;
}
