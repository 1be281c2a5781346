# SPDX-License-Identifier: GPL-2.0
# In the VM (tests/pkg/check.sh runs it through tests/vm/run-vm.sh): what
# the packages installed in a fresh Debian root, and nothing from the
# tree. /kmod has the DKMS-built kup.ko and kup_tunnel.ko and the client
# module built against the installed headers; /bin has the installed
# kupctl and pkg_user, built with pkg-config against libkup-dev.
# check.sh puts the release in for @VERSION@.
. /tests/lib.sh

load kup
check $? "insmod the DKMS-built kup.ko"
[ "$(cat /sys/module/kup/version 2>/dev/null)" = "@VERSION@" ]
check $? "kup.ko is release @VERSION@ (got '$(cat /sys/module/kup/version 2>/dev/null)')"
load kup_tunnel
check $? "insmod the DKMS-built kup_tunnel.ko"
[ -e /proc/tunnel ]
check $? "/proc/tunnel is there"
load pkg_echo
check $? "insmod the client module built against the installed headers and Module.symvers"
[ -c /dev/pkg_echo ]
check $? "the client made /dev/pkg_echo"

out=$(pkg_user "hello from the packages" 2>&1)
[ "$out" = "HELLO FROM THE PACKAGES" ]
check $? "the pkg-config-built program gets the client's echo (got '$out')"

list=$(kupctl list 2>&1)
echo "$list" | grep -q '^pkg_echo '
check $? "the installed kupctl lists pkg_echo"
echo "$list" | sed 's/^/# /'

rmmod pkg_echo && rmmod kup_tunnel && rmmod kup
check $? "rmmod pkg_echo, kup_tunnel, kup"
