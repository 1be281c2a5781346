// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM hostile user: the kernel must survive anything user space does to
 * its mapping, its ioctls and its mmaps, and keep working for the next user.
 *   kup_hostile scribble   random bytes over every writable byte while
 *                          traffic flows; the channel must be flagged broken
 *   kup_hostile ioctls     malformed and random ioctls
 *   kup_hostile mmaps      malformed and random mmaps, mprotect, mremap
 * All against kup_echo (4 channels of 1 page).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kup.h>
#include <uapi/kup/kup_abi.h>
#include "kup_maps.h"
#include "payload.h"
#include "kp_err.h"
#include "tap.h"

static uint64_t rng = 0x1234567;

static uint64_t rnd(void)
{
	rng = pl_mix(rng);
	return rng;
}

/* One echo round trip on a fresh attach of @chan: the channel works. */
static int echo_works(int chan)
{
	unsigned char b[100];
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, chan, 1) : NULL;
	size_t len;
	void *m;
	int ok;

	pl_fill(b, sizeof(b), chan);
	ok = ch && !kernproxy_send(ch, b, sizeof(b), 0) &&
	     (m = kernproxy_receive_len(ch, &len, 0)) && len == sizeof(b) &&
	     !pl_check(m, len, chan);
	kernproxy_close(dev);
	return ok;
}

static volatile int stop_traffic;

static void *traffic(void *ch)
{
	unsigned char b[64] = { 0 };

	while (!stop_traffic) {
		kernproxy_send(ch, b, sizeof(b), KP_NB);
		kernproxy_receive(ch, KP_NB);
	}
	return NULL;
}

static int scribble(void)
{
	void *dev = kernproxy_open("kup_echo");
	void *ch = dev ? kernproxy_channel(dev, 0, 1) : NULL;
	struct kernproxy_stats st = { 0 };
	struct pollfd p;
	unsigned char *rw;
	size_t len = 0, i;
	pthread_t t;
	int pass, r;

	if (!tap_ok(ch != NULL, "scribble: attach kup_echo 0"))
		return 1;
	rw = kup_find_map(" rw-s ", &len);
	tap_ok(rw && len == 3 * 4096, "scribble: found the %zu-byte writable mapping", len);
	if (!rw)
		return 1;
	pthread_create(&t, NULL, traffic, ch);
	for (pass = 0; pass < 3 || (pass < 20 && !st.proto_errors); pass++) {
		for (i = 0; i + 8 <= len; i += 8) {
			uint64_t x = rnd();

			memcpy(rw + i, &x, 8);
		}
		ioctl(kernproxy_fd(ch), KUP_IOC_WAKE);
		usleep(100000);
		kernproxy_stats(ch, &st);
	}
	stop_traffic = 1;
	pthread_join(t, NULL);
	tap_ok(st.proto_errors >= 1, "the kernel flags the channel broken (%llu errors, %d passes)",
	       (unsigned long long)st.proto_errors, pass);
	p.fd = kernproxy_fd(ch);
	p.events = POLLIN;
	r = poll(&p, 1, 1000);
	tap_ok(r == 1 && (p.revents & POLLERR), "poll reports POLLERR on the broken channel");
	while (kernproxy_receive(ch, 0))
		;
	tap_ok(kp_errno() == EPROTO, "receive on the broken channel gives EPROTO (%d)",
	       kernproxy_errno);
	kernproxy_close(dev);
	tap_ok(echo_works(0), "after detach, a new user of channel 0 is served");
	return tap_exit_status();
}

static int raw_attach(int fd, int chan, struct kup_attach *a)
{
	memset(a, 0, sizeof(*a));
	a->chan_id = chan;
	a->pages = 1;
	a->abi_version = KUP_ABI_VERSION;
	return ioctl(fd, KUP_IOC_ATTACH, a);
}

/* ioctl(@fd, @cmd, @arg) fails with @err. */
static int fails(int fd, unsigned long cmd, void *arg, int err)
{
	return ioctl(fd, cmd, arg) < 0 && errno == err;
}

static void random_ioctls(int fd, const char *what)
{
	int i, survived = 0;

	for (i = 0; i < 5000; i++) {
		unsigned long cmd = rnd();
		void *arg = (void *)(uintptr_t)rnd();

		if (i & 1)	/* our ioctl type, any number, size, direction */
			cmd = (cmd & ~0xff00ul) | (KUP_IOC_MAGIC << 8);
		if (cmd == KUP_IOC_WAKE)
			continue;
		ioctl(fd, (unsigned int)cmd, arg);
		survived++;
	}
	tap_ok(survived > 4000, "%d random ioctls on the %s fd", survived, what);
}

