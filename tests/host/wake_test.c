// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the ring core's sleep/wake protocol (NEED_WAKEUP): a producer
 * and a consumer that never spin, on a one-page ring, so that one of them
 * goes to sleep every few records. A side with nothing to do
 *
 *   1. reads its futex word (the wake counter),
 *   2. calls kup_*_prepare_sleep(): set NEED_WAKEUP, full barrier, recheck,
 *   3. sleeps in FUTEX_WAIT on the value read in 1, only if the recheck
 *      found nothing, and clears the flag with kup_end_sleep() afterwards.
 *
 * The other side, after each commit or publish, asks kup_*_must_wake() (full
 * barrier, read the flag) and only if it says so bumps the counter and calls
 * FUTEX_WAKE. Bumping before the wake and waiting on the value read before
 * step 2 close the gap between the recheck and the sleep: a wake that comes
 * in between changes the value, and FUTEX_WAIT then returns at once.
 *
 * A lost wake-up leaves a side asleep although there is work for it. Every
 * FUTEX_WAIT has a timeout (the watchdog, 2 s by default, far above any real
 * hand-off); hitting it is reported as a lost wake-up and ends the run, so
 * the test fails instead of hanging.
 *
 * The sides take turns to be the slow one (extra payload work per record,
 * switching every WT_PHASE records), so both the "ring empty" and the "ring
 * full" sleeps happen all the time, whatever the machine's speed. The
 * default 3,000,000 messages make about a million sleeps, each ended by a
 * wake-up from the peer.
 *
 * Bursts (-b N): the producer commits bursts of 1 to N records and asks
 * kup_prod_must_wake() once per burst, after its last record, as a
 * KP_MORE/KUPDEV_MORE sender does; and, as they do, also when it finds the
 * ring full, before it sleeps. The one check covers the whole burst.
 *
 * Usage: wake_test [-n messages] [-w watchdog ms] [-b N [-F]] [-f] [-B] [-D]
 *   -b  bursts of up to N records, one wake-up check each
 *   -F  with -b: no check before sleeping on a full ring (a broken burst
 *       sender: both sides then sleep, and the watchdog must report it)
 *   -f  producer in a child process, ring and futex words shared (fork)
 *   -B  sleep without the full barrier of prepare_sleep (a broken sleeper):
 *       lost wake-ups are then possible but not certain, so they are only
 *       counted and reported, and the watchdog just ends such a sleep
 *   -D  never wake the peer: the watchdog must report a lost wake-up and
 *       the run must fail (proves the watchdog works)
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "payload.h"
#include "ring_test_util.h"
#include "tap.h"

#define WT_SEED			0x77616b6574657374ull
#define WT_DEFAULT_COUNT	3000000ull
#define WT_PHASE		512
#define WT_SLOW_REPEAT		4
#define WT_MAX_LEN		3000

struct wt_stats {
	uint64_t msgs;
	uint64_t sleeps;	/* FUTEX_WAIT calls */
	uint64_t rechecks;	/* prepare_sleep found work: no sleep */
	uint64_t wakes;		/* FUTEX_WAKE calls, as must_wake asked */
	uint64_t lost;		/* sleeps ended by the watchdog */
};

/*
 * Everything both sides share besides the ring, in free lines of the ring's
 * control page: with -f the two sides are processes and only MAP_SHARED
 * memory is common to them.
 */
struct wt_shared {
	uint32_t data_seq __attribute__((aligned(RT_LINE)));	/* consumer waits */
	uint32_t room_seq __attribute__((aligned(RT_LINE)));	/* producer waits */
	uint32_t stop __attribute__((aligned(RT_LINE)));
	uint32_t failed;
	struct wt_stats prod __attribute__((aligned(RT_LINE)));
	struct wt_stats cons __attribute__((aligned(RT_LINE)));
	char fail_msg[512] __attribute__((aligned(RT_LINE)));
};
/* It must fit in the control page after the ring words (4 KiB pages). */
_Static_assert(sizeof(struct wt_shared) <= 4096 - RT_LINE_FIRST_FREE * RT_LINE,
	       "struct wt_shared does not fit in the control page");

