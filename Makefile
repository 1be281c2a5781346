# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile: it only hands off to the parts.
#   make          modules, libkup, tools and test programs
#   make setup    install the Debian packages that are missing, fetch the
#                 VM's kernel image (check, demo and bench do it first)
#   make check    install what is missing, build, run every test (host + VM)
#   make demo     build, boot the VM and show KUP at work
#   make bench    benchmarks (never part of make check)
#   make check-fresh  make check and make demo on a fresh minimal Debian 12,
#                 and on a fresh minimal Debian 13
#   make install  install kup.ko and kup_tunnel.ko for the running kernel,
#                 libkup, the headers, libkup.pc, kupctl and the man pages
#                 (PREFIX=, DESTDIR=, INSTALL_MOD_PATH=, ...: see below)
#   make uninstall    remove what make install put (give the same variables)
#   make install-dkms the module sources and dkms.conf in /usr/src/kup-VERSION
#   make deb      the Debian packages (kup-dkms, libkup1, libkup-dev,
#                 kup-tools), built in a copy of the tree, to build/deb/

MAKEFLAGS += --no-print-directory

# The release: MODULE_VERSION, libkup's file name, libkup.pc, dkms.conf.
KUP_VERSION := $(shell cat VERSION)

# make install builds for the kernel that runs here, whose headers are in
# /lib/modules/RELEASE/build, unless KDIR is given (KDIR= empty: that one
# too). The headers make and make check find (below) may be another
# release's. Read before KDIR gets its default.
KDIR_GIVEN := $(if $(filter undefined default,$(origin KDIR)),,$(KDIR))
INSTALL_KDIR = $(or $(KDIR_GIVEN),/lib/modules/$(shell uname -r)/build)
INSTALL_KVER = $(shell KDIR=$(INSTALL_KDIR) scripts/kernel.sh kver)

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
KBUILD_SRCS = Kbuild VERSION KERNELS include kernel examples tests/kmod bench build/readme
# And for the other kernels of the test matrix (scripts/kernels.sh: Linux
# 6.12 from backports on Debian 12, the newest Debian kernel), each in
# build/NAME, built the way that kernel needs (in an unstable root for the
# newest).
MATRIX = $(shell scripts/kernels.sh list)
# Warnings are errors only in the project's own builds: .ci/run sets
# KUP_WERROR=y; a user's build on a newer compiler must not fail on one.
KUP_WERROR ?= n
export KUP_WERROR
KBUILD_VARS = KUP_TEST_HOOKS=$(if $(filter y,$(KUP_TEST_HOOKS)),y,n) KUP_WERROR=$(KUP_WERROR)
# copy_srcs DIR,SOURCES: build/DIR made anew with the Kbuild sources.
copy_srcs = rm -rf build/$(1) && mkdir -p build/$(1) && \
	find $(2) -name '*.[ch]' -o -name Kbuild -o -name VERSION -o -name KERNELS | \
	cpio -pdm --quiet build/$(1)
define modules_in
	$(call copy_srcs,$(1),$(KBUILD_SRCS))
	$(MAKE) -C $(2) M=$(CURDIR)/build/$(1) modules $(KBUILD_VARS) $(3)
endef

# Where make install puts things, as liburing and the kernel name them. The
# modules go where Kbuild's modules_install puts them,
# INSTALL_MOD_PATH/lib/modules/RELEASE/INSTALL_MOD_DIR (INSTALL_MOD_PATH
# defaults to DESTDIR, so that a staged install never writes to this
# machine's /lib/modules), with the Module.symvers of their exports in kup/
# beside them. The headers of the kernel API (<kup/kupdev.h> and what it
# needs) are not for user programs, so not in INCLUDEDIR: a client module
# adds -I$(KUP_SRCDIR)/include, which is /usr/src/kup-VERSION/include with
# PREFIX=/usr, as in the kup-dkms package.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
KUP_SRCDIR ?= $(PREFIX)/src/kup-$(KUP_VERSION)
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= extra
# Sub-makes and Kbuild run elsewhere: relative roots made absolute here.
override DESTDIR := $(if $(DESTDIR),$(abspath $(DESTDIR)))
override INSTALL_MOD_PATH := $(if $(INSTALL_MOD_PATH),$(abspath $(INSTALL_MOD_PATH)))
MODREL = /lib/modules/$(INSTALL_KVER)/$(INSTALL_MOD_DIR)
MODDIR = $(INSTALL_MOD_PATH)$(MODREL)
# What depmod and ldconfig are run for: this machine's own directories.
LIVE_MODS = $(if $(INSTALL_MOD_PATH),,y)
DIR_VARS = DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' LIBDIR='$(LIBDIR)' \
	INCLUDEDIR='$(INCLUDEDIR)' BINDIR='$(BINDIR)' PKGCONFIGDIR='$(PKGCONFIGDIR)'

