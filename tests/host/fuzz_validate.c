// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the ring core's checks of what the peer writes: the
 * positions and record headers that kup.ko reads from memory a hostile user
 * process can write at any time.
 *
 * Two rings of one page each, laid out as in a channel (ring_test_util.h):
 *   u2k: "the kernel" consumes with kup_cons_peek/advance/publish, and the
 *        fuzz input plays the user producer: it writes the producer
 *        position, record headers and data bytes, honestly or not;
 *   k2u: "the kernel" produces with kup_prod_reserve/commit, and the input
 *        plays the user consumer: it writes the consumer position.
 * The input is a list of operations on both, in any order. The kernel side
 * stops using a ring after -EPROTO, as kup.ko does (it marks the channel
 * broken).
 *
 * What must hold (abort() otherwise, which libFuzzer reports as a crash):
 *   - a record returned by peek starts at the consumer's own position and
 *     lies inside the double mapping, its length is at most max_msg and it
 *     ends at or before a producer position the user really published, no
 *     more than a ring size ahead of the consumer;
 *   - a reservation starts at the producer's own position, lies inside the
 *     double mapping and only covers bytes behind a consumer position the
 *     user really published (and not ahead of the producer); a length above
 *     max_msg gets -EMSGSIZE;
 *   - while the user side has only behaved honestly, nothing is rejected,
 *     nothing is lost and every byte arrives as sent.
 * Guard pages around each double mapping turn any stray access into a
 * SIGSEGV (sanitizers do not watch mmap'd memory).
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (libFuzzer supplies
 * main); with -DFUZZ_REPLAY_MAIN it gets a main() that runs the inputs named
 * on its command line, to replay a crash with any compiler.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "payload.h"
#include "ring_test_util.h"

#define FZ_HIST		512	/* published positions remembered per input */
#define FZ_MAX_OPS	4096

/*
 * An honest producer only publishes positions within one ring size of the
 * consumer position *published* to it, so a consumer never holds more than
 * a ring's worth of stepped-past, unpublished records; kup_cons_peek()
 * checks this bound (it once only bounded the private position, which let a
 * lying producer hand the same bytes out again while earlier ones were held).
 */
#ifndef FZ_STRICT_WINDOW
#define FZ_STRICT_WINDOW	1
#endif

/* Where reads of whole records go, so that the compiler keeps them. */
static volatile unsigned char fz_sink;

#define FZ_ASSERT(cond, ...)						\
do {									\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_validate: %s:%d: ", __func__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* The fuzz input, consumed front to back; zeros once it runs out. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static uint64_t in_bytes(struct fz_in *in, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

#define in_u8(in)	((uint8_t)in_bytes(in, 1))
#define in_u16(in)	((uint16_t)in_bytes(in, 2))
#define in_u32(in)	((uint32_t)in_bytes(in, 4))
#define in_u64(in)	in_bytes(in, 8)

/* Every value one side ever published: what the other side may believe. */
struct fz_hist {
	kup_u64 v[FZ_HIST];
	unsigned int n;
};

static bool hist_add(struct fz_hist *h, kup_u64 v)
{
	/* Full: the caller skips the write, so the history stays complete. */
	if (h->n == FZ_HIST)
		return false;
	h->v[h->n++] = v;
	return true;
}

struct fz {
	struct rt_ring u2k;
	struct rt_ring k2u;
	kup_u64 size;
	kup_u64 base;

	/* u2k: kernel consumer, user producer */
	struct kup_cons kc;
	bool kc_broken;
	bool kc_tainted;	/* the user producer misbehaved at least once */
	bool kc_held;		/* a record peeked and not yet stepped past */
	kup_u64 kc_len;
	kup_u64 up_pos;		/* the honest user producer's position */
	struct fz_hist prod_hist;

	/* k2u: kernel producer, user consumer */
	struct kup_prod kp;
	bool kp_broken;
	bool kp_tainted;	/* the user consumer misbehaved at least once */
	bool kp_reserved;
	kup_u64 kp_len;
	kup_u64 uc_pos;		/* the honest user consumer's position */
	struct fz_hist cons_hist;
};

enum {
	/* u2k, user side */
	OP_U_PRODUCE,		/* append a well-formed record */
	OP_U_PROD_NEAR,		/* producer position = consumer's + small */
	OP_U_PROD_RAW,		/* producer position = anything */
	OP_U_HEADER,		/* overwrite a record header */
	OP_U_BYTES,		/* overwrite data bytes */
	/* u2k, kernel side */
	OP_K_PEEK,
	OP_K_ADVANCE,
	OP_K_PUBLISH,
	/* k2u, user side */
	OP_U_CONSUME,		/* read one record and release it, honestly */
	OP_U_CONS_NEAR,		/* consumer position = producer's + small */
	OP_U_CONS_RAW,		/* consumer position = anything */
	/* k2u, kernel side */
	OP_K_RESERVE,
	OP_K_COMMIT,
	OP_K_STAGE,		/* finish the record, publish later (a burst) */
	OP_K_PROD_PUBLISH,	/* publish what is staged */
	/* the flags words, both rings */
	OP_FLAGS,
	OP_COUNT
};

static uint64_t u2k_key(kup_u64 pos)
{
	return pl_key(0x7532, 0, pos);
}

static uint64_t k2u_key(kup_u64 pos)
{
	return pl_key(0x6b32, 1, pos);
}

static bool in_hist(const struct fz_hist *h, kup_u64 v)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->v[i] == v)
			return true;
	return false;
}

