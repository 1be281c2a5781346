// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer over everything user space can do to kup.ko, in the manner of
 * syzkaller: programs of up to PROG_MAX calls on device and channel fds
 * (open, every ioctl with random and boundary arguments, mmap, munmap,
 * mremap and mprotect of every offset and length, read, write, poll,
 * epoll, dup, close, fork) and stores of random and boundary values into
 * the words of the rings a user may write, plus libkup's own calls, while
 * kernel clients run (and, from the calling script, come and go).
 *
 *   kup_fuzz SEED SECONDS [DEVICE...]
 *
 * Each program is made from the seed and its number, so "kup_fuzz SEED"
 * replays a run. Where the kernel has KCOV (/sys/kernel/debug/kcov) each
 * program runs with it on: a program that reaches a kup.ko address not
 * reached before is kept, and later programs are mutations of the kept
 * ones half of the time. Between programs a control user echoes a
 * numbered message through kup_echo channel 0, which the programs cannot
 * attach (it is taken): it must come back intact, in order, within 10 s.
 * The result is TAP: the control echoes, and (as comments) the programs,
 * calls, kept programs and kup.ko addresses reached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uapi/kup/kup_abi.h>
#include <kup.h>
#include "tap.h"

#define PROG_MAX	24
#define NFD		8
#define NMAP		6
#define CORPUS_MAX	512
#define COVER_WORDS	(1 << 16)
#define PCS_MAX		(1 << 15)

enum op { OP_OPEN, OP_ATTACH, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_MREMAP,
	  OP_MPROTECT, OP_POKE, OP_RW, OP_POLL, OP_DUP, OP_CLOSE, OP_FORK,
	  OP_LIB, OP_COUNT };

struct call {
	uint8_t op;
	uint64_t a[4];			/* the op's arguments, raw */
};

struct prog {
	int n;
	struct call c[PROG_MAX];
};

/* What a program has made; all of it goes at its end. */
struct map {
	unsigned char *p;
	size_t len;
	int prot;
};

static const char *devs[8] = { "kup_echo", "kup_serve", "kup_mp" };
static int ndevs = 3;
static int fds[NFD];
static struct map maps[NMAP];
static void *lib_dev, *lib_ch;
static int epfd = -1;
static sigjmp_buf poke_env;
static unsigned long calls, pokes_faulted;

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value the kernel must treat with care: boundaries first. */
static uint64_t edgy(void)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 7, 8, 63, 64, 255, 4095,
		4096, 4097, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		~0ull, ~0ull - 7 };

	return rnd() & 1 ? v[rnd() % (sizeof(v) / sizeof(v[0]))] : rnd();
}

static void gen_call(struct call *c)
{
	int i;

	c->op = rnd() % OP_COUNT;
	for (i = 0; i < 4; i++)
		c->a[i] = rnd() & 3 ? rnd() : edgy();
}

static void gen(struct prog *p)
{
	int i;

	p->n = 1 + rnd() % PROG_MAX;
	for (i = 0; i < p->n; i++)
		gen_call(&p->c[i]);
	/* Most programs begin with something to work on. */
	if (rnd() & 1)
		p->c[0].op = OP_OPEN;
	if (p->n > 1 && rnd() & 1)
		p->c[1].op = OP_ATTACH;
}

static void mutate(struct prog *p)
{
	int k = 1 + rnd() % 3;

	while (k--) {
		int i = rnd() % PROG_MAX;

		if (i >= p->n && p->n < PROG_MAX)
			i = p->n++;
		if (i < p->n) {
			if (rnd() & 1)
				gen_call(&p->c[i]);
			else
				p->c[i].a[rnd() % 4] = edgy();
		}
	}
}

static int fd_last;			/* the slot of the fd made last */

/* Half the time the fd made last: a call on what the one before made. */
static int fd_at(uint64_t a)
{
	return fds[a & 1 ? fd_last : (int)((a >> 1) % NFD)];
}

static void fd_put(int fd)
{
	int i;

	for (i = 0; i < NFD; i++) {
		if (fds[i] < 0) {
			fds[i] = fd;
			fd_last = i;
			return;
		}
	}
	close(fd);
}

static void op_open(const struct call *c)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", devs[c->a[0] % ndevs]);
	fd = open(path, (c->a[1] & 1 ? O_RDONLY : O_RDWR) |
		  (c->a[1] & 2 ? O_NONBLOCK : 0) | O_CLOEXEC);
	if (fd >= 0)
		fd_put(fd);
}

