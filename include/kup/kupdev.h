/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUP in-kernel API: what a client module includes to create a named KUP
 * device (/dev/<name>) and talk to the user process attached to its channels.
 */
#ifndef _KUP_KUPDEV_H
#define _KUP_KUPDEV_H

#include <linux/types.h>
#include <linux/uidgid.h>

/* Longest device name, not counting the terminating NUL. */
#define KUPDEV_NAME_MAX		31
/* Most channels one device may have. */
#define KUPDEV_MAX_CHANNELS	64
/* Largest data area of one direction of one channel, in pages. */
#define KUPDEV_MAX_PAGES	1024

struct kupdev_softc;

/**
 * struct kupdev_options - optional settings for kupdev_create_opts()
 * @mode: permission bits of /dev/<name>; 0 means the default 0600
 * @uid: owner of the node (default root)
 * @gid: group of the node (default root)
 */
struct kupdev_options {
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
};

struct kupdev_softc *kupdev_create(const char *name, size_t size,
				   size_t chan_cnt);
struct kupdev_softc *kupdev_create_opts(const char *name, size_t size,
					size_t chan_cnt,
					const struct kupdev_options *opts);
int kupdev_unload(struct kupdev_softc *sc);

#endif /* _KUP_KUPDEV_H */