# The product modules only: kup.ko, kup_tunnel.ko, and the example services
# with KUP_EXAMPLES=y. Built in build/product from a copy of their sources,
# so that no test or benchmark module built in the tree can be installed.
KUP_EXAMPLES ?= n
PRODUCT_SRCS = Kbuild VERSION KERNELS include kernel $(if $(filter y,$(KUP_EXAMPLES)),examples)
PRODUCT_MODS = kup kup_tunnel
EXAMPLE_MODS = examples/kup_sample examples/kup_echo examples/tunnel_echo
# The headers a client module includes (kupdev.h, tunnel.h) and theirs.
KHEADERS = kup/kupdev.h kup/tunnel.h kup/kup_ns.h kup/kup_compat.h kup/ring.h kup/ring_shim.h \
	uapi/kup/kup_abi.h
MANPAGES = $(wildcard man/man*/*.[0-9])
# DKMS takes its sources from /usr/src/NAME-VERSION, whatever PREFIX is.
DKMS_SRCDIR = /usr/src/kup-$(KUP_VERSION)

.PHONY: all readme modules modules-rt modules-debug modules-matrix modules-product lib tools tests \
	check check-run check-fresh demo demo-run bench fuzz fuzz-run install uninstall install-modules \
	uninstall-modules install-lib install-kheaders install-tools install-man \
	install-dkms uninstall-dkms dkms-conf deb setup clean

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
	$(call modules_in,debug,$(DEBUG_KDIR),KUP_KCOV=y)

# Fetches or updates each kernel first (scripts/kernels.sh prepare).
modules-matrix: readme
	@set -e; for k in $(MATRIX); do \
		rel=$$(scripts/kernels.sh prepare $$k); \
		echo "modules for the $$k kernel: $$rel"; \
		$(call copy_srcs,$$k,$(KBUILD_SRCS)); \
		scripts/kernels.sh modules $$k build/$$k $(KBUILD_VARS); \
	done

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

check-run: all modules-rt modules-debug modules-matrix
	RT_KDIR=$(RT_KDIR) tests/check.sh

demo: setup
	$(MAKE) demo-run

demo-run: all
	tests/vm/run-vm.sh --demo

# make check and make demo on a minimal Debian 12 and a minimal Debian 13
# made anew (debootstrap), exactly as a newcomer types them: nothing
# installed here can hide a missing install step.
check-fresh:
	scripts/fresh-check.sh

bench: setup
	$(MAKE) -C bench

# The fuzzer for as long as asked (FUZZ_SECS, FUZZ_SEED, FUZZ_KERNEL: see
# scripts/fuzz.sh); make check runs it briefly on every kernel.
fuzz: setup
	$(MAKE) fuzz-run

fuzz-run: KUP_TEST_HOOKS = y
fuzz-run: all modules-debug
	scripts/fuzz.sh

# What is installed never has the test-only pauses (the product build has
# none: KUP_BUILD=product, KUP_TEST_HOOKS=n).
modules-product:
	@test -d "$(INSTALL_KDIR)/include" || { echo "no kernel headers in $(INSTALL_KDIR):" \
		"install linux-headers-$$(uname -r), or set KDIR= to those of the kernel to install for" >&2; exit 1; }
	$(call copy_srcs,product,$(PRODUCT_SRCS))
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR)/build/product modules KUP_BUILD=product \
		KUP_EXAMPLES=$(KUP_EXAMPLES) KUP_TEST_HOOKS=n KUP_WERROR=$(KUP_WERROR)

install: install-modules install-lib install-kheaders install-tools install-man

# DEPMOD=true: depmod is ours to run, for a live install only.
install-modules: modules-product
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR)/build/product modules_install DEPMOD=true \
		INSTALL_MOD_PATH='$(INSTALL_MOD_PATH)' INSTALL_MOD_DIR='$(INSTALL_MOD_DIR)'
	install -D -m 644 build/product/Module.symvers $(MODDIR)/kup/Module.symvers
	$(if $(LIVE_MODS),depmod -a $(INSTALL_KVER))

install-lib:
	$(MAKE) -C lib install $(DIR_VARS)

install-kheaders:
	for h in $(KHEADERS); do \
		install -D -m 644 include/$$h $(DESTDIR)$(KUP_SRCDIR)/include/$$h || exit 1; \
	done

install-tools: lib
	$(MAKE) -C tools install $(DIR_VARS)

install-man:
	for m in $(MANPAGES); do \
		s=$${m%/*}; install -D -m 644 $$m $(DESTDIR)$(MANDIR)/$${s##*/}/$${m##*/} || exit 1; \
	done

# Every file install can put (the example modules too, whatever
# KUP_EXAMPLES says), then the directories it made: kup's own when they are
# empty; under a staging root the empty ones above them too, never the live
# system's (scripts/rmdirs.sh).
uninstall: uninstall-modules
	$(MAKE) -C lib uninstall $(DIR_VARS)
	$(MAKE) -C tools uninstall $(DIR_VARS)
	rm -f $(addprefix $(DESTDIR)$(KUP_SRCDIR)/include/,$(KHEADERS))
	rm -f $(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/$(notdir $(patsubst %/,%,$(dir $(m))))/$(notdir $(m)))
	scripts/rmdirs.sh --own '$(DESTDIR)' $(addprefix $(KUP_SRCDIR)/include/,uapi/kup uapi kup) \
		$(KUP_SRCDIR)/include $(KUP_SRCDIR)
	scripts/rmdirs.sh '$(DESTDIR)' $(LIBDIR) $(PKGCONFIGDIR) $(INCLUDEDIR) $(BINDIR) \
		$(sort $(foreach m,$(MANPAGES),$(MANDIR)/$(notdir $(patsubst %/,%,$(dir $(m)))))) $(MANDIR)

uninstall-modules:
	@test -n "$(INSTALL_KVER)" || { echo "no kernel headers in $(INSTALL_KDIR)," \
		"so no kernel release: set KDIR= as for make install" >&2; exit 1; }
	rm -f $(foreach m,$(PRODUCT_MODS) $(EXAMPLE_MODS),$(foreach z,.ko .ko.gz .ko.xz .ko.zst,$(MODDIR)/$(m)$(z)))
	rm -f $(MODDIR)/kup/Module.symvers
	scripts/rmdirs.sh --own '$(INSTALL_MOD_PATH)' $(MODREL)/kup $(MODREL)/examples $(MODREL)
	$(if $(LIVE_MODS),depmod -a $(INSTALL_KVER))

# dkms.conf with this release and the supported kernels in it
# (dkms/dkms.conf.in, KERNELS).
dkms-conf:
	@mkdir -p build/dkms
	re=$$(scripts/kernel-range.sh regex) && \
	sed -e 's/@VERSION@/$(KUP_VERSION)/' -e "s/@KERNELS@/$$(echo "$$re" | sed 's/[\\&]/\\&/g')/" \
		-e 's/@KERNELS_TEXT@/$(shell scripts/kernel-range.sh min) to $(shell scripts/kernel-range.sh max)/' \
		dkms/dkms.conf.in >build/dkms/dkms.conf.tmp
	mv build/dkms/dkms.conf.tmp build/dkms/dkms.conf

# What DKMS builds the modules from (KUP_BUILD=product: kernel/ and the
# headers), the client modules' headers with them, and dkms.conf; then, as
# root, "dkms install kup/VERSION". The kup-dkms package is this.
DKMS_FILES = Kbuild VERSION KERNELS $(wildcard kernel/*.[ch]) $(addprefix include/,$(KHEADERS))
install-dkms: dkms-conf
	for f in $(DKMS_FILES); do \
		install -D -m 644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done
	install -m 644 build/dkms/dkms.conf $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	install -m 755 dkms/dkms-symvers.sh $(DESTDIR)$(DKMS_SRCDIR)/dkms-symvers.sh

uninstall-dkms:
	rm -f $(addprefix $(DESTDIR)$(DKMS_SRCDIR)/,$(DKMS_FILES) dkms.conf dkms-symvers.sh)
	scripts/rmdirs.sh --own '$(DESTDIR)' $(addprefix $(DKMS_SRCDIR)/,include/uapi/kup \
		include/uapi include/kup include kernel) $(DKMS_SRCDIR)

# Built in a copy of the tree (build/deb/src), so that what debhelper
# leaves in debian/ never reaches this one; installs the build tools first
# if they are missing (scripts/make-deb.sh).
deb:
	scripts/make-deb.sh

clean:
	-test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C lib clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	rm -rf build
