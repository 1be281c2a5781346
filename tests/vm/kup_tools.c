// SPDX-License-Identifier: GPL-2.0
/*
 * In-VM checks of libkup's device calls and of what kupctl reads, against
 * kup_echo (4 channels of 4 pages), driven by t_tools.sh:
 *   kup_tools api                    kernproxy_info(), kernproxy_dev_fd(),
 *                                    errno and kernproxy_error() on both
 *                                    handle kinds, read-only device fds
 *   kup_tools traffic CHAN N SIZE [GAP_MS SPIN]
 *                                    N echoes of SIZE bytes, then detach;
 *                                    GAP_MS between them, SPIN ring checks
 *                                    before libkup sleeps
 *   kup_tools break CHAN             a misaligned producer position: the
 *                                    kernel must find the channel broken
 *   kup_tools paced CHAN RATE SECS LOG
 *                                    echoes at RATE per second for SECS;
 *                                    LOG gets "TIME COUNT" lines as it
 *                                    goes (seconds since the epoch)
 *   kup_tools waithup FILE           poll the device fd until POLLHUP
 *                                    (FILE is created once it polls)
 *   kup_tools roattach               KUP_IOC_ATTACH on a read-only fd of
 *                                    /dev/kup_echo: exits 0 if EBADF
 *   kup_tools asuser UID CMD...      CMD as user and group UID
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <uapi/kup/kup_abi.h>
#include "kp_err.h"
#include "kup_maps.h"
#include "tap.h"

#define DEV	"kup_echo"
#define PAGES	4

static size_t check_info(void *dev)
{
	struct kernproxy_info info;
	long page = sysconf(_SC_PAGESIZE);

	memset(&info, 0xff, sizeof(info));
	tap_ok(kernproxy_info(dev, &info) == 0 && info.channels == 4 &&
	       info.pages == PAGES && info.page_size == (size_t)page &&
	       info.max_msg == (size_t)(PAGES * page - 8) && info.ready == 1,
	       "kernproxy_info() before attaching: %u channels, %u pages, max %zu, ready %d",
	       info.channels, info.pages, info.max_msg, info.ready);
	tap_ok(kernproxy_info(dev, NULL) == -1 && kp_errno() == EINVAL &&
	       kernproxy_error(dev) == EINVAL,
	       "kernproxy_info(dev, NULL) gives EINVAL in errno, kernproxy_errno and the handle");
	return info.max_msg;
}

static void check_dev_fd(void *dev)
{
	struct pollfd p = { .fd = kernproxy_dev_fd(dev), .events = POLLIN };

	tap_ok(p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
	       !(p.revents & POLLHUP),
	       "kernproxy_dev_fd() polls readable: kup_echo called kupdev_notify() (revents %#x)",
	       p.revents);
	tap_ok(kernproxy_dev_fd(NULL) == -1 && kp_errno() == EINVAL,
	       "kernproxy_dev_fd(NULL) gives EINVAL");
}

/* A channel handle where a device handle belongs, and its own errors. */
static void check_chan_errors(void *dev, size_t info_max)
{
	void *ch = kernproxy_channel(dev, 0, PAGES);
	struct kernproxy_info info;
	static char big[PAGES * 65536 + 64];
	size_t max;

	if (!tap_ok(ch != NULL, "attach kup_echo channel 0 (%s)", strerror(kernproxy_errno)))
		return;
	max = kernproxy_max_msg(ch);
	tap_ok(max == info_max, "kernproxy_info()'s max_msg is the channel's, from kup.ko's layout (%zu, %zu)",
	       info_max, max);
	/* The device handle keeps its own: EINVAL from check_info(). */
	tap_ok(kernproxy_send(ch, big, max + 1, KP_NB) == -1 &&
	       kp_errno() == EMSGSIZE && kernproxy_error(ch) == EMSGSIZE &&
	       kernproxy_error(dev) == EINVAL,
	       "a send of max+1 bytes: EMSGSIZE in errno, kernproxy_errno and kernproxy_error(chan), not in (dev) (chan %d, dev %d)",
	       kernproxy_error(ch), kernproxy_error(dev));
	errno = 0;
	tap_ok(kernproxy_info(ch, &info) == -1 && kp_errno() == EINVAL &&
	       kernproxy_error(ch) == EINVAL,
	       "kernproxy_info() on a channel handle gives EINVAL, recorded on that channel");
	tap_ok(kernproxy_dev_fd(ch) == -1 && kp_errno() == EINVAL,
	       "kernproxy_dev_fd() on a channel handle gives EINVAL");
	tap_ok(!kernproxy_channel(ch, 1, PAGES) && kp_errno() == EINVAL,
	       "kernproxy_channel() on a channel handle gives EINVAL");
	kernproxy_detach(ch);
}

