/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The helpers of vm_bench's parts (vm_lib.c), and the entry points of the
 * parts other than vm_bench.c itself.
 */
#ifndef _KUP_VM_LIB_H
#define _KUP_VM_LIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* @len bytes exactly, or -1. */
int full_read(int fd, void *buf, size_t len);
int full_write(int fd, const void *buf, size_t len);
/* O_RDWR, or the program dies saying why. */
int open_dev(const char *path);

/* A peer thread on the other vCPU, started before the clock runs. */
struct peer {
	pthread_t thread;
	void *(*fn)(void *);
	uint64_t n;
	void *arg;
	unsigned int ready;
};

/* Run @fn(@p) pinned to vCPU 1, with @arg and @n in @p; returns once it runs. */
void peer_start(struct peer *p, void *(*fn)(void *), void *arg, uint64_t n);
void peer_join(struct peer *p);

/* The limits' peer (common/bench_limits.h): a thread, as above. */
struct limit_peer;
extern struct limit_peer peer_thread;

/*
 * Seconds per repetition: $BENCH_SECS, default 0.25. Each part sets its
 * own bench_rep_secs (bench.h's is per file) from it.
 */
double vm_rep_secs(void);

/* Say why a KUP run failed (kernproxy_errno); returns -1, a failed run. */
double kup_failed(const char *what);

/* vm_echo.c: round trips through io_uring, and every pipelined echo. */
void run_rtt_uring(const char *what);
void run_echo(const char *what);
/* vm_mp.c: the stream of kup_bench_mp.ko's producers. */
void run_mp(const char *mode);
/* vm_bpf.c: the BPF ring buffer stream. */
void run_tput_bpf(void);

#endif /* _KUP_VM_LIB_H */
