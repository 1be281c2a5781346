/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kup.ko's trace events, system "kup" (perf record -e 'kup:*', trace-cmd
 * record -e kup, or tracefs events/kup/). Off, each is a static branch.
 *
 * Every event names the device and the channel. Positions are byte counts
 * of a ring: "fill" is what is in it after the event, as the kernel sees
 * it; the user side may be further on already.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kup

#if !defined(_KUP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KUP_TRACE_H

#include <linux/tracepoint.h>
#include "kup_internal.h"

/* Names are copied whole: __string()'s helpers changed across kernels. */
#define KUP_TP_DEV	__array(char, dev, KUPDEV_NAME_MAX + 1)
#define KUP_TP_DEV_SET(sc) memcpy(__entry->dev, (sc)->name, sizeof(__entry->dev))

DECLARE_EVENT_CLASS(kup_dev_class,
	TP_PROTO(const struct kupdev_softc *sc),
	TP_ARGS(sc),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(unsigned int, chans)
		__field(unsigned int, pages)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(sc);
		__entry->chans = sc->chan_cnt;
		__entry->pages = sc->size;
	),
	TP_printk("dev=%s chans=%u pages=%u", __entry->dev, __entry->chans,
		  __entry->pages)
);

/* kupdev_create() made the device; kupdev_unload() begins. */
DEFINE_EVENT(kup_dev_class, kup_create,
	TP_PROTO(const struct kupdev_softc *sc), TP_ARGS(sc));
DEFINE_EVENT(kup_dev_class, kup_unload,
	TP_PROTO(const struct kupdev_softc *sc), TP_ARGS(sc));

/* A user attached a channel: its pid. */
TRACE_EVENT(kup_attach,
	TP_PROTO(const struct kup_sess *s),
	TP_ARGS(s),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
		__field(pid_t, pid)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
		__entry->pid = current->tgid;
	),
	TP_printk("dev=%s chan=%d pid=%d", __entry->dev, __entry->chan,
		  __entry->pid)
);

/* A session ended: the user closed it (detached) or the device went. */
TRACE_EVENT(kup_detach,
	TP_PROTO(const struct kup_sess *s, u32 why),
	TP_ARGS(s, why),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
		__field(u32, why)
		__field(u64, u2k_left)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
		__entry->why = why;
		/* Below what the kernel took when the user's last word was bad. */
		__entry->u2k_left = max_t(s64, 0, (s64)(READ_ONCE(s->u2k_end) -
							READ_ONCE(s->u2k_c.pos)));
	),
	TP_printk("dev=%s chan=%d status=%#x u2k_left=%llu", __entry->dev,
		  __entry->chan, __entry->why, __entry->u2k_left)
);

/*
 * Records moved: the kernel published @n towards the user (kup_send), or
 * took @n from it (kup_receive), @bytes of payload in all. The fill is
 * *@ahead - *@behind, read only when the event is on: a position the user
 * writes is a cache line the data path does not otherwise touch there.
 */
DECLARE_EVENT_CLASS(kup_data_class,
	TP_PROTO(const struct kup_sess *s, unsigned int n, u64 bytes,
		 const u64 *ahead, const u64 *behind),
	TP_ARGS(s, n, bytes, ahead, behind),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
		__field(unsigned int, n)
		__field(u64, bytes)
		__field(u64, fill)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
		__entry->n = n;
		__entry->bytes = bytes;
		__entry->fill = READ_ONCE(*ahead) - READ_ONCE(*behind);
	),
	TP_printk("dev=%s chan=%d n=%u bytes=%llu fill=%llu", __entry->dev,
		  __entry->chan, __entry->n, __entry->bytes, __entry->fill)
);

DEFINE_EVENT(kup_data_class, kup_send,
	TP_PROTO(const struct kup_sess *s, unsigned int n, u64 bytes,
		 const u64 *ahead, const u64 *behind),
	TP_ARGS(s, n, bytes, ahead, behind));
DEFINE_EVENT(kup_data_class, kup_receive,
	TP_PROTO(const struct kup_sess *s, unsigned int n, u64 bytes,
		 const u64 *ahead, const u64 *behind),
	TP_ARGS(s, n, bytes, ahead, behind));

/*
 * Sleeps and wake-ups. kup_wait: a kernel caller sleeps for room ("full")
 * or data ("empty"); kup_wait_done: it woke, with 0 or -errno.
 * kup_user_wait: a user's poll() found nothing and armed its wake-up.
 * kup_wake_user: the kernel woke the user; kup_wake_kernel: the user woke
 * a kernel caller (its ioctl, or its poll() seeing records it waits for).
 */
/* A channel and a number: what a kernel caller waits for, or its result. */
DECLARE_EVENT_CLASS(kup_chan_int_class,
	TP_PROTO(const struct kup_sess *s, int v),
	TP_ARGS(s, v),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
		__field(int, v)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
		__entry->v = v;
	),
	TP_printk("dev=%s chan=%d err=%d", __entry->dev, __entry->chan, __entry->v)
);

/* @v: true to wait for room, false for data. */
DEFINE_EVENT_PRINT(kup_chan_int_class, kup_wait,
	TP_PROTO(const struct kup_sess *s, int v), TP_ARGS(s, v),
	TP_printk("dev=%s chan=%d for=%s", __entry->dev, __entry->chan,
		  __entry->v ? "room" : "data"));
/* @v: 0 or -errno. */
DEFINE_EVENT(kup_chan_int_class, kup_wait_done,
	TP_PROTO(const struct kup_sess *s, int v), TP_ARGS(s, v));

DECLARE_EVENT_CLASS(kup_chan_class,
	TP_PROTO(const struct kup_sess *s),
	TP_ARGS(s),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
	),
	TP_printk("dev=%s chan=%d", __entry->dev, __entry->chan)
);

DEFINE_EVENT(kup_chan_class, kup_user_wait,
	TP_PROTO(const struct kup_sess *s), TP_ARGS(s));
DEFINE_EVENT(kup_chan_class, kup_wake_user,
	TP_PROTO(const struct kup_sess *s), TP_ARGS(s));
DEFINE_EVENT(kup_chan_class, kup_wake_kernel,
	TP_PROTO(const struct kup_sess *s), TP_ARGS(s));

/* The user broke the protocol: what was wrong. */
TRACE_EVENT(kup_proto_error,
	TP_PROTO(const struct kup_sess *s, const char *what),
	TP_ARGS(s, what),
	TP_STRUCT__entry(
		KUP_TP_DEV
		__field(int, chan)
		__array(char, what, 48)
	),
	TP_fast_assign(
		KUP_TP_DEV_SET(s->sc);
		__entry->chan = s->ch->id;
		/* A copy: the buffer may be read after kup.ko is gone. */
		strscpy_pad(__entry->what, what, sizeof(__entry->what));
	),
	TP_printk("dev=%s chan=%d what=%s", __entry->dev, __entry->chan,
		  __entry->what)
);

#endif /* _KUP_TRACE_H */

/* define_trace.h includes this file again, from the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kup_trace
#include <trace/define_trace.h>
