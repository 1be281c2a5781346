/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libkup: the user side of KUP. One public header; link with -lkup.
 */
#ifndef _KUP_H
#define _KUP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* errno of the calling thread's last failed kernproxy_* call. */
extern __thread int kernproxy_errno;

void *kernproxy_open(char const *name);
void kernproxy_close(void *handle);
int kernproxy_error(void *handle);

#ifdef __cplusplus
}
#endif

#endif /* _KUP_H */
