# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile: it only hands off to the parts.
#   make          modules, libkup, tools and test programs
#   make setup    install the Debian packages that are missing, fetch the
#                 VM's kernel image (check, demo and bench do it first)
#   make check    install what is missing, build, run every test (host + VM)
#   make demo     build, boot the VM and show KUP at work
#   make bench    benchmarks (never part of make check)
#   make check-fresh  make check and make demo on a fresh minimal Debian 12
#   make install  install modules, library and headers on this machine

MAKEFLAGS += --no-print-directory

# The kernel headers (KDIR) and their release (KVER), as scripts/kernel.sh
# finds them, unless given. Both are recursive variables: they are worked
# out when a recipe uses them, after "setup" may have installed the
# headers, never when this file is read. They are not exported: a KDIR= or
# KERNEL= given on the command line or in the environment reaches every
# sub-make and script by itself, and an empty guess never does.
KDIR ?= $(shell scripts/kernel.sh kdir)
ifeq ($(strip $(KDIR)),)
# KDIR= (empty) means "find them", as it does for the scripts.
override KDIR = $(shell scripts/kernel.sh kdir)
endif
KVER = $(shell KDIR=$(KDIR) scripts/kernel.sh kver)
# make check also builds the modules against the PREEMPT_RT kernel's
# headers (build/rt) and against the debug kernel (build/debug, see
# scripts/debug-kernel.sh), and runs the VM suite on both kernels. Kbuild
# puts objects beside the sources, so each build gets a copy of them.
RT_KDIR = $(shell scripts/kernel.sh rt-kdir)
DEBUG_KDIR = $(shell scripts/debug-kernel.sh dir)/build
KBUILD_SRCS = Kbuild VERSION include kernel examples tests/kmod bench build/readme
# Warnings are errors only in the project's own builds: .ci/run sets
# KUP_WERROR=y; a user's build on a newer compiler must not fail on one.
KUP_WERROR ?= n
export KUP_WERROR
KBUILD_VARS = KUP_TEST_HOOKS=$(if $(filter y,$(KUP_TEST_HOOKS)),y,n) KUP_WERROR=$(KUP_WERROR)
define modules_in
	rm -rf build/$(1) && mkdir -p build/$(1)
	find $(KBUILD_SRCS) -name '*.[ch]' -o -name Kbuild -o -name VERSION | cpio -pdm --quiet build/$(1)
	$(MAKE) -C $(2) M=$(CURDIR)/build/$(1) modules $(KBUILD_VARS)
endef

.PHONY: all readme modules modules-rt modules-debug lib tools tests check check-run \
	check-fresh demo demo-run bench install setup clean

all: modules lib tools tests

# The README's examples are built with everything else.
readme:
	scripts/extract-readme.sh

modules: readme
	@test -d "$(KDIR)" || { echo "no kernel headers: run 'make setup' (as root) or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules $(KBUILD_VARS)

modules-rt: readme
	@test -d "$(RT_KDIR)" || { echo "no PREEMPT_RT kernel headers: run 'make setup' (as root) or set RT_KDIR=" >&2; exit 1; }
	$(call modules_in,rt,$(RT_KDIR))

# Builds the debug kernel first if it is not in its cache yet.
modules-debug: readme
	scripts/debug-kernel.sh build
	$(call modules_in,debug,$(DEBUG_KDIR))

lib:
	$(MAKE) -C lib

tools: lib
	$(MAKE) -C tools

tests: lib readme
	$(MAKE) -C tests

setup:
	scripts/setup.sh

# Setup first, then the work in a second make, so that "make -j check" too
# builds only once the packages are there.
check: setup
	$(MAKE) check-run

# The tests' modules have the test-only pauses (KUP_TEST_HOOKS, see
# kernel/kup_internal.h); plain make and make install build without them.
check-run demo-run: KUP_TEST_HOOKS = y

check-run: all modules-rt modules-debug
	RT_KDIR=$(RT_KDIR) tests/check.sh

demo: setup
	$(MAKE) demo-run

demo-run: all
	tests/vm/run-vm.sh --demo

# make check and make demo on a minimal Debian 12 made anew (debootstrap),
# exactly as a newcomer types them: nothing installed here can hide a
# missing install step.
check-fresh:
	scripts/fresh-check.sh

bench: setup
	$(MAKE) -C bench

# What is installed never has the test-only pauses.
install: KUP_TEST_HOOKS = n
install: modules lib
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	$(MAKE) -C lib install

clean:
	-test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C lib clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	rm -rf build
