// SPDX-License-Identifier: GPL-2.0
/*
 * KUP device registry: kupdev_create() and kupdev_unload(), the /dev/<name>
 * nodes and the lifetime of struct kupdev_softc.
 *
 * A softc's memory is reference counted (sc->ref): the client holds one
 * reference from create to unload, every open file and every session one.
 * Lookups by minor go through the registry under kup_lock, so an open
 * racing with kupdev_unload() either finds the device alive and takes a
 * reference, or does not find it at all. Kernel calls hold sc->active
 * instead, which the unload kills and waits for (kup_dev_shutdown()).
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <kup/kup_compat.h>
#include "kup_internal.h"
#include "kup_trace.h"

static DEFINE_MUTEX(kup_lock);		/* protects kup_devices and minors */
static LIST_HEAD(kup_devices);
static DEFINE_IDA(kup_minors);
static const struct file_operations kup_dev_fops;

static void kup_dev_free(struct kref *ref)
{
	struct kupdev_softc *sc = container_of(ref, struct kupdev_softc, ref);

	irq_work_sync(&sc->notify_work);
	percpu_ref_exit(&sc->active);
	kfree(sc);
}

void kup_dev_get(struct kupdev_softc *sc)
{
	kref_get(&sc->ref);
}

void kup_dev_put(struct kupdev_softc *sc)
{
	kref_put(&sc->ref, kup_dev_free);
}

static struct kupdev_softc *kup_dev_get_by_minor(int minor)
{
	struct kupdev_softc *sc, *found = NULL;

	mutex_lock(&kup_lock);
	list_for_each_entry(sc, &kup_devices, node) {
		if (sc->minor == minor && !sc->dead) {
			kref_get(&sc->ref);
			found = sc;
			break;
		}
	}
	mutex_unlock(&kup_lock);
	return found;
}

static struct kupdev_softc *kup_find_name_locked(const char *name)
{
	struct kupdev_softc *sc;

	lockdep_assert_held(&kup_lock);
	list_for_each_entry(sc, &kup_devices, node)
		if (!strcmp(sc->name, name))
			return sc;
	return NULL;
}

static char *kup_devnode(KUP_DEVNODE_CONST struct device *dev, umode_t *mode,
			 kuid_t *uid, kgid_t *gid)
{
	const struct kupdev_softc *sc = dev_get_drvdata(dev);

	if (mode)
		*mode = sc->opts.mode;
	if (uid)
		*uid = sc->opts.uid;
	if (gid)
		*gid = sc->opts.gid;
	return NULL;
}

static ssize_t channels_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	const struct kupdev_softc *sc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%zu\n", sc->chan_cnt);
}
static DEVICE_ATTR_RO(channels);

static ssize_t pages_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	const struct kupdev_softc *sc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%zu\n", sc->size);
}
static DEVICE_ATTR_RO(pages);

/* The stats table's header; each line under it is KUP_STATS_LINE bytes. */
#define KUP_STATS_HEAD	"chan attached k2u_msgs k2u_bytes u2k_msgs u2k_bytes " \
			"wakeups_sent wakeups_recv full_waits empty_waits " \
			"proto_errors attaches\n"
#define KUP_STATS_LINE	(2 + 2 + 10 * 21 + 1)
static_assert(KUPDEV_MAX_CHANNELS <= 100);

/*
 * One line of counters per channel, into @buf of @size bytes. Fixed-width
 * fields: sysfs reads a page at a time, calling us for each, and counters
 * that grew meanwhile must not shift the text between two pages.
 */
static size_t kup_stats_text(struct kupdev_softc *sc, char *buf, size_t size)
{
	size_t i, n = scnprintf(buf, size, "%s", KUP_STATS_HEAD);

	for (i = 0; i < sc->chan_cnt; i++) {
		struct kup_stats st;

		kup_stats_read(&sc->chans[i], &st);
		n += scnprintf(buf + n, size - n,
			       "%zu %d %20llu %20llu %20llu %20llu %20llu %20llu %20llu %20llu %20llu %20llu\n",
			       i, rcu_access_pointer(sc->chans[i].sess) != NULL,
			       st.k2u_msgs, st.k2u_bytes, st.u2k_msgs,
			       st.u2k_bytes, st.wakeups_sent, st.wakeups_recv,
			       st.full_waits, st.empty_waits, st.proto_errors,
			       st.attaches);
	}
	return n;
}