static void op_attach(const struct call *c)
{
	/* Each field one in eight times raw, else one that can work. */
	struct kup_attach a = {
		.chan_id = !(c->a[1] & 7) ? c->a[1] >> 3 : (c->a[1] >> 3) % 5,
		.pages = !(c->a[2] & 7) ? c->a[2] >> 3 : 1 + (c->a[2] >> 3) % 4,
		.flags = !(c->a[3] & 7) ? (uint32_t)(c->a[3] >> 6) : KUP_ATTACH_NOWAIT,
		.abi_version = !(c->a[3] & 0x38) ? (uint32_t)(c->a[3] >> 8) :
			       1 + (c->a[3] >> 8) % 2,
	};
	int fd = fd_at(c->a[0]);

	if (fd >= 0 && !ioctl(fd, KUP_IOC_ATTACH, &a) && a.fd >= 0)
		fd_put(a.fd);
}

/* An ioctl argument: NULL, a bad address, a buffer, or one of our maps. */
static void *arg_of(uint64_t a, void *buf, size_t len)
{
	struct map *m = &maps[(a >> 4) % NMAP];

	switch (a % 5) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)(edgy() | 1);
	case 2:
		if (m->p && (m->prot & PROT_READ))
			return m->p + (a >> 8) % m->len;
		return buf;
	default:
		memset(buf, (int)(a >> 8), len);
		return buf;
	}
}

static void op_ioctl(const struct call *c)
{
	static const unsigned long cmds[] = { KUP_IOC_ATTACH, KUP_IOC_INFO,
		KUP_IOC_CHAN_STATS, KUP_IOC_WAKE, KUP_IOC_STATS };
	unsigned char buf[256];
	unsigned long cmd = c->a[1] & 1 ? cmds[(c->a[1] >> 1) % 5] :
			    (unsigned long)(c->a[1] >> 1);
	int fd = fd_at(c->a[0]);
	struct kup_attach *a = (void *)buf;

	/* An attach that works leaves its fd: keep it. */
	if (fd >= 0 && ioctl(fd, cmd, arg_of(c->a[2], buf, sizeof(buf))) == 0 &&
	    cmd == KUP_IOC_ATTACH && (c->a[2] % 5) >= 3 && a->fd >= 0)
		fd_put(a->fd);
}

static size_t size_of(uint64_t a)
{
	switch (a % 4) {
	case 0:
		return (1 + 2 * (1 + (a >> 2) % 4)) * 4096;	/* a region */
	case 1:
		return ((a >> 2) % 20) * 4096;
	default:
		return (size_t)edgy();
	}
}

static void op_mmap(const struct call *c)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
		PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC };
	int fd = fd_at(c->a[0]), prot = prots[c->a[2] % 5], i;
	off_t off = c->a[3] % 3 == 0 ? 0 : c->a[3] % 3 == 1 ?
		    (off_t)KUP_MMAP_RW_OFFSET : (off_t)(edgy() & ~4095ull);
	size_t len = size_of(c->a[1]);
	void *p;

	if (fd < 0)
		return;
	p = mmap(NULL, len, prot, (c->a[2] & 8) ? MAP_PRIVATE : MAP_SHARED,
		 fd, off);
	if (p == MAP_FAILED)
		return;
	for (i = 0; i < NMAP && maps[i].p; i++)
		;
	if (i == NMAP) {
		munmap(p, len);
		return;
	}
	maps[i] = (struct map){ p, len, prot };
}

static void op_munmap(const struct call *c)
{
	struct map *m = &maps[c->a[0] % NMAP];
	size_t off = (c->a[1] % 3) * 4096;

	if (!m->p)
		return;
	if (off >= m->len || c->a[1] & 4) {
		munmap(m->p, m->len);
		m->p = NULL;
		return;
	}
	/* Part of it: the rest stays, not to be written any more. */
	munmap(m->p + off, 4096);
	m->prot = PROT_NONE;
}

static void op_mremap(const struct call *c)
{
	struct map *m = &maps[c->a[0] % NMAP];
	size_t len = size_of(c->a[1]);
	void *p;

	if (!m->p)
		return;
	p = mremap(m->p, m->len, len, c->a[2] & 1 ? MREMAP_MAYMOVE : 0);
	if (p != MAP_FAILED) {
		m->p = p;
		m->len = len;
	}
}