struct wt_ctx {
	struct rt_ring rt;
	struct wt_shared *sh;
	struct kup_prod p;	/* used by the producer only */
	struct kup_cons c;	/* used by the consumer only */
	uint64_t count;
	int watchdog_ms;
	int futex_private;	/* FUTEX_PRIVATE_FLAG unless processes */
	bool no_barrier;
	bool drop_wakes;
	unsigned int burst;	/* -b: most records per wake-up check */
	bool no_full_flush;	/* -F */
};

static long futex(uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static bool stopped(struct wt_ctx *x)
{
	return __atomic_load_n(&x->sh->stop, __ATOMIC_ACQUIRE);
}

/* Bump a wake counter and wake whoever sleeps on it. */
static void wake_word(struct wt_ctx *x, uint32_t *seq, int nr)
{
	/*
	 * The bump comes first: a sleeper that has read the old value but is
	 * not in FUTEX_WAIT yet then finds the value changed and returns.
	 */
	__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
	futex(seq, FUTEX_WAKE | x->futex_private, nr, NULL);
}

/* End the run from either side; the first message is kept. */
static __attribute__((format(printf, 2, 3)))
void wt_fail(struct wt_ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_exchange_n(&x->sh->failed, 1, __ATOMIC_ACQ_REL)) {
		va_start(ap, fmt);
		vsnprintf(x->sh->fail_msg, sizeof(x->sh->fail_msg), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&x->sh->stop, 1, __ATOMIC_RELEASE);
	/* A stop must reach a sleeper even in -D mode: wake unconditionally. */
	wake_word(x, &x->sh->data_seq, INT32_MAX);
	wake_word(x, &x->sh->room_seq, INT32_MAX);
}

/*
 * Is this side the slow one for record @seq? The slow side redoes its
 * payload work WT_SLOW_REPEAT more times: that never sleeps, and it scales
 * with whatever slows the payload work down (sanitizers), so the other side
 * really does run dry and sleep in every phase.
 */
static bool slow_side(uint64_t seq, bool producer)
{
	return ((seq / WT_PHASE) & 1) == producer;
}

/*
 * The sleeper's step of kup_cons_prepare_sleep()/kup_prod_prepare_sleep()
 * with the full barrier left out, for -B only: the flag store may then be
 * ordered after the recheck's load, and a waker that publishes in between
 * can miss the flag while the recheck misses its record.
 */
static bool cons_prepare_sleep_no_barrier(const struct kup_ring *r,
					  const struct kup_cons *c)
{
	kup_write_once(*r->cons_flags, KUP_NEED_WAKEUP);
	return kup_cons_ready(r, c);
}

static bool prod_prepare_sleep_no_barrier(const struct kup_ring *r,
					  const struct kup_prod *p,
					  kup_u64 len)
{
	kup_write_once(*r->prod_flags, KUP_NEED_WAKEUP);
	return kup_prod_room(r, p, len);
}

/*
 * Sleep on @seq until woken, unless the ring changed meanwhile. @snap is the
 * counter read before prepare_sleep, @recheck the result of prepare_sleep.
 * Return: false if the run must end.
 */
static bool wt_sleep(struct wt_ctx *x, uint32_t *seq, uint32_t snap,
		     bool recheck, kup_u32 *flags, struct wt_stats *st,
		     const char *who)
{
	struct timespec ts = {
		.tv_sec = x->watchdog_ms / 1000,
		.tv_nsec = (x->watchdog_ms % 1000) * 1000000L,
	};
	long ret;

	if (recheck) {
		/* Work arrived after all: take back the flag, do not sleep. */
		kup_end_sleep(flags);
		st->rechecks++;
		return !stopped(x);
	}
	st->sleeps++;
	do {
		ret = futex(seq, FUTEX_WAIT | x->futex_private, snap, &ts);
	} while (ret && errno == EINTR);
	kup_end_sleep(flags);
	if (ret && errno == ETIMEDOUT && !stopped(x)) {
		st->lost++;
		if (!x->no_barrier) {
			wt_fail(x, "%s slept %d ms without a wake-up after %" PRIu64 " messages: lost wake-up",
				who, x->watchdog_ms, st->msgs);
			return false;
		}
	}
	return !stopped(x);
}

static size_t wt_len(uint64_t key)
{
	/* Mostly small, a few up to 3/4 of the page: they fill it at once. */
	return pl_len(key, WT_MAX_LEN);
}

/* The producer's wake-up check, for every record committed before it. */
static void prod_check_wake(struct wt_ctx *x, struct wt_stats *st)
{
	if (kup_prod_must_wake(&x->rt.r) && !x->drop_wakes) {
		st->wakes++;
		wake_word(x, &x->sh->data_seq, 1);
	}
}

/* With -b: does record @seq end a burst? Bursts of 1 to x->burst records. */
static bool burst_ends(struct wt_ctx *x, uint64_t seq, uint64_t *left)
{
	if (!x->burst)
		return true;
	if (!*left)
		*left = 1 + pl_mix(seq ^ WT_SEED) % x->burst;
	return !--*left;
}

static void producer(struct wt_ctx *x)
{
	const struct kup_ring *r = &x->rt.r;
	struct wt_stats *st = &x->sh->prod;
	uint64_t seq, left = 0;
	bool unchecked = false;
	int i;

	for (seq = 0; seq < x->count && !stopped(x); seq++) {
		uint64_t key = pl_key(WT_SEED, 0, seq);
		size_t len = wt_len(key);
		void *buf;
		int err;

		for (;;) {
			uint32_t snap;
			bool room;

			err = kup_prod_reserve(r, &x->p, len, &buf);
			if (err != -EAGAIN)
				break;
			/* Full: the consumer must hear of the burst so far. */
			if (unchecked && !x->no_full_flush) {
				unchecked = false;
				prod_check_wake(x, st);
			}
			/* Read the counter before the flag goes up. */
			snap = __atomic_load_n(&x->sh->room_seq, __ATOMIC_ACQUIRE);
			room = x->no_barrier ?
			       prod_prepare_sleep_no_barrier(r, &x->p, len) :
			       kup_prod_prepare_sleep(r, &x->p, len);
			if (!wt_sleep(x, &x->sh->room_seq, snap, room,
				      r->prod_flags, st, "producer"))
				return;
		}
		if (err) {
			wt_fail(x, "kup_prod_reserve(%zu) = %d", len, err);
			return;
		}
		for (i = slow_side(seq, true) ? WT_SLOW_REPEAT : 0; i; i--)
			pl_fill(buf, len, key ^ i);
		pl_fill(buf, len, key);
		kup_prod_commit(r, &x->p);
		st->msgs++;
		unchecked = !burst_ends(x, seq, &left) && seq + 1 < x->count;
		if (!unchecked)
			prod_check_wake(x, st);
	}
}

static void consumer(struct wt_ctx *x)
{
	const struct kup_ring *r = &x->rt.r;
	struct wt_stats *st = &x->sh->cons;

	while (st->msgs < x->count && !stopped(x)) {
		uint64_t key = pl_key(WT_SEED, 0, st->msgs);
		size_t want = wt_len(key);
		uint32_t snap;
		bool ready;
		kup_u64 len;
		void *msg;
		int err, i, bad = 0;

		err = kup_cons_peek(r, &x->c, &msg, &len);
		if (err == -EAGAIN) {
			/*
			 * Everything read is already published (below), so
			 * the producer is not waiting for us while we sleep.
			 */
			snap = __atomic_load_n(&x->sh->data_seq, __ATOMIC_ACQUIRE);
			ready = x->no_barrier ?
				cons_prepare_sleep_no_barrier(r, &x->c) :
				kup_cons_prepare_sleep(r, &x->c);
			if (!wt_sleep(x, &x->sh->data_seq, snap, ready,
				      r->cons_flags, st, "consumer"))
				return;
			continue;
		}
		if (err) {
			wt_fail(x, "kup_cons_peek() = %d at message %" PRIu64,
				err, st->msgs);
			return;
		}
		for (i = slow_side(st->msgs, false) ? WT_SLOW_REPEAT : 0; i; i--)
			bad |= pl_check(msg, len, key);
		if (len != want || bad || pl_check(msg, len, key)) {
			wt_fail(x, "message %" PRIu64 ": %" PRIu64 " bytes, expected %zu, or wrong bytes",
				st->msgs, (uint64_t)len, want);
			return;
		}
		kup_cons_advance(&x->c, len);
		kup_cons_publish(r, &x->c);
		st->msgs++;
		if (kup_cons_must_wake(r) && !x->drop_wakes) {
			st->wakes++;
			wake_word(x, &x->sh->room_seq, 1);
		}
	}
}

static void *producer_thread(void *arg)
{
	producer(arg);
	return NULL;
}

/* Run the two sides as threads, or with -f the producer as a child. */
static int run(struct wt_ctx *x, bool use_fork)
{
	pthread_t t;
	pid_t pid;
	int status;

	if (!use_fork) {
		if (pthread_create(&t, NULL, producer_thread, x))
			return -1;
		consumer(x);
		pthread_join(t, NULL);
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		/* Do not outlive a parent killed by timeout(1). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		producer(x);
		_exit(0);
	}
	consumer(x);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		wt_fail(x, "producer process ended with status %#x", status);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n messages] [-w watchdog_ms] [-b N [-F]] [-f] [-B] [-D]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct wt_ctx ctx;
	struct wt_ctx *x = &ctx;
	struct wt_stats *ps, *cs;
	bool use_fork = false;
	const char *mode;
	int opt, err;
	double t0, dt;

	x->count = WT_DEFAULT_COUNT;
	x->watchdog_ms = 2000;
	while ((opt = getopt(argc, argv, "n:w:b:FfBD")) != -1) {
		switch (opt) {
		case 'b':
			x->burst = atoi(optarg);
			break;
		case 'F':
			x->no_full_flush = true;
			break;
		case 'n':
			x->count = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			x->watchdog_ms = atoi(optarg);
			break;
		case 'f':
			use_fork = true;
			break;
		case 'B':
			x->no_barrier = true;
			break;
		case 'D':
			x->drop_wakes = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !x->count || x->watchdog_ms <= 0)
		usage(argv[0]);
	x->futex_private = use_fork ? 0 : FUTEX_PRIVATE_FLAG;
	mode = use_fork ? (x->burst ? "processes, bursts" : "processes") :
	       x->burst ? "threads, bursts" : "threads";

	/* One page, the smallest ring there is: it is full or empty often. */
	err = rt_ring_init(&x->rt, rt_page_size(),
			   rt_page_size() - sizeof(struct kup_rec_hdr));
	if (!tap_ok(!err, "[%s] one-page ring set up (%s)", mode,
		    err ? strerror(-err) : "ok"))
		return tap_exit_status();
	x->sh = rt_ctrl_line(&x->rt, RT_LINE_FIRST_FREE);
	/* Start mid-area and just below 2^64, as in ring_stress. */
	rt_ring_reset(&x->rt, -(kup_u64)(16 * rt_page_size() + 2000),
		      &x->p, &x->c);

	t0 = now();
	if (run(x, use_fork)) {
		tap_ok(0, "[%s] start the producer", mode);
		return tap_exit_status();
	}
	dt = now() - t0;
	ps = &x->sh->prod;
	cs = &x->sh->cons;

	if (x->no_barrier)
		tap_diag("sleeper without its full barrier (-B): %" PRIu64 " + %" PRIu64 " sleeps hit the %d ms watchdog (lost wake-ups); not a test",
			 cs->lost, ps->lost, x->watchdog_ms);
	if (x->drop_wakes)
		tap_diag("wake-ups dropped on purpose (-D): this run must fail");
	tap_ok(!x->sh->failed, "[%s] no check failed%s%s", mode,
	       x->sh->failed ? ": " : "", x->sh->fail_msg);
	tap_ok(ps->msgs == x->count && cs->msgs == x->count,
	       "[%s] all %" PRIu64 " messages arrived whole and in order (sent %" PRIu64 ", received %" PRIu64 ")",
	       mode, x->count, ps->msgs, cs->msgs);
	if (!x->no_barrier)
		tap_ok(!ps->lost && !cs->lost,
		       "[%s] no wake-up lost (no sleep reached the %d ms watchdog)",
		       mode, x->watchdog_ms);
	tap_ok(cs->sleeps && ps->sleeps && cs->wakes && ps->wakes,
	       "[%s] both sides slept and were woken: consumer slept %" PRIu64 " times, producer %" PRIu64 "; wakes sent by producer %" PRIu64 ", by consumer %" PRIu64,
	       mode, cs->sleeps, ps->sleeps, ps->wakes, cs->wakes);
	tap_diag("[%s] %.2f s; prepare_sleep rechecks that found work: consumer %" PRIu64 ", producer %" PRIu64,
		 mode, dt, cs->rechecks, ps->rechecks);
	rt_ring_fini(&x->rt);
	return tap_exit_status();
}
