# SPDX-License-Identifier: GPL-2.0
"""The Python binding on the host, without a KUP device: it loads libkup,
and turns libkup's errors into the right OSError subclasses. Prints TAP."""

import errno
import sys

import kup

failures = 0


def check(ok, what):
    global failures
    print("%sok - python host: %s" % ("" if ok else "not ", what), flush=True)
    failures += 0 if ok else 1


def error_of(fn, *args):
    try:
        fn(*args)
    except OSError as e:
        return e
    return None


e = error_of(kup.open, "kup_no_such_device")
check(isinstance(e, FileNotFoundError) and e.errno == errno.ENOENT,
      "kup.open() of a missing device raises FileNotFoundError (%r)" % e)
e = error_of(kup.open, "")
check(type(e) is OSError and e.errno == errno.EINVAL,
      "kup.open('') raises OSError(EINVAL) (%r)" % e)
e = error_of(kup.open, "/dev/")
check(type(e) is OSError and e.errno == errno.EINVAL,
      "kup.open('/dev/') raises OSError(EINVAL)")
check(kup.NB == 1 and kup.MORE == 2 and kup.ATTACH_NOWAIT == 1,
      "the flags are libkup's (NB, MORE, ATTACH_NOWAIT)")
sys.exit(1 if failures else 0)