/* A length the fuzzer easily steers to the interesting edges. */
static kup_u64 pick_len(struct fz_in *in, kup_u64 max_msg)
{
	uint8_t mode = in_u8(in);

	switch (mode & 3) {
	case 0:
		return in_u16(in) % (max_msg + 1);
	case 1:
		return max_msg + (int8_t)in_u8(in);
	case 2:
		return in_u16(in);
	default:
		return in_u32(in);
	}
}

static void u_produce(struct fz *f, struct fz_in *in)
{
	struct kup_ring *r = &f->u2k.r;
	kup_u64 len = in_u16(in) % (r->max_msg + 1);
	kup_u64 need = kup_rec_size(len);
	struct kup_rec_hdr *h;

	/* Room is judged from what the kernel published, as libkup would. */
	if (f->up_pos + need - kup_load_acquire(r->cons) > f->size ||
	    f->prod_hist.n == FZ_HIST)
		return;
	h = kup_rec_at(r, f->up_pos);
	h->len = (kup_u32)len;
	h->flags = 0;
	pl_fill(h + 1, len, u2k_key(f->up_pos));
	f->up_pos += need;
	hist_add(&f->prod_hist, f->up_pos);
	kup_store_release(r->prod, f->up_pos);
}

static void u_prod_write(struct fz *f, kup_u64 v)
{
	if (!hist_add(&f->prod_hist, v))
		return;
	f->kc_tainted = true;
	kup_store_release(f->u2k.r.prod, v);
}

static void u_header(struct fz *f, struct fz_in *in)
{
	struct kup_rec_hdr *h;
	kup_u64 pos = f->kc.pos + 8 * (kup_u64)in_u8(in);

	h = kup_rec_at(&f->u2k.r, pos);
	h->len = (kup_u32)pick_len(in, f->u2k.r.max_msg);
	h->flags = in_u8(in) & 1 ? in_u32(in) : 0;
	f->kc_tainted = true;
}

static void u_bytes(struct fz *f, struct fz_in *in)
{
	unsigned char *d = f->u2k.r.data;
	kup_u64 off = in_u16(in) & (f->size - 1);
	unsigned int n = in_u8(in) % 64, i;

	/* Through either view: off + n stays below 2 * size. */
	if (in_u8(in) & 1)
		off += f->size - n;
	for (i = 0; i < n; i++)
		d[off + i] = in_u8(in);
	f->kc_tainted = true;
}

