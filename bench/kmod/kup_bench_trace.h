/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kup_bench_peers.ko's trace event, the producer of the BPF ring buffer
 * peer: a BPF program on the raw tracepoint kupb_record copies each record
 * into a BPF ring buffer (kupb_ringbuf.bpf.c), as a BPF tracer would.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kup_bench

#if !defined(_KUP_BENCH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KUP_BENCH_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(kupb_record,
	TP_PROTO(u64 seq, const void *data, u32 size),
	TP_ARGS(seq, data, size),
	TP_STRUCT__entry(
		__field(u64, seq)
		__field(u32, size)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->size = size;
	),
	TP_printk("seq=%llu size=%u", __entry->seq, __entry->size)
);

#endif /* _KUP_BENCH_TRACE_H */

/* define_trace.h includes this file again, from the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kup_bench_trace
#include <trace/define_trace.h>
