/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * What kup_bench.ko and the in-VM benchmark program (vm_bench) agree on:
 * device names, the ioctl, the command message of the KUP channels and the
 * netlink message types. Fixed-width types only.
 */
#ifndef _KUP_BENCH_UAPI_H
#define _KUP_BENCH_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The KUP device: /dev/kup_bench, one sink/source thread per channel. */
#define KUPB_KUP_NAME		"kup_bench"
/* ioctl echo, write() sink, read() source: /dev/kup_bench_io. */
#define KUPB_IO_NAME		"kup_bench_io"
/* write() -> kernel thread -> read() echo: /dev/kup_bench_kt. */
#define KUPB_KT_NAME		"kup_bench_kt"

/* Largest message of every path. */
#define KUPB_MAX_MSG		65536

/* The ioctl echo: 64 bytes in, the same 64 bytes out. */
struct kupb_echo64 {
	__u8 data[64];
};
#define KUPB_IOC_MAGIC		0xb8
#define KUPB_IOC_ECHO64		_IOWR(KUPB_IOC_MAGIC, 1, struct kupb_echo64)

/*
 * The first message on a freshly attached KUP channel, and on the netlink
 * socket for a source: what the kernel side does next.
 */
struct kupb_cmd {
	__u32 op;		/* KUPB_OP_* */
	__u32 size;		/* bytes per message */
	__u64 count;		/* messages */
};
/* Take @count messages, discard them in place, then send one 8-byte ack. */
#define KUPB_OP_SINK		1
/* Send @count messages of @size bytes, copied from a kernel buffer. */
#define KUPB_OP_SOURCE_COPY	2
/* The same, zero copy: reserve, write an 8-byte sequence number, commit. */
#define KUPB_OP_SOURCE_ZC	3
/* Bursts: as SINK with kupdev_receive_batch(), as SOURCE_COPY with
 * kupdev_send_batch(), KUPB_BURST messages per call. */
#define KUPB_OP_SINK_BURST	5
#define KUPB_OP_SOURCE_BURST	6
#define KUPB_BURST		64
/*
 * Messages per burst call for @size-byte messages in a @ring-byte ring: a
 * burst takes at most a quarter of the ring, so that the two sides still
 * overlap (a burst of the whole ring would make them take turns).
 */
#define KUPB_BURST_FOR(size, ring)					\
	((ring) / 4 / ((size) + 16) < 1 ? 1 :				\
	 (ring) / 4 / ((size) + 16) > KUPB_BURST ? KUPB_BURST :		\
	 (ring) / 4 / ((size) + 16))

/*
 * kup_bench_peers.ko: /dev/kupb_peers. KUPB_IOC_STREAM starts a stream of
 * @count records of @size bytes, each beginning with its 8-byte sequence
 * number: through relay (debugfs kup_bench/relay0, read in place through
 * mmap) or a kfifo (read() of /dev/kupb_peers).
 */
#define KUPB_PEERS_NAME		"kupb_peers"
struct kupb_stream {
	__u32 kind;		/* KUPB_STREAM_* */
	__u32 size;
	__u64 count;
};
#define KUPB_STREAM_RELAY	1
#define KUPB_STREAM_KFIFO	2
/* Fire the trace event kupb_record(seq, record, size) per record. */
#define KUPB_STREAM_TRACE	3
#define KUPB_IOC_STREAM		_IOW(KUPB_IOC_MAGIC, 2, struct kupb_stream)
/* arg: sub-buffers the user is done with (relay_subbufs_consumed()). */
#define KUPB_IOC_RELAY_CONSUMED	_IO(KUPB_IOC_MAGIC, 3)
#define KUPB_RELAY_SUBBUF	32768
#define KUPB_RELAY_NSUB		8
/*
 * At the start of each relay sub-buffer: @magic, KUPB_RELAY_MAGIC, which no
 * record's first word (its sequence number) can be, so that a reader of
 * the read() stream knows a header where it expected a record; @seq, 1 +
 * its index among all sub-buffers produced; @prev_padding, the unused
 * bytes at the end of the one before it (complete once this one has its
 * @seq).
 */
#define KUPB_RELAY_MAGIC	0xfeed4b5550524c59ull
struct kupb_relay_hdr {
	__u64 magic;
	__u64 seq;
	__u64 prev_padding;
};

/*
 * io_uring: IORING_OP_URING_CMD on /dev/kupb_peers with cmd_op
 * KUPB_URING_ECHO and struct kupb_uring_echo in the 16 command bytes of a
 * 64-byte SQE. The kernel copies the @len bytes at @buf in, then out to
 * @buf + @len, and completes at once with 0: the fastest a uring_cmd driver
 * can answer.
 */
#define KUPB_URING_ECHO		1
#define KUPB_URING_MAX		256
struct kupb_uring_echo {
	__u64 buf;
	__u32 len;
	__u32 pad;
};

/*
 * Costs of single calls, each measured alone on one CPU (nobody on the
 * other side moves): the user sends @count 64-byte messages while the
 * kernel thread sleeps, then the kernel times what it does with them and
 * more, and answers with struct kupb_probe after @count messages of its own.
 */
#define KUPB_OP_PROBE		4
#define KUPB_PROBE_MAX		2000	/* messages; they fit in the ring */
#define KUPB_PROBE_SLEEP_MS	300	/* the user's time to send them */

/* Totals in ns over @iters calls each (@count for the message paths). */
struct kupb_probe {
	__u64 count;
	__u64 iters;
	__u64 sink_ns;		/* kupdev_receive_len(NB) + unlock, a message there */
	__u64 empty_ns;		/* kupdev_receive_len(NB) on an empty ring */
	__u64 reserve_ns;	/* kupdev_reserve(NB) + 8-byte write + commit */
	__u64 send_ns;		/* kupdev_send_flags(NB), 64 bytes copied */
	__u64 lock_ns;		/* spin_lock_irqsave() + unlock */
	__u64 atomic_ns;	/* refcount_inc() + refcount_dec() */
	__u64 mb_ns;		/* smp_mb() */
};

/*
 * Netlink (protocol number: /sys/module/kup_bench/parameters/nl_proto).
 * Message types; the payload follows the struct nlmsghdr.
 */
#define KUPB_NL_ECHO		0x20	/* answered with the same payload */
#define KUPB_NL_SINK		0x21	/* consumed, no answer */
#define KUPB_NL_SOURCE		0x22	/* payload: struct kupb_cmd */
#define KUPB_NL_DATA		0x23	/* what a source sends */

#endif /* _KUP_BENCH_UAPI_H */