static void k_peek(struct fz *f)
{
	struct kup_ring *r = &f->u2k.r;
	const unsigned char *m;
	kup_u64 len, need, ahead;
	unsigned int i;
	bool ok = false;
	void *msg;
	int err;

	err = kup_cons_peek(r, &f->kc, &msg, &len);
	if (err == -EAGAIN) {
		FZ_ASSERT(f->kc_tainted || f->up_pos == f->kc.pos,
			  "honest record at %#llx not seen",
			  (unsigned long long)f->kc.pos);
		f->kc_held = false;
		return;
	}
	if (err == -EPROTO) {
		FZ_ASSERT(f->kc_tainted, "honest stream rejected at %#llx",
			  (unsigned long long)f->kc.pos);
		f->kc_broken = true;
		return;
	}
	FZ_ASSERT(!err, "kup_cons_peek() = %d", err);

	m = msg;
	need = kup_rec_size(len);
	FZ_ASSERT(len <= r->max_msg, "length %llu > max_msg %llu accepted",
		  (unsigned long long)len, (unsigned long long)r->max_msg);
	FZ_ASSERT(m == r->data + (f->kc.pos & (f->size - 1)) +
		  sizeof(struct kup_rec_hdr),
		  "record at %p, not at the consumer position %#llx",
		  msg, (unsigned long long)f->kc.pos);
	FZ_ASSERT(rt_in_data(&f->u2k, m - sizeof(struct kup_rec_hdr), need),
		  "record %p + %llu outside the data area %p + 2 * %llu",
		  msg, (unsigned long long)need, r->data,
		  (unsigned long long)f->size);
	FZ_ASSERT(len == ((const struct kup_rec_hdr *)m - 1)->len,
		  "length %llu is not the header's", (unsigned long long)len);
	/* It must end within a position the producer published. */
	for (i = 0; i < f->prod_hist.n && !ok; i++) {
		ahead = f->prod_hist.v[i] - f->kc.pos;
		ok = need <= ahead && ahead <= f->size &&
		     (!FZ_STRICT_WINDOW ||
		      f->prod_hist.v[i] - f->kc.pub <= f->size);
	}
	FZ_ASSERT(ok, "record %#llx + %llu ends past every published producer position",
		  (unsigned long long)f->kc.pos, (unsigned long long)need);
	FZ_ASSERT(in_hist(&f->prod_hist, f->kc.prod_seen),
		  "consumer believes a producer position never published");
	if (!f->kc_tainted)
		FZ_ASSERT(!pl_check(msg, len, u2k_key(f->kc.pos)),
			  "honest record at %#llx damaged",
			  (unsigned long long)f->kc.pos);
	/* Read all of it, as a kernel client would: a stray one faults. */
	for (i = 0; i < len; i++)
		fz_sink ^= m[i];
	f->kc_held = true;
	f->kc_len = len;
}

static void k_publish(struct fz *f)
{
	struct kup_ring *r = &f->u2k.r;

	kup_cons_publish(r, &f->kc);
	FZ_ASSERT(f->kc.pub == f->kc.pos && *r->cons == f->kc.pos,
		  "publish left %#llx, position %#llx",
		  (unsigned long long)*r->cons, (unsigned long long)f->kc.pos);
}

static void u_consume(struct fz *f)
{
	struct kup_ring *r = &f->k2u.r;
	kup_u64 prod = kup_load_acquire(r->prod);
	struct kup_rec_hdr *h;
	kup_u64 len;

	/* Once the user consumer lied, the stream may be overwritten. */
	if (f->kp_tainted || f->uc_pos == prod || f->cons_hist.n == FZ_HIST)
		return;
	h = kup_rec_at(r, f->uc_pos);
	len = h->len;
	FZ_ASSERT(len <= r->max_msg && h->flags == 0 &&
		  kup_rec_size(len) <= prod - f->uc_pos &&
		  prod - f->uc_pos <= f->size,
		  "kernel wrote a bad record at %#llx: len %llu, flags %#x, producer %#llx",
		  (unsigned long long)f->uc_pos, (unsigned long long)len,
		  h->flags, (unsigned long long)prod);
	FZ_ASSERT(!pl_check(h + 1, len, k2u_key(f->uc_pos)),
		  "kernel record at %#llx damaged",
		  (unsigned long long)f->uc_pos);
	f->uc_pos += kup_rec_size(len);
	hist_add(&f->cons_hist, f->uc_pos);
	kup_store_release(r->cons, f->uc_pos);
}

static void u_cons_write(struct fz *f, kup_u64 v)
{
	if (!hist_add(&f->cons_hist, v))
		return;
	f->kp_tainted = true;
	kup_store_release(f->k2u.r.cons, v);
}

