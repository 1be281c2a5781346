// SPDX-License-Identifier: GPL-2.0
/*
 * vm_bench's echo paths: 64-byte messages sent to the kernel and answered,
 *
 *   vm_bench rtt uring_sqpoll|uring_wait   one at a time, in ns
 *   vm_bench echo PATH             ECHO_WINDOW in flight, in messages/s:
 *     kup_poll   kup_echo poll=1; the user polls (KP_NB)
 *     kup_block  kup_echo with default flags on both sides
 *     kup_burst  kup_echo burst=16 poll=1; the user sends and takes
 *                whatever the window allows with one batch call each
 *     uring_sqpoll  io_uring with a submission-queue polling thread on
 *                the other vCPU; the user spins on the completion queue
 *     uring_wait    io_uring, the whole window per io_uring_submit_and_wait()
 *     uring_async   the same with IOSQE_ASYNC: each command in an io-wq
 *                worker, as a driver that blocks would have them
 *     pipe       two pipes and an echo thread on the other vCPU
 *
 * io_uring goes to kup_bench_peers.ko's IORING_OP_URING_CMD handler,
 * which copies the message in and out and completes inline: the best case
 * of a uring_cmd driver. Every answer is checked: its first word is the
 * message's sequence number and its last the complement.
 */
#define _GNU_SOURCE
#include <liburing.h>
#include <unistd.h>
#include <kup.h>
#include "bench.h"
#include "kup_bench_uapi.h"
#include "vm_lib.h"

#define ECHO_SIZE	BENCH_RTT_SIZE
#define ECHO_WINDOW	64
#define ECHO_PAGES	4	/* kup_echo's pages= in vm_rtt.sh */
#define URING_ENTRIES	(2 * ECHO_WINDOW)
#define URING_CPU	1	/* the SQPOLL thread's; the user is on 0 */

static void stamp(unsigned char *m, uint64_t seq)
{
	uint64_t last = ~seq;

	memset(m, 0x3c, ECHO_SIZE);
	memcpy(m, &seq, sizeof(seq));
	memcpy(m + ECHO_SIZE - sizeof(last), &last, sizeof(last));
}

static void check(const unsigned char *m, size_t len, uint64_t seq,
		  const char *path)
{
	uint64_t first, last;

	if (len != ECHO_SIZE)
		bench_die("%s: answer %llu has %zu bytes, not %d", path,
			  (unsigned long long)seq, len, ECHO_SIZE);
	memcpy(&first, m, sizeof(first));
	memcpy(&last, m + ECHO_SIZE - sizeof(last), sizeof(last));
	if (first != seq || last != ~seq)
		bench_die("%s: answer %llu carries %llu/%llx", path,
			  (unsigned long long)seq, (unsigned long long)first,
			  (unsigned long long)last);
}

/* ---- KUP through kup_echo ---- */

struct echo_kup {
	void *dev, *ch;
	int rx_flags;
	bool burst;
};

/* The first answer of a turn may wait (rx_flags); later ones only if there. */
static void *kup_take(struct echo_kup *k, size_t *len, bool first)
{
	void *r;

	do {
		r = kernproxy_receive_len(k->ch, len, first ? k->rx_flags : KP_NB);
	} while (!r && first && kernproxy_errno == EAGAIN);
	return r;
}

/* Send one by one until the window is full; take what came, one by one. */
static double echo_kup_one(void *ctx, uint64_t n)
{
	struct echo_kup *k = ctx;
	unsigned char msg[ECHO_SIZE];
	uint64_t sent = 0, got = 0;
	double t0 = bench_now();
	bool first;
	size_t len;
	void *r;

	while (got < n) {
		for (; sent < n && sent - got < ECHO_WINDOW; sent++) {
			stamp(msg, sent);
			if (kernproxy_send(k->ch, msg, sizeof(msg), 0))
				return kup_failed("kernproxy_send");
		}
		for (first = true; got < sent; first = false, got++) {
			r = kup_take(k, &len, first);
			if (!r && kernproxy_errno == EAGAIN)
				break;
			if (!r)
				return kup_failed("kernproxy_receive_len");
			check(r, len, got, "kup");
		}
	}
	return bench_now() - t0;
}

