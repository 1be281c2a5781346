// SPDX-License-Identifier: GPL-2.0
/*
 * kupctl: look at the KUP devices of this machine (kupctl(8)).
 *   kupctl list                  one line per device
 *   kupctl stats NAME [--json]   per-channel counters: since the device was
 *                                created, and of the last user's session
 *   kupctl top [-d S] [-n N] [NAME...]  per-channel rates every S seconds
 *
 * The counters come from KUP_IOC_CHAN_STATS on /dev/NAME opened read-only,
 * so whoever may read the device node may read them; attaching a channel
 * needs it opened for writing, which kupctl never does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <uapi/kup/kup_abi.h>

#define KUP_SYSFS	"/sys/class/kup"
#define MAX_CHANS	64	/* KUPDEV_MAX_CHANNELS */

#ifndef KUP_VERSION
#define KUP_VERSION	"unknown"
#endif

/* The counters in the order they are printed, with their JSON names. */
#define STAT_FIELDS(X)						\
	X(k2u_msgs) X(k2u_bytes) X(u2k_msgs) X(u2k_bytes)		\
	X(wakeups_sent) X(wakeups_recv) X(full_waits) X(empty_waits)	\
	X(proto_errors) X(attaches)

/* A device name; longer ones are not KUP's (KUPDEV_NAME_MAX is 31). */
typedef char dev_name[64];

struct dev {
	dev_name name;
	int fd;
	unsigned int chans, pages;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kupctl list\n"
		"       kupctl stats NAME [--json]\n"
		"       kupctl top [-d SECONDS] [-n COUNT] [-t] [NAME...]\n"
		"       kupctl --help | --version\n"
		"\n"
		"  list    the KUP devices: name, dev_t, channels, pages per direction\n"
		"  stats   each channel's counters since the device was created (total)\n"
		"          and since its last attach (session)\n"
		"  top     each channel's messages and bytes per second, each way, every\n"
		"          SECONDS (default 1), COUNT times (default: until interrupted),\n"
		"          for the devices NAME... (default: all); -t: each round's\n"
		"          start and end, in seconds since the epoch\n"
		"\n"
		"Counters need read access to /dev/NAME. See kupctl(8), kup(7).\n");
}

