// SPDX-License-Identifier: GPL-2.0
/*
 * A user of one KUP channel driven line by line from standard input, so
 * that a test script can put its calls in an exact order with a kernel
 * client's (tests/kmod/kup_test_step.c). Each command prints one line,
 * "COMMAND RESULT", where RESULT is 0 or a length and text, or the errno
 * name of the failure:
 *
 *   attach DEV CHAN [PAGES]
 *                       kernproxy_open() and kernproxy_channel(), of 1
 *                       page unless PAGES says
 *   recv | wrecv        kernproxy_receive_len(), KP_NB | blocking
 *   peek | wpeek        kernproxy_peek(), KP_NB | blocking
 *   release             kernproxy_release()
 *   send TEXT           kernproxy_send(), KP_NB
 *   stats               kernproxy_stats(): "stats K2U_MSGS K2U_BYTES"
 *   close               kernproxy_close() of the device
 *
 * The blocking calls also print the CPU time they used and how long they
 * took ("cpu=MS wall=MS"), so that a test can tell sleeping from spinning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <kup.h>

static void *dev, *ch;

static long ms_of(const struct timeval *t)
{
	return t->tv_sec * 1000 + t->tv_usec / 1000;
}

static long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ms_of(&ru.ru_utime) + ms_of(&ru.ru_stime);
}

static long wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *err_name(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case EPROTO: return "EPROTO";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EMSGSIZE: return "EMSGSIZE";
	}
	return "E?";
}

/* A message's line: its length and its text, or the error. */
static void say_msg(const char *cmd, const char *msg, size_t len)
{
	if (msg)
		printf("%s %zu %.*s", cmd, len, (int)len, msg);
	else
		printf("%s %s", cmd, err_name(kernproxy_errno));
}

static void cmd_recv(const char *cmd, int flags, int peek)
{
	long c0 = cpu_ms(), w0 = wall_ms();
	size_t len = 0;
	char *msg = peek ? kernproxy_peek(ch, &len, flags) :
			   kernproxy_receive_len(ch, &len, flags);

	say_msg(cmd, msg, len);
	if (!(flags & KP_NB))
		printf(" cpu=%ld wall=%ld", cpu_ms() - c0, wall_ms() - w0);
}

static void cmd_attach(const char *arg)
{
	char name[64];
	int id, pages = 1;

	if (sscanf(arg, "%63s %d %d", name, &id, &pages) < 2) {
		printf("attach EINVAL");
		return;
	}
	dev = kernproxy_open(name);
	ch = dev ? kernproxy_channel(dev, id, pages) : NULL;
	printf("attach %s", ch ? "0" : err_name(kernproxy_errno));
}

static void cmd_stats(void)
{
	struct kernproxy_stats st;

	if (kernproxy_stats(ch, &st))
		printf("stats %s", err_name(kernproxy_errno));
	else
		printf("stats %llu %llu", (unsigned long long)st.k2u_msgs,
		       (unsigned long long)st.k2u_bytes);
}

static void run(char *cmd, char *arg)
{
	if (!strcmp(cmd, "attach"))
		cmd_attach(arg);
	else if (!strcmp(cmd, "recv") || !strcmp(cmd, "wrecv"))
		cmd_recv(cmd, cmd[0] == 'w' ? 0 : KP_NB, 0);
	else if (!strcmp(cmd, "peek") || !strcmp(cmd, "wpeek"))
		cmd_recv(cmd, cmd[0] == 'w' ? 0 : KP_NB, 1);
	else if (!strcmp(cmd, "release"))
		kernproxy_release(ch), printf("release 0");
	else if (!strcmp(cmd, "send"))
		printf("send %s", kernproxy_send(ch, arg, strlen(arg), KP_NB) ?
		       err_name(kernproxy_errno) : "0");
	else if (!strcmp(cmd, "stats"))
		cmd_stats();
	else if (!strcmp(cmd, "close"))
		kernproxy_close(dev), dev = ch = NULL, printf("close 0");
	else
		printf("%s unknown", cmd);
}

int main(void)
{
	char line[256], *arg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		run(line, arg ? arg : (char *)"");
		putchar('\n');
	}
	return 0;
}
