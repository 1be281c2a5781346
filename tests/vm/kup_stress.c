// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM integrity test against kup_echo: every channel at once, from
 * threads or from processes; messages of random sizes from 0 to the largest
 * allowed, each checked whole, in order, exactly once. The sender keeps the
 * rings full, so backpressure is exercised both ways.
 *
 * With BURST (1 to 16), the user sends bursts of 1 to BURST messages
 * (kernproxy_send_batch(), or reserves with KP_MORE) and receives with
 * kernproxy_receive_batch(); run it against kup_echo burst=N, which does
 * the same on its side.
 *
 * usage: kup_stress threads|procs CHANNELS MESSAGES_PER_CHANNEL PAGES [SEED [BURST]]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include "payload.h"
#include "kp_err.h"
#include "tap.h"

#define BURST_MAX	16

struct job {
	unsigned int chan;
	uint64_t count;
	size_t pages;
	uint64_t seed;
	unsigned int burst;	/* 0, or the longest burst (<= BURST_MAX) */
	unsigned char *bufs;	/* bursts: BURST_MAX messages to send */
	uint64_t bytes;
	int bad_msgs;
	int err;
	char what[160];
};

/* Check message @seq; a bad one is counted and the first one described. */
static void check_msg(struct job *j, void *ch, uint64_t seq, const void *m,
		      size_t len)
{
	uint64_t key = pl_key(j->seed, j->chan, seq);
	size_t want = pl_len(key, kernproxy_max_msg(ch));

	if (len != want || pl_check(m, len, key)) {
		if (!j->bad_msgs++)
			snprintf(j->what, sizeof(j->what),
				 "chan %u msg %llu: len %zu want %zu%s", j->chan,
				 (unsigned long long)seq, len, want,
				 len == want ? ", bytes differ" : "");
	}
	j->bytes += len;
}

/*
 * Receive and check the next echoes, from @seq on: one, or with bursts as
 * many as kernproxy_receive_batch() gives. Return: how many (0 when
 * KP_NB found none), or -1 on an error.
 */
static int check_next(struct job *j, void *ch, uint64_t seq, int flags)
{
	struct kernproxy_msg m[BURST_MAX];
	int n, i;

	if (j->burst) {
		n = kernproxy_receive_batch(ch, m, BURST_MAX, flags);
	} else {
		m[0].data = kernproxy_receive_len(ch, &m[0].len, flags);
		n = m[0].data ? 1 : -1;
	}
	if (n < 0)
		return kp_errno() == EAGAIN && (flags & KP_NB) ? 0 : -1;
	for (i = 0; i < n; i++)
		check_msg(j, ch, seq + i, m[i].data, m[i].len);
	return n;
}

/*
 * Send from message @seq on: one, or a burst of 1 to j->burst, either
 * with kernproxy_send_batch() or reserved one by one with KP_MORE on all
 * but the last. Never waits. Return: how many went (0: kernproxy_errno).
 */
static int send_next(struct job *j, void *ch, uint64_t seq)
{
	uint64_t mix = pl_mix(j->seed ^ (seq << 8) ^ j->chan);
	unsigned int n = j->burst ? 1 + mix % j->burst : 1, i;
	struct kernproxy_msg m[BURST_MAX];
	size_t max = kernproxy_max_msg(ch);
	int r;

	if (n > j->count - seq)
		n = j->count - seq;
	for (i = 0; i < n; i++) {
		uint64_t key = pl_key(j->seed, j->chan, seq + i);
		size_t len = pl_len(key, max);
		void *buf;

		if (j->burst && (mix & 0x100)) {
			m[i].data = j->bufs + i * max;
			m[i].len = len;
			pl_fill(m[i].data, len, key);
			continue;
		}
		buf = kernproxy_reserve(ch, len, KP_NB | (i + 1 < n ? KP_MORE : 0));
		if (!buf)
			return i;
		pl_fill(buf, len, key);
		kernproxy_commit(ch);
	}
	if (!j->burst || !(mix & 0x100))
		return n;
	r = kernproxy_send_batch(ch, m, n, KP_NB);
	return r < 0 ? 0 : r;
}

static void run_job(struct job *j)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, j->chan, j->pages) : NULL;
	uint64_t sent = 0, got = 0;
	int r;

	if (ch && j->burst)
		j->bufs = malloc(BURST_MAX * kernproxy_max_msg(ch));
	if (!ch || (j->burst && !j->bufs)) {
		j->err = ch ? ENOMEM : kernproxy_errno;
		snprintf(j->what, sizeof(j->what), "attach chan %u: %s", j->chan,
			 strerror(j->err));
		kernproxy_close(dev);
		return;
	}
	while (got < j->count) {
		if (sent < j->count) {
			r = send_next(j, ch, sent);
			sent += r;
			if (r)
				continue;
			if (kernproxy_errno != EAGAIN)
				break;
		}
		/* Ring full or all sent: wait for an echo only if one is due. */
		r = check_next(j, ch, got, sent > got ? 0 : KP_NB);
		if (r < 0)
			break;
		got += r;
	}
	if (got < j->count && !j->err) {
		j->err = kernproxy_errno;
		snprintf(j->what, sizeof(j->what), "chan %u stopped at %llu/%llu: %s",
			 j->chan, (unsigned long long)got,
			 (unsigned long long)j->count, strerror(j->err));
	}
	free(j->bufs);
	kernproxy_close(dev);
}

static void *job_thread(void *arg)
{
	run_job(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int nch, i;
	struct job *jobs;
	pthread_t *tids;
	int procs, failed = 0;
	uint64_t total = 0;

	if (argc < 5)
		return 2;
	procs = !strcmp(argv[1], "procs");
	nch = atoi(argv[2]);
	jobs = calloc(nch, sizeof(*jobs));
	tids = calloc(nch, sizeof(*tids));
	for (i = 0; i < nch; i++) {
		jobs[i].chan = i;
		jobs[i].count = strtoull(argv[3], NULL, 0);
		jobs[i].pages = atoi(argv[4]);
		jobs[i].seed = argc > 5 ? strtoull(argv[5], NULL, 0) : 1;
		jobs[i].burst = argc > 6 ? atoi(argv[6]) : 0;
		if (jobs[i].burst > BURST_MAX)
			return 2;
	}
	for (i = 0; i < nch; i++) {
		if (!procs) {
			pthread_create(&tids[i], NULL, job_thread, &jobs[i]);
			continue;
		}
		if (fork() == 0) {
			run_job(&jobs[i]);
			if (jobs[i].err || jobs[i].bad_msgs)
				fprintf(stderr, "# %s\n", jobs[i].what);
			_exit(jobs[i].err || jobs[i].bad_msgs ? 1 : 0);
		}
	}
	for (i = 0; i < nch; i++) {
		int st = 0;

		if (!procs) {
			pthread_join(tids[i], NULL);
			if (jobs[i].err || jobs[i].bad_msgs) {
				tap_diag("%s (%d bad)", jobs[i].what, jobs[i].bad_msgs);
				failed++;
			}
		} else if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			failed++;
		}
		total += jobs[i].count;
	}
	tap_ok(!failed, "%llu messages echoed intact and in order on %u channels from %u %s%s",
	       (unsigned long long)total, nch, nch, procs ? "processes" : "threads",
	       jobs[0].burst ? ", in bursts" : "");
	return tap_exit_status();
}
