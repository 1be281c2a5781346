// SPDX-License-Identifier: GPL-2.0
/*
 * vm_bench: the in-VM half of make bench, run by bench/vm/vm_*.sh with the
 * right modules loaded. One path per invocation:
 *
 *   vm_bench rtt kup_poll|kup_block|kup_sleep   64-byte round trips through
 *                                  kup_echo (its poll= parameter and kup's
 *                                  spin_iters are the script's business)
 *   vm_bench rtt ioctl|chr|netlink|tunnel|limit|ring
 *   vm_bench rtt uring_sqpoll|uring_wait   io_uring uring_cmd echo of
 *                                  kup_bench_peers.ko (vm_echo.c)
 *   vm_bench echo kup_poll|kup_block|kup_burst|uring_sqpoll|uring_wait|pipe
 *                                  64-byte echo, 64 in flight (vm_echo.c)
 *   vm_bench tput kup|chr|netlink|tunnel|limit  one-way, every message size
 *   vm_bench tput peers            kernel -> user streams through relay
 *                                  (mmap) and a kfifo char device, from
 *                                  kup_bench_peers.ko, every record checked
 *   vm_bench tput bpf              the BPF ring buffer, fed on a trace
 *                                  event of kup_bench_peers.ko (vm_bpf.c)
 *   vm_bench probe kup             what single calls cost (KUPB_OP_PROBE)
 *
 * The message and direction of each figure are in its key; README.md says
 * what each one measures. Prints "R key value unit" lines (bench.h).
 * Environment: BENCH_SECS, seconds per repetition (default 0.25).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <kup.h>
#include "bench.h"
#include "kup_bench_uapi.h"
#include "plain_ring.h"
#include "bench_limits.h"
#include "vm_lib.h"

#define ECHO_PAGES	4	/* kup_echo's pages= in vm_*.sh */
#define BENCH_PAGES	64	/* kup_bench's pages= */
#define RING_BYTES	(BENCH_PAGES * 4096)
#define TUNNEL_CONSUMED	"/sys/module/kup_bench_tunnel/parameters/consumed"
#define NL_PROTO	"/sys/module/kup_bench/parameters/nl_proto"
#define RELAY_FILE	"/sys/kernel/debug/kup_bench/relay0"

static unsigned char *src_buf, *dst_buf;
static size_t cur_size;
static volatile uint64_t sink_word;	/* where received words are read to */

/* ---- round trips ---- */



struct kup_ctx {
	void *dev, *ch;
	int rx_flags;
};

static double rtt_kup(void *ctx, uint64_t n)
{
	struct kup_ctx *k = ctx;
	char msg[BENCH_RTT_SIZE] = "ping";
	double t0 = bench_now();
	size_t len;
	uint64_t i;
	void *r;

	for (i = 0; i < n; i++) {
		if (kernproxy_send(k->ch, msg, sizeof(msg), 0))
			return kup_failed("kernproxy_send");
		do {
			r = kernproxy_receive_len(k->ch, &len, k->rx_flags);
		} while (!r && kernproxy_errno == EAGAIN);
		if (!r)
			return kup_failed("kernproxy_receive");
		if (len != sizeof(msg))
			bench_die("echo of %zu bytes, not %zu", len, sizeof(msg));
	}
	return bench_now() - t0;
}

static void run_rtt_kup(const char *mode)
{
	struct kernproxy_chan_opts opts = { 0, 0 };
	struct kup_ctx k = { 0 };
	struct kernproxy_stats s0, s1;
	enum bench_fig rtt = FIG_VM_RTT_KUP_BLOCK, wakeups = FIG_VM_WAKEUPS_KUP_BLOCK;
	double rate;

	if (!strcmp(mode, "kup_poll")) {
		rtt = FIG_VM_RTT_KUP_POLL;
		wakeups = FIG_VM_WAKEUPS_KUP_POLL;
	} else if (!strcmp(mode, "kup_sleep")) {
		rtt = FIG_VM_RTT_KUP_SLEEP;
		wakeups = FIG_VM_WAKEUPS_KUP_SLEEP;
	} else if (strcmp(mode, "kup_block")) {
		bench_die("unknown round trip %s", mode);
	}

	/* kup_sleep: sleep at once when there is nothing, both sides. */
	if (!strcmp(mode, "kup_sleep"))
		opts.spin = 1;
	k.rx_flags = strcmp(mode, "kup_poll") ? 0 : KP_NB;
	k.dev = kernproxy_open("kup_echo");
	k.ch = k.dev ? kernproxy_channel_opts(k.dev, 0, ECHO_PAGES, &opts) : NULL;
	if (!k.ch)
		bench_die("kup_echo channel: %s", strerror(kernproxy_errno));
	kernproxy_stats(k.ch, &s0);
	rate = bench_rate(rtt_kup, &k, 100, 1ull << 30);
	bench_fig_rate(rtt, 0, rate);
	/* How often somebody actually slept, per round trip. */
	if (!kernproxy_stats(k.ch, &s1) && s1.k2u_msgs > s0.k2u_msgs)
		bench_fig(wakeups, 0, (double)(s1.wakeups_sent + s1.wakeups_recv -
					      s0.wakeups_sent - s0.wakeups_recv) /
				      (s1.k2u_msgs - s0.k2u_msgs));
	kernproxy_close(k.dev);
}

