// SPDX-License-Identifier: GPL-2.0
/*
 * kup_bench_tunnel: the /proc/tunnel sink and source of make bench. It is
 * the kernel client a fast tunnel user would write: kicked by the tunnel's
 * notify callback whenever user space moved bytes, a work item
 *  - takes everything user space wrote (tunnel_read) and drops it: the sink;
 *  - fills whatever room user space made in the kernel-to-user buffer
 *    (tunnel_write) from a ready pattern: the source.
 * Both at once: a benchmark that only writes finds the source's buffer full
 * and idle, one that only reads never writes anything for the sink.
 *
 * A sink's user cannot tell when its last bytes were taken, so the count of
 * bytes taken is a read-only module parameter ("consumed").
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <kup/tunnel.h>

/* Bytes per tunnel_read()/tunnel_write() call: a whole big message. */
#define TB_CHUNK	65536

static ulong consumed;
module_param(consumed, ulong, 0444);
MODULE_PARM_DESC(consumed, "bytes taken from /proc/tunnel so far");

static struct work_struct tb_work;
static char *tb_sink_buf, *tb_source_buf;

/* A work item never runs twice at once: the buffers are ours alone. */
static void tb_pump(struct work_struct *work)
{
	int n;

	while ((n = tunnel_read(tb_sink_buf, TB_CHUNK)) > 0)
		WRITE_ONCE(consumed, consumed + n);
	while ((n = min(tunnel_avail(), TB_CHUNK)) > 0) {
		if (tunnel_write(tb_source_buf, n) <= 0)
			break;
		cond_resched();
	}
}

/* tunnel_notify_t: in the user's read() or write(); must not sleep. */
static void tb_kick(void)
{
	queue_work(system_unbound_wq, &tb_work);
}

static int __init tb_init(void)
{
	int err = -ENOMEM;

	tb_sink_buf = kvmalloc(TB_CHUNK, GFP_KERNEL);
	tb_source_buf = kvmalloc(TB_CHUNK, GFP_KERNEL);
	if (!tb_sink_buf || !tb_source_buf)
		goto free_bufs;
	memset(tb_source_buf, 0x5a, TB_CHUNK);
	INIT_WORK(&tb_work, tb_pump);
	err = tunnel_set_notify(tb_kick);
	if (err)
		goto free_bufs;
	/* Fill the source's buffer; take what was written before we came. */
	queue_work(system_unbound_wq, &tb_work);
	return 0;

free_bufs:
	kvfree(tb_source_buf);
	kvfree(tb_sink_buf);
	return err;
}

static void __exit tb_exit(void)
{
	/* No more kicks, then no more work that they queued. */
	tunnel_set_notify(NULL);
	cancel_work_sync(&tb_work);
	kvfree(tb_source_buf);
	kvfree(tb_sink_buf);
}

module_init(tb_init);
module_exit(tb_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP benchmarks: /proc/tunnel sink and source");
