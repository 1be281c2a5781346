// SPDX-License-Identifier: GPL-2.0
/*
 * pkg_user: the package test's user program, built with nothing but
 * "pkg-config --cflags --libs libkup" against the installed libkup-dev.
 * usage: pkg_user MESSAGE    sends MESSAGE to /dev/pkg_echo, prints the reply
 * Exit status: 0 on a reply, 2 if the device is not there (ENOENT), else 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <kup.h>

int main(int argc, char **argv)
{
	void *dev, *ch;
	size_t len;
	char *reply;

	if (argc != 2) {
		fprintf(stderr, "usage: pkg_user MESSAGE\n");
		return 1;
	}
	dev = kernproxy_open("pkg_echo");
	if (!dev) {
		fprintf(stderr, "pkg_user: pkg_echo: %s\n", strerror(kernproxy_errno));
		return kernproxy_errno == ENOENT ? 2 : 1;
	}
	ch = kernproxy_channel(dev, 0, 1);
	if (!ch || kernproxy_send(ch, argv[1], strlen(argv[1]), 0) < 0 ||
	    !(reply = kernproxy_receive_len(ch, &len, 0))) {
		fprintf(stderr, "pkg_user: %s\n", strerror(kernproxy_errno));
		kernproxy_close(dev);
		return 1;
	}
	printf("%.*s\n", (int)len, reply);
	kernproxy_close(dev);
	return 0;
}