static double rtt_ioctl(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	struct kupb_echo64 m = { "ping" };
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++)
		if (ioctl(fd, KUPB_IOC_ECHO64, &m))
			return -1;
	return bench_now() - t0;
}

/* write() then read() the answer: /dev/kup_bench_kt and /proc/tunnel. */
static double rtt_write_read(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	char msg[BENCH_RTT_SIZE], back[BENCH_RTT_SIZE];
	double t0;
	uint64_t i;

	/* Digits: tunnel_echo upper-cases letters. */
	memset(msg, '7', sizeof(msg));
	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (full_write(fd, msg, sizeof(msg)) ||
		    full_read(fd, back, sizeof(back)))
			return -1;
	return bench_now() - t0;
}

static int nl_socket(void)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int proto, fd, rcvbuf = 4 << 20;
	FILE *f = fopen(NL_PROTO, "r");

	if (!f || fscanf(f, "%d", &proto) != 1)
		bench_die("%s: cannot read", NL_PROTO);
	fclose(f);
	fd = socket(AF_NETLINK, SOCK_RAW, proto);
	if (fd < 0)
		bench_die("netlink socket: %s", strerror(errno));
	/* Room like a KUP ring's for a source; root may exceed rmem_max. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)))
		bench_die("netlink connect: %s", strerror(errno));
	return fd;
}

/* A netlink message in @buf: header + @len bytes of payload. */
static size_t nl_msg(void *buf, int type, size_t len)
{
	struct nlmsghdr *h = buf;

	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = 0;
	h->nlmsg_pid = 0;
	return h->nlmsg_len;
}

static double rtt_netlink(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	char msg[NLMSG_LENGTH(BENCH_RTT_SIZE)], back[sizeof(msg) + 64];
	size_t len = nl_msg(msg, KUPB_NL_ECHO, BENCH_RTT_SIZE);
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++)
		if (send(fd, msg, len, 0) != (ssize_t)len ||
		    recv(fd, back, sizeof(back), 0) != (ssize_t)len)
			return -1;
	return bench_now() - t0;
}

/* The limits (common/bench_limits.h), with a thread for the peer. */
static double rtt_line(void *ctx, uint64_t n)
{
	return limit_rtt_line(&peer_thread, n);
}

static double rtt_ring(void *ctx, uint64_t n)
{
	return limit_rtt_ring(&peer_thread, RING_BYTES, n);
}

static void run_rtt(const char *what)
{
	enum bench_fig fig;
	int fd = -1;
	double rate;

	if (!strncmp(what, "kup_", 4)) {
		run_rtt_kup(what);
		return;
	}
	if (!strcmp(what, "ioctl")) {
		fig = FIG_VM_RTT_IOCTL;
		fd = open_dev("/dev/" KUPB_IO_NAME);
		rate = bench_rate(rtt_ioctl, &fd, 100, 1ull << 30);
	} else if (!strcmp(what, "chr")) {
		fig = FIG_VM_RTT_CHR;
		fd = open_dev("/dev/" KUPB_KT_NAME);
		rate = bench_rate(rtt_write_read, &fd, 100, 1ull << 30);
	} else if (!strcmp(what, "tunnel")) {
		fig = FIG_VM_RTT_TUNNEL;
		fd = open_dev("/proc/tunnel");
		rate = bench_rate(rtt_write_read, &fd, 100, 1ull << 30);
	} else if (!strcmp(what, "netlink")) {
		fig = FIG_VM_RTT_NETLINK;
		fd = nl_socket();
		rate = bench_rate(rtt_netlink, &fd, 100, 1ull << 30);
	} else if (!strcmp(what, "limit")) {
		fig = FIG_VM_RTT_LIMIT;
		bench_pin(0);
		rate = bench_rate(rtt_line, NULL, 1000, 1ull << 30);
	} else if (!strcmp(what, "ring")) {
		fig = FIG_VM_RTT_RING;
		bench_pin(0);
		rate = bench_rate(rtt_ring, NULL, 1000, 1ull << 30);
	} else {
		bench_die("unknown round trip %s", what);
	}
	bench_fig_rate(fig, 0, rate);
	if (fd >= 0)
		close(fd);
}

