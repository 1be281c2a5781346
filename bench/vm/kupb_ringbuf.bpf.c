// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF ring buffer peer of make bench: on kup_bench_peers.ko's raw
 * tracepoint kupb_record(seq, data, size), reserve a record of the
 * stream's size in a 256 KiB BPF ring buffer, copy the kernel's record
 * into it, submit. A full ring drops the record, counted in drops[0], as
 * any BPF producer must (it cannot wait). Built with clang -target bpf;
 * no kernel BTF needed (raw tracepoint, plain arguments).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void dropped(void)
{
	__u32 k = 0;
	__u64 *d = bpf_map_lookup_elem(&drops, &k);

	if (d)
		__sync_fetch_and_add(d, 1);
}

/* The verifier wants a constant size per reservation: one per stream size. */
#define COPY_AS(n)							\
	do {								\
		void *r = bpf_ringbuf_reserve(&records, (n), 0);	\
		if (!r) {						\
			dropped();					\
			return 0;					\
		}							\
		bpf_probe_read_kernel(r, (n), data);			\
		bpf_ringbuf_submit(r, 0);				\
		return 0;						\
	} while (0)

SEC("raw_tracepoint/kupb_record")
int kupb_record(struct bpf_raw_tracepoint_args *ctx)
{
	const void *data = (const void *)ctx->args[1];
	__u32 size = ctx->args[2];

	if (size == 64)
		COPY_AS(64);
	if (size == 1024)
		COPY_AS(1024);
	if (size == 4096)
		COPY_AS(4096);
	dropped();
	return 0;
}
