# SPDX-License-Identifier: LGPL-2.1 OR MIT
"""KUP from Python: ctypes over libkup.so.1, nothing else.

    import kup
    with kup.open("kup_echo") as dev:
        ch = dev.channel(0, size=4)
        ch.send(b"hello")
        msg = ch.receive()          # a read-only memoryview, in place
        print(bytes(msg))           # valid until the next receive

Errors are OSError with the errno libkup gives, so they come out as the
usual subclasses: BlockingIOError (EAGAIN, with NB), BrokenPipeError
(EPIPE: the kernel side is gone), FileNotFoundError (ENOENT: no such
device), InterruptedError, PermissionError, or OSError itself (EBUSY,
EINVAL, EMSGSIZE, EPROTO).

One thread at a time per channel, as in C. A memoryview from receive() or
peek() is released by the next receive, release() or close(): using it
after that raises ValueError instead of reading a ring slot the kernel may
have reused.
"""

import ctypes
import ctypes.util
import os

__all__ = ["open", "Device", "Channel", "Info", "NB", "MORE", "ATTACH_NOWAIT"]

#: Fail with BlockingIOError instead of waiting (KP_NB).
NB = 0x1
#: More messages follow at once: one wake-up check at the end (KP_MORE).
MORE = 0x2
#: Do not wait for the kernel side's kupdev_notify() (KP_ATTACH_NOWAIT).
ATTACH_NOWAIT = 0x1


class _Info(ctypes.Structure):
    _fields_ = [("channels", ctypes.c_uint), ("pages", ctypes.c_uint),
                ("page_size", ctypes.c_size_t), ("max_msg", ctypes.c_size_t),
                ("ready", ctypes.c_int)]


class _ChanOpts(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint), ("spin", ctypes.c_uint)]


class _Msg(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class _Stats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "k2u_msgs", "k2u_bytes", "u2k_msgs", "u2k_bytes", "wakeups_sent",
        "wakeups_recv", "full_waits", "empty_waits", "proto_errors",
        "attaches")]


class Info:
    """A device's geometry, from kernproxy_info()."""

    def __init__(self, raw):
        self.channels = raw.channels
        self.pages = raw.pages
        self.page_size = raw.page_size
        self.max_msg = raw.max_msg
        self.ready = bool(raw.ready)

    def __repr__(self):
        return ("Info(channels=%d, pages=%d, page_size=%d, max_msg=%d, ready=%s)"
                % (self.channels, self.pages, self.page_size, self.max_msg,
                   self.ready))


def _load():
    """libkup.so.1: $KUP_LIBRARY, else the loader's search, else find_library."""
    names = [os.environ.get("KUP_LIBRARY"), "libkup.so.1",
             ctypes.util.find_library("kup")]
    last = None
    for name in names:
        if not name:
            continue
        try:
            return ctypes.CDLL(name, use_errno=True)
        except OSError as e:
            last = e
    raise ImportError("kup: cannot load libkup.so.1 (%s); install libkup1 "
                      "or set KUP_LIBRARY" % last)


_lib = _load()
_vp, _sz, _int = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int


