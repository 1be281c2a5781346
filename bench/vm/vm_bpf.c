// SPDX-License-Identifier: GPL-2.0
/*
 * vm_bench tput bpf: the BPF ring buffer as a kernel -> user stream, every
 * record checked. kup_bench_peers.ko fires its trace event kupb_record per
 * record (KUPB_STREAM_TRACE); kupb_ringbuf.bpf.o, attached to its raw
 * tracepoint, reserves, copies and submits each one into a 256 KiB BPF ring
 * buffer, or counts a drop when that is full. The user consumes with
 * libbpf's ring_buffer__consume(), spinning, and counts for the rate only
 * what arrived; vm.drops.bpf_ringbuf.SIZE is the share the producer
 * dropped, over every run of that size.
 *
 * Under TCG the BPF ring buffer pays more than it would on hardware: every
 * reservation takes a spinlock with irqs off and the commit is an atomic
 * exchange, both emulated (see bench/README.md).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "kup_bench_uapi.h"
#include "vm_lib.h"

#define BPF_OBJ		"/bin/kupb_ringbuf.bpf.o"
#define BPF_TP		"kupb_record"

static const unsigned int bpf_sizes[] = { 64, 1024, 4096 };

struct bpf_peer {
	int ctl;			/* /dev/kupb_peers */
	int drops_fd;
	struct ring_buffer *rb;
	uint32_t size;
	uint64_t got, next;		/* records seen; the next possible seq */
	uint64_t drops, total;		/* over every run of a size */
};

static int bpf_record(void *ctx, void *data, size_t len)
{
	struct bpf_peer *b = ctx;
	uint64_t seq;

	if (len != b->size)
		bench_die("bpf ring buffer: a record of %zu bytes, not %u", len,
			  b->size);
	memcpy(&seq, data, sizeof(seq));
	/* Drops leave gaps; the order must hold. */
	if (seq < b->next)
		bench_die("bpf ring buffer: record %llu after %llu",
			  (unsigned long long)seq, (unsigned long long)b->next - 1);
	b->next = seq + 1;
	b->got++;
	return 0;
}

static uint64_t bpf_drops(struct bpf_peer *b)
{
	uint32_t k = 0;
	uint64_t d = 0;

	if (bpf_map_lookup_elem(b->drops_fd, &k, &d))
		bench_die("bpf drops map: %s", strerror(errno));
	return d;
}

static double tput_bpf(void *ctx, uint64_t n)
{
	struct bpf_peer *b = ctx;
	struct kupb_stream c = { KUPB_STREAM_TRACE, b->size, n };
	uint64_t drops0 = bpf_drops(b), dropped = 0;
	double t0 = bench_now();
	int r;

	b->got = b->next = 0;
	if (ioctl(b->ctl, KUPB_IOC_STREAM, &c))
		return -1;
	while (b->got + dropped < n) {
		r = ring_buffer__consume(b->rb);
		if (r < 0)
			bench_die("ring_buffer__consume: %s", strerror(-r));
		if (!r)
			dropped = bpf_drops(b) - drops0;
		if (bench_now() - t0 > 30)
			bench_die("bpf ring buffer: stalled at %llu + %llu dropped",
				  (unsigned long long)b->got,
				  (unsigned long long)dropped);
	}
	t0 = bench_now() - t0;
	b->drops += dropped;
	b->total += n;
	/* As a time, so that the rate is of the records that arrived. */
	return b->got ? t0 * n / b->got : -1;
}

void run_tput_bpf(void)
{
	struct bpf_peer b = { .ctl = open_dev("/dev/" KUPB_PEERS_NAME) };
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_link *link;
	unsigned int s;

	bench_rep_secs = vm_rep_secs();
	bench_pin(0);
	obj = bpf_object__open_file(BPF_OBJ, NULL);
	if (!obj || bpf_object__load(obj))
		bench_die("%s: cannot load: %s", BPF_OBJ, strerror(errno));
	prog = bpf_object__find_program_by_name(obj, "kupb_record");
	link = prog ? bpf_program__attach_raw_tracepoint(prog, BPF_TP) : NULL;
	if (!link)
		bench_die("raw tracepoint %s: %s", BPF_TP, strerror(errno));
	b.drops_fd = bpf_object__find_map_fd_by_name(obj, "drops");
	b.rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "records"),
				bpf_record, &b, NULL);
	if (b.drops_fd < 0 || !b.rb)
		bench_die("bpf maps: %s", strerror(errno));
	for (s = 0; s < sizeof(bpf_sizes) / sizeof(bpf_sizes[0]); s++) {
		b.size = bpf_sizes[s];
		b.drops = b.total = 0;
		bench_fig_rate(FIG_VM_K2U_BPF_RINGBUF, b.size,
			       bench_rate(tput_bpf, &b, 100, 1ull << 32));
		bench_fig(FIG_VM_BPF_RINGBUF_DROPS, b.size,
			  b.total ? (double)b.drops / b.total : 0);
	}
	ring_buffer__free(b.rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	close(b.ctl);
}
