/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/tunnel in-kernel API (kup_tunnel.ko): a pipe-like procfs file with
 * one byte buffer each way. Kernel code puts bytes for user space with
 * tunnel_write() and takes the bytes user space wrote with tunnel_read().
 *
 * None of these functions sleeps: they may be called from process, softirq
 * and hard interrupt context and with spinlocks held. (On PREEMPT_RT "hard
 * interrupt" means a context where spinlock_t may be taken: threaded
 * handlers, soft hrtimers, irq_work without IRQ_WORK_HARD_IRQ.) They copy
 * with interrupts as the caller had them; the bytes of kernel writers
 * copying at the same time are published when the last of them is done,
 * each call keeping preemption off meanwhile. On PREEMPT_RT callers copy
 * one at a time under the tunnel's lock instead (priority inheritance): a
 * caller may wait there for another's copy.
 */
#ifndef _KUP_TUNNEL_H
#define _KUP_TUNNEL_H

#include <kup/kup_ns.h>

/* Largest buffer, per direction, in pages (the "pages" module parameter). */
#define TUNNEL_MAX_PAGES	1024

int tunnel_read(char *loc, int count);
int tunnel_write(char *loc, int count);
int tunnel_user(void);
int tunnel_avail(void);

/* Extended API. */

/**
 * typedef tunnel_notify_t - "the user side moved bytes" callback
 *
 * Called after a user write() put bytes into the user-to-kernel buffer and
 * after a user read() made room in the kernel-to-user buffer, in the
 * context of that system call, under rcu_read_lock(): it must not sleep.
 * It may run on several CPUs at once.
 */
typedef void (*tunnel_notify_t)(void);

int tunnel_set_notify(tunnel_notify_t fn);

#endif /* _KUP_TUNNEL_H */
