// SPDX-License-Identifier: GPL-2.0
/*
 * The user side of kup_test_mp.ko's multi-producer channel (t_mp.sh):
 * receive until every producer's end record, and check each record: whole
 * (its length is its header's, its filler the producer's pattern), from a
 * known producer, in that producer's order with nothing lost or twice
 * (the numbers kup_test_mp discards, seq % 7 == 3 of a thread, never come),
 * and at the end as many of each as the module says it committed. Pauses
 * now and then so that the one-page ring fills: blocking producers wait,
 * the timer's drop. At the end the ring fills with discarded records
 * alone, whose room must go back while nothing is there to receive. An
 * attach saying the old ABI is refused.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uapi/kup/kup_abi.h>
#include "kp_err.h"
#include "tap.h"

#define MP_THREADS	8
#define MP_IRQ		MP_THREADS
#define MP_END		(~0ull)
#define MAXFILL		200
#define STATS		"/sys/module/kup_test_mp/parameters/stats"

struct mp_rec {
	uint32_t producer;
	uint32_t fill;
	uint64_t seq;
};

struct tally {
	uint64_t next[MP_IRQ + 1];	/* the sequence number due */
	uint64_t got[MP_IRQ + 1];
	int ended[MP_IRQ + 1];
	uint64_t bad, records;
	char first_bad[160];
};

static void bad(struct tally *t, const char *fmt, unsigned long long a,
		unsigned long long b)
{
	if (!t->bad++)
		snprintf(t->first_bad, sizeof(t->first_bad), fmt, a, b);
}

static void check_record(struct tally *t, const unsigned char *m, size_t len,
			 unsigned int threads)
{
	const struct mp_rec *r = (const void *)m;
	uint64_t due;
	uint32_t i;

	if (len < sizeof(*r))
		return bad(t, "a record of %llu bytes (%llu)", len, 0);
	if (r->producer > MP_IRQ || (r->producer >= threads && r->producer != MP_IRQ))
		return bad(t, "producer %llu of %llu threads", r->producer, threads);
	if (r->seq == MP_END) {
		t->ended[r->producer]++;
		return;
	}
	if (r->fill > MAXFILL || len != sizeof(*r) + r->fill)
		return bad(t, "a torn record: %llu bytes, its header says %llu",
			   len, sizeof(*r) + r->fill);
	for (i = 0; i < r->fill; i++)
		if (m[sizeof(*r) + i] != (unsigned char)(r->seq * 31 + r->producer * 7 + i))
			return bad(t, "filler of seq %llu wrong at byte %llu", r->seq, i);
	due = t->next[r->producer];
	/* A thread's discarded numbers never come. */
	if (r->producer != MP_IRQ && due % 7 == 3)
		due++;
	if (r->seq != due)
		return bad(t, "seq %llu where %llu was due", r->seq, due);
	t->next[r->producer] = r->seq + 1;
	t->got[r->producer]++;
}

static int all_ended(const struct tally *t, unsigned int threads)
{
	unsigned int i;

	for (i = 0; i < threads; i++)
		if (!t->ended[i])
			return 0;
	return t->ended[MP_IRQ];
}

static unsigned long long stat_of(const char *stats, const char *key)
{
	const char *p = strstr(stats, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : ~0ull;
}

static void read_stats(char *buf, size_t len)
{
	FILE *f = fopen(STATS, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
}

static void check_old_abi(unsigned int pages)
{
	struct kup_attach a = { .pages = pages, .abi_version = KUP_ABI_VERSION };
	int fd = open("/dev/kup_mp", O_RDWR);

	tap_ok(fd >= 0 && ioctl(fd, KUP_IOC_ATTACH, &a) == -1 && errno == EPROTO,
	       "an attach saying the single-producer ABI is refused (EPROTO)");
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	static struct tally t;
	struct kernproxy_msg msgs[64];
	struct kernproxy_info info;
	struct kernproxy_stats st;
	char stats[512];
	unsigned int threads, i;
	void *dev, *ch;
	int n;

	alarm(240);
	read_stats(stats, sizeof(stats));
	threads = stat_of(stats, "threads=");
	dev = kernproxy_open("kup_mp");
	if (!tap_ok(dev && !kernproxy_info(dev, &info) && threads && threads <= MP_THREADS,
		    "kup_mp is there, with %u producer threads (%s)", threads,
		    strerror(kernproxy_errno)))
		return 1;
	check_old_abi(info.pages);
	ch = kernproxy_channel(dev, 0, info.pages);
	if (!tap_ok(ch != NULL, "attach kup_mp channel 0 (%s)", strerror(kernproxy_errno)))
		return 1;
	while (!all_ended(&t, threads)) {
		n = kernproxy_receive_batch(ch, msgs, 64, 0);
		if (n < 0) {
			tap_ok(0, "receive: %s", strerror(kernproxy_errno));
			return 1;
		}
		for (i = 0; i < (unsigned int)n; i++)
			check_record(&t, msgs[i].data, msgs[i].len, threads);
		/* Let the ring fill now and then. */
		if ((t.records += n) % 4000 < (uint64_t)n)
			usleep(30000);
	}
	kernproxy_release(ch);
	read_stats(stats, sizeof(stats));
	printf("# %s", stats);
	tap_ok(!t.bad, "every record whole, from a known producer, in its order, once (%llu bad%s%s)",
	       (unsigned long long)t.bad, t.bad ? ": first " : "", t.first_bad);
	for (i = 0; i <= MP_IRQ; i++) {
		char key[16];

		if (i < threads)
			snprintf(key, sizeof(key), " p%u=", i);
		else if (i == MP_IRQ)
			snprintf(key, sizeof(key), " irq=");
		else
			continue;
		tap_ok(t.got[i] == stat_of(stats, key) && t.ended[i] == 1,
		       "producer %s: %llu records received, as many as it committed, then its end",
		       key + 1, (unsigned long long)t.got[i]);
	}
	tap_ok(stat_of(stats, "drops=") > 0 && t.got[MP_IRQ] > 0,
	       "the hard-irq producer got records through and had drops when the ring was full (%llu)",
	       stat_of(stats, "drops="));
	tap_ok(!kernproxy_stats(ch, &st) && st.full_waits > 0,
	       "blocking producers waited for room (%llu waits)",
	       (unsigned long long)st.full_waits);
	tap_ok(st.k2u_msgs == t.records,
	       "the channel counts the records received, not the discarded (%llu, %llu)",
	       (unsigned long long)st.k2u_msgs, (unsigned long long)t.records);
	tap_ok(stat_of(stats, "sp_refused=") == 1,
	       "kupdev_reserve() is -EINVAL on a multi-producer channel");
	kernproxy_close(dev);
	return tap_exit_status();
}
