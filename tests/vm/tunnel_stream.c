// SPDX-License-Identifier: GPL-2.0
/*
 * Streams through /proc/tunnel and tunnel_echo (tests/vm/t_tunnel.sh):
 *
 *   tunnel_stream nb BYTES	one process, O_NONBLOCK and poll(): random
 *				bytes out, the same upper-cased back, checked
 *				byte by byte and by checksum
 *   tunnel_stream readers BYTES N
 *				one writer, N concurrent blocking readers:
 *				every byte reaches exactly one reader
 *   tunnel_stream writers RECS	two concurrent writers of 1000-byte records:
 *				no record is torn (PIPE_BUF atomicity)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

#define TUNNEL "/proc/tunnel"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static char upcase(char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* FNV-1a, to print a checksum of each side. */
static uint32_t fnv(uint32_t h, const char *p, size_t n)
{
	while (n--)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_tunnel(int flags)
{
	int fd = open(TUNNEL, flags);

	if (fd < 0) {
		tap_ok(0, "open %s: %s", TUNNEL, strerror(errno));
		exit(1);
	}
	return fd;
}

struct nb_stream {
	const char *src;
	size_t len, sent, recvd, bad;
	size_t eagain_rd, eagain_wr, partial_wr;
	uint32_t sum_want, sum_got;
};

static void nb_send(int fd, struct nb_stream *s)
{
	size_t n = 1 + rnd() % 65536;
	ssize_t w;

	if (n > s->len - s->sent)
		n = s->len - s->sent;
	w = write(fd, s->src + s->sent, n);
	if (w > 0) {
		s->partial_wr += (size_t)w < n;
		s->sent += w;
	} else if (w < 0 && errno == EAGAIN) {
		s->eagain_wr++;
	} else {
		s->bad++;
	}
}

static void nb_receive(int fd, struct nb_stream *s)
{
	static char buf[65536];
	ssize_t r = read(fd, buf, sizeof(buf)), i;
	char want;

	if (r < 0 && errno == EAGAIN) {
		s->eagain_rd++;
		return;
	}
	if (r <= 0 || s->recvd + r > s->len) {
		s->bad++;
		return;
	}
	for (i = 0; i < r; i++) {
		want = upcase(s->src[s->recvd + i]);
		s->sum_want = fnv(s->sum_want, &want, 1);
		s->bad += buf[i] != want;
	}
	s->sum_got = fnv(s->sum_got, buf, r);
	s->recvd += r;
}

static int stream_nb(size_t len)
{
	struct nb_stream s = { .len = len, .sum_want = 2166136261u,
			       .sum_got = 2166136261u };
	char *src = malloc(len);
	struct pollfd p = { .fd = open_tunnel(O_RDWR | O_NONBLOCK) };
	size_t i;
	double t = now();

	for (i = 0; i < len; i++)
		src[i] = rnd() >> 24;
	s.src = src;
	while (s.recvd < len && !s.bad) {
		p.events = POLLIN | (s.sent < len ? POLLOUT : 0);
		if (poll(&p, 1, 10000) != 1) {
			tap_ok(0, "nonblocking stream: stalled at %zu sent, %zu received",
			       s.sent, s.recvd);
			return 1;
		}
		if (p.revents & POLLOUT)
			nb_send(p.fd, &s);
		if (p.revents & POLLIN)
			nb_receive(p.fd, &s);
	}
	tap_ok(!s.bad && s.recvd == len && s.sum_got == s.sum_want,
	       "nonblocking stream: %zu random bytes echoed upper-cased, in order, checksum %08x = %08x, %zu errors, %.1f s",
	       len, s.sum_got, s.sum_want, s.bad, now() - t);
	tap_diag("%zu partial writes, %zu EAGAIN on write, %zu on read",
		 s.partial_wr, s.eagain_wr, s.eagain_rd);
	close(p.fd);
	free(src);
	return tap_exit_status();
}

/*
 * Concurrent readers. The stream is tunnel_pat's (8-byte records "%07X\n"
 * of their own number), which tunnel_echo passes unchanged. Each reader
 * logs every read() as one segment, in shared memory. A segment holding a
 * newline followed by a whole record tells its own position: such segments
 * are placed on a bitmap of the stream, which catches bytes given twice,
 * and compared with the stream. The few shorter ones cannot be placed:
 * their bytes must match, as a multiset, the positions left uncovered.
 */
struct reader_log {
	size_t used, nseg, err;
	uint32_t *seg;			/* segment lengths */
	char *data;			/* the bytes, segments back to back */
};

static char pat_byte(unsigned long pos)
{
	if (pos % 8 == 7)
		return '\n';
	return "0123456789ABCDEF"[(pos / 8 >> (4 * (6 - pos % 8))) & 15];
}

static void *shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void reader(struct reader_log *log, size_t cap, size_t *total, int id)
{
	int fd = open_tunnel(O_RDONLY);
	ssize_t r;
	size_t n;

	rnd_state += id;
	for (;;) {
		n = 1 + rnd() % 4096;
		if (n > cap - log->used)
			n = cap - log->used;
		if (!n)
			_exit(0);
		r = read(fd, log->data + log->used, n);
		if (r <= 0) {
			log->err = errno;
			_exit(1);
		}
		log->seg[log->nseg++] = r;
		log->used += r;
		__atomic_add_fetch(total, r, __ATOMIC_SEQ_CST);
	}
}

/* Position of a segment from the first whole record in it, or -1. */
static long locate(const char *p, size_t len)
{
	const char *nl = memchr(p, '\n', len);
	size_t i = nl ? (size_t)(nl - p) : len;
	char hex[8];
	long rec;

	if (i + 8 >= len || p[i + 8] != '\n')
		return -1;
	memcpy(hex, p + i + 1, 7);
	hex[7] = 0;
	rec = strtol(hex, NULL, 16);
	return rec * 8 - (long)(i + 1);
}

struct placement {
	size_t len, placed, floating, dup, wrong, order;
	unsigned char *seen;
	size_t hist[256];
};

static void place(struct placement *pl, const char *p, size_t n, long *last)
{
	long at = locate(p, n);
	size_t i;

	if (at < 0 || (size_t)at + n > pl->len) {
		pl->floating += n;
		for (i = 0; i < n; i++)
			pl->hist[(unsigned char)p[i]]++;
		return;
	}
	pl->order += at < *last;
	*last = at + n;
	for (i = 0; i < n; i++) {
		pl->wrong += p[i] != pat_byte(at + i);
		pl->dup += pl->seen[at + i]++ != 0;
	}
	pl->placed += n;
}

static void check_readers(struct reader_log *logs, int nr, size_t len)
{
	struct placement pl = { .len = len, .seen = calloc(len, 1) };
	size_t i, s, off, total = 0, segs = 0, unseen = 0, starved = 0;
	long last;
	int k;

	for (k = 0; k < nr; k++) {
		last = 0;
		for (s = 0, off = 0; s < logs[k].nseg; off += logs[k].seg[s++])
			place(&pl, logs[k].data + off, logs[k].seg[s], &last);
		total += logs[k].used;
		segs += logs[k].nseg;
		starved += logs[k].used == 0;
		tap_diag("reader %d: %zu bytes in %zu reads", k, logs[k].used,
			 logs[k].nseg);
	}
	for (i = 0; i < len; i++) {
		if (!pl.seen[i]) {
			pl.hist[(unsigned char)pat_byte(i)]--;
			unseen++;
		}
	}
	for (i = 0; i < 256; i++)
		pl.wrong += pl.hist[i] != 0;
	tap_ok(total == len, "%d readers got %zu bytes in all, %zu written", nr,
	       total, len);
	tap_ok(!pl.dup && !pl.wrong && !pl.order && unseen == pl.floating,
	       "every byte reached exactly one reader, in order (%zu reads: %zu bytes placed, %zu unplaced; %zu twice, %zu wrong, %zu out of order)",
	       segs, pl.placed, pl.floating, pl.dup, pl.wrong, pl.order);
	tap_ok(!starved, "every reader got bytes (%zu got none)", starved);
	free(pl.seen);
}

static int stream_readers(size_t len, int nr)
{
	size_t *total = shared(sizeof(*total));
	struct reader_log *logs = shared(nr * sizeof(*logs));
	char *buf = malloc(len);
	pid_t pids[16];
	size_t i, n;
	int k, fd;
	double t;

	for (k = 0; k < nr; k++) {
		logs[k].seg = shared(len * sizeof(uint32_t));
		logs[k].data = shared(len);
		pids[k] = fork();
		if (pids[k] == 0)
			reader(&logs[k], len, total, k);
	}
	for (i = 0; i < len; i++)
		buf[i] = pat_byte(i);
	fd = open_tunnel(O_WRONLY);
	for (i = 0; i < len; i += n) {
		n = 1 + rnd() % 8192;
		if (n > len - i)
			n = len - i;
		if (write(fd, buf + i, n) != (ssize_t)n)
			break;
	}
	tap_ok(i == len, "the writer wrote %zu bytes (%s)", i, strerror(errno));
	t = now();
	while (__atomic_load_n(total, __ATOMIC_SEQ_CST) < len && now() - t < 30)
		usleep(10000);
	usleep(300000);		/* bytes given twice would show up now */
	for (k = 0; k < nr; k++) {
		kill(pids[k], SIGKILL);
		waitpid(pids[k], NULL, 0);
	}
	check_readers(logs, nr, len);
	close(fd);
	free(buf);
	return tap_exit_status();
}

static int uniform(const char *p, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (p[i] != p[0])
			return 0;
	return 1;
}

/* Two writers of 1000-byte records, 'a' and 'b'; they come back upper-cased. */
static int stream_writers(size_t recs)
{
	size_t len = 2 * recs * 1000, i, torn = 0, count[2] = { 0, 0 };
	char *buf = malloc(len), rec[1000];
	pid_t pids[2];
	int k, fd = open_tunnel(O_RDONLY), rd = -1;
	ssize_t r;

	for (k = 0; k < 2; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			int wfd = open_tunnel(O_WRONLY);

			memset(rec, 'a' + k, sizeof(rec));
			for (i = 0; i < recs; i++)
				if (write(wfd, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < len; i += r) {
		r = read(fd, buf + i, len - i);
		if (r <= 0)
			break;
	}
	for (k = 0; k < 2; k++) {
		waitpid(pids[k], &rd, 0);
		tap_ok(WIFEXITED(rd) && WEXITSTATUS(rd) == 0, "writer %d wrote %zu records",
		       k, recs);
	}
	tap_ok(i == len, "the reader got %zu bytes of %zu", i, len);
	for (i = 0; i + 1000 <= len; i += 1000) {
		k = buf[i] - 'A';
		if (k < 0 || k > 1 || !uniform(buf + i, 1000))
			torn++;
		else
			count[k]++;
	}
	tap_ok(!torn && count[0] == recs && count[1] == recs,
	       "two concurrent writers: no 1000-byte record torn (%zu torn, %zu + %zu whole)",
	       torn, count[0], count[1]);
	close(fd);
	free(buf);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;

	if (!strcmp(mode, "nb") && n)
		return stream_nb(n);
	if (!strcmp(mode, "readers") && n && argc > 3)
		return stream_readers(n, atoi(argv[3]) > 16 ? 16 : atoi(argv[3]));
	if (!strcmp(mode, "writers") && n)
		return stream_writers(n);
	fprintf(stderr, "usage: tunnel_stream nb BYTES | readers BYTES N | writers RECS\n");
	return 2;
}