/* ---- one-way throughput ---- */

/* KUP: the command, then the messages; the sink acknowledges the last. */
struct kup_tput {
	void *dev, *ch;
	int op;
};

/*
 * After a failed run the kernel thread may still be inside the old
 * command: leave the channel, give the thread time to see -EPIPE and go
 * back to waiting for a user, and attach again.
 */
static void kup_tput_attach(struct kup_tput *k)
{
	if (k->ch) {
		kernproxy_detach(k->ch);
		usleep(200000);
	}
	k->ch = kernproxy_channel(k->dev, 0, BENCH_PAGES);
	if (!k->ch)
		bench_die("%s channel: %s", KUPB_KUP_NAME, strerror(kernproxy_errno));
}

static void kup_tput_one(struct kup_tput *k, enum bench_fig fig, bench_run_t run)
{
	double rate = bench_rate(run, k, 100, 1ull << 32);

	bench_fig_rate(fig, cur_size, rate);
	if (rate <= 0)
		kup_tput_attach(k);
}

static int kup_cmd(void *ch, int op, uint64_t n)
{
	struct kupb_cmd cmd = { .op = op, .size = cur_size, .count = n };

	return kernproxy_send(ch, &cmd, sizeof(cmd), 0);
}

/* Up to KUPB_BURST copies of src_buf with one call; how many, or -1. */
static int send_burst(void *ch, uint64_t left)
{
	static struct kernproxy_msg m[KUPB_BURST];
	uint64_t burst = KUPB_BURST_FOR(cur_size, RING_BYTES);
	int i, n = left < burst ? (int)left : (int)burst;

	for (i = 0; i < n; i++) {
		m[i].data = src_buf;
		m[i].len = cur_size;
	}
	return kernproxy_send_batch(ch, m, n, 0) == n ? n : -1;
}

/* Take @n messages KUPB_BURST at a time, reading the first word of each. */
static int receive_bursts(void *ch, uint64_t n)
{
	struct kernproxy_msg m[KUPB_BURST];
	uint64_t got = 0;
	int i, r;

	while (got < n) {
		r = kernproxy_receive_batch(ch, m, KUPB_BURST, 0);
		if (r < 0)
			return -1;
		for (i = 0; i < r; i++) {
			if (m[i].len != cur_size)
				bench_die("source message of %zu bytes, not %zu",
					  m[i].len, cur_size);
			sink_word = *(uint64_t *)m[i].data;
		}
		got += r;
	}
	kernproxy_release(ch);
	return 0;
}

static double tput_kup_u2k(void *ctx, uint64_t n)
{
	struct kup_tput *k = ctx;
	double t0 = bench_now();
	uint64_t i, *buf;
	size_t len;

	if (kup_cmd(k->ch, k->op == KUPB_OP_SOURCE_BURST ?
		    KUPB_OP_SINK_BURST : KUPB_OP_SINK, n))
		return kup_failed("sink command");
	for (i = 0; i < n; i++) {
		if (k->op == KUPB_OP_SOURCE_BURST) {
			/* Copies of src_buf, KUPB_BURST per call. */
			int sent = send_burst(k->ch, n - i);

			if (sent < 0)
				return kup_failed("kernproxy_send_batch");
			i += sent - 1;
		} else if (k->op == KUPB_OP_SOURCE_ZC) {
			/* Zero copy: the payload is made in place (a word). */
			buf = kernproxy_reserve(k->ch, cur_size, 0);
			if (!buf)
				return kup_failed("kernproxy_reserve");
			*buf = i;
			kernproxy_commit(k->ch);
		} else if (kernproxy_send(k->ch, src_buf, cur_size, 0)) {
			return kup_failed("kernproxy_send");
		}
	}
	if (!kernproxy_receive_len(k->ch, &len, 0))
		return kup_failed("sink acknowledgement");
	if (len != sizeof(uint64_t))
		bench_die("sink acknowledgement of %zu bytes", len);
	return bench_now() - t0;
}