/*
 * /sys/class/kup/<name>/stats, which /proc/kup/<name> links to. Not a
 * procfs file: procfs holds its entry for a whole read(), copy to user
 * space included, and its removal waits for that, so a reader stalled in
 * the copy (a userfaultfd page) would hold kupdev_unload() for as long as
 * it liked. sysfs calls us to fill its buffer, lets go of the file, and
 * only then copies out: the unload waits at most for this function.
 */
static ssize_t stats_read(struct file *file, struct kobject *kobj,
			  KUP_BIN_ATTR_CONST struct bin_attribute *attr,
			  char *buf, loff_t off,
			  size_t count)
{
	struct kupdev_softc *sc = dev_get_drvdata(kobj_to_dev(kobj));
	size_t size = sizeof(KUP_STATS_HEAD) + sc->chan_cnt * KUP_STATS_LINE;
	char *text = kvmalloc(size, GFP_KERNEL);
	size_t n;

	if (!text)
		return -ENOMEM;
	n = kup_stats_text(sc, text, size);
	if (off < n) {
		n = min_t(size_t, n - off, count);
		memcpy(buf, text + off, n);
	} else {
		n = 0;
	}
	kvfree(text);
	return n;
}
static BIN_ATTR(stats, 0400, stats_read, NULL, 0);

static struct attribute *kup_dev_attrs[] = {
	&dev_attr_channels.attr,
	&dev_attr_pages.attr,
	NULL,
};

static KUP_BIN_ATTR_CONST struct bin_attribute *kup_dev_bin_attrs[] = {
	&bin_attr_stats,
	NULL,
};

static const struct attribute_group kup_dev_group = {
	.attrs = kup_dev_attrs,
	.bin_attrs = kup_dev_bin_attrs,
};
__ATTRIBUTE_GROUPS(kup_dev);

static const struct device_type kup_dev_type = {
	.name = "kup",
	.groups = kup_dev_groups,
	.devnode = kup_devnode,
};

/*
 * One byte of a name: [A-Za-z0-9_.-], spelled out. Not isalnum(): the
 * kernel's ctype table is Latin-1, where 0xc0..0xff (but for 0xd7 and
 * 0xf7) are letters, and a lone such byte is not even valid UTF-8.
 */
static bool kup_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* A name becomes a file in /dev: no path tricks, no surprises in ls. */
static bool kup_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, KUPDEV_NAME_MAX + 1);
	if (len == 0 || len > KUPDEV_NAME_MAX)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (!kup_name_char(name[i]))
			return false;
	return true;
}

static int kup_args_valid(const char *name, size_t size, size_t chan_cnt,
			  const struct kupdev_options *opts)
{
	if (!kup_name_valid(name))
		return -EINVAL;
	/* Ring data areas are a power of two so positions can be masked. */
	if (size == 0 || !is_power_of_2(size) || size > KUPDEV_MAX_PAGES)
		return -EINVAL;
	if (chan_cnt == 0 || chan_cnt > KUPDEV_MAX_CHANNELS)
		return -EINVAL;
	if (opts && ((opts->mode & ~0777) || (opts->flags & ~KUPDEV_CREATE_MP)))
		return -EINVAL;
	return 0;
}

/* kupdev_notify() where a wait queue's lock may not be taken (RT). */
static void kup_notify_work(struct irq_work *work)
{
	struct kupdev_softc *sc = container_of(work, struct kupdev_softc,
					       notify_work);

	wake_up_all(&sc->ready_wq);
}

/* The last kupdev_*() call left a device whose unload began. */
static void kup_dev_idle(struct percpu_ref *active)
{
	struct kupdev_softc *sc = container_of(active, struct kupdev_softc,
					       active);

	complete(&sc->idle);
}