static void k_reserve(struct fz *f, struct fz_in *in)
{
	struct kup_ring *r = &f->k2u.r;
	kup_u64 len = pick_len(in, r->max_msg), need = kup_rec_size(len);
	kup_u64 c, pos = f->kp.pos;
	unsigned int i;
	bool ok = false;
	void *buf;
	int err;

	err = kup_prod_reserve(r, &f->kp, len, &buf);
	f->kp_reserved = false;
	if (len > r->max_msg) {
		FZ_ASSERT(err == -EMSGSIZE, "length %llu > max_msg %llu: %d",
			  (unsigned long long)len,
			  (unsigned long long)r->max_msg, err);
		return;
	}
	if (err == -EAGAIN) {
		FZ_ASSERT(f->kp_tainted || pos + need - f->uc_pos > f->size,
			  "full for %llu bytes, but the consumer is at %#llx and the producer at %#llx",
			  (unsigned long long)len,
			  (unsigned long long)f->uc_pos,
			  (unsigned long long)pos);
		return;
	}
	if (err == -EPROTO) {
		FZ_ASSERT(f->kp_tainted, "honest consumer position rejected");
		f->kp_broken = true;
		return;
	}
	FZ_ASSERT(!err, "kup_prod_reserve(%llu) = %d",
		  (unsigned long long)len, err);
	FZ_ASSERT(f->kp.pos == pos, "reserve moved the producer position");
	FZ_ASSERT((unsigned char *)buf == r->data + (pos & (f->size - 1)) +
		  sizeof(struct kup_rec_hdr),
		  "reservation at %p, not at the producer position %#llx",
		  buf, (unsigned long long)pos);
	FZ_ASSERT(rt_in_data(&f->k2u, (unsigned char *)buf -
			     sizeof(struct kup_rec_hdr), need),
		  "reservation %p + %llu outside the data area",
		  buf, (unsigned long long)need);
	/*
	 * The bytes must have been released by a consumer position that was
	 * published and is not ahead of the producer.
	 */
	for (i = 0; i < f->cons_hist.n && !ok; i++) {
		c = f->cons_hist.v[i];
		ok = c - f->base <= pos - f->base && pos + need - c <= f->size;
	}
	FZ_ASSERT(ok, "reservation %#llx + %llu overwrites bytes never released",
		  (unsigned long long)pos, (unsigned long long)need);
	FZ_ASSERT(in_hist(&f->cons_hist, f->kp.cons_seen),
		  "producer believes a consumer position never published");
	/* Write all of it, as kupdev_send() does: a stray byte faults. */
	pl_fill(buf, len, k2u_key(pos));
	f->kp_reserved = true;
	f->kp_len = len;
}

static void k_commit(struct fz *f)
{
	struct kup_ring *r = &f->k2u.r;
	kup_u64 pos = f->kp.pos;
	struct kup_rec_hdr *h = kup_rec_at(r, pos);

	kup_prod_commit(r, &f->kp);
	f->kp_reserved = false;
	FZ_ASSERT(f->kp.pos == pos + kup_rec_size(f->kp_len) &&
		  *r->prod == f->kp.pos && h->len == f->kp_len && !h->flags,
		  "commit of %llu bytes at %#llx went wrong",
		  (unsigned long long)f->kp_len, (unsigned long long)pos);
}

/* A burst's record: finished but not published; later records follow it. */
static void k_stage(struct fz *f)
{
	kup_u64 pos = f->kp.pos, prod = *f->k2u.r.prod;

	kup_prod_stage(&f->k2u.r, &f->kp);
	f->kp_reserved = false;
	FZ_ASSERT(f->kp.pos == pos + kup_rec_size(f->kp_len) &&
		  *f->k2u.r.prod == prod,
		  "stage of %llu bytes at %#llx went wrong",
		  (unsigned long long)f->kp_len, (unsigned long long)pos);
}

/* The flags words carry no positions: any value only costs a wake-up. */
static void flags_op(struct fz *f, struct fz_in *in)
{
	uint8_t sel = in_u8(in);
	kup_u32 v = in_u32(in);

	if (sel & 1)
		*f->k2u.r.cons_flags = v;
	else
		*f->u2k.r.prod_flags = v;
	if (!f->kp_broken && !f->kp_reserved) {
		(void)kup_prod_must_wake(&f->k2u.r);
		(void)kup_prod_prepare_sleep(&f->k2u.r, &f->kp, in_u16(in) %
					     (f->k2u.r.max_msg + 1));
		kup_end_sleep(f->k2u.r.prod_flags);
	}
	if (!f->kc_broken) {
		(void)kup_cons_must_wake(&f->u2k.r);
		(void)kup_cons_prepare_sleep(&f->u2k.r, &f->kc);
		kup_end_sleep(f->u2k.r.cons_flags);
	}
}

/* The ring core's own state must stay consistent whatever the input. */
static void check_state(struct fz *f)
{
	FZ_ASSERT((!FZ_STRICT_WINDOW || f->kc.pos - f->kc.pub <= f->size) &&
		  f->kc.prod_seen - f->kc.pos <= f->size,
		  "consumer state pub %#llx pos %#llx prod_seen %#llx",
		  (unsigned long long)f->kc.pub, (unsigned long long)f->kc.pos,
		  (unsigned long long)f->kc.prod_seen);
	FZ_ASSERT(f->kp.pos - f->kp.cons_seen <= f->size,
		  "producer state pos %#llx cons_seen %#llx",
		  (unsigned long long)f->kp.pos,
		  (unsigned long long)f->kp.cons_seen);
	/* A consumer cannot have read records that were never published. */
	FZ_ASSERT(f->kp.cons_seen - f->base <= f->kp.pub - f->base,
		  "producer took consumer position %#llx past its published %#llx",
		  (unsigned long long)f->kp.cons_seen,
		  (unsigned long long)f->kp.pub);
}