static int ioctls(void)
{
	int fd = open("/dev/kup_echo", O_RDWR);
	struct kup_attach a;
	struct kup_dev_info info;
	void *ro_page;
	int cfd;

	memset(&a, 0, sizeof(a));
	tap_ok(fails(fd, _IO('x', 1), NULL, ENOTTY), "unknown ioctl on the device: ENOTTY");
	tap_ok(fails(fd, KUP_IOC_ATTACH, NULL, EFAULT), "attach from NULL: EFAULT");
	a.pages = 1;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach with ABI version 0: EINVAL");
	raw_attach(fd, 0, &a);
	a.flags = 0x80;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach with unknown flags: EINVAL");
	raw_attach(fd, 0, &a);
	a.chan_id = 1000;
	tap_ok(fails(fd, KUP_IOC_ATTACH, &a, EINVAL), "attach of channel 1000: EINVAL");
	tap_ok(fails(fd, KUP_IOC_INFO, NULL, EFAULT), "info to NULL: EFAULT");
	tap_ok(ioctl(fd, KUP_IOC_INFO, &info) == 0 && info.chan_cnt == 4 &&
	       info.pages == 1 && info.ready == 1, "info: 4 channels of 1 page, ready");
	/* The answer cannot be written back: no fd may leak, nothing stays attached. */
	ro_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	raw_attach(fd, 1, &a);
	close(a.fd);
	a.chan_id = 1;
	memcpy(ro_page, &a, sizeof(a));
	mprotect(ro_page, 4096, PROT_READ);
	tap_ok(fails(fd, KUP_IOC_ATTACH, ro_page, EFAULT),
	       "attach whose result cannot be copied out: EFAULT");
	tap_ok(raw_attach(fd, 1, &a) == 0, "and the channel is free again");
	cfd = a.fd;
	tap_ok(fails(cfd, _IO('x', 2), NULL, ENOTTY), "unknown ioctl on a channel: ENOTTY");
	tap_ok(fails(cfd, KUP_IOC_STATS, NULL, EFAULT), "stats to NULL: EFAULT");
	tap_ok(fails(cfd, KUP_IOC_ATTACH, &a, ENOTTY), "attach on a channel fd: ENOTTY");
	random_ioctls(fd, "device");
	random_ioctls(cfd, "channel");
	close(cfd);
	close(fd);
	tap_ok(echo_works(1), "channel 1 still works after all that");
	return tap_exit_status();
}

static int mmap_fails(size_t len, int prot, int flags, int fd, off_t off, int err)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno == err;
}

static void random_mmaps(int fd, size_t size)
{
	static const int prots[] = { PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_NONE };
	int i, mapped = 0;

	for (i = 0; i < 3000; i++) {
		size_t len = (rnd() % 8 + 1) * 4096;
		off_t off = (rnd() & 1) ? 0 : KUP_MMAP_RW_OFFSET;
		int prot = prots[rnd() % 4];
		int flags = (rnd() & 3) ? MAP_SHARED : MAP_PRIVATE;
		void *p;

		if (rnd() % 4 == 0)
			off += (rnd() % 16) * 4096;
		if (rnd() % 8 == 0)
			len = size;
		p = mmap(NULL, len, prot, flags, fd, off);
		if (p != MAP_FAILED) {
			mapped++;
			munmap(p, len);
		}
	}
	tap_ok(mapped > 0 && mapped < 3000, "3000 random mmaps (%d mapped), no harm", mapped);
}

static int mmaps(void)
{
	int fd = open("/dev/kup_echo", O_RDWR), st;
	struct kup_attach a;
	size_t size;
	unsigned char *ro, *rw;
	pid_t pid;

	if (!tap_ok(raw_attach(fd, 2, &a) == 0, "mmaps: attach kup_echo 2"))
		return 1;
	size = a.ro_size;
	tap_ok(mmap_fails(size, PROT_READ, MAP_PRIVATE, a.fd, 0, EINVAL), "MAP_PRIVATE: EINVAL");
	tap_ok(mmap_fails(size - 4096, PROT_READ, MAP_SHARED, a.fd, 0, EINVAL), "short mapping: EINVAL");
	tap_ok(mmap_fails(size + 4096, PROT_READ, MAP_SHARED, a.fd, 0, EINVAL), "long mapping: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ, MAP_SHARED, a.fd, 4096, EINVAL), "unknown offset: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ, MAP_SHARED, a.fd, 1ull << 40, EINVAL), "huge offset: EINVAL");
	tap_ok(mmap_fails(size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0, EPERM),
	       "writable mapping of the kernel-written region: EPERM");
	ro = mmap(NULL, size, PROT_READ, MAP_SHARED, a.fd, 0);
	rw = mmap(NULL, a.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, a.rw_offset);
	tap_ok(ro != MAP_FAILED && rw != MAP_FAILED, "the two valid mappings work");
	if (ro == MAP_FAILED || rw == MAP_FAILED)
		return 1;
	tap_ok(((struct kup_layout *)ro)->magic == KUP_MAGIC, "layout header is there");
	tap_ok(mprotect(ro, size, PROT_READ | PROT_WRITE) < 0 && errno == EACCES,
	       "mprotect of the kernel-written region to writable: EACCES");
	tap_ok(mremap(ro, size, 2 * size, MREMAP_MAYMOVE) == MAP_FAILED,
	       "mremap cannot grow a channel mapping");
	pid = fork();
	if (pid == 0) {
		ro[200] = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	       "a store into the kernel-written region faults");
	/* Both data mappings are really the same pages, twice. */
	rw[4096 + 5] = 0xab;
	tap_ok(rw[2 * 4096 + 5] == 0xab, "the data pages are mapped twice back to back");
	random_mmaps(a.fd, size);
	munmap(ro, size);
	munmap(rw, a.rw_size);
	close(a.fd);
	close(fd);
	tap_ok(echo_works(2), "channel 2 still works after all that");
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "scribble"))
		return scribble();
	if (argc == 2 && !strcmp(argv[1], "ioctls"))
		return ioctls();
	if (argc == 2 && !strcmp(argv[1], "mmaps"))
		return mmaps();
	fprintf(stderr, "usage: kup_hostile scribble|ioctls|mmaps\n");
	return 2;
}
