// SPDX-License-Identifier: GPL-2.0
/*
 * kupctl: look at the KUP devices of this machine.
 *   kupctl list         one line per device: name, dev_t, channels, pages
 *   kupctl stats NAME   the kernel's per-channel counters of device NAME
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#define KUP_SYSFS "/sys/class/kup"

/* Read the first line of KUP_SYSFS/<dev>/<attr> into buf; "" if absent. */
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

static int list(void)
{
	DIR *d = opendir(KUP_SYSFS);
	struct dirent *e;
	char dev[32], chans[32], pages[32];

	if (!d) {
		perror("kupctl: " KUP_SYSFS " (is kup.ko loaded?)");
		return 1;
	}
	printf("%-32s %-8s %-8s %s\n", "DEVICE", "DEV", "CHANNELS", "PAGES");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		read_attr(e->d_name, "dev", dev, sizeof(dev));
		read_attr(e->d_name, "channels", chans, sizeof(chans));
		read_attr(e->d_name, "pages", pages, sizeof(pages));
		printf("%-32s %-8s %-8s %s\n", e->d_name, dev, chans, pages);
	}
	closedir(d);
	return 0;
}

static int stats(const char *name)
{
	char path[256], line[512];
	FILE *f;

	if (strchr(name, '/')) {
		fprintf(stderr, "kupctl: bad device name %s\n", name);
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/kup/%s", name);
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return list();
	if (argc == 3 && !strcmp(argv[1], "stats"))
		return stats(argv[2]);
	fprintf(stderr, "usage: kupctl list | kupctl stats NAME\n");
	return 2;
}
