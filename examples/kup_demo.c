// SPDX-License-Identifier: GPL-2.0
/*
 * kup_demo: a user of the kup_echo service. It attaches a channel,
 * ping-pongs small messages, streams data through the kernel and back with
 * a checksum, and prints what happened.
 *
 * usage: kup_demo [CHANNEL [PAGES [MEGABYTES]]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <kup.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* FNV-1a, continued over several buffers. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static int ping_pong(void *ch, int rounds)
{
	char msg[64], *reply;
	size_t len;
	double t0 = now();
	int i;

	for (i = 0; i < rounds; i++) {
		int n = snprintf(msg, sizeof(msg), "ping %d", i);

		if (kernproxy_send(ch, msg, n, 0) < 0)
			return -1;
		reply = kernproxy_receive_len(ch, &len, 0);
		if (!reply || len != (size_t)n || memcmp(reply, msg, n))
			return -1;
	}
	printf("ping-pong: %d round trips of up to 64 bytes, %.1f us each\n",
	       rounds, (now() - t0) * 1e6 / rounds);
	return 0;
}

/* Stream @total bytes in chunks, zero copy both ways, checksum both ends. */
static int stream(void *ch, size_t total)
{
	size_t chunk = kernproxy_max_msg(ch) / 4, sent = 0, got = 0, len;
	uint64_t hs = 0xcbf29ce484222325ull, hr = hs, x = 1;
	double t0 = now();

	while (got < total) {
		if (sent < total) {
			size_t n = total - sent < chunk ? total - sent : chunk;
			unsigned char *buf = kernproxy_reserve(ch, n, KP_NB);

			if (buf) {
				for (size_t i = 0; i < n; i++, x = x * 6364136223846793005ull + 1)
					buf[i] = x >> 56;
				hs = fnv(hs, buf, n);
				kernproxy_commit(ch);
				sent += n;
				continue;
			}
		}
		unsigned char *m = kernproxy_receive_len(ch, &len, sent > got ? 0 : KP_NB);

		if (m) {
			hr = fnv(hr, m, len);
			got += len;
		} else if (sent == got) {
			return -1;
		}
	}
	printf("stream: %zu KiB through the kernel and back in %zu-byte messages, %.1f MB/s\n",
	       total >> 10, chunk, total / (now() - t0) / 1e6);
	printf("stream: checksum sent %016llx, received %016llx: %s\n",
	       (unsigned long long)hs, (unsigned long long)hr,
	       hs == hr ? "identical" : "DIFFERENT");
	return hs == hr ? 0 : -1;
}

int main(int argc, char **argv)
{
	int chan = argc > 1 ? atoi(argv[1]) : 0;
	size_t pages = argc > 2 ? strtoul(argv[2], NULL, 0) : 4;
	size_t mb = argc > 3 ? strtoul(argv[3], NULL, 0) : 8;
	struct kernproxy_stats st;
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, chan, pages) : NULL;
	int err;

	if (!ch) {
		fprintf(stderr, "kup_demo: kup_echo channel %d: %s\n", chan,
			strerror(kernproxy_errno));
		return 1;
	}
	printf("attached /dev/kup_echo channel %d: %zu pages each way, messages up to %zu bytes\n",
	       chan, pages, kernproxy_max_msg(ch));
	err = ping_pong(ch, 10000) || stream(ch, mb << 20);
	if (!kernproxy_stats(ch, &st))
		printf("kernel counters: %llu msgs / %llu bytes to user, %llu msgs / %llu bytes from user, %llu wake-ups sent, %llu received\n",
		       (unsigned long long)st.k2u_msgs, (unsigned long long)st.k2u_bytes,
		       (unsigned long long)st.u2k_msgs, (unsigned long long)st.u2k_bytes,
		       (unsigned long long)st.wakeups_sent, (unsigned long long)st.wakeups_recv);
	kernproxy_close(dev);
	return err ? 1 : 0;
}
