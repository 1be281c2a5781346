// SPDX-License-Identifier: GPL-2.0
/*
 * Host stress test of the ring core (include/kup/ring.h), both directions at
 * once: thread A produces on ring "A->B" and consumes ring "B->A", thread B
 * the reverse, so each thread interleaves producer and consumer work the way
 * a channel user does. Everything busy-polls: this test is about the memory
 * ordering of the positions and the record layout, not about sleeping (see
 * wake_test.c for that).
 *
 * Record seq of a direction has the length and bytes given by payload.h, so
 * the consumer checks every record whole and in order; a lost, duplicated or
 * damaged record shows up as the wrong length or bytes at its place. The
 * consumer peeks a random batch of records and publishes once, then checks
 * the whole batch again just before publishing: bytes it still holds must
 * not have been reused by the producer yet.
 *
 * Positions start just below 2^64 so that they wrap during the run, and not
 * at a multiple of the ring size so that records cross the end of the data
 * area early (the second mapping makes them contiguous).
 *
 * Usage: ring_stress [-n records per direction] [-c flip|dup|drop [-s seq]]
 * -c makes the A->B producer damage the stream at record seq on purpose; the
 * run must then fail (run.sh uses it to prove that the checks bite).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "payload.h"
#include "ring_test_util.h"
#include "tap.h"

#define STRESS_SEED		0x6b7570737472657aull
#define STRESS_MAX_BATCH	16
#define STRESS_DEFAULT_COUNT	2000000ull

/* One direction: a ring, its producer state and its consumer state. */
struct dir {
	const char *name;
	unsigned int chan;
	struct rt_ring rt;
	kup_u64 base;
	/* Written by the producing thread only. */
	struct kup_prod p;
	uint64_t sent;
	uint64_t sent_bytes;		/* record bytes, headers included */
	uint64_t full;			/* reserve found no room */
	/* Written by the consuming thread only. */
	struct kup_cons c;
	uint64_t recvd;
	uint64_t recvd_bytes;
	uint64_t empty;			/* peek found nothing */
	uint64_t batches;
	uint64_t max_batch;
};

struct worker {
	const char *name;
	struct dir *tx;
	struct dir *rx;
	uint64_t rng;
};

enum corrupt_kind { CORRUPT_NONE, CORRUPT_FLIP, CORRUPT_DUP, CORRUPT_DROP };

static uint64_t count = STRESS_DEFAULT_COUNT;
static enum corrupt_kind corrupt;
static uint64_t corrupt_seq;
static bool corrupt_done;

static int stop;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[512];

/* Keep the first failure only: later ones are usually its consequences. */
static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (!fail_msg[0]) {
		va_start(ap, fmt);
		vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&fail_lock);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static bool stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* xorshift64*: cheap and good enough to pick batch sizes. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Where the record at position @pos must start: the ring's own mask. */
static unsigned char *rec_addr(const struct dir *d, kup_u64 pos)
{
	return d->rt.r.data + (pos & (d->rt.r.size - 1));
}

/* Damage the A->B stream once, as asked on the command line. */
static void maybe_corrupt(struct dir *d, uint64_t seq, void *buf, size_t len)
{
	if (corrupt != CORRUPT_FLIP || d->chan != 0 || corrupt_done ||
	    seq < corrupt_seq || !len)
		return;
	((unsigned char *)buf)[len / 2] ^= 0x10;
	corrupt_done = true;
}

static void produce_some(struct worker *w)
{
	struct dir *d = w->tx;
	const struct kup_ring *r = &d->rt.r;
	unsigned int n = 1 + rnd(&w->rng) % STRESS_MAX_BATCH;
	bool ask_hint = !(rnd(&w->rng) & 63);

	while (n-- && d->sent < count) {
		uint64_t seq = d->sent;
		uint64_t key = pl_key(STRESS_SEED, d->chan, seq);
		size_t len = pl_len(key, r->max_msg);
		bool room = ask_hint && kup_prod_room(r, &d->p, len);
		void *buf;
		int err;

		if (corrupt == CORRUPT_DROP && d->chan == 0 && !corrupt_done &&
		    seq == corrupt_seq) {
			corrupt_done = true;
			d->sent++;
			continue;
		}
		err = kup_prod_reserve(r, &d->p, len, &buf);
		if (err == -EAGAIN) {
			/*
			 * Only this thread moves the producer position and the
			 * consumer position only grows, so room seen a moment
			 * ago cannot have gone away.
			 */
			if (room)
				fail("%s: kup_prod_room() saw room for %zu bytes, kup_prod_reserve() then said full",
				     d->name, len);
			d->full++;
			return;
		}
		if (err) {
			fail("%s: kup_prod_reserve(%zu) = %d at record %" PRIu64,
			     d->name, len, err, seq);
			return;
		}
		if ((unsigned char *)buf != rec_addr(d, d->p.pos) +
		    sizeof(struct kup_rec_hdr) ||
		    !rt_in_data(&d->rt, buf, len)) {
			fail("%s: record %" PRIu64 " reserved at %p, outside its place",
			     d->name, seq, buf);
			return;
		}
		pl_fill(buf, len, key);
		maybe_corrupt(d, seq, buf, len);
		kup_prod_commit(r, &d->p);
		d->sent_bytes += kup_rec_size(len);
		if (corrupt == CORRUPT_DUP && d->chan == 0 && !corrupt_done &&
		    seq == corrupt_seq) {
			/* Send this record again instead of the next one. */
			corrupt_done = true;
			continue;
		}
		d->sent++;
	}
}

