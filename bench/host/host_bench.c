// SPDX-License-Identifier: GPL-2.0
/*
 * host_bench: the KUP ring core natively, between two processes that share
 * a channel's memory (shm_chan.h), against the machine's limits and the
 * system calls a user would otherwise pick.
 *
 * One process runs libkup's real kernproxy_send()/kernproxy_receive_len()
 * (the "user"), the other plays kup.ko with the ring core (the "kernel"),
 * each pinned to its own CPU and polling.
 *
 *   round trip, 64 B: KUP (user -> kernel echo -> user) against a cache line
 *     ping-ponged between the two CPUs (the limit), two pipes, two
 *     eventfds, a Unix stream socket pair (each with a blocking peer);
 *   one-way throughput by message size: KUP both ways against a plain SPSC
 *     ring (plain_ring.h) between the same two processes, memcpy() on one
 *     CPU, a pipe and a Unix socket with one write() and one read() per
 *     message. Every path copies the message in at the sender and out at
 *     the receiver, as a pipe does.
 *
 * usage: host_bench [SECONDS_PER_REPETITION [KEY_SUBSTRING]]
 * Prints "R key value unit" lines (bench.h); with KEY_SUBSTRING, only the
 * figures whose key contains it are measured.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "bench.h"
#include "plain_ring.h"
#include "bench_limits.h"
#include "shm_chan.h"
#include "kup_bench_uapi.h"

/* Data bytes of each ring, KUP's and the plain one: 64 pages, as in the VM. */
#define RING_BYTES	(256 * 1024)
#define MAX_MSG		65536

static int cpu_user, cpu_kernel = 1;

/* The peer process: pinned to the other CPU, dies with us. */
static pid_t spawn(void (*fn)(void *, uint64_t), void *arg, uint64_t n)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		bench_pin(cpu_kernel);
		fn(arg, n);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		bench_die("peer process failed");
}

/* The limits' peer (common/limits.h) is a process, as KUP's here. */
static void limit_spawn(struct limit_peer *p, void (*fn)(void *, uint64_t),
			void *arg, uint64_t n)
{
	p->id = (uint64_t)spawn(fn, arg, n);
}

static void limit_reap(struct limit_peer *p)
{
	reap((pid_t)p->id);
}

static struct limit_peer peer_process = { limit_spawn, limit_reap, 0 };

static double rtt_line(void *ctx, uint64_t n)
{
	return limit_rtt_line(&peer_process, n);
}

static double rtt_ring(void *ctx, uint64_t n)
{
	return limit_rtt_ring(&peer_process, RING_BYTES, n);
}


static void full_read(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			bench_die("read: %s", n ? strerror(errno) : "EOF");
		done += n;
	}
}

static void full_write(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n <= 0)
			bench_die("write: %s", strerror(errno));
		done += n;
	}
}

static void wait_word(unsigned int *w, unsigned int v)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != v)
		bench_cpu_relax();
}

static void set_word(unsigned int *w, unsigned int v)
{
	__atomic_store_n(w, v, __ATOMIC_RELEASE);
}

/* ---- round trips ---- */

/* KUP: the peer is kup_echo, zero copy as kup_echo does it. */
static void kup_echo_peer(void *arg, uint64_t n)
{
	struct shm_chan *c = arg;
	kup_u64 len;
	uint64_t i;

	for (i = 0; i <= n; i++) {
		void *req = shm_k_receive(c, &len);
		void *rep = shm_k_reserve(c, len);

		memcpy(rep, req, len);
		shm_k_commit(c);
		shm_k_unlock(c);
	}
}

static double rtt_kup(void *ctx, uint64_t n)
{
	struct shm_chan c;
	char msg[BENCH_RTT_SIZE] = "ping";
	double t0 = 0;
	uint64_t i;
	size_t len;
	pid_t pid;

	if (shm_chan_init(&c, RING_BYTES))
		bench_die("shm_chan_init: %s", strerror(errno));
	pid = spawn(kup_echo_peer, &c, n);
	for (i = 0; i <= n; i++) {
		if (i == 1)
			t0 = bench_now();
		if (kernproxy_send(c.user, msg, sizeof(msg), 0) ||
		    !kernproxy_receive_len(c.user, &len, 0) ||
		    len != sizeof(msg))
			bench_die("kup round trip: %s", strerror(kernproxy_errno));
	}
	t0 = bench_now() - t0;
	reap(pid);
	shm_chan_fini(&c);
	return t0;
}