static void op_mprotect(const struct call *c)
{
	struct map *m = &maps[c->a[0] % NMAP];
	int prot = (int)(c->a[1] & 7);

	if (m->p && mprotect(m->p, m->len, prot) == 0)
		m->prot = prot;
}

static void on_fault(int sig)
{
	siglongjmp(poke_env, sig);
}

/* A store into a writable map: a ring word's place, or anywhere. */
static void op_poke(const struct call *c)
{
	static const size_t words[] = { KUP_RW_U2K_PROD, KUP_RW_K2U_CONS,
		KUP_RW_U2K_PROD_FLAGS, KUP_RW_U2K_WANT, KUP_RW_K2U_CONS_FLAGS,
		KUP_RW_K2U_SEEN };
	struct map *m = &maps[c->a[0] % NMAP];
	size_t off = c->a[1] & 1 ? words[(c->a[1] >> 1) % 6] :
		     (size_t)(c->a[1] >> 1) % (m->len ? m->len : 1);
	uint64_t v = c->a[2];

	if (!m->p || !(m->prot & PROT_WRITE) || off + 8 > m->len)
		return;
	off &= ~(size_t)7;
	if (sigsetjmp(poke_env, 1)) {
		/* Our model of the maps was wrong somewhere: not the kernel's. */
		pokes_faulted++;
		m->p = NULL;
		return;
	}
	switch (c->a[3] % 3) {
	case 0:
		__atomic_store_n((uint64_t *)(m->p + off), v, __ATOMIC_RELEASE);
		break;
	case 1:
		__atomic_fetch_add((uint64_t *)(m->p + off), v & 0xfff, __ATOMIC_SEQ_CST);
		break;
	default:
		m->p[off + (v & 7)] = (unsigned char)(v >> 8);
	}
}

static void op_rw(const struct call *c)
{
	char buf[64] = "fuzz";
	int fd = fd_at(c->a[0]);

	if (fd < 0)
		return;
	if (c->a[1] & 1) {
		if (write(fd, buf, c->a[2] % sizeof(buf)) < 0)
			return;
	} else if (read(fd, buf, c->a[2] % sizeof(buf)) < 0) {
		return;
	}
}

static void op_poll(const struct call *c)
{
	struct pollfd p = { .fd = fd_at(c->a[0]), .events = (short)c->a[1] };
	struct epoll_event e = { .events = (uint32_t)c->a[2] }, out[4];

	if (p.fd < 0)
		return;
	if (c->a[3] & 1) {
		poll(&p, 1, 0);
		return;
	}
	if (epfd < 0)
		epfd = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(epfd, c->a[3] & 2 ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, p.fd, &e);
	epoll_wait(epfd, out, 4, 0);
}

static void op_dup_close(const struct call *c)
{
	int *slot = &fds[c->a[0] % NFD], fd;

	if (*slot < 0)
		return;
	if (c->op == OP_CLOSE) {
		close(*slot);
		*slot = -1;
		return;
	}
	fd = fcntl(*slot, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0)
		fd_put(fd);
}

static void run_call(const struct call *c);

