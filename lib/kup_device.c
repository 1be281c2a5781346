// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libkup device handles: kernproxy_open(), kernproxy_close(),
 * kernproxy_error().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kup_lib.h"

KUP_API __thread int kernproxy_errno;

int kup_fail(struct kup_handle *h, int err)
{
	kernproxy_errno = err;
	if (h)
		h->error = err;
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
	h = calloc(1, sizeof(*h));
	if (!h) {
		kup_fail(NULL, ENOMEM);
		return NULL;
	}
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
 */
KUP_API void kernproxy_close(void *handle)
{
	struct kup_handle *h = handle;

	if (!h)
		return;
	while (h->chans)
		kernproxy_detach(h->chans);
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/**
 * kernproxy_error() - last error recorded on a handle
 * @handle: from kernproxy_open(); NULL gives the thread's kernproxy_errno
 *
 * Return: an errno value, 0 if none.
 */
KUP_API int kernproxy_error(void *handle)
{
	struct kup_handle *h = handle;

	return h ? h->error : kernproxy_errno;
}
