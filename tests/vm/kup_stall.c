// SPDX-License-Identifier: GPL-2.0
/*
 * kup_stall [-w] FILE: read() FILE into a page that userfaultfd holds
 * back, so that the read stalls inside the kernel's copy to user space, for
 * as long as the test wants: a deterministic way to hold a file operation
 * in flight while the test unloads what the file belongs to. With -w, a
 * write() of 64 bytes from that page stalls in the copy from user space.
 *
 * Creates /tmp/kup_stalled once the kernel is blocked on the page; lets the
 * copy go on when /tmp/kup_release exists; exits 0 once the read or write
 * returned (whatever it returned, which it prints), 1 on a setup failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static char *page;
static long page_size;
static const char *path;
static int writing;

static void *reader(void *arg __attribute__((unused)))
{
	int fd = open(path, writing ? O_WRONLY : O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		perror(path);
		return NULL;
	}
	n = writing ? write(fd, page, 64) : read(fd, page, page_size);
	printf("kup_stall: %s() of %s returned %zd%s%s\n",
	       writing ? "write" : "read", path, n,
	       n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
	close(fd);
	return NULL;
}

static int touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY, 0600);

	return fd < 0 ? -1 : close(fd);
}

/* Block until the reader's copy faults on the page. */
static int wait_fault(int uffd)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 20000) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		fprintf(stderr, "kup_stall: no page fault came\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_zeropage zero = { 0 };
	pthread_t t;
	int uffd;

	writing = argc == 3 && !strcmp(argv[1], "-w");
	if (argc != 2 + writing) {
		fprintf(stderr, "usage: kup_stall [-w] FILE\n");
		return 2;
	}
	path = argv[1 + writing];
	page_size = sysconf(_SC_PAGESIZE);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd < 0 || page == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api)) {
		perror("kup_stall: userfaultfd");
		return 1;
	}
	reg.range.start = (unsigned long)page;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&t, NULL, reader, NULL)) {
		perror("kup_stall: register");
		return 1;
	}
	if (wait_fault(uffd) || touch("/tmp/kup_stalled"))
		return 1;
	while (access("/tmp/kup_release", F_OK))
		usleep(10000);
	zero.range = reg.range;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		perror("kup_stall: UFFDIO_ZEROPAGE");
	pthread_join(t, NULL);
	return 0;
}
