/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The few primitives the ring core needs, for the kernel and for user space,
 * so that one ring.h is compiled into both.
 */
#ifndef _KUP_RING_SHIM_H
#define _KUP_RING_SHIM_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/processor.h>

typedef u64 kup_u64;
typedef u32 kup_u32;
#define kup_load_acquire(p)		smp_load_acquire(p)
#define kup_store_release(p, v)		smp_store_release(p, v)
#define kup_read_once(x)		READ_ONCE(x)
#define kup_write_once(x, v)		WRITE_ONCE(x, v)
#define kup_full_barrier()		smp_mb()
#define kup_likely(x)			likely(x)
#define kup_unlikely(x)			unlikely(x)
#define kup_cpu_relax()			cpu_relax()

#else /* user space */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t kup_u64;
typedef uint32_t kup_u32;
#define kup_load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define kup_store_release(p, v)		__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define kup_read_once(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define kup_write_once(x, v)		__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define kup_full_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define kup_likely(x)			__builtin_expect(!!(x), 1)
#define kup_unlikely(x)			__builtin_expect(!!(x), 0)

/*
 * In a spin loop: without it a poller re-reads the peer's position line as
 * fast as the core can, and each of the peer's stores to it then waits for
 * the line to come back (the peer's full barrier stalls on that).
 */
static inline void kup_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}
#endif

#endif /* _KUP_RING_SHIM_H */