/* What a reader without write access to the node may and may not do. */
static void check_readonly(void)
{
	struct kup_attach a = { .pages = PAGES, .abi_version = KUP_ABI_VERSION };
	struct kup_chan_stats_req r = { .chan_id = 0 };
	struct kup_dev_info di;
	int fd = open("/dev/" DEV, O_RDONLY);

	if (!tap_ok(fd >= 0, "open /dev/" DEV " read-only"))
		return;
	tap_ok(ioctl(fd, KUP_IOC_ATTACH, &a) == -1 && errno == EBADF,
	       "KUP_IOC_ATTACH on a read-only device fd gives EBADF (%s)", strerror(errno));
	tap_ok(ioctl(fd, KUP_IOC_INFO, &di) == 0 && di.chan_cnt == 4,
	       "KUP_IOC_INFO works on a read-only device fd");
	tap_ok(ioctl(fd, KUP_IOC_CHAN_STATS, &r) == 0 && r.total.attaches >= 1 &&
	       !(r.flags & KUP_CHS_ATTACHED),
	       "KUP_IOC_CHAN_STATS works on a read-only device fd (%llu attaches)",
	       (unsigned long long)r.total.attaches);
	r.chan_id = 4;
	tap_ok(ioctl(fd, KUP_IOC_CHAN_STATS, &r) == -1 && errno == EINVAL,
	       "KUP_IOC_CHAN_STATS of channel 4 of 4 gives EINVAL");
	tap_ok(ioctl(fd, KUP_IOC_CHAN_STATS, (void *)8) == -1 && errno == EFAULT,
	       "KUP_IOC_CHAN_STATS with a bad pointer gives EFAULT");
	close(fd);
}

static int api(void)
{
	void *dev = kernproxy_open(DEV);

	if (!tap_ok(dev != NULL, "open " DEV " (%s)", strerror(kernproxy_errno)))
		return 1;
	size_t max = check_info(dev);

	check_dev_fd(dev);
	check_chan_errors(dev, max);
	check_readonly();
	errno = 0;
	tap_ok(!kernproxy_open("kup_tools_none") && kp_errno() == ENOENT &&
	       kernproxy_error(NULL) == ENOENT,
	       "a failed open sets errno too, so perror() is right");
	kernproxy_close(dev);
	return tap_exit_status();
}

/* @n echoes of @size bytes on @chan, one in flight; 0 if all came back. */
static int echo_n(void *ch, long n, size_t size, long *done)
{
	static unsigned char buf[65536];
	long i;

	for (i = 0; i < n; i++) {
		size_t len;
		unsigned char *m;

		memset(buf, (int)(*done + i), size);
		if (kernproxy_send(ch, buf, size, 0))
			return -1;
		m = kernproxy_receive_len(ch, &len, 0);
		if (!m || len != size || (size && m[size - 1] != buf[0]))
			return -1;
	}
	*done += n;
	return 0;
}

static void *attach_spin(const char *chan, unsigned int spin)
{
	struct kernproxy_chan_opts o = { .spin = spin };
	void *dev = kernproxy_open(DEV);
	void *ch = dev ? kernproxy_channel_opts(dev, atoi(chan), PAGES, &o) : NULL;

	if (!ch)
		perror("kup_tools: attach " DEV);
	return ch;
}

static void *attach(const char *chan)
{
	return attach_spin(chan, 0);
}

static int traffic(int argc, char **argv)
{
	long done = 0, n = atol(argv[1]), gap = argc > 3 ? atol(argv[3]) : 0;
	void *ch = attach_spin(argv[0], argc > 4 ? atoi(argv[4]) : 0);
	size_t size = atol(argv[2]);

	while (ch && size <= 65536 && done < n) {
		if (echo_n(ch, gap ? 1 : n, size, &done))
			break;
		if (gap)
			usleep(gap * 1000);
	}
	if (done < n) {
		printf("traffic: failed after %ld\n", done);
		return 1;
	}
	printf("traffic: %ld echoes of %zu bytes\n", done, size);
	kernproxy_detach(ch);
	return 0;
}

