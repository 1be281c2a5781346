/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* Private to libkup. */
#ifndef _KUP_LIB_H
#define _KUP_LIB_H

#include <kup.h>

#define KUP_API __attribute__((visibility("default")))

struct kup_handle {
	int fd;			/* /dev/<name> */
	int error;		/* last error seen on this handle */
};

/* Record @err for the thread and the handle; returns -1 for chaining. */
int kup_fail(struct kup_handle *h, int err);

#endif /* _KUP_LIB_H */
