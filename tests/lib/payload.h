/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic test payloads: message (chan, seq) of a run has a length and
 * bytes that both the sender and the checker can compute, so every message
 * is checked whole without carrying a checksum of its own.
 */
#ifndef _KUP_PAYLOAD_H
#define _KUP_PAYLOAD_H

#include <stdint.h>
#include <string.h>

static inline uint64_t pl_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t pl_key(uint64_t seed, unsigned int chan, uint64_t seq)
{
	return pl_mix(seed ^ pl_mix(((uint64_t)chan << 48) ^ seq));
}

/*
 * Mostly small messages, some medium, a few up to @max: every size from 0
 * to @max occurs, and the total stays modest for an emulated machine.
 */
static inline size_t pl_len(uint64_t key, size_t max)
{
	uint64_t r = pl_mix(key ^ 0x5555);
	unsigned int bucket = r % 100;
	size_t cap = bucket < 70 ? 256 : bucket < 95 ? 1024 : max;

	if (cap > max)
		cap = max;
	return (r >> 8) % (cap + 1);
}

static inline void pl_fill(void *buf, size_t len, uint64_t key)
{
	unsigned char *p = buf;
	uint64_t x = key;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x = pl_mix(x);
		memcpy(p + i, &x, 8);
	}
	x = pl_mix(x);
	for (; i < len; i++, x >>= 8)
		p[i] = (unsigned char)x;
}

/* 0 if @buf holds exactly the payload of @key. */
static inline int pl_check(const void *buf, size_t len, uint64_t key)
{
	const unsigned char *p = buf;
	uint64_t x = key;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x = pl_mix(x);
		if (memcmp(p + i, &x, 8))
			return -1;
	}
	x = pl_mix(x);
	for (; i < len; i++, x >>= 8)
		if (p[i] != (unsigned char)x)
			return -1;
	return 0;
}

#endif /* _KUP_PAYLOAD_H */