static double tput_kup_k2u(void *ctx, uint64_t n)
{
	struct kup_tput *k = ctx;
	double t0 = bench_now();
	uint64_t i, *msg;
	size_t len;

	if (kup_cmd(k->ch, k->op, n))
		return kup_failed("source command");
	if (k->op == KUPB_OP_SOURCE_BURST)
		return receive_bursts(k->ch, n) ? kup_failed("kernproxy_receive_batch") :
		       bench_now() - t0;
	for (i = 0; i < n; i++) {
		msg = kernproxy_receive_len(k->ch, &len, 0);
		if (!msg)
			return kup_failed("kernproxy_receive");
		if (len != cur_size)
			bench_die("source message of %zu bytes, not %zu", len, cur_size);
		sink_word = *msg;	/* in place: the first word only */
	}
	return bench_now() - t0;
}

static void run_tput_kup(void)
{
	static const struct {
		enum bench_fig u2k, k2u;
		int op;
	} modes[] = {
		{ FIG_VM_U2K_KUP_COPY, FIG_VM_K2U_KUP_COPY, KUPB_OP_SOURCE_COPY },
		{ FIG_VM_U2K_KUP_ZC, FIG_VM_K2U_KUP_ZC, KUPB_OP_SOURCE_ZC },
		{ FIG_VM_U2K_KUP_BURST, FIG_VM_K2U_KUP_BURST, KUPB_OP_SOURCE_BURST },
	};
	struct kup_tput k = { kernproxy_open(KUPB_KUP_NAME), NULL, 0 };
	unsigned int m, s;

	if (!k.dev)
		bench_die("%s: %s", KUPB_KUP_NAME, strerror(kernproxy_errno));
	kup_tput_attach(&k);
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		k.op = modes[m].op;
		for (s = 0; s < BENCH_NSIZES; s++) {
			cur_size = bench_sizes[s];
			kup_tput_one(&k, modes[m].u2k, tput_kup_u2k);
			kup_tput_one(&k, modes[m].k2u, tput_kup_k2u);
		}
	}
	kernproxy_close(k.dev);
}

#define PROBE_ROUNDS	3
#define PROBE_FIGS	10

static const enum bench_fig probe_figs[PROBE_FIGS] = {
	FIG_VM_COST_SYSCALL, FIG_VM_COST_USER_SEND, FIG_VM_COST_USER_RECEIVE,
	FIG_VM_COST_K_SINK, FIG_VM_COST_K_EMPTY_POLL,
	FIG_VM_COST_K_RESERVE_COMMIT, FIG_VM_COST_K_SEND_COPY,
	FIG_VM_COST_K_LOCK_PAIR, FIG_VM_COST_K_REFCOUNT_PAIR,
	FIG_VM_COST_K_SMP_MB,
};

/* One round on a freshly attached channel; @v gets ns per call. */
static void probe_round(void *dev, double *v)
{
	struct kupb_cmd cmd = { .op = KUPB_OP_PROBE, .size = 64,
				.count = KUPB_PROBE_MAX };
	void *ch = kernproxy_channel(dev, 0, BENCH_PAGES);
	struct kupb_probe pr;
	double t0, t_send, t_recv;
	size_t len;
	void *msg;
	int i;

	if (!ch)
		bench_die("%s channel: %s", KUPB_KUP_NAME, strerror(kernproxy_errno));
	if (kernproxy_send(ch, &cmd, sizeof(cmd), 0))
		bench_die("probe command: %s", strerror(kernproxy_errno));
	t0 = bench_now();
	for (i = 0; i < KUPB_PROBE_MAX; i++)
		if (kernproxy_send(ch, src_buf, 64, 0))
			bench_die("probe send: %s", strerror(kernproxy_errno));
	t_send = bench_now() - t0;
	if (t_send * 1000 > KUPB_PROBE_SLEEP_MS / 2)
		bench_note("probe: sending took %.0f ms, the kernel may have started",
			   t_send * 1000);
	/* The kernel's messages come after its timed loops: let it finish. */
	while (!(msg = kernproxy_peek(ch, &len, KP_NB)) &&
	       kernproxy_errno == EAGAIN)
		usleep(1000);
	usleep(200000);
	t0 = bench_now();
	for (i = 1; i < KUPB_PROBE_MAX; i++)
		if (!kernproxy_receive_len(ch, &len, KP_NB))
			bench_die("probe receive: %s", strerror(kernproxy_errno));
	t_recv = bench_now() - t0;
	msg = kernproxy_receive_len(ch, &len, 0);
	if (!msg || len != sizeof(pr))
		bench_die("probe: no answer (%s)", strerror(kernproxy_errno));
	memcpy(&pr, msg, sizeof(pr));
	t0 = bench_now();
	for (i = 0; i < 20000; i++)
		getppid();
	v[0] = (bench_now() - t0) * 1e9 / 20000;
	v[1] = t_send * 1e9 / KUPB_PROBE_MAX;
	v[2] = t_recv * 1e9 / (KUPB_PROBE_MAX - 1);
	v[3] = (double)pr.sink_ns / pr.count;
	v[4] = (double)pr.empty_ns / pr.iters;
	v[5] = (double)pr.reserve_ns / (pr.count / 2);
	v[6] = (double)pr.send_ns / (pr.count / 2);
	v[7] = (double)pr.lock_ns / pr.iters;
	v[8] = (double)pr.atomic_ns / pr.iters;
	v[9] = (double)pr.mb_ns / pr.iters;
	kernproxy_detach(ch);
	/* Let the kernel thread see the detach before the next attach. */
	usleep(100000);
}