/* A plain SPSC ring each way, 64-byte slots: a round trip of bare rings. */
/* Syscall round trips: fds[0] towards the peer, fds[1] back. */
struct fd_pair {
	int to_peer, from_us;		/* we write, the peer reads */
	int to_us, from_peer;		/* the peer writes, we read */
	size_t len;
};

static void fd_echo_peer(void *arg, uint64_t n)
{
	struct fd_pair *p = arg;
	char buf[BENCH_RTT_SIZE];
	uint64_t i;

	for (i = 0; i <= n; i++) {
		full_read(p->from_us, buf, p->len);
		full_write(p->to_us, buf, p->len);
	}
}

static double rtt_fds(struct fd_pair *p, uint64_t n)
{
	char buf[BENCH_RTT_SIZE] = "ping";
	pid_t pid = spawn(fd_echo_peer, p, n);
	double t0 = 0;
	uint64_t i;

	for (i = 0; i <= n; i++) {
		if (i == 1)
			t0 = bench_now();
		full_write(p->to_peer, buf, p->len);
		full_read(p->from_peer, buf, p->len);
	}
	t0 = bench_now() - t0;
	reap(pid);
	return t0;
}

static double rtt_pipe(void *ctx, uint64_t n)
{
	int a[2], b[2];
	struct fd_pair p;
	double t;

	if (pipe(a) || pipe(b))
		bench_die("pipe: %s", strerror(errno));
	p = (struct fd_pair){ a[1], a[0], b[1], b[0], BENCH_RTT_SIZE };
	t = rtt_fds(&p, n);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return t;
}

/* An eventfd carries 8 bytes, not 64: its count. */
static double rtt_eventfd(void *ctx, uint64_t n)
{
	int a = eventfd(0, 0), b = eventfd(0, 0);
	struct fd_pair p = { a, a, b, b, 8 };
	double t;

	if (a < 0 || b < 0)
		bench_die("eventfd: %s", strerror(errno));
	t = rtt_fds(&p, n);
	close(a);
	close(b);
	return t;
}

static double rtt_unix(void *ctx, uint64_t n)
{
	struct fd_pair p;
	int s[2];
	double t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		bench_die("socketpair: %s", strerror(errno));
	p = (struct fd_pair){ s[0], s[1], s[1], s[0], BENCH_RTT_SIZE };
	t = rtt_fds(&p, n);
	close(s[0]);
	close(s[1]);
	return t;
}

/* ---- one-way throughput ---- */

static size_t cur_size;
static unsigned char *src_buf, *dst_buf;

/*
 * A KUP run: the channel, and how many messages each side moves per call:
 * 1, one by one (kernproxy_send(), kernproxy_receive_len() and the
 * kernel's single calls), or a burst (the batch calls; at most a quarter
 * of the ring, as in the VM).
 */
struct kup_run {
	struct shm_chan c;
	unsigned int burst;
};

static unsigned int kup_burst_len(void)
{
	return KUPB_BURST_FOR(cur_size, RING_BYTES);
}

/* KUP user -> kernel: the kernel takes what is there, copies it out, gives the room back. */
static void kup_sink_peer(void *arg, uint64_t n)
{
	struct kup_run *r = arg;
	void *msgs[KUPB_BURST];
	kup_u64 lens[KUPB_BURST];
	unsigned int i, got;

	set_word(shm_chan_word(&r->c, 0), 1);
	while (n) {
		got = shm_k_receive_batch(&r->c, msgs, lens, r->burst);
		for (i = 0; i < got; i++) {
			memcpy(dst_buf, msgs[i], lens[i]);
			bench_clobber(dst_buf);
		}
		shm_k_unlock(&r->c);
		n -= got;
	}
}

static double kup_u2k(unsigned int burst, uint64_t n)
{
	static struct kup_run r;
	struct kernproxy_msg m[KUPB_BURST];
	unsigned int i, b = burst;
	uint64_t left;
	double t0;
	pid_t pid;

	if (shm_chan_init(&r.c, RING_BYTES))
		bench_die("shm_chan_init: %s", strerror(errno));
	r.burst = burst;
	for (i = 0; i < burst; i++) {
		m[i].data = src_buf;
		m[i].len = cur_size;
	}
	pid = spawn(kup_sink_peer, &r, n);
	wait_word(shm_chan_word(&r.c, 0), 1);
	t0 = bench_now();
	for (left = n; left; left -= b) {
		b = left < b ? (unsigned int)left : b;
		if (burst == 1 ? kernproxy_send(r.c.user, src_buf, cur_size, 0) :
		    kernproxy_send_batch(r.c.user, m, b, 0) != (int)b)
			bench_die("kernproxy_send: %s", strerror(kernproxy_errno));
	}
	/* Done when the kernel has given every byte back. */
	while (kup_load_acquire(r.c.u2k.cons) != kup_load_acquire(r.c.u2k.prod))
		bench_cpu_relax();
	t0 = bench_now() - t0;
	reap(pid);
	shm_chan_fini(&r.c);
	return t0;
}