static void fz_op(struct fz *f, struct fz_in *in)
{
	uint8_t op = in_u8(in) % OP_COUNT;

	switch (op) {
	case OP_U_PRODUCE:
		u_produce(f, in);
		break;
	case OP_U_PROD_NEAR:
		u_prod_write(f, f->kc.pos + (int16_t)in_u16(in));
		break;
	case OP_U_PROD_RAW:
		u_prod_write(f, in_u64(in));
		break;
	case OP_U_HEADER:
		u_header(f, in);
		break;
	case OP_U_BYTES:
		u_bytes(f, in);
		break;
	case OP_K_PEEK:
		if (!f->kc_broken)
			k_peek(f);
		break;
	case OP_K_ADVANCE:
		/* The kernel steps only past a record it was given. */
		if (!f->kc_broken && f->kc_held) {
			kup_cons_advance(&f->kc, f->kc_len);
			f->kc_held = false;
		}
		break;
	case OP_K_PUBLISH:
		if (!f->kc_broken)
			k_publish(f);
		break;
	case OP_U_CONSUME:
		u_consume(f);
		break;
	case OP_U_CONS_NEAR:
		u_cons_write(f, f->kp.pos + (int16_t)in_u16(in));
		break;
	case OP_U_CONS_RAW:
		u_cons_write(f, in_u64(in));
		break;
	case OP_K_RESERVE:
		if (!f->kp_broken)
			k_reserve(f, in);
		break;
	case OP_K_COMMIT:
		if (!f->kp_broken && f->kp_reserved)
			k_commit(f);
		break;
	case OP_K_STAGE:
		if (!f->kp_broken && f->kp_reserved)
			k_stage(f);
		break;
	case OP_K_PROD_PUBLISH:
		if (!f->kp_broken)
			kup_prod_publish(&f->k2u.r, &f->kp);
		break;
	case OP_FLAGS:
		flags_op(f, in);
		break;
	}
	check_state(f);
}

static struct fz *fz_setup(void)
{
	static struct fz f;
	static bool done;
	size_t size = rt_page_size();

	if (done)
		return &f;
	if (rt_ring_init(&f.u2k, size, size - sizeof(struct kup_rec_hdr)) ||
	    rt_ring_init(&f.k2u, size, size - sizeof(struct kup_rec_hdr))) {
		fprintf(stderr, "fuzz_validate: cannot map the rings\n");
		abort();
	}
	f.size = size;
	done = true;
	return &f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz *f = fz_setup();
	struct rt_ring u2k = f->u2k, k2u = f->k2u;
	uint8_t cfg = in_u8(&in);
	kup_u64 max_msg, base;
	unsigned int ops;

	/*
	 * Real channels have max_msg = size - 8; smaller ones make the
	 * max_msg check and the room check disagree, which is worth a look.
	 */
	max_msg = f->size - sizeof(struct kup_rec_hdr);
	if (cfg & 1)
		max_msg = in_u16(&in) % (max_msg + 1);
	/* Start anywhere, aligned, often just below the 2^64 wrap. */
	base = cfg & 2 ? -(kup_u64)in_u16(&in) * 8 : in_u64(&in) & ~7ull;

	memset(f, 0, sizeof(*f));
	f->u2k = u2k;
	f->k2u = k2u;
	f->size = u2k.r.size;
	f->base = base;
	f->u2k.r.max_msg = max_msg;
	f->k2u.r.max_msg = max_msg;
	memset(f->u2k.r.data, 0, f->size);
	memset(f->k2u.r.data, 0, f->size);
	rt_ring_reset(&f->u2k, base, NULL, &f->kc);
	rt_ring_reset(&f->k2u, base, &f->kp, NULL);
	f->up_pos = base;
	f->uc_pos = base;
	hist_add(&f->prod_hist, base);
	hist_add(&f->cons_hist, base);

	for (ops = 0; in.n && ops < FZ_MAX_OPS; ops++)
		fz_op(f, &in);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
/* Run each input file given on the command line once. */
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		size_t n;

		if (!fp) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