/*
 * What single calls cost, each alone on its CPU (KUPB_OP_PROBE): libkup's
 * send while the kernel thread sleeps, its receive of messages already
 * there, the kernel's calls (timed in the kernel), and a trivial system
 * call for scale. Keys vm.cost.*, ns per call, median of PROBE_ROUNDS.
 */
static void run_probe(void)
{
	double v[PROBE_FIGS][PROBE_ROUNDS];
	double round[PROBE_FIGS];
	void *dev = kernproxy_open(KUPB_KUP_NAME);
	int r, f;

	if (!dev)
		bench_die("%s: %s", KUPB_KUP_NAME, strerror(kernproxy_errno));
	for (r = 0; r < PROBE_ROUNDS; r++) {
		probe_round(dev, round);
		for (f = 0; f < PROBE_FIGS; f++)
			v[f][r] = round[f];
	}
	for (f = 0; f < PROBE_FIGS; f++)
		bench_fig(probe_figs[f], 0, bench_median(v[f], PROBE_ROUNDS));
	kernproxy_close(dev);
}

/* One write() or read() per message: the char device and /proc/tunnel. */
static double tput_write(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++)
		if (full_write(fd, src_buf, cur_size))
			return -1;
	return bench_now() - t0;
}

static double tput_read(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++)
		if (full_read(fd, dst_buf, cur_size))
			return -1;
	return bench_now() - t0;
}