/* Check one record the consumer holds; false (and a failure) if wrong. */
static bool check_rec(struct dir *d, uint64_t seq, const void *msg,
		      kup_u64 len, const char *when)
{
	uint64_t key = pl_key(STRESS_SEED, d->chan, seq);
	size_t want = pl_len(key, d->rt.r.max_msg);
	const struct kup_rec_hdr *h = (const struct kup_rec_hdr *)msg - 1;

	if (len != want) {
		fail("%s: record %" PRIu64 " %s: length %" PRIu64 ", expected %zu",
		     d->name, seq, when, (uint64_t)len, want);
		return false;
	}
	if (h->flags) {
		fail("%s: record %" PRIu64 " %s: header flags %#x, expected 0",
		     d->name, seq, when, h->flags);
		return false;
	}
	if (pl_check(msg, len, key)) {
		fail("%s: record %" PRIu64 " %s: payload of %zu bytes differs",
		     d->name, seq, when, want);
		return false;
	}
	return true;
}

static void consume_some(struct worker *w)
{
	struct dir *d = w->rx;
	const struct kup_ring *r = &d->rt.r;
	unsigned int want = 1 + rnd(&w->rng) % STRESS_MAX_BATCH;
	bool ask_hint = !(rnd(&w->rng) & 63);
	struct {
		void *msg;
		kup_u64 len;
	} held[STRESS_MAX_BATCH];
	unsigned int n = 0, i;

	while (n < want && d->recvd + n < count) {
		bool ready = ask_hint && kup_cons_ready(r, &d->c);
		kup_u64 len;
		void *msg;
		int err;

		err = kup_cons_peek(r, &d->c, &msg, &len);
		if (err == -EAGAIN) {
			/* As in produce_some(): a record seen stays there. */
			if (ready)
				fail("%s: kup_cons_ready() saw a record, kup_cons_peek() then said empty",
				     d->name);
			d->empty++;
			break;
		}
		if (err) {
			fail("%s: kup_cons_peek() = %d at record %" PRIu64,
			     d->name, err, d->recvd + n);
			return;
		}
		if ((unsigned char *)msg != rec_addr(d, d->c.pos) +
		    sizeof(struct kup_rec_hdr) ||
		    !rt_in_data(&d->rt, msg, len)) {
			fail("%s: record %" PRIu64 " returned at %p (%" PRIu64 " bytes), outside its place",
			     d->name, d->recvd + n, msg, (uint64_t)len);
			return;
		}
		if (!check_rec(d, d->recvd + n, msg, len, "on arrival"))
			return;
		held[n].msg = msg;
		held[n].len = len;
		kup_cons_advance(&d->c, len);
		n++;
	}
	if (!n)
		return;
	/*
	 * Nothing of the batch is published yet, so the producer must not have
	 * written over any of it, however far it got meanwhile.
	 */
	for (i = 0; i < n; i++)
		if (!check_rec(d, d->recvd + i, held[i].msg, held[i].len,
			       "while held in a batch"))
			return;
	kup_cons_publish(r, &d->c);
	for (i = 0; i < n; i++)
		d->recvd_bytes += kup_rec_size(held[i].len);
	d->recvd += n;
	d->batches++;
	if (n > d->max_batch)
		d->max_batch = n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!stopped() && (w->tx->sent < count || w->rx->recvd < count)) {
		if (w->tx->sent < count)
			produce_some(w);
		if (w->rx->recvd < count)
			consume_some(w);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup_dir(struct dir *d, const char *name, unsigned int chan,
		     size_t size)
{
	int err;

	d->name = name;
	d->chan = chan;
	/* As in a real channel, one record may fill the whole data area. */
	err = rt_ring_init(&d->rt, size, size - sizeof(struct kup_rec_hdr));
	if (err)
		return err;
	/*
	 * 64 rings' worth below 2^64, minus 1000: the positions wrap early,
	 * and the first record starts 1000 bytes before the end of the area.
	 */
	d->base = -(kup_u64)(64 * size + 1000);
	rt_ring_reset(&d->rt, d->base, &d->p, &d->c);
	return 0;
}

/* After both threads are done: nothing left, and the positions agree. */
static void check_end(struct dir *d)
{
	const struct kup_ring *r = &d->rt.r;
	kup_u64 len, prod = *r->prod, cons = *r->cons;
	void *msg;
	int err = kup_cons_peek(r, &d->c, &msg, &len);

	tap_ok(err == -EAGAIN && prod == d->p.pos && cons == d->c.pos &&
	       prod == cons && prod - d->base == d->sent_bytes &&
	       d->sent_bytes == d->recvd_bytes,
	       "%s: ring empty at the end, positions agree (%" PRIu64 " bytes moved, position wrapped: %s)",
	       d->name, d->sent_bytes, prod < d->base ? "yes" : "NO");
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n records] [-c flip|dup|drop] [-s seq]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct dir ab, ba;
	struct worker wa = { "A", &ab, &ba, 0x1234567887654321ull };
	struct worker wb = { "B", &ba, &ab, 0x0fedcba987654321ull };
	pthread_t ta, tb;
	double t0, dt;
	int opt, err;

	corrupt_seq = UINT64_MAX;
	while ((opt = getopt(argc, argv, "n:c:s:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			if (!strcmp(optarg, "flip"))
				corrupt = CORRUPT_FLIP;
			else if (!strcmp(optarg, "dup"))
				corrupt = CORRUPT_DUP;
			else if (!strcmp(optarg, "drop"))
				corrupt = CORRUPT_DROP;
			else
				usage(argv[0]);
			break;
		case 's':
			corrupt_seq = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !count)
		usage(argv[0]);
	if (corrupt && corrupt_seq >= count)
		corrupt_seq = count / 2;

	/* Two sizes: 16 KiB, and one page so that it is full most of the time. */
	err = setup_dir(&ab, "A->B", 0, 16384);
	if (!err)
		err = setup_dir(&ba, "B->A", 1, rt_page_size());
	if (!tap_ok(!err, "two rings set up, each data area mapped twice back to back (%s)",
		    err ? strerror(-err) : "16 KiB and one page"))
		return tap_exit_status();

	t0 = now();
	if (pthread_create(&ta, NULL, worker_main, &wa) ||
	    pthread_create(&tb, NULL, worker_main, &wb)) {
		tap_ok(0, "start the two threads");
		return tap_exit_status();
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	dt = now() - t0;

	if (corrupt)
		tap_diag("damaged the A->B stream on purpose (%s at record %" PRIu64 "): this run must fail",
			 corrupt == CORRUPT_FLIP ? "flip" :
			 corrupt == CORRUPT_DUP ? "dup" : "drop", corrupt_seq);
	tap_ok(!fail_msg[0], "no check failed while streaming%s%s",
	       fail_msg[0] ? ": " : "", fail_msg);
	tap_ok(ab.sent == count && ab.recvd == count,
	       "A->B: %" PRIu64 " records of 0..%" PRIu64 " bytes arrived whole, in order, exactly once",
	       ab.recvd, (uint64_t)ab.rt.r.max_msg);
	tap_ok(ba.sent == count && ba.recvd == count,
	       "B->A: %" PRIu64 " records of 0..%" PRIu64 " bytes arrived whole, in order, exactly once",
	       ba.recvd, (uint64_t)ba.rt.r.max_msg);
	tap_ok(ab.max_batch > 1 && ba.max_batch > 1,
	       "batch peeks: %" PRIu64 " + %" PRIu64 " batches, largest %" PRIu64 " and %" PRIu64 " records, each intact until published",
	       ab.batches, ba.batches, ab.max_batch, ba.max_batch);
	if (!fail_msg[0]) {
		check_end(&ab);
		check_end(&ba);
	}
	tap_diag("%" PRIu64 " records each way in %.2f s, %.0f MB/s in total; ring full %" PRIu64 "/%" PRIu64 " times, empty %" PRIu64 "/%" PRIu64 " times",
		 count, dt, (ab.recvd_bytes + ba.recvd_bytes) / dt / 1e6,
		 ab.full, ba.full, ab.empty, ba.empty);
	rt_ring_fini(&ab.rt);
	rt_ring_fini(&ba.rt);
	return tap_exit_status();
}
