# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile: it only hands off to the parts.
#   make          modules, libkup, tools and test programs
#   make check    install what is missing, build, run every test (host + VM)
#   make demo     build, boot the VM and show KUP at work
#   make bench    benchmarks (never part of make check)
#   make install  install modules, library and headers on this machine

MAKEFLAGS += --no-print-directory

KDIR ?= $(firstword $(wildcard /usr/src/linux-headers-*-amd64))
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	  $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KERNEL ?= /boot/vmlinuz-$(KVER)
PREFIX ?= /usr/local
export KDIR KVER KERNEL PREFIX

.PHONY: all readme modules lib tools tests check check-run demo demo-run bench \
	install setup clean

all: modules lib tools tests

# The README's examples are built with everything else.
readme:
	scripts/extract-readme.sh

modules: readme
	@test -d "$(KDIR)" || { echo "no kernel headers: run 'make setup' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib:
	$(MAKE) -C lib

tools: lib
	$(MAKE) -C tools

tests: lib readme
	$(MAKE) -C tests

setup:
	scripts/setup.sh

# Setup first, then a fresh make, so that KDIR and KVER are read after the
# kernel headers exist.
check: setup
	$(MAKE) check-run

check-run: all
	tests/check.sh

demo: setup
	$(MAKE) demo-run

demo-run: all
	tests/vm/run-vm.sh --demo

bench: setup
	$(MAKE) -C bench

install: modules lib
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	$(MAKE) -C lib install

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C lib clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests clean
	rm -rf build
