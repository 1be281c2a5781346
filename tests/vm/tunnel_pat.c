// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/tunnel test stream, for shell tests:
 *
 *   tunnel_pat gen POS LEN	write bytes [POS, POS + LEN) to stdout
 *   tunnel_pat check POS LEN	read exactly LEN bytes from stdin, which
 *				must be [POS, POS + LEN)
 *
 * The stream is 8-byte records "%07X\n" of their own number, the same as
 * in tests/kmod/tunnel_test.c. It has no lower-case letters, so
 * tunnel_echo passes it unchanged. Reads and writes come in uneven pieces
 * (1 byte to more than a page) so that they straddle the buffer's edge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const size_t pieces[] = { 1, 4096, 7, 5000, 333, 4095, 64, 10000 };

static char pat_byte(unsigned long pos)
{
	if (pos % 8 == 7)
		return '\n';
	return "0123456789ABCDEF"[(pos / 8 >> (4 * (6 - pos % 8))) & 15];
}

static void pat_fill(char *buf, unsigned long pos, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat_byte(pos + i);
}

static int gen(unsigned long pos, size_t len)
{
	static char buf[10000];
	size_t n, k = 0;
	ssize_t w;

	for (; len; pos += n, len -= n) {
		n = pieces[k++ % 8];
		if (n > len)
			n = len;
		pat_fill(buf, pos, n);
		w = write(1, buf, n);
		if (w != (ssize_t)n) {
			fprintf(stderr, "tunnel_pat: write of %zu at %lu: %zd (%s)\n",
				n, pos, w, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int check(unsigned long pos, size_t len)
{
	static char buf[10000], want[10000];
	size_t n, i, k = 0;
	ssize_t r;

	for (; len; pos += r, len -= r) {
		n = pieces[k++ % 8];
		if (n > len)
			n = len;
		r = read(0, buf, n);
		if (r <= 0) {
			fprintf(stderr, "tunnel_pat: read at %lu: %zd (%s)\n",
				pos, r, r ? strerror(errno) : "end of file");
			return 1;
		}
		pat_fill(want, pos, r);
		for (i = 0; i < (size_t)r; i++) {
			if (buf[i] != want[i]) {
				fprintf(stderr, "tunnel_pat: byte %lu is %#x, not %#x\n",
					pos + i, buf[i] & 0xff, want[i] & 0xff);
				return 1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pos, len;

	if (argc != 4) {
		fprintf(stderr, "usage: tunnel_pat gen|check POS LEN\n");
		return 2;
	}
	pos = strtoul(argv[2], NULL, 0);
	len = strtoul(argv[3], NULL, 0);
	if (!strcmp(argv[1], "gen"))
		return gen(pos, len);
	if (!strcmp(argv[1], "check"))
		return check(pos, len);
	fprintf(stderr, "tunnel_pat: unknown command %s\n", argv[1]);
	return 2;
}
