/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helper: find a channel's mapping the way a hostile user would, from
 * /proc/self/maps, without asking libkup. @perm is the maps column, e.g.
 * " rw-s " for the user-written region or " r--s " for the kernel's.
 */
#ifndef KUP_TEST_MAPS_H
#define KUP_TEST_MAPS_H

#include <stdio.h>
#include <string.h>

static inline unsigned char *kup_find_map(const char *perm, size_t *len)
{
	char line[256];
	unsigned long a, b;
	void *res = NULL;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "kup-channel") && strstr(line, perm) &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			res = (void *)a;
			*len = b - a;
		}
	}
	if (f)
		fclose(f);
	return res;
}

#endif
