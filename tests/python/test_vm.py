# SPDX-License-Identifier: GPL-2.0
"""The Python binding against a real channel: kup_echo, 4 channels of 4
pages, loaded by tests/vm/py_binding.sh. Prints TAP lines."""

import errno
import os
import random
import selectors
import sys
import time

import kup

failures = 0


def check(ok, what):
    global failures
    print("%sok - python: %s" % ("" if ok else "not ", what), flush=True)
    if not ok:
        failures += 1


def raises(exc, fn, *args):
    """Whether fn(*args) raises exactly @exc (an OSError subclass or errno)."""
    try:
        fn(*args)
    except OSError as e:
        if isinstance(exc, int):
            return type(e) is OSError and e.errno == exc
        return isinstance(e, exc)
    return False


def check_open_errors():
    check(raises(FileNotFoundError, kup.open, "kup_no_such"),
          "kup.open() of a missing device raises FileNotFoundError")
    check(raises(errno.EINVAL, kup.open, "a/b"),
          "kup.open('a/b') raises OSError(EINVAL)")


def check_basics(dev):
    info = dev.info()
    check(info.channels == 4 and info.pages == 4 and info.ready and
          info.max_msg == 4 * info.page_size - 8, "dev.info(): %r" % info)
    check(dev.fileno() >= 0, "dev.fileno() is the device fd")
    ch = dev.channel(0, size=4)
    ch.send(b"hello")
    msg = ch.receive()
    check(bytes(msg) == b"hello" and msg.readonly,
          "send, then receive() gives a read-only memoryview of b'hello'")
    ch.send(b"next")
    nxt = ch.receive()
    try:
        msg[0]
        stale = False
    except ValueError:
        stale = True
    check(stale and bytes(nxt) == b"next",
          "the next receive() releases the previous view (ValueError on use)")
    ch.send(b"copy me")
    check(ch.receive_bytes() == b"copy me", "receive_bytes() gives a copy")
    check(raises(BlockingIOError, ch.receive, kup.NB),
          "receive(kup.NB) on an empty ring raises BlockingIOError")
    check(raises(errno.EMSGSIZE, ch.send, bytes(ch.max_msg + 1)),
          "a message larger than max_msg raises OSError(EMSGSIZE)")
    check(raises(errno.EBUSY, dev.channel, 0, 4),
          "a second attach of channel 0 raises OSError(EBUSY)")
    return ch


def check_zero_copy_send(ch):
    with ch.reserve(5) as buf:
        buf[:] = b"abcde"
    check(bytes(ch.receive()) == b"abcde",
          "with ch.reserve(5) as buf: fills in place and commits")
    n = ch.send_batch([b"one", b"", b"three"], kup.MORE)
    ch.flush()
    got = [bytes(ch.receive()) for _ in range(3)]
    check(n == 3 and got == [b"one", b"", b"three"],
          "send_batch() with MORE, then flush(): %d sent, %r back" % (n, got))


def check_selectors(ch):
    # A message still held counts as there (its room is not back yet).
    ch.release()
    sel = selectors.DefaultSelector()
    sel.register(ch, selectors.EVENT_READ)
    before = sel.select(timeout=0.2)
    ch.send(b"ready?")
    after = sel.select(timeout=10)
    check(not before and len(after) == 1 and after[0][0].fileobj is ch,
          "selectors: the channel turns readable when the echo is there")
    check(bytes(ch.receive()) == b"ready?", "... and the echo is what was sent")
    sel.close()


def check_integrity(dev):
    rnd = random.Random(1234)
    ch = dev.channel(1)
    bad = 0
    for i in range(1000):
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 300)))
        ch.send(data)
        if bytes(ch.receive()) != data:
            bad += 1
    st = ch.stats()
    check(bad == 0 and st["u2k_msgs"] >= 1000 and st["k2u_msgs"] >= 1000,
          "1000 random messages echoed intact (%d bad), counted by the kernel" % bad)
    ch.detach()
    check(_detached(ch), "a detached channel refuses to be used (ValueError)")


def _detached(ch):
    try:
        ch.send(b"x")
    except ValueError:
        return True
    return False


def main():
    check_open_errors()
    with kup.open("kup_echo") as dev:
        ch = check_basics(dev)
        check_zero_copy_send(ch)
        check_selectors(ch)
        check_integrity(dev)
        # For py_binding.sh: it unloads kup_echo, we must see EPIPE.
        open("/tmp/py_ready", "w").close()
        while os.path.exists("/sys/module/kup_echo"):
            time.sleep(0.05)
        check(raises(BrokenPipeError, ch.receive, 0),
              "after the unload, receive() raises BrokenPipeError")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