/* KUP kernel -> user: the kernel copies each message in, publishing per call. */
static void kup_source_peer(void *arg, uint64_t n)
{
	struct kup_run *r = arg;
	unsigned int b = r->burst;

	wait_word(shm_chan_word(&r->c, 0), 1);
	for (; n; n -= b) {
		b = n < b ? (unsigned int)n : b;
		shm_k_send_batch(&r->c, src_buf, cur_size, b);
	}
}

static double kup_k2u(unsigned int burst, uint64_t n)
{
	static struct kup_run r;
	struct kernproxy_msg m[KUPB_BURST];
	uint64_t got = 0;
	double t0;
	pid_t pid;
	int i, k;

	if (shm_chan_init(&r.c, RING_BYTES))
		bench_die("shm_chan_init: %s", strerror(errno));
	r.burst = burst;
	pid = spawn(kup_source_peer, &r, n);
	t0 = bench_now();
	set_word(shm_chan_word(&r.c, 0), 1);
	while (got < n) {
		if (burst == 1) {
			m[0].data = kernproxy_receive_len(r.c.user, &m[0].len, 0);
			k = m[0].data ? 1 : -1;
		} else {
			k = kernproxy_receive_batch(r.c.user, m, KUPB_BURST, 0);
		}
		if (k <= 0)
			bench_die("kernproxy_receive: %s", strerror(kernproxy_errno));
		for (i = 0; i < k; i++) {
			if (m[i].len != cur_size)
				bench_die("a message of %zu bytes, not %zu", m[i].len, cur_size);
			memcpy(dst_buf, m[i].data, m[i].len);
			bench_clobber(dst_buf);
		}
		got += k;
	}
	kernproxy_release(r.c.user);
	t0 = bench_now() - t0;
	reap(pid);
	shm_chan_fini(&r.c);
	return t0;
}

static double tput_kup_u2k(void *ctx, uint64_t n)
{
	return kup_u2k(1, n);
}

static double tput_kup_k2u(void *ctx, uint64_t n)
{
	return kup_k2u(1, n);
}

static double tput_kup_u2k_burst(void *ctx, uint64_t n)
{
	return kup_u2k(kup_burst_len(), n);
}

static double tput_kup_k2u_burst(void *ctx, uint64_t n)
{
	return kup_k2u(kup_burst_len(), n);
}

/* The plain SPSC ring between the same two processes, copied out. */
static double tput_ring(void *ctx, uint64_t n)
{
	return limit_tput_ring(&peer_process, RING_BYTES, cur_size, src_buf,
			       dst_buf, n);
}

static double tput_memcpy(void *ctx, uint64_t n)
{
	return bench_memcpy_loop(dst_buf, src_buf, cur_size, n);
}

/* One write() and one read() per message; the reader answers at the end. */
static void fd_sink_peer(void *arg, uint64_t n)
{
	struct fd_pair *p = arg;
	uint64_t i;

	for (i = 0; i < n; i++)
		full_read(p->from_us, dst_buf, cur_size);
	full_write(p->to_us, "", 1);
}

static double tput_fds(struct fd_pair *p, uint64_t n)
{
	pid_t pid = spawn(fd_sink_peer, p, n);
	double t0 = bench_now();
	char c;
	uint64_t i;

	for (i = 0; i < n; i++)
		full_write(p->to_peer, src_buf, cur_size);
	full_read(p->from_peer, &c, 1);
	t0 = bench_now() - t0;
	reap(pid);
	return t0;
}

static double tput_pipe(void *ctx, uint64_t n)
{
	int a[2], b[2];
	struct fd_pair p;
	double t;

	if (pipe(a) || pipe(b))
		bench_die("pipe: %s", strerror(errno));
	p = (struct fd_pair){ a[1], a[0], b[1], b[0], 0 };
	t = tput_fds(&p, n);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return t;
}