/* The first line of KUP_SYSFS/<dev>/<attr> into buf; "" if absent. */
static void read_attr(const char *dev, const char *attr, char *buf, int len)
{
	char path[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), KUP_SYSFS "/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * The device names under KUP_SYSFS, sorted, into *@names (free() it);
 * their count, or -1 if kup.ko is not loaded. All of them, however many
 * (kup.ko allows 256 at once): a list cut short would hide the rest
 * without a word.
 */
static int list_names(dev_name **names)
{
	struct dirent **ents;
	int i, n, k = 0;

	*names = NULL;
	n = scandir(KUP_SYSFS, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "kupctl: %s: %s (is kup.ko loaded?)\n",
			KUP_SYSFS, strerror(errno));
		return -1;
	}
	*names = calloc(n ? n : 1, sizeof(**names));
	for (i = 0; i < n; i++) {
		if (*names && ents[i]->d_name[0] != '.' &&
		    strlen(ents[i]->d_name) < sizeof(**names))
			strcpy((*names)[k++], ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	if (!*names) {
		fprintf(stderr, "kupctl: out of memory\n");
		return -1;
	}
	return k;
}

static int cmd_list(void)
{
	char dev[32], chans[32], pages[32];
	dev_name *names;
	int i, n = list_names(&names);

	if (n < 0)
		return 1;
	printf("%-32s %-8s %-8s %s\n", "DEVICE", "DEV", "CHANNELS", "PAGES");
	for (i = 0; i < n; i++) {
		read_attr(names[i], "dev", dev, sizeof(dev));
		read_attr(names[i], "channels", chans, sizeof(chans));
		read_attr(names[i], "pages", pages, sizeof(pages));
		printf("%-32s %-8s %-8s %s\n", names[i], dev, chans, pages);
	}
	free(names);
	return 0;
}

/* A name a KUP device may have: no path, nothing sysfs would not list. */
static bool name_ok(const char *name)
{
	return *name && strlen(name) < sizeof(((struct dev *)0)->name) &&
	       !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/*
 * Open /dev/NAME read-only and learn its geometry; 0 or an errno. Only a
 * node that is the KUP device of that name is opened: opening some other
 * device node has effects of its own (a watchdog starts, a tape rewinds),
 * so its dev_t is checked against /sys/class/kup/NAME/dev first, and the
 * open can neither block nor take a controlling terminal.
 */
static int dev_open(struct dev *d, const char *name)
{
	struct kup_dev_info info;
	unsigned int maj, min;
	char path[128], devt[32];
	struct stat st;
	int err;

	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (!name_ok(name))
		return EINVAL;
	read_attr(name, "dev", devt, sizeof(devt));
	if (sscanf(devt, "%u:%u", &maj, &min) != 2)
		return ENOENT;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(path, sizeof(path), "/dev/%s", name);
	if (stat(path, &st))
		return errno;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min))
		return ENOTTY;
	d->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (d->fd < 0)
		return errno == ENXIO || errno == ENODEV ? ENOENT : errno;
	/* The node may have been replaced since the stat(). */
	if (fstat(d->fd, &st) || st.st_rdev != makedev(maj, min))
		err = ENOTTY;
	else if (ioctl(d->fd, KUP_IOC_INFO, &info) < 0)
		err = errno;	/* being unloaded: EPIPE */
	else if (info.chan_cnt > MAX_CHANS)
		err = EPROTO;
	else
		err = 0;
	if (err) {
		close(d->fd);
		return err;
	}
	d->chans = info.chan_cnt;
	d->pages = info.pages;
	return 0;
}

static const char *dev_error(int err)
{
	if (err == ENOENT)
		return "no such KUP device";
	return err == ENOTTY ? "not a KUP device" : strerror(err);
}

static int chan_stats(const struct dev *d, unsigned int chan,
		      struct kup_chan_stats_req *r)
{
	memset(r, 0, sizeof(*r));
	r->chan_id = chan;
	return ioctl(d->fd, KUP_IOC_CHAN_STATS, r) < 0 ? errno : 0;
}

static void print_head(void)
{
	printf("%4s %-4s %-7s", "CHAN", "USER", "");
#define X(f) printf(" %*s", (int)(strlen(#f) > 12 ? strlen(#f) : 12), #f);
	STAT_FIELDS(X)
#undef X
	printf("\n");
}

static void print_row(unsigned int chan, const char *user, const char *what,
		      const struct kup_stats *s)
{
	printf("%4u %-4s %-7s", chan, user, what);
#define X(f) printf(" %*" PRIu64, (int)(strlen(#f) > 12 ? strlen(#f) : 12), (uint64_t)s->f);
	STAT_FIELDS(X)
#undef X
	printf("\n");
}

static void json_stats(const char *key, const struct kup_stats *s)
{
	const char *sep = "";

	printf("\"%s\": {", key);
#define X(f) printf("%s\"%s\": %" PRIu64, sep, #f, (uint64_t)s->f); sep = ", ";
	STAT_FIELDS(X)
#undef X
	printf("}");
}

/* JSON strings here are device names: no quote, backslash or control. */
static bool json_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static int cmd_stats(const char *name, bool json)
{
	struct kup_chan_stats_req r;
	struct dev d;
	unsigned int i;
	int err = dev_open(&d, name);

	if (!err && json && !json_safe(d.name))
		err = EINVAL;
	if (err) {
		fprintf(stderr, "kupctl: %s: %s\n", name, dev_error(err));
		return 1;
	}
	if (json)
		printf("{\"device\": \"%s\", \"channels\": %u, \"pages\": %u, \"stats\": [",
		       d.name, d.chans, d.pages);
	else {
		printf("%s: %u channels, %u pages each way\n", d.name, d.chans, d.pages);
		print_head();
	}
	for (i = 0; i < d.chans && !err; i++) {
		err = chan_stats(&d, i, &r);
		if (err)
			break;
		if (json) {
			printf("%s{\"chan\": %u, \"attached\": %s, ", i ? ", " : "", i,
			       r.flags & KUP_CHS_ATTACHED ? "true" : "false");
			json_stats("total", &r.total);
			printf(", ");
			json_stats("session", &r.session);
			printf("}");
		} else {
			print_row(i, r.flags & KUP_CHS_ATTACHED ? "yes" : "-", "total", &r.total);
			print_row(i, r.flags & KUP_CHS_ATTACHED ? "yes" : "-", "session", &r.session);
		}
	}
	if (json)
		printf("]}\n");
	close(d.fd);
	if (err) {
		fprintf(stderr, "kupctl: %s channel %u: %s\n", d.name, i, strerror(err));
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A device top follows, by name: open while it is there, closed once it
 * is gone (an open fd would keep its memory and kup.ko), opened again if
 * a device of that name comes back. @last: the totals seen last time.
 */
struct top_dev {
	dev_name name;
	struct dev d;
	bool open;
	struct kup_stats last[MAX_CHANS];
};

/* The devices top follows: as many as there are, in a growing array. */
struct top_set {
	struct top_dev *t;
	int n, cap;
	bool all;		/* no names given: every device, as they come */
};

/* Sleep @secs, or less if a signal comes. */
static void nap(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs };

	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* (Re)open @t and take its totals as the base of the next round. */
static void top_start(struct top_dev *t)
{
	struct kup_chan_stats_req r;
	unsigned int c;

	if (dev_open(&t->d, t->name))
		return;
	t->open = true;
	for (c = 0; c < t->d.chans; c++)
		t->last[c] = chan_stats(&t->d, c, &r) ? (struct kup_stats){ 0 } : r.total;
}

static void top_gone(struct top_dev *t)
{
	close(t->d.fd);
	t->open = false;
	printf("%-24s (gone)\n", t->name);
}

/* One round of @t; false once it is gone. */
static bool top_rates(struct top_dev *t, double dt)
{
	struct kup_chan_stats_req r;
	unsigned int i;

	if (!t->open) {
		top_start(t);
		if (t->open)
			printf("%-24s (new: rates from the next round)\n", t->name);
		return t->open;
	}
	for (i = 0; i < t->d.chans; i++) {
		struct kup_stats *l = &t->last[i];

		if (chan_stats(&t->d, i, &r)) {
			top_gone(t);
			return false;
		}
		printf("%-24s %4u %-4s %12.0f %14.0f %12.0f %14.0f %10.0f\n",
		       t->name, i, r.flags & KUP_CHS_ATTACHED ? "yes" : "-",
		       (r.total.k2u_msgs - l->k2u_msgs) / dt,
		       (r.total.k2u_bytes - l->k2u_bytes) / dt,
		       (r.total.u2k_msgs - l->u2k_msgs) / dt,
		       (r.total.u2k_bytes - l->u2k_bytes) / dt,
		       (r.total.wakeups_sent + r.total.wakeups_recv -
			l->wakeups_sent - l->wakeups_recv) / dt);
		*l = r.total;
	}
	return true;
}

/*
 * Add the devices named, or with none every device not followed yet: at
 * the start opened at once (@start), later ones from their first round
 * on, which shows them "new". 0, or -1 out of memory.
 */
static int top_add(struct top_set *set, int argc, char **names, bool start)
{
	dev_name *all = NULL;
	int i, k, count = argc, err = 0;

	if (!argc) {
		count = list_names(&all);
		if (count < 0)
			return 0;	/* kup.ko went away: nothing new */
	}
	for (i = 0; i < count; i++) {
		const char *name = argc ? names[i] : all[i];
		struct top_dev *t;

		if (!strncmp(name, "/dev/", 5))
			name += 5;
		for (k = 0; k < set->n && strcmp(set->t[k].name, name); k++)
			;
		if (k < set->n || !name_ok(name))
			continue;
		if (set->n == set->cap) {
			int cap = set->cap ? 2 * set->cap : 16;

			t = realloc(set->t, cap * sizeof(*t));
			if (!t) {
				fprintf(stderr, "kupctl: out of memory\n");
				err = -1;
				break;
			}
			set->t = t;
			set->cap = cap;
		}
		t = &set->t[set->n++];
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->open = false;
		if (start)
			top_start(t);
	}
	free(all);
	return err;
}

/* At the start: every device named is there, or kup.ko is loaded. */
static int top_check(int argc, char **names)
{
	dev_name *all;
	struct dev d;
	int i, err;

	if (!argc) {
		err = list_names(&all) < 0;
		free(all);
		return err;
	}
	for (i = 0; i < argc; i++) {
		err = dev_open(&d, names[i]);
		if (err) {
			fprintf(stderr, "kupctl: %s: %s\n", names[i], dev_error(err));
			return 1;
		}
		close(d.fd);
	}
	return 0;
}

static int cmd_top(int argc, char **argv)
{
	struct top_set set = { 0 };
	double interval = 1, last, now, wall_last, wall;
	long count = -1, round;
	char *end;
	int opt, i, k;
	bool tty = isatty(STDOUT_FILENO), times = false;

	optind = 1;
	while ((opt = getopt(argc, argv, "d:n:t")) != -1) {
		switch (opt) {
		case 't':
			times = true;
			break;
		case 'd':
			interval = strtod(optarg, &end);
			if (*end || !(interval >= 0.1 && interval <= 3600)) {
				fprintf(stderr, "kupctl: -d wants seconds, 0.1 to 3600\n");
				return 2;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(stderr, "kupctl: -n wants a count of 1 or more\n");
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (top_check(argc - optind, argv + optind))
		return 1;
	set.all = argc == optind;
	if (top_add(&set, argc - optind, argv + optind, true))
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	last = now_s(CLOCK_MONOTONIC);
	wall_last = now_s(CLOCK_REALTIME);
	for (round = 0; !stop && (count < 0 || round < count); round++) {
		nap(interval);
		if (stop)
			break;
		/* Rates over the monotonic clock; -t shows the wall clock's. */
		now = now_s(CLOCK_MONOTONIC);
		wall = now_s(CLOCK_REALTIME);
		if (tty)
			printf("\033[H\033[2J");
		printf("kupctl top: every %.1f s, per second", interval);
		if (times)
			printf(", from %.3f to %.3f", wall_last, wall);
		printf("\n");
		wall_last = wall;
		printf("%-24s %4s %-4s %12s %14s %12s %14s %10s\n", "DEVICE", "CHAN",
		       "USER", "k2u_msgs/s", "k2u_bytes/s", "u2k_msgs/s", "u2k_bytes/s",
		       "wakeups/s");
		/* Devices created since: shown "new" in this round. */
		if (set.all && top_add(&set, 0, NULL, false))
			return 1;
		/*
		 * Without names, one gone is forgotten (one of that name that
		 * comes back is new again), so that a long run over devices
		 * that come and go keeps only the living.
		 */
		for (i = k = 0; i < set.n; i++)
			if (top_rates(&set.t[i], now - last) || !set.all)
				set.t[k++] = set.t[i];
		set.n = k;
		printf("\n");
		fflush(stdout);
		last = now;
	}
	free(set.t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("kupctl %s (KUP ABI %d)\n", KUP_VERSION, KUP_ABI_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "list") && argc == 2)
		return cmd_list();
	if (!strcmp(argv[1], "stats") && argc == 3)
		return cmd_stats(argv[2], false);
	if (!strcmp(argv[1], "stats") && argc == 4 &&
	    (!strcmp(argv[2], "--json") || !strcmp(argv[3], "--json")))
		return cmd_stats(strcmp(argv[2], "--json") ? argv[2] : argv[3], true);
	if (!strcmp(argv[1], "top"))
		return cmd_top(argc - 1, argv + 1);
	usage(stderr);
	return 2;
}