static uint64_t tunnel_consumed(void)
{
	unsigned long long v = 0;
	FILE *f = fopen(TUNNEL_CONSUMED, "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* /proc/tunnel's sink works behind the write()s: wait until it took all. */
static double tput_tunnel_write(void *ctx, uint64_t n)
{
	uint64_t want = tunnel_consumed() + n * cur_size;
	double t0 = bench_now();

	if (tput_write(ctx, n) < 0)
		return -1;
	while (tunnel_consumed() < want) {
		if (bench_now() - t0 > 30)
			return -1;
		sched_yield();
	}
	return bench_now() - t0;
}

static double tput_nl_u2k(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	size_t len = nl_msg(src_buf, KUPB_NL_SINK, cur_size);
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++)
		if (send(fd, src_buf, len, 0) != (ssize_t)len)
			return -1;
	return bench_now() - t0;
}

static double tput_nl_k2u(void *ctx, uint64_t n)
{
	int fd = *(int *)ctx;
	char msg[NLMSG_LENGTH(sizeof(struct kupb_cmd))];
	struct kupb_cmd cmd = { .op = KUPB_OP_SOURCE_COPY, .size = cur_size,
				.count = n };
	size_t len = nl_msg(msg, KUPB_NL_SOURCE, sizeof(cmd));
	double t0 = bench_now();
	uint64_t i;

	memcpy(NLMSG_DATA(msg), &cmd, sizeof(cmd));
	if (send(fd, msg, len, 0) != (ssize_t)len)
		return -1;
	for (i = 0; i < n; i++)
		if (recv(fd, dst_buf, NLMSG_LENGTH(KUPB_MAX_MSG), 0) !=
		    (ssize_t)NLMSG_LENGTH(cur_size))
			return -1;
	return bench_now() - t0;
}

/* The limits: a plain SPSC ring between two threads, and memcpy(). */
/* The plain ring one way; the consumer reads the first word in place. */
static double tput_ring(void *ctx, uint64_t n)
{
	return limit_tput_ring(&peer_thread, RING_BYTES, cur_size, src_buf,
			       NULL, n);
}

static double tput_memcpy(void *ctx, uint64_t n)
{
	return bench_memcpy_loop(dst_buf, src_buf, cur_size, n);
}

/* ---- peers: kup_bench_peers.ko's relay and kfifo streams ---- */

static int peers_start(int fd, int kind, uint64_t n)
{
	struct kupb_stream c = { .kind = kind, .size = cur_size, .count = n };

	return ioctl(fd, KUPB_IOC_STREAM, &c);
}

/* Record @seq as the producer made it: its first 8 bytes are @seq. */
static int rec_ok(const unsigned char *r, uint64_t seq)
{
	uint64_t v;

	memcpy(&v, r, sizeof(v));
	return v == seq;
}

/* Wait for sub-buffer @k's header, the sign that @k - 1 is complete. */
static const struct kupb_relay_hdr *relay_next(const unsigned char *map,
					       uint64_t k, double t0)
{
	const struct kupb_relay_hdr *h =
		(const void *)(map + (k % KUPB_RELAY_NSUB) * KUPB_RELAY_SUBBUF);

	/* Pairs with smp_store_release() in kbp_subbuf_start(). */
	while (__atomic_load_n(&h->seq, __ATOMIC_ACQUIRE) != k + 1)
		if (bench_now() - t0 > 30)
			return NULL;
	return h;
}

/*
 * relay, read in place through mmap: each sub-buffer once the next one
 * has begun, every record's sequence number checked; the sub-buffers go
 * back KUPB_RELAY_NSUB / 2 at a time.
 */
static double tput_relay(void *ctx, uint64_t n)
{
	size_t len = (size_t)KUPB_RELAY_NSUB * KUPB_RELAY_SUBBUF, off, end;
	int ctl = *(int *)ctx, fd, done = 0;
	const struct kupb_relay_hdr *next;
	double t0 = bench_now();
	uint64_t got = 0, k;
	unsigned char *map;

	if (peers_start(ctl, KUPB_STREAM_RELAY, n))
		return -1;
	fd = open(RELAY_FILE, O_RDONLY);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		bench_die("%s: %s", RELAY_FILE, strerror(errno));
	for (k = 0; got < n; k++) {
		next = relay_next(map, k + 1, t0);
		if (!next)
			bench_die("relay: sub-buffer %llu never completed",
				  (unsigned long long)k);
		end = KUPB_RELAY_SUBBUF - next->prev_padding;
		off = (k % KUPB_RELAY_NSUB) * KUPB_RELAY_SUBBUF;
		for (end += off, off += sizeof(*next); off + cur_size <= end;
		     off += cur_size, got++)
			if (!rec_ok(map + off, got))
				bench_die("relay: record %llu is not in its place",
					  (unsigned long long)got);
		if (++done == KUPB_RELAY_NSUB / 2 || got >= n) {
			ioctl(ctl, KUPB_IOC_RELAY_CONSUMED, done);
			done = 0;
		}
	}
	t0 = bench_now() - t0;
	munmap(map, len);
	close(fd);
	return got == n ? t0 : -1;
}

/*
 * relay through read(), poll() when nothing is there: the stream is each
 * sub-buffer's header, then as many whole records as fit, its padding left
 * out. What read() hands out is not always what the producer wrote:
 *  - it hands out what was reserved, written or not (relay has no commit),
 *    and its padding arithmetic races a sub-buffer switch: such a record
 *    is stale (vm.stale.relay_read.SIZE);
 *  - when every sub-buffer is full, relay_file_read_avail() takes the
 *    reader for overrun and skips the oldest unread one, even without
 *    overwrite: its records are lost (vm.lost.relay_read.SIZE). The next
 *    header (its magic where a record was due) says how many.
 * Only the records that arrived intact count for the rate.
 */
struct relay_read {
	int ctl;		/* /dev/kupb_peers */
	uint64_t stale, lost, total;	/* over every run of a size */
};

/* A header where a record was due: go on from the first record it holds. */
static void relay_resync(struct relay_read *rr, const struct kupb_relay_hdr *h,
			 uint64_t *got, uint64_t n)
{
	uint64_t per = (KUPB_RELAY_SUBBUF - sizeof(*h)) / cur_size;
	uint64_t first = h->seq ? (h->seq - 1) * per : 0;

	if (first > n)
		first = n;
	if (first < *got)	/* an old header's bytes: no record to count */
		return;
	rr->lost += first - *got;
	*got = first;
}

/*
 * The record due at dst_buf[@at]; returns where parsing goes on. A bad
 * record followed by a good one (or a header) is stale in its place. Two
 * bad ones in a row are a skip that left the stream off its record
 * boundaries: go on from the next header there is (the positions are all
 * multiples of 8).
 */
static size_t relay_record(struct relay_read *rr, size_t at, size_t have,
			   uint64_t *got)
{
	size_t next = at + cur_size, j;
	uint64_t w;

	if (rec_ok(dst_buf + at, *got)) {
		++*got;
		return next;
	}
	memcpy(&w, dst_buf + next, next + sizeof(w) <= have ? sizeof(w) : 0);
	if (next + cur_size > have || rec_ok(dst_buf + next, *got + 1) ||
	    (next + sizeof(w) <= have && w == KUPB_RELAY_MAGIC)) {
		rr->stale++;
		++*got;
		return next;
	}
	for (j = at + 8; j + sizeof(w) <= have; j += 8) {
		memcpy(&w, dst_buf + j, sizeof(w));
		if (w == KUPB_RELAY_MAGIC)
			return j;	/* its header counts what was lost */
	}
	rr->stale++;
	++*got;
	return next;
}

/* Parse dst_buf[0, @have); returns how much of it was taken. */
static size_t relay_parse(struct relay_read *rr, size_t have, uint64_t *got,
			  uint64_t n)
{
	struct kupb_relay_hdr h;
	size_t at = 0;
	uint64_t first;

	while (*got < n && have - at >= sizeof(first)) {
		memcpy(&first, dst_buf + at, sizeof(first));
		if (first == KUPB_RELAY_MAGIC) {
			if (have - at < sizeof(h))
				break;
			memcpy(&h, dst_buf + at, sizeof(h));
			relay_resync(rr, &h, got, n);
			at += sizeof(h);
			continue;
		}
		if (have - at < cur_size)
			break;
		at = relay_record(rr, at, have, got);
	}
	return at;
}

static double tput_relay_read(void *ctx, uint64_t n)
{
	struct relay_read *rr = ctx;
	struct pollfd pfd = { .events = POLLIN };
	uint64_t got = 0, bad = rr->stale + rr->lost;
	size_t have = 0, at;
	double t0;
	ssize_t r;

	if (peers_start(rr->ctl, KUPB_STREAM_RELAY, n))
		return -1;
	pfd.fd = open(RELAY_FILE, O_RDONLY);
	if (pfd.fd < 0)
		bench_die("%s: %s", RELAY_FILE, strerror(errno));
	t0 = bench_now();
	while (got < n) {
		r = read(pfd.fd, dst_buf + have, RING_BYTES - have);
		if (r < 0)
			bench_die("relay read(): %s", strerror(errno));
		if (!r) {
			/* Woken when a sub-buffer is complete. */
			poll(&pfd, 1, 10);
			if (bench_now() - t0 > 30)
				bench_die("relay read(): stalled at %llu",
					  (unsigned long long)got);
			continue;
		}
		have += r;
		at = relay_parse(rr, have, &got, n);
		memmove(dst_buf, dst_buf + at, have - at);
		have -= at;
	}
	t0 = bench_now() - t0;
	close(pfd.fd);
	rr->total += n;
	bad = rr->stale + rr->lost - bad;
	if (bad * 2 > n)
		bench_note("relay read(): %llu of %llu records stale or lost",
			   (unsigned long long)bad, (unsigned long long)n);
	/* As a time, so that the rate is of the intact records. */
	return bad < n ? t0 * n / (n - bad) : -1;
}

/* The kfifo char device: read() as much as there is, check each record. */
static double tput_kfifo(void *ctx, uint64_t n)
{
	int ctl = *(int *)ctx;
	size_t have = 0, at;
	double t0 = bench_now();
	uint64_t got = 0;
	ssize_t r;

	if (peers_start(ctl, KUPB_STREAM_KFIFO, n))
		return -1;
	while (got < n) {
		r = read(ctl, dst_buf + have, RING_BYTES - have);
		if (r <= 0)
			return -1;
		have += r;
		for (at = 0; at + cur_size <= have; at += cur_size, got++)
			if (!rec_ok(dst_buf + at, got))
				bench_die("kfifo: record %llu is not in its place",
					  (unsigned long long)got);
		memmove(dst_buf, dst_buf + at, have - at);
		have -= at;
	}
	return bench_now() - t0;
}

static void run_tput_peers(void)
{
	int fd = open_dev("/dev/" KUPB_PEERS_NAME);
	struct relay_read rr = { .ctl = fd };
	unsigned int s;

	for (s = 0; s < BENCH_NSIZES; s++) {
		cur_size = bench_sizes[s];
		if (cur_size <= KUPB_RELAY_SUBBUF - sizeof(struct kupb_relay_hdr)) {
			bench_fig_rate(FIG_VM_K2U_RELAY_MMAP, cur_size,
				       bench_rate(tput_relay, &fd, 100, 1ull << 32));
			rr.stale = rr.lost = rr.total = 0;
			bench_fig_rate(FIG_VM_K2U_RELAY_READ, cur_size,
				       bench_rate(tput_relay_read, &rr, 100, 1ull << 32));
			bench_fig(FIG_VM_RELAY_READ_STALE, cur_size,
				  (double)rr.stale / rr.total);
			bench_fig(FIG_VM_RELAY_READ_LOST, cur_size,
				  (double)rr.lost / rr.total);
		}
		bench_fig_rate(FIG_VM_K2U_KFIFO, cur_size,
			       bench_rate(tput_kfifo, &fd, 100, 1ull << 32));
	}
	close(fd);
}

/* Both directions of a path, every size. */
static void tput_sizes(enum bench_fig u2k_fig, bench_run_t u2k,
		       enum bench_fig k2u_fig, bench_run_t k2u, void *ctx)
{
	unsigned int s;

	for (s = 0; s < BENCH_NSIZES; s++) {
		cur_size = bench_sizes[s];
		bench_fig_rate(u2k_fig, cur_size, bench_rate(u2k, ctx, 100, 1ull << 32));
		bench_fig_rate(k2u_fig, cur_size, bench_rate(k2u, ctx, 100, 1ull << 32));
	}
}

/* The limits have no direction: vm.tput.ring.SIZE, vm.tput.memcpy.SIZE. */
static void run_tput_limits(void)
{
	unsigned int s;

	bench_pin(0);
	for (s = 0; s < BENCH_NSIZES; s++) {
		cur_size = bench_sizes[s];
		bench_fig_rate(FIG_VM_RING, cur_size,
			       bench_rate(tput_ring, NULL, 1000, 1ull << 32));
		bench_fig_rate(FIG_VM_MEMCPY, cur_size,
			       bench_rate(tput_memcpy, NULL, 1000, 1ull << 32));
	}
}

static void run_tput(const char *what)
{
	int fd;

	if (!strcmp(what, "kup")) {
		run_tput_kup();
	} else if (!strcmp(what, "chr")) {
		fd = open_dev("/dev/" KUPB_IO_NAME);
		tput_sizes(FIG_VM_U2K_CHR, tput_write, FIG_VM_K2U_CHR, tput_read, &fd);
		close(fd);
	} else if (!strcmp(what, "tunnel")) {
		fd = open_dev("/proc/tunnel");
		tput_sizes(FIG_VM_U2K_TUNNEL, tput_tunnel_write, FIG_VM_K2U_TUNNEL,
			   tput_read, &fd);
		close(fd);
	} else if (!strcmp(what, "netlink")) {
		fd = nl_socket();
		tput_sizes(FIG_VM_U2K_NETLINK, tput_nl_u2k, FIG_VM_K2U_NETLINK,
			   tput_nl_k2u, &fd);
		close(fd);
	} else if (!strcmp(what, "limit")) {
		run_tput_limits();
	} else if (!strcmp(what, "peers")) {
		run_tput_peers();
	} else if (!strcmp(what, "bpf")) {
		run_tput_bpf();
	} else {
		bench_die("unknown throughput path %s", what);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		bench_die("usage: vm_bench rtt|echo|tput|probe|mp PATH");
	bench_rep_secs = vm_rep_secs();
	/* Nothing here may hang the VM's script: it has two minutes. */
	alarm(100);
	src_buf = aligned_alloc(4096, RING_BYTES);
	dst_buf = aligned_alloc(4096, RING_BYTES);
	if (!src_buf || !dst_buf)
		bench_die("out of memory");
	memset(src_buf, 0x5a, RING_BYTES);
	memset(dst_buf, 0, RING_BYTES);
	if (!strcmp(argv[1], "rtt") && !strncmp(argv[2], "uring_", 6))
		run_rtt_uring(argv[2]);
	else if (!strcmp(argv[1], "rtt"))
		run_rtt(argv[2]);
	else if (!strcmp(argv[1], "echo"))
		run_echo(argv[2]);
	else if (!strcmp(argv[1], "probe"))
		run_probe();
	else if (!strcmp(argv[1], "tput"))
		run_tput(argv[2]);
	else if (!strcmp(argv[1], "mp"))
		run_mp(argv[2]);
	else
		bench_die("usage: vm_bench rtt|echo|tput|probe|mp PATH");
	return 0;
}