static double tput_unix(void *ctx, uint64_t n)
{
	struct fd_pair p;
	int s[2];
	double t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		bench_die("socketpair: %s", strerror(errno));
	p = (struct fd_pair){ s[0], s[1], s[1], s[0], 0 };
	t = tput_fds(&p, n);
	close(s[0]);
	close(s[1]);
	return t;
}

static const struct {
	enum bench_fig fig;
	bench_run_t run;
} rtts[] = {
	{ FIG_HOST_RTT_LIMIT, rtt_line },
	{ FIG_HOST_RTT_KUP, rtt_kup },
	{ FIG_HOST_RTT_RING, rtt_ring },
	{ FIG_HOST_RTT_PIPE, rtt_pipe },
	{ FIG_HOST_RTT_EVENTFD, rtt_eventfd },
	{ FIG_HOST_RTT_UNIX, rtt_unix },
}, tputs[] = {
	{ FIG_HOST_KUP_U2K, tput_kup_u2k },
	{ FIG_HOST_KUP_K2U, tput_kup_k2u },
	{ FIG_HOST_KUP_U2K_BURST, tput_kup_u2k_burst },
	{ FIG_HOST_KUP_K2U_BURST, tput_kup_k2u_burst },
	{ FIG_HOST_RING, tput_ring },
	{ FIG_HOST_MEMCPY, tput_memcpy },
	{ FIG_HOST_PIPE, tput_pipe },
	{ FIG_HOST_UNIX, tput_unix },
};

/*
 * Record layout: an 8-byte header before each payload, records 8-aligned.
 * A 64-byte payload makes a 72-byte record that straddles cache lines; 56
 * and 120 bytes make records of exactly one and two lines.
 */
static const struct {
	unsigned int payload;
	enum bench_fig u2k, k2u;
} layouts[] = {
	{ 56, FIG_HOST_LAYOUT_U2K_56, FIG_HOST_LAYOUT_K2U_56 },
	{ 64, FIG_HOST_LAYOUT_U2K_64, FIG_HOST_LAYOUT_K2U_64 },
	{ 120, FIG_HOST_LAYOUT_U2K_120, FIG_HOST_LAYOUT_K2U_120 },
};

int main(int argc, char **argv)
{
	const char *only = argc > 2 ? argv[2] : "";
	char key[64];
	unsigned int i, s;

	bench_rep_secs = argc > 1 ? atof(argv[1]) : 0.1;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cpu_kernel = 0;		/* one CPU: the figures say so */
	bench_pin(cpu_user);
	src_buf = aligned_alloc(4096, MAX_MSG);
	dst_buf = aligned_alloc(4096, MAX_MSG);
	if (!src_buf || !dst_buf)
		bench_die("out of memory");
	memset(src_buf, 0x5a, MAX_MSG);
	memset(dst_buf, 0, MAX_MSG);
	bench_note("host: %ld CPUs online, user on CPU %d, peer on CPU %d, %d KiB rings, %.2f s per repetition",
		   sysconf(_SC_NPROCESSORS_ONLN), cpu_user, cpu_kernel,
		   RING_BYTES / 1024, bench_rep_secs);
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
		if (!strstr(bench_fig_key(rtts[i].fig, 0, key, sizeof(key)), only))
			continue;
		bench_fig_rate(rtts[i].fig, 0,
			       bench_rate(rtts[i].run, NULL, 1000, 1ull << 30));
	}
	for (s = 0; s < BENCH_NSIZES; s++) {
		cur_size = bench_sizes[s];
		for (i = 0; i < sizeof(tputs) / sizeof(tputs[0]); i++) {
			if (!strstr(bench_fig_key(tputs[i].fig, cur_size, key,
						  sizeof(key)), only))
				continue;
			bench_fig_rate(tputs[i].fig, cur_size,
				       bench_rate(tputs[i].run, NULL, 1000, 1ull << 32));
		}
	}
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		cur_size = layouts[i].payload;
		if (strstr(bench_fig_key(layouts[i].u2k, 0, key, sizeof(key)), only))
			bench_fig_rate(layouts[i].u2k, 0, bench_rate(tput_kup_u2k_burst,
					NULL, 1000, 1ull << 32));
		if (strstr(bench_fig_key(layouts[i].k2u, 0, key, sizeof(key)), only))
			bench_fig_rate(layouts[i].k2u, 0, bench_rate(tput_kup_k2u_burst,
					NULL, 1000, 1ull << 32));
	}
	return 0;
}