/* The same with one batch call each way per turn. */
static double echo_kup_batch(void *ctx, uint64_t n)
{
	static unsigned char msgs[ECHO_WINDOW][ECHO_SIZE];
	struct kernproxy_msg m[ECHO_WINDOW];
	struct echo_kup *k = ctx;
	uint64_t sent = 0, got = 0;
	double t0 = bench_now();
	int i, r, want;

	while (got < n) {
		want = (int)(n - sent < ECHO_WINDOW - (sent - got) ?
			     n - sent : ECHO_WINDOW - (sent - got));
		for (i = 0; i < want; i++) {
			m[i].data = msgs[(sent + i) % ECHO_WINDOW];
			m[i].len = ECHO_SIZE;
			stamp(m[i].data, sent + i);
		}
		if (want && kernproxy_send_batch(k->ch, m, want, 0) != want)
			return kup_failed("kernproxy_send_batch");
		sent += want;
		do {
			r = kernproxy_receive_batch(k->ch, m, ECHO_WINDOW,
						    k->rx_flags);
		} while (r < 0 && kernproxy_errno == EAGAIN);
		if (r < 0)
			return kup_failed("kernproxy_receive_batch");
		for (i = 0; i < r; i++, got++)
			check(m[i].data, m[i].len, got, "kup");
		kernproxy_release(k->ch);
	}
	return bench_now() - t0;
}

static double run_echo_kup(const char *mode)
{
	struct echo_kup k = { 0 };
	double rate;

	k.rx_flags = strcmp(mode, "kup_block") ? KP_NB : 0;
	k.burst = !strcmp(mode, "kup_burst");
	k.dev = kernproxy_open("kup_echo");
	k.ch = k.dev ? kernproxy_channel(k.dev, 0, ECHO_PAGES) : NULL;
	if (!k.ch)
		bench_die("kup_echo channel: %s", strerror(kernproxy_errno));
	rate = bench_rate(k.burst ? echo_kup_batch : echo_kup_one, &k, 1000,
			  1ull << 30);
	kernproxy_close(k.dev);
	return rate;
}

/* ---- two pipes ---- */

static void *pipe_echo_peer(void *arg)
{
	struct peer *p = arg;
	int *fd = p->arg;
	unsigned char m[ECHO_SIZE];
	uint64_t i;

	for (i = 0; i < p->n; i++)
		if (full_read(fd[0], m, sizeof(m)) || full_write(fd[3], m, sizeof(m)))
			break;
	return NULL;
}

static double echo_pipe(void *ctx, uint64_t n)
{
	unsigned char m[ECHO_SIZE];
	uint64_t sent = 0, got = 0;
	int fd[4];		/* there: 0 <- 1, back: 2 <- 3 */
	struct peer p;
	double t0;

	if (pipe(fd) || pipe(fd + 2))
		bench_die("pipe: %s", strerror(errno));
	peer_start(&p, pipe_echo_peer, fd, n);
	t0 = bench_now();
	while (got < n) {
		for (; sent < n && sent - got < ECHO_WINDOW; sent++) {
			stamp(m, sent);
			if (full_write(fd[1], m, sizeof(m)))
				bench_die("pipe write: %s", strerror(errno));
		}
		if (full_read(fd[2], m, sizeof(m)))
			bench_die("pipe read: %s", strerror(errno));
		check(m, sizeof(m), got++, "pipe");
	}
	t0 = bench_now() - t0;
	peer_join(&p);
	close(fd[0]);
	close(fd[1]);
	close(fd[2]);
	close(fd[3]);
	return t0;
}

/* ---- io_uring ---- */

/*
 * Each message in flight has a slot of two messages (what is sent, then
 * the answer); user_data carries the sequence number and the slot, so
 * that completions may come in any order.
 */
struct uring {
	struct io_uring ring;
	bool sqpoll;
	bool async;		/* IOSQE_ASYNC: each command through io-wq */
	unsigned char (*slot)[2 * ECHO_SIZE];
	int free[ECHO_WINDOW], nfree;
};

static void uring_setup(struct uring *u, bool sqpoll)
{
	struct io_uring_params p = { 0 };
	int fd = open_dev("/dev/" KUPB_PEERS_NAME), err, i;

	u->sqpoll = sqpoll;
	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = URING_CPU;
		p.sq_thread_idle = 1000;	/* ms: it never sleeps here */
	}
	err = io_uring_queue_init_params(URING_ENTRIES, &u->ring, &p);
	if (err)
		bench_die("io_uring_queue_init: %s", strerror(-err));
	/* A registered file, as a driver's users would: no fget per SQE. */
	err = io_uring_register_files(&u->ring, &fd, 1);
	if (err)
		bench_die("io_uring_register_files: %s", strerror(-err));
	close(fd);
	u->slot = aligned_alloc(64, ECHO_WINDOW * sizeof(*u->slot));
	if (!u->slot)
		bench_die("out of memory");
	for (i = 0; i < ECHO_WINDOW; i++)
		u->free[i] = ECHO_WINDOW - 1 - i;
	u->nfree = ECHO_WINDOW;
}

static void uring_teardown(struct uring *u)
{
	io_uring_queue_exit(&u->ring);
	free(u->slot);
}