static struct kupdev_softc *kup_dev_alloc(const char *name, size_t size,
					  size_t chan_cnt,
					  const struct kupdev_options *opts)
{
	struct kupdev_softc *sc;
	size_t i;

	sc = kzalloc(struct_size(sc, chans, chan_cnt), GFP_KERNEL);
	if (!sc)
		return NULL;
	if (percpu_ref_init(&sc->active, kup_dev_idle, 0, GFP_KERNEL)) {
		kfree(sc);
		return NULL;
	}
	init_completion(&sc->idle);
	kref_init(&sc->ref);
	init_waitqueue_head(&sc->ready_wq);
	init_irq_work(&sc->notify_work, kup_notify_work);
	init_waitqueue_head(&sc->attach_wq);
	mutex_init(&sc->ops_lock);
	for (i = 0; i < chan_cnt; i++) {
		raw_spin_lock_init(&sc->chans[i].lock);
		mutex_init(&sc->chans[i].users);
		sc->chans[i].id = i;
	}
	INIT_LIST_HEAD(&sc->node);
	strscpy(sc->name, name, sizeof(sc->name));
	sc->size = size;
	sc->chan_cnt = chan_cnt;
	sc->minor = -1;
	sc->opts.mode = 0600;
	sc->opts.uid = GLOBAL_ROOT_UID;
	sc->opts.gid = GLOBAL_ROOT_GID;
	if (opts) {
		if (opts->mode)
			sc->opts.mode = opts->mode;
		sc->opts.uid = opts->uid;
		sc->opts.gid = opts->gid;
		sc->mp = opts->flags & KUPDEV_CREATE_MP;
	}
	return sc;
}

static void kup_node_release(struct device *dev)
{
	kfree(dev);
}

/*
 * device_create() would add the device before we could set its type, and
 * the type's devnode callback is what gives the node its mode and owner.
 */
static int kup_dev_add_node(struct kupdev_softc *sc, dev_t devt)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	int err;

	if (!dev)
		return -ENOMEM;
	device_initialize(dev);
	dev->class = kup_class;
	dev->type = &kup_dev_type;
	dev->devt = devt;
	dev->release = kup_node_release;
	dev_set_drvdata(dev, sc);
	err = dev_set_name(dev, "%s", sc->name);
	if (!err)
		err = device_add(dev);
	if (err) {
		put_device(dev);
		return err;
	}
	sc->dev = dev;
	return 0;
}

/* /proc/kup/<name> -> the stats file in sysfs (see stats_read()). */
static struct proc_dir_entry *kup_stats_link(struct kupdev_softc *sc)
{
	char target[sizeof("/sys/class/kup//stats") + KUPDEV_NAME_MAX];

	snprintf(target, sizeof(target), "/sys/class/kup/%s/stats", sc->name);
	return proc_symlink(sc->name, kup_proc_dir, target);
}

/* Called with kup_lock held; makes the char device and /dev/<name>. */
static int kup_dev_publish(struct kupdev_softc *sc)
{
	dev_t devt;
	int err;

	sc->minor = ida_alloc_max(&kup_minors, KUP_MAX_DEVICES - 1, GFP_KERNEL);
	if (sc->minor < 0)
		return sc->minor;
	devt = MKDEV(MAJOR(kup_devt), sc->minor);

	err = -ENOMEM;
	sc->cdev = cdev_alloc();
	if (!sc->cdev)
		goto free_minor;
	sc->cdev->owner = THIS_MODULE;
	sc->cdev->ops = &kup_dev_fops;
	err = cdev_add(sc->cdev, devt, 1);
	if (err)
		goto put_cdev;

	err = kup_dev_add_node(sc, devt);
	if (err)
		goto del_cdev;
	return 0;

del_cdev:
	cdev_del(sc->cdev);
	sc->cdev = NULL;
	goto free_minor;
put_cdev:
	kobject_put(&sc->cdev->kobj);
	sc->cdev = NULL;
free_minor:
	ida_free(&kup_minors, sc->minor);
	sc->minor = -1;
	return err;
}

/**
 * kupdev_create_opts() - create a KUP device with explicit node settings
 * @name: device name; the node is /dev/@name ([A-Za-z0-9_.-], 1..31 chars)
 * @size: pages in each direction's data area of each channel (power of two)
 * @chan_cnt: number of channels, 1..KUPDEV_MAX_CHANNELS
 * @opts: node mode/owner, or NULL for 0600 root:root
 *
 * Context: process context; may sleep.
 * Return: the new device, or ERR_PTR(-EINVAL) for bad arguments,
 * ERR_PTR(-EEXIST) if a KUP device of that name exists or its
 * kupdev_unload() has not returned yet, ERR_PTR(-ENOSPC)
 * when no minor is left, ERR_PTR(-ENOMEM).
 */
