/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host test helper: one KUP ring in user memory, laid out like a real
 * channel direction so that the ring core runs on the same kind of memory as
 * in kup.ko and libkup:
 *
 *   - a control page holding the producer position, the consumer position
 *     and the two flags words, each on its own 64-byte cache line (false
 *     sharing would hide nothing, but it would make the stress tests slow
 *     and less like the real thing);
 *   - a power-of-two data area taken from a memfd and mapped twice, back to
 *     back, inside a reserved region, so that a record crossing the end of
 *     the area really is contiguous through the second mapping;
 *   - an inaccessible guard page right before and right after the double
 *     mapping, so that any access past it faults instead of silently
 *     landing in some other mapping (sanitizers do not watch mmap'd memory).
 *
 * Every mapping is MAP_SHARED, so a ring set up before fork() is shared by
 * parent and child; within one process it costs nothing.
 *
 * Include this after defining _GNU_SOURCE (memfd_create() needs it).
 */
#ifndef _KUP_RING_TEST_UTIL_H
#define _KUP_RING_TEST_UTIL_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before including any header"
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <kup/ring.h>

#define RT_LINE			64

/* Cache lines of the control page: the ring words, then free lines. */
enum {
	RT_LINE_PROD,
	RT_LINE_CONS,
	RT_LINE_PROD_FLAGS,
	RT_LINE_CONS_FLAGS,
	RT_LINE_FIRST_FREE,
};

struct rt_ring {
	struct kup_ring r;	/* what both sides of the ring use */
	unsigned char *ctrl;	/* control page */
	size_t page;
	unsigned char *region;	/* guard + data + data + guard */
	size_t region_len;
	int fd;			/* the memfd behind the data area */
};

static inline size_t rt_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A free cache line of the control page for the test's own shared words
 * (futex counters, stop flags): being in the same MAP_SHARED page, they are
 * shared across fork() exactly like the ring words.
 */
static inline void *rt_ctrl_line(struct rt_ring *rt, unsigned int idx)
{
	if (idx < RT_LINE_FIRST_FREE || (idx + 1) * RT_LINE > rt->page)
		return NULL;
	return rt->ctrl + idx * RT_LINE;
}

static inline void rt_ring_fini(struct rt_ring *rt)
{
	if (rt->region && rt->region != MAP_FAILED)
		munmap(rt->region, rt->region_len);
	if (rt->ctrl && rt->ctrl != MAP_FAILED)
		munmap(rt->ctrl, rt->page);
	if (rt->fd >= 0)
		close(rt->fd);
	memset(rt, 0, sizeof(*rt));
	rt->fd = -1;
}

/*
 * rt_ring_init() - map a ring of @size data bytes taking up to @max_msg
 * payload bytes per record
 * @size must be a power of two and a multiple of the page size (mmap works
 * in pages, and only then can the second mapping follow the first exactly);
 * @max_msg must fit one record in the ring, as kup.ko guarantees for real
 * rings, or kup_prod_reserve() could return -EAGAIN forever.
 * Return: 0, or a negative errno with nothing left mapped.
 */
static inline int rt_ring_init(struct rt_ring *rt, size_t size,
			       kup_u64 max_msg)
{
	volatile unsigned char *alias;
	unsigned char *data;
	int err;

	memset(rt, 0, sizeof(*rt));
	rt->fd = -1;
	rt->page = rt_page_size();
	errno = 0;
	if (!size || (size & (size - 1)) || size % rt->page ||
	    max_msg > UINT32_MAX || kup_rec_size(max_msg) > size)
		return -EINVAL;

	rt->ctrl = mmap(NULL, rt->page, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rt->ctrl == MAP_FAILED)
		goto fail;

	rt->fd = memfd_create("kup-test-ring", MFD_CLOEXEC);
	if (rt->fd < 0 || ftruncate(rt->fd, (off_t)size))
		goto fail;

	/*
	 * Reserve the whole range first, inaccessible, so that nothing else can
	 * be mapped between or next to the two views; MAP_FIXED then replaces
	 * the middle of the reservation and leaves a guard page on each side.
	 */
	rt->region_len = 2 * size + 2 * rt->page;
	rt->region = mmap(NULL, rt->region_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rt->region == MAP_FAILED)
		goto fail;
	data = rt->region + rt->page;
	/* MAP_SHARED on both views: a private view would copy on write. */
	if (mmap(data, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 rt->fd, 0) == MAP_FAILED ||
	    mmap(data + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, rt->fd, 0) == MAP_FAILED)
		goto fail;

	/*
	 * Prove the aliasing before any test relies on it. Volatile: the
	 * compiler assumes that different addresses are different bytes, and
	 * would otherwise drop the stores as dead before the final zeroing.
	 */
	alias = data;
	alias[size - 1] = 0xa5;
	alias[size] = 0x5a;
	if (alias[2 * size - 1] != 0xa5 || alias[0] != 0x5a) {
		errno = EFAULT;
		goto fail;
	}
	alias[size - 1] = 0;
	alias[0] = 0;

	rt->r.prod = (kup_u64 *)(rt->ctrl + RT_LINE_PROD * RT_LINE);
	rt->r.cons = (kup_u64 *)(rt->ctrl + RT_LINE_CONS * RT_LINE);
	rt->r.prod_flags = (kup_u32 *)(rt->ctrl + RT_LINE_PROD_FLAGS * RT_LINE);
	rt->r.cons_flags = (kup_u32 *)(rt->ctrl + RT_LINE_CONS_FLAGS * RT_LINE);
	rt->r.data = data;
	rt->r.size = size;
	rt->r.max_msg = max_msg;
	return 0;

fail:
	err = errno ? -errno : -ENOMEM;
	rt_ring_fini(rt);
	return err;
}

/*
 * Start both sides at position @base. Positions are free-running, so a base
 * just below 2^64 makes a test run through the wrap of the u64 counters,
 * and an unaligned-to-size base starts the records mid-area. @p or @c may
 * be NULL when the caller drives only one side (the fuzzer plays the other).
 */
static inline void rt_ring_reset(struct rt_ring *rt, kup_u64 base,
				 struct kup_prod *p, struct kup_cons *c)
{
	*rt->r.prod = base;
	*rt->r.cons = base;
	*rt->r.prod_flags = 0;
	*rt->r.cons_flags = 0;
	if (p) {
		memset(p, 0, sizeof(*p));
		p->pos = base;
		p->pub = base;
		p->cons_seen = base;
	}
	if (c) {
		memset(c, 0, sizeof(*c));
		c->pos = base;
		c->pub = base;
		c->prod_seen = base;
	}
}

/* Is [@ptr, @ptr + @len) inside the double mapping of the data area? */
static inline int rt_in_data(const struct rt_ring *rt, const void *ptr,
			     kup_u64 len)
{
	uintptr_t lo = (uintptr_t)rt->r.data;
	uintptr_t p = (uintptr_t)ptr;

	return p >= lo && len <= 2 * rt->r.size && p - lo <= 2 * rt->r.size - len;
}

#endif /* _KUP_RING_TEST_UTIL_H */
