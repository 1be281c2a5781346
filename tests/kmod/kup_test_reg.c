// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checks of the device registry. Loading succeeds only if every
 * check holds; each failed check is logged with its line. While loaded it
 * keeps /dev/kup_reg_mode (mode 0640, group 6) for the node-mode test.
 *
 * With many=N it does none of that: it creates N devices kup_many_000...
 * (one channel of one page each) and keeps them while loaded, for the
 * tools that must show every device (t_tools.sh).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <kup/kupdev.h>

static char *dup;
module_param(dup, charp, 0444);
MODULE_PARM_DESC(dup, "name of an existing KUP device; creating it must fail");

#define MANY_MAX	250	/* KUP_MAX_DEVICES is 256 */
static int many;
module_param(many, int, 0444);
MODULE_PARM_DESC(many, "create this many devices kup_many_NNN instead (1.." __stringify(MANY_MAX) ")");

static struct kupdev_softc *mode_dev;
static struct kupdev_softc **many_devs;
static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("kup_test_reg: line %d: %s\n", __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

static long create_err(const char *name, size_t size, size_t chans)
{
	struct kupdev_softc *sc = kupdev_create(name, size, chans);

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	kupdev_unload(sc);
	return 0;
}

static void check_bad_arguments(void)
{
	CHECK(create_err(NULL, 1, 1) == -EINVAL);
	CHECK(create_err("", 1, 1) == -EINVAL);
	CHECK(create_err("a/b", 1, 1) == -EINVAL);
	CHECK(create_err("..", 1, 1) == -EINVAL);
	CHECK(create_err("name_that_is_much_too_long_for_kup", 1, 1) == -EINVAL);
	CHECK(create_err("kup_reg_x", 0, 1) == -EINVAL);
	CHECK(create_err("kup_reg_x", 3, 1) == -EINVAL);
	CHECK(create_err("kup_reg_x", KUPDEV_MAX_PAGES * 2, 1) == -EINVAL);
	CHECK(create_err("kup_reg_x", 1, 0) == -EINVAL);
	CHECK(create_err("kup_reg_x", 1, KUPDEV_MAX_CHANNELS + 1) == -EINVAL);
	CHECK(kupdev_unload(NULL) == -EINVAL);
	CHECK(kupdev_unload(ERR_PTR(-ENOMEM)) == -EINVAL);
}

/*
 * A name is [A-Za-z0-9_.-]: no byte 0x80..0xff, which the kernel's
 * Latin-1 isalnum() takes for a letter from 0xc0 on. Each is tried alone
 * and inside a name; the verdict goes to the log for t_registry.sh:
 * "kup_test_reg: 8-bit names: N of 256 created (first 0xXX)".
 */
static void check_8bit_names(void)
{
	char name[] = "kup_reg_?", mid[] = "kup_?_reg";
	int created = 0, first = 0, c;

	for (c = 0x80; c <= 0xff; c++) {
		long e1, e2;

		name[sizeof(name) - 2] = c;
		mid[4] = c;
		e1 = create_err(name, 1, 1);
		e2 = create_err(mid, 1, 1);
		CHECK(e1 == -EINVAL);
		CHECK(e2 == -EINVAL);
		created += !e1 + !e2;
		if ((!e1 || !e2) && !first)
			first = c;
	}
	pr_info("kup_test_reg: 8-bit names: %d of 256 created (first %#x)\n",
		created, first);
}

static void check_duplicates(void)
{
	struct kupdev_softc *a = kupdev_create("kup_reg_a", 1, 2);

	CHECK(!IS_ERR(a));
	if (IS_ERR(a))
		return;
	CHECK(create_err("kup_reg_a", 1, 2) == -EEXIST);
	kupdev_unload(a);
	/* The name is free again once its device is gone. */
	CHECK(create_err("kup_reg_a", 1, 2) == 0);
	if (dup)
		CHECK(create_err(dup, 1, 1) == -EEXIST);
}

static void many_unload(int n)
{
	while (n--)
		kupdev_unload(many_devs[n]);
	kfree(many_devs);
	many_devs = NULL;
}

static int many_create(void)
{
	char name[KUPDEV_NAME_MAX + 1];
	int i, err;

	if (many < 1 || many > MANY_MAX)
		return -EINVAL;
	many_devs = kcalloc(many, sizeof(*many_devs), GFP_KERNEL);
	if (!many_devs)
		return -ENOMEM;
	for (i = 0; i < many; i++) {
		snprintf(name, sizeof(name), "kup_many_%03d", i);
		many_devs[i] = kupdev_create(name, 1, 1);
		if (IS_ERR(many_devs[i])) {
			err = PTR_ERR(many_devs[i]);
			pr_err("kup_test_reg: %s: %d\n", name, err);
			many_unload(i);
			return err;
		}
		kupdev_notify(many_devs[i]);
	}
	pr_info("kup_test_reg: %d devices kup_many_*\n", many);
	return 0;
}

static int __init kup_test_reg_init(void)
{
	struct kupdev_options opts = {
		.mode = 0640,
		.uid = GLOBAL_ROOT_UID,
		.gid = KGIDT_INIT(6),
	};

	if (many)
		return many_create();
	check_bad_arguments();
	check_8bit_names();
	check_duplicates();
	mode_dev = kupdev_create_opts("kup_reg_mode", 1, 1, &opts);
	CHECK(!IS_ERR(mode_dev));
	if (failures) {
		if (!IS_ERR(mode_dev))
			kupdev_unload(mode_dev);
		return -EINVAL;
	}
	pr_info("kup_test_reg: all checks passed\n");
	return 0;
}

static void __exit kup_test_reg_exit(void)
{
	if (many_devs)
		many_unload(many);
	else
		kupdev_unload(mode_dev);
}

module_init(kup_test_reg_init);
module_exit(kup_test_reg_exit);
MODULE_LICENSE("GPL");
KUP_MODULE_IMPORT_NS();
MODULE_DESCRIPTION("KUP registry checks (test only)");