struct kupdev_softc *kupdev_create_opts(const char *name, size_t size,
					size_t chan_cnt,
					const struct kupdev_options *opts)
{
	struct kupdev_softc *sc;
	int err;

	err = kup_args_valid(name, size, chan_cnt, opts);
	if (err)
		return ERR_PTR(err);
	sc = kup_dev_alloc(name, size, chan_cnt, opts);
	if (!sc)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&kup_lock);
	if (kup_find_name_locked(name)) {
		err = -EEXIST;
		goto unlock;
	}
	err = kup_dev_publish(sc);
	if (err)
		goto unlock;
	/* Statistics are a nicety: a device without them still works. */
	sc->proc = kup_stats_link(sc);
	list_add_tail(&sc->node, &kup_devices);
	trace_kup_create(sc);
unlock:
	mutex_unlock(&kup_lock);
	if (err) {
		kup_dev_put(sc);
		return ERR_PTR(err);
	}
	return sc;
}
KUP_EXPORT(kupdev_create_opts);

/**
 * kupdev_create() - create a KUP device /dev/@name with @chan_cnt channels
 * @name: device name (see kupdev_create_opts())
 * @size: pages in each direction's data area of each channel (power of two)
 * @chan_cnt: number of channels
 *
 * The node is created mode 0600, owned by root.
 *
 * Context: process context; may sleep.
 * Return: the device or an ERR_PTR() (see kupdev_create_opts()).
 */
struct kupdev_softc *kupdev_create(const char *name, size_t size,
				   size_t chan_cnt)
{
	return kupdev_create_opts(name, size, chan_cnt, NULL);
}
KUP_EXPORT(kupdev_create);

/*
 * Takes the device out of /dev; callers hold kup_lock. It stays on the
 * registry's list, dead, until kup_dev_shutdown() is done: its name is
 * taken until then (its /proc/kup entry still exists), so a create of the
 * same name gets -EEXIST instead of a clash in procfs.
 */
static void kup_dev_unpublish_locked(struct kupdev_softc *sc)
{
	lockdep_assert_held(&kup_lock);
	sc->dead = true;
	device_unregister(sc->dev);
	/* Open files keep the cdev alive through their own reference. */
	cdev_del(sc->cdev);
	ida_free(&kup_minors, sc->minor);
}

/*
 * After unpublishing: no new kernel call gets in, everybody is woken and
 * detached, the calls in flight are waited for (none of them waits for user
 * space once the device is dead), and the client's callbacks are never
 * called again (its module may be going away).
 */
static void kup_dev_shutdown(struct kupdev_softc *sc)
{
	/* Sleepers test it after joining their wait queue, then we wake. */
	WRITE_ONCE(sc->dead, true);
	percpu_ref_kill(&sc->active);
	wake_up_all(&sc->ready_wq);
	wake_up_all(&sc->attach_wq);
	kup_chan_detach_all(sc);
	wait_for_completion(&sc->idle);
	mutex_lock(&sc->ops_lock);
	sc->ops = NULL;
	mutex_unlock(&sc->ops_lock);
	proc_remove(sc->proc);
}

/**
 * kupdev_unload() - tear a KUP device down
 * @sc: device from kupdev_create()
 *
 * Removes /dev/<name> at once. Every user and kernel thread blocked on the
 * device wakes with -EPIPE; user mappings stay valid until unmapped. Once
 * the device is marked dead, calls that start on other threads fail with
 * -EPIPE; it waits for those already in flight to return (woken, they
 * return promptly; kupdev_set_ops() waits for a running callback). A thread
 * must not call again after kupdev_unload() returned: stop the client's
 * threads first, or make them call nothing more once a wait returned
 * -EPIPE. A message still held (receive without
 * unlock, reserve without commit) keeps the device's memory until
 * kupdev_unlock_channel()/kupdev_commit(), the only calls allowed after
 * kupdev_unload() returned. The attach/detach callbacks are not called any
 * more.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL for a NULL or error pointer.
 */
int kupdev_unload(struct kupdev_softc *sc)
{
	if (IS_ERR_OR_NULL(sc))
		return -EINVAL;
	trace_kup_unload(sc);
	mutex_lock(&kup_lock);
	kup_dev_unpublish_locked(sc);
	mutex_unlock(&kup_lock);
	kup_dev_shutdown(sc);
	/* Only now is the name free again. */
	mutex_lock(&kup_lock);
	list_del_init(&sc->node);
	mutex_unlock(&kup_lock);
	kup_dev_put(sc);
	return 0;
}
KUP_EXPORT(kupdev_unload);

