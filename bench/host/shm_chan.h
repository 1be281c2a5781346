/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A KUP channel without the kernel, for the host benchmarks: the two
 * regions a channel fd gives (a control page, then the data pages mapped
 * twice, back to back) are built from a memfd, with the ring words at the
 * offsets kup.ko uses (KUP_RO_*, KUP_RW_* in kup_abi.h) and the struct
 * kup_layout kup.ko writes at the start of the RO page; libkup reads that
 * layout and sets up its channel as for a real one (kup_chan_over()). One
 * process then runs libkup's real send and receive (lib/kup_chan.c) while
 * another plays the kernel with the ring core (include/kup/ring.h), in the
 * order kernel/kup_io.c calls it.
 *
 * Both regions are MAP_SHARED: set up before fork(), parent and child share
 * them. The user side must never sleep here (there is no fd to poll), so
 * its spin count is set to the largest value: it polls like a busy user.
 */
#ifndef _KUP_BENCH_SHM_CHAN_H
#define _KUP_BENCH_SHM_CHAN_H

#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kup_lib.h"

/*
 * The ring words go where kup.ko puts them (KUP_RO_*, KUP_RW_* in the ABI
 * header); a free line of the RW control page carries the benchmark's own
 * handshakes.
 */
#define SHM_RW_SCRATCH		1024

struct shm_chan {
	unsigned char *ro, *rw;		/* control page + data twice */
	size_t page, size, region;
	/* The kernel's view and its private state. */
	struct kup_ring k2u, u2k;
	struct kup_prod k2u_p;
	struct kup_cons u2k_c;
	/* libkup's channel over the same memory. */
	struct kup_chan_handle *user;
};

