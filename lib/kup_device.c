// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libkup device handles: kernproxy_open(), kernproxy_close(),
 * kernproxy_error(), kernproxy_info(), kernproxy_dev_fd().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kup_lib.h"

KUP_API __thread int kernproxy_errno;

/* Both handle kinds start with struct kup_hdr: see kup_lib.h. */
unsigned int kup_forks;

/* In the child of a fork(), alone: nothing to lock. */
static void kup_forked(void)
{
	kup_forks++;
}

static void kup_fork_watch_once(void)
{
	pthread_atfork(NULL, NULL, kup_forked);
}

/* Count fork()s from the first handle on (see kup_lib.h). */
void kup_fork_watch(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, kup_fork_watch_once);
}

int kup_bad_handle(void *handle)
{
	const struct kup_hdr *h = handle;

	return kup_fail(handle, kup_inherited(h, KUP_KIND_DEV) ||
				kup_inherited(h, KUP_KIND_CHAN) ? EBADF : EINVAL);
}

int kup_fail(void *handle, int err)
{
	struct kup_hdr *hdr = handle;

	kernproxy_errno = err;
	errno = err;
	if (hdr && (hdr->kind == KUP_KIND_DEV || hdr->kind == KUP_KIND_CHAN))
		__atomic_store_n(&hdr->error, err, __ATOMIC_RELAXED);
	return -1;
}

/* "name" and "/dev/name" both name /dev/name; nothing else is accepted. */
static int kup_dev_path(const char *name, char *path, size_t len)
{
	if (!name || !*name)
		return EINVAL;
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (!*name || strchr(name, '/'))
		return EINVAL;
	if ((size_t)snprintf(path, len, "/dev/%s", name) >= len)
		return ENAMETOOLONG;
	return 0;
}

/**
 * kernproxy_open() - open a KUP device
 * @name: "name" or "/dev/name"
 *
 * Return: a handle, or NULL with kernproxy_errno set (ENOENT: no such
 * device, EINVAL: bad name, EACCES, ENOMEM, ...).
 */
KUP_API void *kernproxy_open(char const *name)
{
	char path[PATH_MAX];
	struct kup_handle *h;
	int err = kup_dev_path(name, path, sizeof(path));

	if (err) {
		kup_fail(NULL, err);
		return NULL;
	}
	kup_fork_watch();
	h = calloc(1, sizeof(*h));
	if (!h) {
		kup_fail(NULL, ENOMEM);
		return NULL;
	}
	h->hdr.kind = KUP_KIND_DEV;
	h->hdr.forks = kup_forks;
	pthread_mutex_init(&h->lock, NULL);
	h->fd = open(path, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		/* A node that vanished with its device reads as ENODEV/ENXIO. */
		err = (errno == ENODEV || errno == ENXIO) ? ENOENT : errno;
		free(h);
		kup_fail(NULL, err);
		return NULL;
	}
	return h;
}

/**
 * kernproxy_close() - close a device handle and everything opened through it
 * @handle: from kernproxy_open(), or NULL
 *
 * Also a handle inherited across fork(): kernproxy_detach() then drops
 * only this process's copies of each channel, and the lock, which a thread
 * of the parent may have held, is left as it is.
 */
KUP_API void kernproxy_close(void *handle)
{
	struct kup_handle *h = handle;
	bool inherited = kup_inherited(h ? &h->hdr : NULL, KUP_KIND_DEV);

	if (!kup_is_dev(h) && !inherited)
		return;
	while (h->chans)
		kernproxy_detach(h->chans);
	close(h->fd);
	if (!inherited)
		pthread_mutex_destroy(&h->lock);
	/* A stale pointer used after this must not pass kup_is_dev(). */
	h->hdr.kind = 0;
	free(h);
}

/**
 * kernproxy_error() - last error recorded on a handle
 * @handle: a device handle (kernproxy_open()) or a channel handle
 *	(kernproxy_channel()); NULL gives the thread's kernproxy_errno
 *
 * The last failure of a call made on that very handle: a device handle's
 * are those of the device calls (kernproxy_channel(), kernproxy_info(),
 * ...), not its channels', each of which keeps its own.
 * Return: an errno value, 0 if none.
 */
KUP_API int kernproxy_error(void *handle)
{
	struct kup_hdr *hdr = handle;

	return hdr ? __atomic_load_n(&hdr->error, __ATOMIC_RELAXED) :
		     kernproxy_errno;
}

/**
 * kernproxy_info() - a device's channels and their size, before attaching
 * @handle: from kernproxy_open()
 * @info: filled in
 *
 * Return: 0, or -1 with EINVAL (not a device handle, NULL @info), EPIPE
 * (the device was unloaded).
 */
KUP_API int kernproxy_info(void *handle, struct kernproxy_info *info)
{
	struct kup_handle *h = handle;
	struct kup_dev_info di;
	long page = sysconf(_SC_PAGESIZE);

	if (!kup_is_dev(h))
		return kup_bad_handle(h);
	if (!info)
		return kup_fail(h, EINVAL);
	if (ioctl(h->fd, KUP_IOC_INFO, &di) < 0)
		return kup_fail(h, errno);
	memset(info, 0, sizeof(*info));
	info->channels = di.chan_cnt;
	info->pages = di.pages;
	info->page_size = page;
	/* As kup.ko sizes a channel: one record header less than its data. */
	info->max_msg = (size_t)di.pages * page - sizeof(struct kup_rec_hdr);
	info->ready = !!di.ready;
	return 0;
}

/**
 * kernproxy_dev_fd() - the device's file descriptor, for poll() and epoll
 * @handle: from kernproxy_open()
 *
 * Readable (POLLIN) once the kernel side called kupdev_notify(), POLLHUP
 * once the device is unloaded. It stays the handle's: do not close it.
 * Return: the fd, or -1 with EINVAL (not a device handle).
 */
KUP_API int kernproxy_dev_fd(void *handle)
{
	struct kup_handle *h = handle;

	if (!kup_is_dev(h))
		return kup_bad_handle(h);
	return h->fd;
}
