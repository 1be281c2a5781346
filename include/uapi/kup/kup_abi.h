/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * KUP shared ABI: the layout of a channel's shared memory and the ioctls.
 * Fixed-width types only; used by kup.ko and by libkup.
 *
 * A channel has two single-producer/single-consumer byte rings:
 *   k2u: kernel produces, user consumes
 *   u2k: user produces, kernel consumes
 * The user maps a channel in two regions of its channel fd:
 *   RO region (offset 0, PROT_READ only):
 *      page 0: struct kup_layout, then the kernel-written ring words
 *      then the k2u data pages, mapped twice back to back
 *   RW region (offset KUP_MMAP_RW_OFFSET, PROT_READ|PROT_WRITE):
 *      page 0: the user-written ring words
 *      then the u2k data pages, mapped twice back to back
 * Because data is mapped twice, a record that starts near the end of the
 * data area continues contiguously: records never wrap for their reader.
 */
#ifndef _UAPI_KUP_ABI_H
#define _UAPI_KUP_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KUP_MAGIC		0x4b555031u	/* "KUP1" */
#define KUP_ABI_VERSION		1
/*
 * The layout version of a channel whose kernel side is multi-producer
 * (kupdev_create_opts() with KUPDEV_CREATE_MP): its k2u records carry
 * KUP_REC_BUSY and KUP_REC_DISCARD. A user that attaches with an
 * abi_version below it cannot attach such a channel (EPROTO): it would
 * read records still being written.
 */
#define KUP_ABI_VERSION_MP	2

/* Every record starts with this header, 8-byte aligned. */
struct kup_rec_hdr {
	__u32 len;		/* payload bytes that follow */
	__u32 flags;		/* 0, or on a multi-producer k2u ring KUP_REC_* */
};
/*
 * Multi-producer k2u rings: a record is published when it is reserved,
 * BUSY until its producer commits it (flags 0) or discards it (DISCARD:
 * the consumer steps over it). The consumer stops at the first BUSY one,
 * so records arrive in reservation order.
 */
#define KUP_REC_BUSY		0x1u
#define KUP_REC_DISCARD		0x2u
#define KUP_REC_ALIGN		8

/* Ring word flags (the *_flags words). */
#define KUP_NEED_WAKEUP		0x1u	/* the side owning this word sleeps */

/* kup_layout.status bits, written by the kernel. */
#define KUP_ST_DETACHED		0x1u	/* device unloaded or channel closed */
#define KUP_ST_BROKEN		0x2u	/* a protocol violation was seen */

/*
 * Where each ring word lives: byte offsets inside the RO (kernel-written)
 * or RW (user-written) control page. Each position has a cache line.
 */
struct kup_layout {
	__u32 magic;
	__u32 version;
	__u32 page_size;
	__u32 chan_id;
	__u64 data_size;	/* bytes in each direction's data area */
	__u64 max_msg;		/* largest payload of one record */
	__u64 ro_size;		/* bytes of the RO region */
	__u64 rw_size;		/* bytes of the RW region */
	__u64 data_offset;	/* data area offset inside each region */
	__u32 off_status;	/* RO: __u32 status */
	__u32 off_k2u_prod;	/* RO: __u64 k2u producer position */
	__u32 off_k2u_prod_flags; /* RO: __u32, kernel waits for room */
	__u32 off_u2k_cons;	/* RO: __u64 u2k consumer position */
	__u32 off_u2k_cons_flags; /* RO: __u32, kernel waits for data */
	__u32 off_u2k_prod;	/* RW: __u64 u2k producer position */
	__u32 off_u2k_prod_flags; /* RW: __u32, user waits for room */
	__u32 off_u2k_want;	/* RW: __u32, bytes the waiting user needs */
	__u32 off_k2u_cons;	/* RW: __u64 k2u consumer position */
	__u32 off_k2u_cons_flags; /* RW: __u32, user waits for data */
	/*
	 * RW: __u64, how far the user has read the k2u ring, records it
	 * holds included: where poll() looks for POLLIN. 0 from a kup.ko
	 * older than this field: there is no such word.
	 */
	__u32 off_k2u_seen;
};