/* Control page at offset 0 of @fd, data (@size bytes at @page) twice. */
static inline unsigned char *shm_region(int fd, size_t page, size_t size)
{
	unsigned char *base;

	base = mmap(NULL, page + 2 * size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mmap(base, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED ||
	    mmap(base + page, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, page) == MAP_FAILED ||
	    mmap(base + page + size, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, page) == MAP_FAILED) {
		munmap(base, page + 2 * size);
		return NULL;
	}
	return base;
}

static inline void shm_ring_view(struct kup_ring *r, unsigned char *pc,
				 unsigned int prod, unsigned int prod_flags,
				 unsigned char *cc, unsigned int cons,
				 unsigned int cons_flags, unsigned char *data,
				 size_t size)
{
	r->prod = (kup_u64 *)(pc + prod);
	r->prod_flags = (kup_u32 *)(pc + prod_flags);
	r->cons = (kup_u64 *)(cc + cons);
	r->cons_flags = (kup_u32 *)(cc + cons_flags);
	r->data = data;
	r->size = size;
	r->max_msg = size - sizeof(struct kup_rec_hdr);
}

/* A channel of @size data bytes each way, laid out as kup.ko does; 0 or -1. */
static inline int shm_chan_init(struct shm_chan *c, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int ro_fd, rw_fd, err = -1;

	memset(c, 0, sizeof(*c));
	c->page = page;
	c->size = size;
	c->region = page + 2 * size;
	ro_fd = memfd_create("kup-bench-ro", 0);
	rw_fd = memfd_create("kup-bench-rw", 0);
	if (ro_fd < 0 || rw_fd < 0 || ftruncate(ro_fd, page + size) ||
	    ftruncate(rw_fd, page + size))
		goto out;
	c->ro = shm_region(ro_fd, page, size);
	c->rw = shm_region(rw_fd, page, size);
	if (!c->ro || !c->rw)
		goto out;
	/* k2u: the kernel produces into RO, the user consumes (RW words). */
	shm_ring_view(&c->k2u, c->ro, KUP_RO_K2U_PROD, KUP_RO_K2U_PROD_FLAGS,
		      c->rw, KUP_RW_K2U_CONS, KUP_RW_K2U_CONS_FLAGS,
		      c->ro + page, size);
	/* u2k: the user produces into RW, the kernel consumes (RO words). */
	shm_ring_view(&c->u2k, c->rw, KUP_RW_U2K_PROD, KUP_RW_U2K_PROD_FLAGS,
		      c->ro, KUP_RO_U2K_CONS, KUP_RO_U2K_CONS_FLAGS,
		      c->rw + page, size);
	kup_layout_fill((struct kup_layout *)c->ro, page, size, c->region);
	c->user = kup_chan_over(c->ro, c->region, c->rw, c->region);
	err = c->user ? 0 : -1;
out:
	if (ro_fd >= 0)
		close(ro_fd);
	if (rw_fd >= 0)
		close(rw_fd);
	return err;
}

static inline void shm_chan_fini(struct shm_chan *c)
{
	if (c->ro)
		munmap(c->ro, c->region);
	if (c->rw)
		munmap(c->rw, c->region);
	free(c->user);
}

/* A shared word of the scratch line for start/stop handshakes. */
static inline unsigned int *shm_chan_word(struct shm_chan *c, unsigned int i)
{
	return (unsigned int *)(c->rw + SHM_RW_SCRATCH) + i;
}

/*
 * The kernel's half of the data path, in the order kernel/kup_io.c runs
 * the ring core: receive in place, then give the bytes back (unlock) and
 * wake the user only if it sleeps; reserve, fill, commit, wake if needed.
 * Nobody sleeps here, so the wake-up checks only cost their barrier.
 */
static inline void *shm_k_receive(struct shm_chan *c, kup_u64 *len)
{
	void *msg;

	while (kup_cons_peek(&c->u2k, &c->u2k_c, &msg, len))
		bench_cpu_relax();
	kup_cons_advance(&c->u2k_c, *len);
	return msg;
}

static inline void shm_k_unlock(struct shm_chan *c)
{
	kup_cons_publish(&c->u2k, &c->u2k_c);
	if (kup_cons_must_wake(&c->u2k))
		bench_clobber(c);	/* kup.ko would wake_up() here */
}

static inline void *shm_k_reserve(struct shm_chan *c, size_t len)
{
	void *buf;

	while (kup_prod_reserve(&c->k2u, &c->k2u_p, len, &buf))
		bench_cpu_relax();
	return buf;
}

static inline void shm_k_commit(struct shm_chan *c)
{
	kup_prod_commit(&c->k2u, &c->k2u_p);
	if (kup_prod_must_wake(&c->k2u))
		bench_clobber(c);	/* kup.ko would wake_up() here */
}

/*
 * Bursts, as kup_io.c runs kupdev_receive_batch() and kupdev_send_batch():
 * take every record that is there (up to @max, waiting for the first),
 * then give their room back with one publish and one check; stage up to
 * @n records and publish them with one store and one check, publishing
 * what is staged before waiting for room.
 */
static inline unsigned int shm_k_receive_batch(struct shm_chan *c, void **msgs,
					       kup_u64 *lens, unsigned int max)
{
	unsigned int n = 0;

	for (;;) {
		while (n < max &&
		       !kup_cons_peek(&c->u2k, &c->u2k_c, &msgs[n], &lens[n]))
			kup_cons_advance(&c->u2k_c, lens[n++]);
		if (n)
			return n;
		bench_cpu_relax();
	}
}

static inline void shm_k_publish(struct shm_chan *c)
{
	kup_prod_publish(&c->k2u, &c->k2u_p);
	if (kup_prod_must_wake(&c->k2u))
		bench_clobber(c);	/* kup.ko would wake_up() here */
}

static inline void shm_k_send_batch(struct shm_chan *c, const void *data,
				    size_t len, unsigned int n)
{
	unsigned int i, staged = 0;
	void *buf;

	for (i = 0; i < n; i++) {
		while (kup_prod_reserve(&c->k2u, &c->k2u_p, len, &buf)) {
			if (staged)
				shm_k_publish(c);
			staged = 0;
			bench_cpu_relax();
		}
		memcpy(buf, data, len);
		kup_prod_stage(&c->k2u, &c->k2u_p);
		staged = 1;
	}
	if (staged)
		shm_k_publish(c);
}

#endif /* _KUP_BENCH_SHM_CHAN_H */
