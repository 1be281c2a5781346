/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The error of the last failed kernproxy_*() call, read from both places
 * libkup puts it: errno (for perror() and %m) and kernproxy_errno. When
 * they differ it reads as -1, which no check expects, so every test that
 * checks an error through it checks errno too.
 */
#ifndef _KUP_KP_ERR_H
#define _KUP_KP_ERR_H

#include <errno.h>
#include <kup.h>

static inline int kp_errno(void)
{
	return errno == kernproxy_errno ? errno : -1;
}

#endif /* _KUP_KP_ERR_H */