/*
 * The offsets kup.ko puts in struct kup_layout today. Every word written on
 * a different schedule has its own cache line: positions change with every
 * message, flags only around sleeps, and each side reads the other's flags
 * after every publish. A user-space program reads them from kup_layout,
 * which is what keeps it working if they move; these name them once, for
 * kup.ko and for the benchmarks that lay a channel out without it.
 */
#define KUP_RO_STATUS		128
#define KUP_RO_K2U_PROD		192
#define KUP_RO_U2K_CONS		256
#define KUP_RO_K2U_PROD_FLAGS	320
#define KUP_RO_U2K_CONS_FLAGS	384
#define KUP_RW_U2K_PROD		0
#define KUP_RW_K2U_CONS		64
#define KUP_RW_U2K_PROD_FLAGS	128
#define KUP_RW_U2K_WANT		132
#define KUP_RW_K2U_CONS_FLAGS	192
#define KUP_RW_K2U_SEEN		256

/* mmap offset of the RW region; the RO region is at offset 0. */
#define KUP_MMAP_RW_OFFSET	0x10000000ull

/* KUP_IOC_ATTACH: attach a channel; returns a new channel fd. */
struct kup_attach {
	__u32 chan_id;		/* in */
	__u32 pages;		/* in: must equal the device's size */
	__u32 flags;		/* in: KUP_ATTACH_* */
	__u32 abi_version;	/* in: KUP_ABI_VERSION, or _MP if the user
				 * reads multi-producer records */
	__s32 fd;		/* out: channel fd */
	__u32 pad;
	__u64 ro_size;		/* out */
	__u64 rw_size;		/* out */
	__u64 rw_offset;	/* out: mmap offset of the RW region */
};
#define KUP_ATTACH_NOWAIT	0x1u	/* EAGAIN instead of waiting for notify */
#define KUP_ATTACH_FLAGS	KUP_ATTACH_NOWAIT

/* KUP_IOC_INFO on the device fd. */
struct kup_dev_info {
	__u32 chan_cnt;
	__u32 pages;
	__u32 ready;		/* kupdev_notify() was called */
	__u32 pad;
};

/*
 * Per-channel statistics, counted by the kernel since the device was
 * created (KUP_IOC_STATS on a channel fd; KUP_IOC_CHAN_STATS).
 */
struct kup_stats {
	__u64 k2u_msgs;
	__u64 k2u_bytes;
	__u64 u2k_msgs;
	__u64 u2k_bytes;
	__u64 wakeups_sent;	/* kernel woke a sleeping user */
	__u64 wakeups_recv;	/* user woke the kernel (KUP_IOC_WAKE) */
	__u64 full_waits;	/* kernel slept for room */
	__u64 empty_waits;	/* kernel slept for data */
	__u64 proto_errors;
	__u64 attaches;
};

/*
 * KUP_IOC_CHAN_STATS on the device fd: one channel's counters, for whoever
 * may open the device node, even read-only (attaching needs it opened for
 * writing). @total counts since the device was created, across every user
 * of the channel; @session since the channel's last attach (the current
 * user's, or the last one's when none is attached).
 */
struct kup_chan_stats_req {
	__u32 chan_id;		/* in */
	__u32 flags;		/* out: KUP_CHS_* */
	struct kup_stats total;	/* out */
	struct kup_stats session; /* out */
};
#define KUP_CHS_ATTACHED	0x1u	/* a user is attached now */

#define KUP_IOC_MAGIC		0xb7
#define KUP_IOC_ATTACH		_IOWR(KUP_IOC_MAGIC, 1, struct kup_attach)
#define KUP_IOC_INFO		_IOR(KUP_IOC_MAGIC, 2, struct kup_dev_info)
#define KUP_IOC_CHAN_STATS	_IOWR(KUP_IOC_MAGIC, 5, struct kup_chan_stats_req)
/* On a channel fd: */
#define KUP_IOC_WAKE		_IO(KUP_IOC_MAGIC, 3)
#define KUP_IOC_STATS		_IOR(KUP_IOC_MAGIC, 4, struct kup_stats)

#endif /* _UAPI_KUP_ABI_H */