/* Publish a producer position no record ends at, and wake the kernel. */
static int break_chan(const char *chan)
{
	void *ch = attach(chan);
	const struct kup_layout *l;
	struct pollfd p = { .events = POLLIN };
	unsigned char *rw;
	size_t ro_len, rw_len;

	if (!ch)
		return 1;
	l = (const void *)kup_find_map(" r--s ", &ro_len);
	rw = kup_find_map(" rw-s ", &rw_len);
	if (!l || !rw) {
		printf("break: the channel's mappings are not in /proc/self/maps\n");
		return 1;
	}
	__atomic_store_n((uint64_t *)(rw + l->off_u2k_prod), 3, __ATOMIC_RELEASE);
	p.fd = kernproxy_fd(ch);
	ioctl(p.fd, KUP_IOC_WAKE);
	if (poll(&p, 1, 10000) != 1 || !(p.revents & POLLERR)) {
		printf("break: no POLLERR within 10 s (revents %#x)\n", p.revents);
		return 1;
	}
	printf("break: the kernel found channel %s broken\n", chan);
	kernproxy_detach(ch);
	return 0;
}

/* The wall clock, which kupctl top -t prints: the two can be compared. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every 10 ms, the echoes due by then: RATE per second on average. */
static int paced(char **argv)
{
	void *ch = attach(argv[0]);
	long rate = atol(argv[1]), done = 0;
	double secs = atof(argv[2]), t0 = now_s(), t;
	FILE *log = fopen(argv[3], "w");

	if (!ch || !log)
		return 1;
	fprintf(log, "%.3f 0\n", t0);
	while ((t = now_s() - t0) < secs) {
		long due = (long)(t * rate) - done;

		/* One line per echo: a catch-up burst is logged as it goes. */
		for (; due > 0; due--) {
			if (echo_n(ch, 1, 64, &done))
				return 1;
			fprintf(log, "%.6f %ld\n", now_s(), done);
		}
		usleep(10000);
	}
	fclose(log);
	t = now_s() - t0;
	printf("paced: %ld echoes in %.2f s: %.0f per second\n", done, t, done / t);
	kernproxy_detach(ch);
	return 0;
}

static int waithup(const char *file)
{
	void *dev = kernproxy_open(DEV);
	struct pollfd p = { .events = POLLIN };

	if (!dev)
		return 1;
	p.fd = kernproxy_dev_fd(dev);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	for (;;) {
		if (poll(&p, 1, 30000) != 1) {
			printf("waithup: no POLLHUP within 30 s\n");
			return 1;
		}
		if (p.revents & POLLHUP)
			break;
		usleep(10000);	/* POLLIN stays up until the unload */
	}
	printf("waithup: POLLHUP on the device fd after the unload\n");
	kernproxy_close(dev);
	return 0;
}

static int roattach(void)
{
	struct kup_attach a = { .chan_id = 2, .pages = PAGES, .abi_version = KUP_ABI_VERSION };
	int fd = open("/dev/" DEV, O_RDONLY), rc;

	if (fd < 0) {
		perror("kup_tools: open /dev/" DEV " read-only");
		return 1;
	}
	rc = ioctl(fd, KUP_IOC_ATTACH, &a);
	printf("roattach: %s\n", rc ? strerror(errno) : "attached");
	return rc == -1 && errno == EBADF ? 0 : 1;
}

static int asuser(char **argv)
{
	uid_t id = atoi(argv[0]);

	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		perror("kup_tools: asuser");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("kup_tools: exec");
	return 127;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "api"))
		return api();
	if ((argc == 5 || argc == 7) && !strcmp(argv[1], "traffic"))
		return traffic(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "break"))
		return break_chan(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "paced"))
		return paced(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "waithup"))
		return waithup(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "roattach"))
		return roattach();
	if (argc >= 4 && !strcmp(argv[1], "asuser"))
		return asuser(argv + 2);
	fprintf(stderr, "usage: see the top of kup_tools.c\n");
	return 2;
}