/* A child that goes on with what it inherited (fds only: no maps). */
static void op_fork(const struct call *c)
{
	struct call k;
	pid_t pid;
	int i;

	pid = fork();
	if (pid == 0) {
		alarm(10);
		rng = c->a[0] | 1;
		for (i = 0; i < 4; i++) {
			gen_call(&k);
			if (k.op != OP_FORK && k.op != OP_POKE)
				run_call(&k);
		}
		if (lib_ch)
			kernproxy_send(lib_ch, "x", 1, KP_NB);
		kernproxy_close(lib_dev);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* libkup's own calls on a channel of its own. */
static void op_lib(const struct call *c)
{
	struct kernproxy_msg m[4] = { { "ab", 2 }, { "", 0 }, { "c", 1 } };
	char buf[512];
	size_t len;
	void *p;

	if (!lib_ch) {
		lib_dev = kernproxy_open(devs[c->a[0] % ndevs]);
		lib_ch = lib_dev ? kernproxy_channel_opts(lib_dev, 1 + c->a[1] % 3,
			 1, &(struct kernproxy_chan_opts){ .flags = KP_ATTACH_NOWAIT,
							    .spin = 1 }) : NULL;
		return;
	}
	memset(buf, (int)c->a[3], sizeof(buf));
	switch (c->a[2] % 8) {
	case 0:
		kernproxy_send(lib_ch, buf, c->a[3] % sizeof(buf), KP_NB | (c->a[3] & KP_MORE));
		break;
	case 1:
		kernproxy_receive_len(lib_ch, &len, KP_NB);
		break;
	case 2:
		kernproxy_peek(lib_ch, &len, KP_NB);
		break;
	case 3:
		kernproxy_release(lib_ch);
		break;
	case 4:
		p = kernproxy_reserve(lib_ch, c->a[3] % 256, KP_NB);
		if (p)
			kernproxy_commit(lib_ch);
		break;
	case 5:
		kernproxy_send_batch(lib_ch, m, 3, KP_NB);
		break;
	case 6:
		kernproxy_receive_batch(lib_ch, (struct kernproxy_msg *)m, 4, KP_NB);
		break;
	default:
		kernproxy_close(lib_dev);
		lib_dev = lib_ch = NULL;
	}
}

static void run_call(const struct call *c)
{
	calls++;
	switch (c->op) {
	case OP_OPEN: op_open(c); break;
	case OP_ATTACH: op_attach(c); break;
	case OP_IOCTL: op_ioctl(c); break;
	case OP_MMAP: op_mmap(c); break;
	case OP_MUNMAP: op_munmap(c); break;
	case OP_MREMAP: op_mremap(c); break;
	case OP_MPROTECT: op_mprotect(c); break;
	case OP_POKE: op_poke(c); break;
	case OP_RW: op_rw(c); break;
	case OP_POLL: op_poll(c); break;
	case OP_DUP: case OP_CLOSE: op_dup_close(c); break;
	case OP_FORK: op_fork(c); break;
	default: op_lib(c); break;
	}
}

/* Everything a program made goes, so that programs stand alone. */
static void cleanup(void)
{
	int i;

	for (i = 0; i < NMAP; i++) {
		if (maps[i].p)
			munmap(maps[i].p, maps[i].len);
		maps[i].p = NULL;
	}
	for (i = 0; i < NFD; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	if (lib_dev)
		kernproxy_close(lib_dev);
	lib_dev = lib_ch = NULL;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

/* KCOV, where the kernel has it: which kup.ko addresses a program reaches. */
#define KCOV_INIT_TRACE	_IOR('c', 1, unsigned long)
#define KCOV_ENABLE	_IO('c', 100)
#define KCOV_DISABLE	_IO('c', 101)
#define KCOV_TRACE_PC	0

static int kcov = -1;
static uint64_t *cover;
static uint64_t kup_lo, kup_hi;			/* kup.ko's text */
static uint64_t *pcs;				/* reached, sorted */
static int npcs;

/* kup.ko's functions, from /proc/kallsyms: the range its code is in. */
static void kup_range(void)
{
	char line[256], type, name[128], mod[64];
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s [%63[^]]]", &a, &type, name, mod) != 4 ||
		    strcmp(mod, "kup") || (type != 't' && type != 'T') || !a)
			continue;
		if (!kup_lo || a < kup_lo)
			kup_lo = a;
		if (a > kup_hi)
			kup_hi = a;
	}
	if (f)
		fclose(f);
	kup_hi += 4096;		/* the last function's body */
}

static void kcov_open(void)
{
	kcov = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (kcov < 0)
		return;
	if (ioctl(kcov, KCOV_INIT_TRACE, COVER_WORDS) ||
	    (cover = mmap(NULL, COVER_WORDS * 8, PROT_READ | PROT_WRITE,
			  MAP_SHARED, kcov, 0)) == MAP_FAILED) {
		close(kcov);
		kcov = -1;
		return;
	}
	pcs = calloc(PCS_MAX, sizeof(*pcs));
	kup_range();
}

static int pc_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The program's kup.ko addresses: how many were new. */
static int kcov_collect(void)
{
	uint64_t n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED), i;
	int added = 0;

	if (n >= COVER_WORDS)
		n = COVER_WORDS - 1;
	for (i = 1; i <= n; i++) {
		uint64_t pc = cover[i];

		if (pc < kup_lo || pc >= kup_hi || npcs == PCS_MAX ||
		    bsearch(&pc, pcs, npcs, sizeof(*pcs), pc_cmp))
			continue;
		pcs[npcs++] = pc;
		qsort(pcs, npcs, sizeof(*pcs), pc_cmp);
		added++;
	}
	return added;
}