/*
 * kup.ko is going away, so no client module is left (each holds a
 * reference on it) and nobody else unloads: what is still listed was
 * never unloaded.
 */
void kup_registry_exit(void)
{
	struct kupdev_softc *sc;

	for (;;) {
		mutex_lock(&kup_lock);
		sc = list_first_entry_or_null(&kup_devices,
					      struct kupdev_softc, node);
		mutex_unlock(&kup_lock);
		if (!sc || WARN_ON_ONCE(sc->dead))
			break;
		pr_warn("kup: device %s was never unloaded by its client\n",
			sc->name);
		kupdev_unload(sc);
	}
}

static int kup_dev_open(struct inode *inode, struct file *file)
{
	struct kupdev_softc *sc = kup_dev_get_by_minor(iminor(inode));

	if (!sc)
		return -ENODEV;
	file->private_data = sc;
	return nonseekable_open(inode, file);
}

static int kup_dev_release(struct inode *inode, struct file *file)
{
	kup_dev_put(file->private_data);
	return 0;
}

static long kup_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct kupdev_softc *sc = file->private_data;
	struct kup_dev_info info = {};

	if (READ_ONCE(sc->dead))
		return -EPIPE;
	switch (cmd) {
	case KUP_IOC_ATTACH:
		/*
		 * A user of a channel writes to it: the device node's write
		 * permission is what lets one attach. Reading it is enough
		 * for the information and the counters.
		 */
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return kup_attach(sc, (struct kup_attach __user *)arg);
	case KUP_IOC_CHAN_STATS:
		return kup_chan_stats(sc, (void __user *)arg);
	case KUP_IOC_INFO:
		info.chan_cnt = sc->chan_cnt;
		info.pages = sc->size;
		info.ready = READ_ONCE(sc->ready);
		return copy_to_user((void __user *)arg, &info, sizeof(info)) ?
		       -EFAULT : 0;
	}
	return -ENOTTY;
}

/* Readable once the client called kupdev_notify(); HUP once unloaded. */
static __poll_t kup_dev_poll(struct file *file, poll_table *wait)
{
	struct kupdev_softc *sc = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &sc->ready_wq, wait);
	if (READ_ONCE(sc->ready))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(sc->dead))
		mask |= EPOLLHUP;
	return mask;
}

static const struct file_operations kup_dev_fops = {
	.owner = THIS_MODULE,
	.open = kup_dev_open,
	.release = kup_dev_release,
	.unlocked_ioctl = kup_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = kup_dev_poll,
};

/**
 * kupdev_notify() - tell user space the device's channels are available
 * @sc: device
 *
 * Until it is called, attaching a channel waits (or fails with EAGAIN if
 * the user asked not to wait); afterwards the device fd is readable.
 *
 * Context: any context.
 */
void kupdev_notify(struct kupdev_softc *sc)
{
	if (kup_dev_enter(sc))
		return;
	WRITE_ONCE(sc->ready, true);
	if (kup_can_wake_now())
		wake_up_all(&sc->ready_wq);
	else
		irq_work_queue(&sc->notify_work);
	kup_dev_leave(sc);
}
KUP_EXPORT(kupdev_notify);

/**
 * kupdev_set_ops() - learn of users attaching and detaching
 * @sc: device
 * @ops: callbacks (NULL to stop), each called in process context with the
 *       channel id; they must not call kupdev_unload() or kupdev_set_ops()
 * @priv: passed to the callbacks
 *
 * Context: process context; may sleep (waits for a running callback).
 */
void kupdev_set_ops(struct kupdev_softc *sc, const struct kupdev_ops *ops,
		    void *priv)
{
	int err = kup_dev_enter(sc);

	if (err == -EINVAL)
		return;
	/* Even during an unload: the caller may free @priv when we return. */
	mutex_lock(&sc->ops_lock);
	if (!err) {
		sc->ops = ops;
		sc->ops_priv = priv;
	}
	mutex_unlock(&sc->ops_lock);
	if (!err)
		kup_dev_leave(sc);
}
KUP_EXPORT(kupdev_set_ops);
