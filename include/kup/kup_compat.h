/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels KUP supports, in one place: each is
 * named by what it provides, and each version test is written once, with
 * the release that changed the interface. No other file of the product,
 * the examples, the tests or the benchmarks tests LINUX_VERSION_CODE.
 *
 * Version tests, not Kbuild-time probes: the supported range (KERNELS at
 * the top of the tree) is Debian's kernels, which take upstream's
 * interfaces as they are, and a version test costs a DKMS build nothing.
 * Where a distribution backports an interface (Debian's 6.12 has
 * system_percpu_wq from 6.17), we use what both sides have rather than
 * test for it. A kernel that renamed an interface back into an older
 * release would need a probe here; none of ours does.
 *
 * It sits in include/kup/ rather than kernel/ because the installed
 * <kup/kup_ns.h>, which client modules include, needs one of its tests;
 * it is installed with the client headers for that reason.
 */
#ifndef _KUP_KUP_COMPAT_H
#define _KUP_KUP_COMPAT_H

#include <linux/version.h>

/*
 * The oldest kernel KUP builds for: Linux-Minimum in the file KERNELS,
 * which Kbuild passes as KUP_LINUX_MIN. (A client module built with its
 * own Kbuild has kup.ko's build behind it, which stopped here already.)
 */
#if defined(KUP_LINUX_MIN) && LINUX_VERSION_CODE < KUP_LINUX_MIN
#error "This kernel is older than KUP's Linux-Minimum (see the file KERNELS)"
#endif

/*
 * 6.13: a module namespace is a string literal ("KUP"); before, a bare
 * token that the macros stringified.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define KUP_NS_ID "KUP"
#else
#define KUP_NS_ID KUP
#endif

/* 6.2: a class's devnode() callback takes a const device. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KUP_DEVNODE_CONST const
#else
#define KUP_DEVNODE_CONST
#endif

/* 6.4: class_create() lost its owner argument. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kup_class_create(name) class_create(name)
#else
#define kup_class_create(name) class_create(THIS_MODULE, name)
#endif

/*
 * 6.3: vma->vm_flags became read-only; vm_flags_mod() changes it (and
 * asserts the mmap lock).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define kup_vm_flags_mod(vma, set, clear) vm_flags_mod(vma, set, clear)
#else
#define kup_vm_flags_mod(vma, set, clear) \
	((vma)->vm_flags = ((vma)->vm_flags | (set)) & ~(clear))
#endif

/*
 * 6.16: a bin_attribute's read() takes a const attribute, and an
 * attribute_group's bin_attrs is an array of const pointers.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define KUP_BIN_ATTR_CONST const
#else
#define KUP_BIN_ATTR_CONST
#endif

/*
 * 6.17: a workqueue says whether it is per-CPU (WQ_PERCPU, new) or
 * unbound, and from 7.x alloc_workqueue() warns when it says neither;
 * before 6.17, no flag meant per-CPU.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define KUP_WQ_PERCPU WQ_PERCPU
#else
#define KUP_WQ_PERCPU 0
#endif

/*
 * 6.13: hrtimer_setup() sets the callback with the clock and mode;
 * 6.15 removed hrtimer_init() and hrtimer_init_on_stack().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define kup_hrtimer_setup(t, fn, clock, mode) hrtimer_setup(t, fn, clock, mode)
#define kup_hrtimer_setup_on_stack(t, fn, clock, mode) \
	hrtimer_setup_on_stack(t, fn, clock, mode)
#else
#define kup_hrtimer_setup(t, fn, clock, mode) \
	do { hrtimer_init(t, clock, mode); (t)->function = (fn); } while (0)
#define kup_hrtimer_setup_on_stack(t, fn, clock, mode) \
	do { hrtimer_init_on_stack(t, clock, mode); (t)->function = (fn); } while (0)
#endif

/* 6.2: timer_delete_sync(); 6.15 removed del_timer_sync(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define kup_timer_delete_sync(t) timer_delete_sync(t)
#else
#define kup_timer_delete_sync(t) del_timer_sync(t)
#endif

/*
 * 6.16: from_timer() became timer_container_of(), and
 * destroy_timer_on_stack() timer_destroy_on_stack().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define kup_timer_container_of(var, t, field) timer_container_of(var, t, field)
#define kup_timer_destroy_on_stack(t) timer_destroy_on_stack(t)
#else
#define kup_timer_container_of(var, t, field) from_timer(var, t, field)
#define kup_timer_destroy_on_stack(t) destroy_timer_on_stack(t)
#endif

/*
 * 6.17: relay's subbuf_start() callback lost its prev_padding argument.
 * KUP_RELAY_SUBBUF_START(name) declares a callback of the kernel's type.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define KUP_RELAY_SUBBUF_START(name) \
	int name(struct rchan_buf *buf, void *subbuf, void *prev_subbuf)
#else
#define KUP_RELAY_SUBBUF_START(name) \
	int name(struct rchan_buf *buf, void *subbuf, void *prev_subbuf, \
		 size_t prev_padding)
#endif

/*
 * io_uring's uring_cmd: 6.4 keeps the whole SQE (cmd->sqe) where 6.1 had
 * the command bytes (cmd->cmd); 6.8 moved struct io_uring_cmd to
 * <linux/io_uring/cmd.h>. KUP_IO_URING_CMD_H is the header to include (a
 * quoted name: in <linux/...> the compiler's own "linux" macro expands).
 * (io_uring_sqe_cmd() is not used: it took a type argument later on.)
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define KUP_IO_URING_CMD_H "linux/io_uring/cmd.h"
#else
#define KUP_IO_URING_CMD_H "linux/io_uring.h"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define kup_uring_cmd_bytes(cmd) ((const void *)(cmd)->sqe->cmd)
#else
#define kup_uring_cmd_bytes(cmd) ((cmd)->cmd)
#endif

#endif /* _KUP_KUP_COMPAT_H */