static int run_prog(const struct prog *p)
{
	int i, added = 0;

	if (kcov >= 0 && !ioctl(kcov, KCOV_ENABLE, KCOV_TRACE_PC))
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	for (i = 0; i < p->n; i++)
		run_call(&p->c[i]);
	if (kcov >= 0) {
		ioctl(kcov, KCOV_DISABLE, 0);
		added = kcov_collect();
	}
	cleanup();
	return added;
}

/* The control echo through kup_echo channel 0: @n sent, back intact. */
static int control(void *ch, unsigned long n)
{
	struct pollfd p = { .fd = kernproxy_fd(ch), .events = POLLIN };
	char want[32], *m;
	size_t len;
	int k = snprintf(want, sizeof(want), "control %lu", n);

	if (kernproxy_send(ch, want, k, 0))
		return 0;
	for (;;) {
		m = kernproxy_receive_len(ch, &len, KP_NB);
		if (m)
			return len == (size_t)k && !memcmp(m, want, len);
		if (kernproxy_errno != EAGAIN || poll(&p, 1, 10000) != 1)
			return 0;
	}
}

/*
 * With KUP_FUZZ_PCS set, the blocks reached, each as the offset in kup.ko's
 * .text of its __sanitizer_cov_trace_pc() call's operand (KCOV records the
 * address after the 5-byte call), which is where objdump -r shows the
 * call's relocation: scripts/fuzz.sh turns them into coverage per function.
 */
static void kcov_dump(void)
{
	unsigned long long text = 0;
	FILE *f = fopen("/sys/module/kup/sections/.text", "r");
	int i;

	if (f && fscanf(f, "%llx", &text) != 1)
		text = 0;
	if (f)
		fclose(f);
	for (i = 0; text && i < npcs; i++)
		printf("# fuzz site %llx\n", (unsigned long long)pcs[i] - text - 4);
}

static struct prog corpus[CORPUS_MAX];

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	long secs = argc > 2 ? atol(argv[2]) : 30;
	void *cdev = kernproxy_open("kup_echo");
	void *cch = cdev ? kernproxy_channel(cdev, 0, 1) : NULL;
	unsigned long progs = 0, bad = 0;
	struct sigaction sa = { .sa_handler = on_fault };
	time_t end = time(NULL) + secs;
	int i, ncorpus = 0, added;
	struct prog p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 3; i < argc && ndevs < 8; i++)
		devs[ndevs++] = argv[i];
	if (!tap_ok(cch != NULL, "fuzz: the control user attaches kup_echo 0"))
		return 1;
	for (i = 0; i < NFD; i++)
		fds[i] = -1;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	kcov_open();
	tap_diag("fuzz: seed %lu for %ld s (replay: kup_fuzz %lu %ld); KCOV %s",
		 seed, secs, seed, secs, kcov >= 0 ? "on" : "not in this kernel");
	while (time(NULL) < end) {
		/* Each program from the seed and its number: replayable. */
		rng = (seed * 0x9e3779b97f4a7c15ull) ^ (progs + 1) * 0xbf58476d1ce4e5b9ull;
		rng |= 1;
		if (ncorpus && rnd() & 1) {
			p = corpus[rnd() % ncorpus];
			mutate(&p);
		} else {
			gen(&p);
		}
		added = run_prog(&p);
		if (added && ncorpus < CORPUS_MAX)
			corpus[ncorpus++] = p;
		progs++;
		if (!control(cch, progs)) {
			bad++;
			tap_diag("fuzz: the control echo failed after program %lu: %s",
				 progs, strerror(kernproxy_errno));
			break;
		}
	}
	tap_diag("fuzz: %lu programs, %lu calls, %d kept, %d kup.ko addresses reached, %lu stores into a map that was gone",
		 progs, calls, ncorpus, npcs, pokes_faulted);
	tap_ok(!bad && progs > 0, "fuzz: %lu programs of seed %lu, every control echo back intact and in order",
	       progs, seed);
	if (getenv("KUP_FUZZ_PCS"))
		kcov_dump();
	/* An instrumented kup.ko (make modules-debug) that reports nothing is broken. */
	if (kcov >= 0)
		tap_ok(npcs > 0, "fuzz: KCOV reports the kup.ko code reached: %d addresses", npcs);
	kernproxy_close(cdev);
	return tap_exit_status();
}
