// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM integrity test against kup_echo: every channel at once, from
 * threads or from processes; messages of random sizes from 0 to the largest
 * allowed, each checked whole, in order, exactly once. The sender keeps the
 * rings full, so backpressure is exercised both ways.
 *
 * usage: kup_stress threads|procs CHANNELS MESSAGES_PER_CHANNEL PAGES [SEED]
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
#include "tap.h"

struct job {
	unsigned int chan;
	uint64_t count;
	size_t pages;
	uint64_t seed;
	uint64_t bytes;
	int bad_msgs;
	int err;
	char what[160];
};


/* Receive and check the next echo; 0, or -1 with job->what set. */
static int check_one(struct job *j, void *ch, uint64_t seq, int flags)
{
	uint64_t key = pl_key(j->seed, j->chan, seq);
	size_t len, want = pl_len(key, kernproxy_max_msg(ch));
	void *m = kernproxy_receive_len(ch, &len, flags);

	if (!m)
		return kernproxy_errno == EAGAIN && (flags & KP_NB) ? 1 : -1;
	if (len != want || pl_check(m, len, key)) {
		if (!j->bad_msgs++)
			snprintf(j->what, sizeof(j->what),
				 "chan %u msg %llu: len %zu want %zu%s", j->chan,
				 (unsigned long long)seq, len, want,
				 len == want ? ", bytes differ" : "");
	}
	j->bytes += len;
	return 0;
}

/* Zero-copy send of message @seq; 0 or -1 with kernproxy_errno. */
static int send_one(struct job *j, void *ch, uint64_t seq)
{
	uint64_t key = pl_key(j->seed, j->chan, seq);
	size_t len = pl_len(key, kernproxy_max_msg(ch));
	void *buf = kernproxy_reserve(ch, len, KP_NB);

	if (!buf)
		return -1;
	pl_fill(buf, len, key);
	return kernproxy_commit(ch);
}

static void run_job(struct job *j)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, j->chan, j->pages) : NULL;
	uint64_t sent = 0, got = 0;
	int r;

	if (!ch) {
		j->err = kernproxy_errno;
		snprintf(j->what, sizeof(j->what), "attach chan %u: %s", j->chan,
			 strerror(j->err));
		kernproxy_close(dev);
		return;
	}
	while (got < j->count) {
		if (sent < j->count && send_one(j, ch, sent) == 0) {
			sent++;
			continue;
		}
		if (sent < j->count && kernproxy_errno != EAGAIN)
			break;
		/* Ring full or all sent: wait for an echo only if one is due. */
		r = check_one(j, ch, got, sent > got ? 0 : KP_NB);
		if (r < 0)
			break;
		if (r == 0)
			got++;
	}
	if (got < j->count && !j->err) {
		j->err = kernproxy_errno;
		snprintf(j->what, sizeof(j->what), "chan %u stopped at %llu/%llu: %s",
			 j->chan, (unsigned long long)got,
			 (unsigned long long)j->count, strerror(j->err));
	}
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
	tap_ok(!failed, "%llu messages echoed intact and in order on %u channels from %u %s",
	       (unsigned long long)total, nch, nch, procs ? "processes" : "threads");
	return tap_exit_status();
}