def _proto(name, res, *args):
    f = getattr(_lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_open = _proto("kernproxy_open", _vp, ctypes.c_char_p)
_close = _proto("kernproxy_close", None, _vp)
_info = _proto("kernproxy_info", _int, _vp, ctypes.POINTER(_Info))
_dev_fd = _proto("kernproxy_dev_fd", _int, _vp)
_channel = _proto("kernproxy_channel_opts", _vp, _vp, _sz, _sz,
                  ctypes.POINTER(_ChanOpts))
_detach = _proto("kernproxy_detach", None, _vp)
_fd = _proto("kernproxy_fd", _int, _vp)
_max_msg = _proto("kernproxy_max_msg", _sz, _vp)
_send = _proto("kernproxy_send", _int, _vp, _vp, _sz, _int)
_send_batch = _proto("kernproxy_send_batch", _int, _vp, ctypes.POINTER(_Msg),
                     _int, _int)
_flush = _proto("kernproxy_flush", _int, _vp)
_receive_len = _proto("kernproxy_receive_len", _vp, _vp,
                      ctypes.POINTER(_sz), _int)
_peek = _proto("kernproxy_peek", _vp, _vp, ctypes.POINTER(_sz), _int)
_release = _proto("kernproxy_release", None, _vp)
_reserve = _proto("kernproxy_reserve", _vp, _vp, _sz, _int)
_commit = _proto("kernproxy_commit", _int, _vp)
_stats = _proto("kernproxy_stats", _int, _vp, ctypes.POINTER(_Stats))


def _raise():
    """The OSError subclass of libkup's errno (errno and kernproxy_errno agree)."""
    err = ctypes.get_errno()
    raise OSError(err, os.strerror(err))


def _view(ptr, length, writable=False):
    """A memoryview of @length bytes at @ptr, in the channel's mapping."""
    if not length:
        return memoryview(b"")
    view = memoryview((ctypes.c_char * length).from_address(ptr)).cast("B")
    return view if writable else view.toreadonly()


def open(name):  # noqa: A001 - the natural name: kup.open()
    """Open /dev/NAME ("NAME" or "/dev/NAME"); a Device, to use in a with."""
    h = _open(os.fsencode(name))
    if not h:
        _raise()
    return Device(h)


class Device:
    """A KUP device: a handle from kernproxy_open()."""

    def __init__(self, handle):
        self._h = handle
        self._chans = []

    def _handle(self):
        if not self._h:
            raise ValueError("kup: the device is closed")
        return self._h

    def info(self):
        """Channels, pages each way, page size, largest message, ready."""
        raw = _Info()
        if _info(self._handle(), ctypes.byref(raw)):
            _raise()
        return Info(raw)

    def fileno(self):
        """The device fd: readable once the kernel is ready, HUP at unload."""
        fd = _dev_fd(self._handle())
        if fd < 0:
            _raise()
        return fd

    def channel(self, chan_id, size=None, nowait=False, spin=0):
        """Attach channel @chan_id; @size: pages each way (default: the device's)."""
        if size is None:
            size = self.info().pages
        opts = _ChanOpts(ATTACH_NOWAIT if nowait else 0, spin)
        c = _channel(self._handle(), chan_id, size, ctypes.byref(opts))
        if not c:
            _raise()
        ch = Channel(self, c)
        self._chans.append(ch)
        return ch

    def close(self):
        """Detach every channel and close the device."""
        for ch in self._chans:
            ch._forget()
        self._chans = []
        if self._h:
            _close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Channel:
    """An attached channel: the two shared rings."""

    def __init__(self, dev, handle):
        self._dev = dev
        self._c = handle
        self._held = []
        self._reserved = None
        self.max_msg = _max_msg(handle)

    def _chan(self):
        if not self._c:
            raise ValueError("kup: the channel is detached")
        return self._c

    def _drop_views(self):
        """The messages held are about to go back to the kernel."""
        for v in self._held:
            v.release()
        self._held = []

    def _forget(self):
        """Our handle is going (detach or the device's close)."""
        self._drop_views()
        if self._reserved is not None:
            self._reserved.release()
            self._reserved = None
        self._c = None

    def fileno(self):
        """The channel fd, for select/selectors/asyncio: POLLIN, POLLOUT."""
        return _fd(self._chan())

    def send(self, data, flags=0):
        """Copy one message (bytes-like) into the ring."""
        buf = (ctypes.c_char * len(data)).from_buffer_copy(data) if data else None
        if _send(self._chan(), buf, len(data), flags):
            _raise()

    def send_batch(self, messages, flags=0):
        """Send a list of bytes-like messages; returns how many were sent."""
        bufs = [(ctypes.c_char * len(m)).from_buffer_copy(m) if m else None
                for m in messages]
        arr = (_Msg * max(len(bufs), 1))()
        for i, b in enumerate(bufs):
            arr[i].data = ctypes.addressof(b) if b is not None else None
            arr[i].len = len(messages[i])
        n = _send_batch(self._chan(), arr, len(bufs), flags)
        if n < 0:
            _raise()
        return n

    def flush(self):
        """End a MORE burst: wake the kernel if it sleeps."""
        if _flush(self._chan()):
            _raise()

    def _take(self, fn, flags):
        length = _sz()
        ptr = fn(self._chan(), ctypes.byref(length), flags)
        if not ptr:
            _raise()
        view = _view(ptr, length.value)
        self._held.append(view)
        return view

    def receive(self, flags=0):
        """The next message, in place: valid until the next receive."""
        self._drop_views()
        return self._take(_receive_len, flags)

    def receive_bytes(self, flags=0):
        """The next message, copied: bytes of your own."""
        data = bytes(self.receive(flags))
        self._drop_views()
        _release(self._chan())
        return data

    def peek(self, flags=0):
        """The next message, keeping the ones before it held."""
        return self._take(_peek, flags)

    def release(self):
        """Give back every message held (receive() and peek())."""
        self._drop_views()
        _release(self._chan())

    def reserve(self, length, flags=0):
        """A writable memoryview of @length bytes in the ring; commit() sends it."""
        ptr = _reserve(self._chan(), length, flags)
        if not ptr:
            _raise()
        self._reserved = _view(ptr, length, writable=True)
        return _Reservation(self, self._reserved)

    def commit(self):
        """Publish what reserve() gave."""
        if self._reserved is not None:
            self._reserved.release()
            self._reserved = None
        if _commit(self._chan()):
            _raise()

    def stats(self):
        """The kernel's counters of this channel, as a dict."""
        st = _Stats()
        if _stats(self._chan(), ctypes.byref(st)):
            _raise()
        return {name: getattr(st, name) for name, _ in _Stats._fields_}

    def detach(self):
        """Leave the channel; another process may attach it then."""
        if self._c:
            c = self._c
            self._forget()
            _detach(c)
            if self in self._dev._chans:
                self._dev._chans.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


class _Reservation:
    """reserve()'s buffer: `with ch.reserve(n) as buf:` commits at the end."""

    def __init__(self, ch, view):
        self._ch = ch
        self.view = view

    def __enter__(self):
        return self.view

    def __exit__(self, exc_type, *exc):
        self._ch.commit()

    def __len__(self):
        return len(self.view)

    def __setitem__(self, key, value):
        self.view[key] = value