static void uring_queue(struct uring *u, uint64_t seq)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int s = u->free[--u->nfree];
	struct kupb_uring_echo e = {
		.buf = (uintptr_t)u->slot[s], .len = ECHO_SIZE,
	};

	if (!sqe)
		bench_die("io_uring: no free SQE");
	stamp(u->slot[s], seq);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | (u->async ? IOSQE_ASYNC : 0);
	sqe->cmd_op = KUPB_URING_ECHO;
	memcpy(sqe->cmd, &e, sizeof(e));
	io_uring_sqe_set_data64(sqe, seq << 8 | s);
}

/* Check one completion and free its slot; returns its sequence number. */
static uint64_t uring_done(struct uring *u, const struct io_uring_cqe *cqe)
{
	uint64_t seq = cqe->user_data >> 8;
	int s = cqe->user_data & 0xff;

	if (cqe->res)
		bench_die("io_uring echo %llu: %s", (unsigned long long)seq,
			  cqe->res < 0 ? strerror(-cqe->res) : "not 0");
	check(u->slot[s] + ECHO_SIZE, ECHO_SIZE, seq, "io_uring");
	u->free[u->nfree++] = s;
	return seq;
}

static void uring_submit(struct uring *u, unsigned int wait)
{
	int err = wait ? io_uring_submit_and_wait(&u->ring, wait) :
			 io_uring_submit(&u->ring);

	if (err < 0)
		bench_die("io_uring_submit: %s", strerror(-err));
}

/* Take every completion there is (spinning for the first): how many. */
static unsigned int uring_reap(struct uring *u)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	while (io_uring_peek_cqe(&u->ring, &cqe))
		;	/* -EAGAIN: SQPOLL is still at it */
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		uring_done(u, cqe);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	return n;
}

static double rtt_uring(void *ctx, uint64_t n)
{
	struct uring *u = ctx;
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++) {
		uring_queue(u, i);
		uring_submit(u, !u->sqpoll);
		if (uring_reap(u) != 1)
			bench_die("io_uring: not one answer per round trip");
	}
	return bench_now() - t0;
}

static double echo_uring(void *ctx, uint64_t n)
{
	struct uring *u = ctx;
	uint64_t sent = 0, got = 0;
	double t0 = bench_now();
	unsigned int queued;

	while (got < n) {
		for (queued = 0; sent < n && u->nfree; sent++, queued++)
			uring_queue(u, sent);
		/* Without SQPOLL, the whole window per system call. */
		uring_submit(u, u->sqpoll ? 0 : queued);
		got += uring_reap(u);
	}
	return bench_now() - t0;
}

static double run_uring(bench_run_t run, bool sqpoll, bool async)
{
	struct uring u;
	double rate;

	uring_setup(&u, sqpoll);
	u.async = async;
	rate = bench_rate(run, &u, 100, 1ull << 30);
	uring_teardown(&u);
	return rate;
}

void run_rtt_uring(const char *what)
{
	bench_rep_secs = vm_rep_secs();
	bench_pin(0);
	if (!strcmp(what, "uring_sqpoll"))
		bench_fig_rate(FIG_VM_RTT_URING_SQPOLL, 0, run_uring(rtt_uring, true, false));
	else if (!strcmp(what, "uring_wait"))
		bench_fig_rate(FIG_VM_RTT_URING_WAIT, 0, run_uring(rtt_uring, false, false));
	else
		bench_die("unknown round trip %s", what);
}

static const struct {
	const char *mode;
	enum bench_fig fig;
} kup_echoes[] = {
	{ "kup_poll", FIG_VM_ECHO_KUP_POLL },
	{ "kup_block", FIG_VM_ECHO_KUP_BLOCK },
	{ "kup_burst", FIG_VM_ECHO_KUP_BURST },
};

void run_echo(const char *what)
{
	enum bench_fig fig = FIG_NONE;
	unsigned int i;
	double rate;

	bench_rep_secs = vm_rep_secs();
	bench_pin(0);
	for (i = 0; i < sizeof(kup_echoes) / sizeof(kup_echoes[0]); i++)
		if (!strcmp(what, kup_echoes[i].mode))
			fig = kup_echoes[i].fig;
	if (fig != FIG_NONE) {
		rate = run_echo_kup(what);
	} else if (!strcmp(what, "uring_sqpoll")) {
		fig = FIG_VM_ECHO_URING_SQPOLL;
		rate = run_uring(echo_uring, true, false);
	} else if (!strcmp(what, "uring_wait")) {
		fig = FIG_VM_ECHO_URING_WAIT;
		rate = run_uring(echo_uring, false, false);
	} else if (!strcmp(what, "uring_async")) {
		fig = FIG_VM_ECHO_URING_ASYNC;
		rate = run_uring(echo_uring, false, true);
	} else if (!strcmp(what, "pipe")) {
		fig = FIG_VM_ECHO_PIPE;
		rate = bench_rate(echo_pipe, NULL, 1000, 1ull << 30);
	} else {
		bench_die("unknown echo %s", what);
	}
	bench_fig_rate(fig, 0, rate);
}
