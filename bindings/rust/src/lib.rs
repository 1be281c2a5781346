// SPDX-License-Identifier: LGPL-2.1 OR MIT
//! Safe bindings to libkup, the user side of KUP: message channels between
//! a kernel module and a process, in pages both map, zero copy.
//!
//! ```no_run
//! let dev = kup::Device::open("kup_echo")?;
//! let mut ch = dev.channel(0, 4)?;
//! ch.send(b"hello", 0)?;
//! let reply = ch.receive(0)?;     // borrows `ch`: valid until the next receive
//! assert_eq!(reply, b"hello");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The borrow checker holds what the C API can only say: a received
//! message lives in the ring until the next receive, so it cannot outlive
//! the borrow of its channel, and a channel cannot outlive its device.
//!
//! ```compile_fail,E0499
//! # fn f(ch: &mut kup::Channel) -> std::io::Result<()> {
//! let first = ch.receive(0)?;
//! let second = ch.receive(0)?;    // error: `ch` is still borrowed by `first`
//! println!("{:?} {:?}", first, second);
//! # Ok(()) }
//! ```
//!
//! A copy of the first, or its last use before the second receive, is fine:
//!
//! ```no_run
//! # fn f(ch: &mut kup::Channel) -> std::io::Result<()> {
//! let first = ch.receive(0)?.to_vec();
//! let second = ch.receive(0)?;
//! println!("{:?} {:?}", first, second);
//! # Ok(()) }
//! ```
//!
//! Errors are `std::io::Error`s with libkup's errno: `WouldBlock` for
//! [`NB`] on an empty or full ring, `BrokenPipe` once the kernel side is
//! gone, `NotFound` for a missing device, raw codes for `EMSGSIZE`,
//! `EPROTO` and the rest.

#![deny(missing_docs)]

use std::ffi::CString;
use std::io;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::os::unix::io::{AsRawFd, RawFd};
use std::ptr::NonNull;

/// Fail with `WouldBlock` instead of waiting (`KP_NB`).
pub const NB: i32 = 0x1;
/// More messages follow at once: one wake-up check at the end (`KP_MORE`).
pub const MORE: i32 = 0x2;

#[repr(C)]
#[derive(Default)]
struct RawInfo {
    channels: c_uint,
    pages: c_uint,
    page_size: usize,
    max_msg: usize,
    ready: c_int,
}

#[repr(C)]
struct RawMsg {
    data: *const c_void,
    len: usize,
}

extern "C" {
    fn kernproxy_open(name: *const c_char) -> *mut c_void;
    fn kernproxy_close(h: *mut c_void);
    fn kernproxy_info(h: *mut c_void, info: *mut RawInfo) -> c_int;
    fn kernproxy_dev_fd(h: *mut c_void) -> c_int;
    fn kernproxy_channel(h: *mut c_void, chan: usize, size: usize) -> *mut c_void;
    fn kernproxy_detach(c: *mut c_void);
    fn kernproxy_fd(c: *mut c_void) -> c_int;
    fn kernproxy_max_msg(c: *mut c_void) -> usize;
    fn kernproxy_send(c: *mut c_void, data: *mut c_void, len: usize, flags: c_int) -> c_int;
    fn kernproxy_send_batch(c: *mut c_void, msgs: *const RawMsg, n: c_int, flags: c_int) -> c_int;
    fn kernproxy_flush(c: *mut c_void) -> c_int;
    fn kernproxy_receive_len(c: *mut c_void, len: *mut usize, flags: c_int) -> *mut c_void;
    fn kernproxy_reserve(c: *mut c_void, len: usize, flags: c_int) -> *mut c_void;
    fn kernproxy_commit(c: *mut c_void) -> c_int;
}

/// libkup sets errno with its own kernproxy_errno on every failure.
fn last_error() -> io::Error {
    io::Error::last_os_error()
}

fn check(rc: c_int) -> io::Result<()> {
    if rc < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// A device's geometry, before attaching: [`Device::info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// Channels of the device.
    pub channels: u32,
    /// Data pages each way of a channel: the `size` of [`Device::channel`].
    pub pages: u32,
    /// Bytes of one page.
    pub page_size: usize,
    /// Largest payload of one message.
    pub max_msg: usize,
    /// The kernel side called `kupdev_notify()`: attaching will not wait.
    pub ready: bool,
}

/// An open KUP device, `/dev/NAME`. Closing it (drop) detaches nothing
/// by itself: its channels borrow it, so they are gone first.
pub struct Device {
    h: NonNull<c_void>,
}

impl Device {
    /// Opens `/dev/NAME` (`"NAME"` or `"/dev/NAME"`).
    pub fn open(name: &str) -> io::Result<Device> {
        let name = CString::new(name).map_err(|_| io::Error::from_raw_os_error(22))?;
        // SAFETY: a NUL-terminated string that outlives the call.
        let h = unsafe { kernproxy_open(name.as_ptr()) };
        NonNull::new(h).map(|h| Device { h }).ok_or_else(last_error)
    }

    /// The device's channels and their size.
    pub fn info(&self) -> io::Result<Info> {
        let mut raw = RawInfo::default();
        // SAFETY: our live handle and a struct of the C layout.
        check(unsafe { kernproxy_info(self.h.as_ptr(), &mut raw) })?;
        Ok(Info {
            channels: raw.channels,
            pages: raw.pages,
            page_size: raw.page_size,
            max_msg: raw.max_msg,
            ready: raw.ready != 0,
        })
    }

    /// Attaches channel `chan` of `size` pages each way (the device's).
    /// Waits until the kernel side is ready.
    pub fn channel(&self, chan: usize, size: usize) -> io::Result<Channel<'_>> {
        // SAFETY: our live handle; the channel borrows the device.
        let c = unsafe { kernproxy_channel(self.h.as_ptr(), chan, size) };
        let c = NonNull::new(c).ok_or_else(last_error)?;
        // SAFETY: a live channel handle.
        let max_msg = unsafe { kernproxy_max_msg(c.as_ptr()) };
        Ok(Channel { c, max_msg, _dev: PhantomData })
    }
}

/// The device fd: readable once the kernel is ready, HUP at its unload.
impl AsRawFd for Device {
    fn as_raw_fd(&self) -> RawFd {
        // SAFETY: our live handle; the fd stays the handle's.
        unsafe { kernproxy_dev_fd(self.h.as_ptr()) }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: our handle, closed once; no channel is left (they borrow us).
        unsafe { kernproxy_close(self.h.as_ptr()) }
    }
}

/// An attached channel: two rings shared with the kernel. One thread at a
/// time, as `&mut self` says.
pub struct Channel<'d> {
    c: NonNull<c_void>,
    max_msg: usize,
    _dev: PhantomData<&'d Device>,
}

impl<'d> Channel<'d> {
    /// Largest payload one message may have.
    pub fn max_msg(&self) -> usize {
        self.max_msg
    }

    /// Copies one message into the ring; waits for room unless [`NB`].
    pub fn send(&mut self, data: &[u8], flags: i32) -> io::Result<()> {
        // SAFETY: libkup only reads `data` (the C prototype lacks const).
        check(unsafe { kernproxy_send(self.c.as_ptr(), data.as_ptr() as *mut c_void, data.len(), flags) })
    }

    /// Sends the messages with one wake-up check at the end; how many went.
    pub fn send_batch(&mut self, msgs: &[&[u8]], flags: i32) -> io::Result<usize> {
        let raw: Vec<RawMsg> = msgs
            .iter()
            .map(|m| RawMsg { data: m.as_ptr() as *const c_void, len: m.len() })
            .collect();
        let n = c_int::try_from(raw.len()).map_err(|_| io::Error::from_raw_os_error(22))?;
        // SAFETY: `raw` points into `msgs`, both alive for the call.
        let sent = unsafe { kernproxy_send_batch(self.c.as_ptr(), raw.as_ptr(), n, flags) };
        check(sent)?;
        Ok(sent as usize)
    }

    /// Ends a [`MORE`] burst: wakes the kernel if it sleeps.
    pub fn flush(&mut self) -> io::Result<()> {
        // SAFETY: a live channel handle.
        check(unsafe { kernproxy_flush(self.c.as_ptr()) })
    }

    /// The next message, in place in the ring, borrowed until the next
    /// call on the channel; waits unless [`NB`].
    pub fn receive(&mut self, flags: i32) -> io::Result<&[u8]> {
        let mut len = 0usize;
        // SAFETY: a live channel handle; `len` is ours.
        let p = unsafe { kernproxy_receive_len(self.c.as_ptr(), &mut len, flags) };
        if p.is_null() {
            return Err(last_error());
        }
        // SAFETY: libkup checked `len` against the ring; the record stays
        // mapped and unreleased until the next receive, which needs
        // `&mut self` again, so it cannot outlive this borrow.
        Ok(unsafe { std::slice::from_raw_parts(p as *const u8, len) })
    }

    /// Room for a message of `len` bytes in the ring, to fill in place;
    /// committed when the guard is dropped, or by [`Reservation::commit`].
    pub fn reserve(&mut self, len: usize, flags: i32) -> io::Result<Reservation<'_, 'd>> {
        // SAFETY: a live channel handle.
        let p = unsafe { kernproxy_reserve(self.c.as_ptr(), len, flags) };
        let p = NonNull::new(p as *mut u8).ok_or_else(last_error)?;
        Ok(Reservation { ch: self, p, len, done: false })
    }
}

/// The channel fd, for poll/epoll (`POLLIN` a message, `POLLOUT` room).
impl AsRawFd for Channel<'_> {
    fn as_raw_fd(&self) -> RawFd {
        // SAFETY: a live channel handle.
        unsafe { kernproxy_fd(self.c.as_ptr()) }
    }
}

impl Drop for Channel<'_> {
    fn drop(&mut self) {
        // SAFETY: our channel, detached once, before its device's close.
        unsafe { kernproxy_detach(self.c.as_ptr()) }
    }
}

/// A reserved message: `&mut [u8]` in the ring until it is committed.
pub struct Reservation<'c, 'd> {
    ch: &'c mut Channel<'d>,
    p: NonNull<u8>,
    len: usize,
    done: bool,
}

impl Reservation<'_, '_> {
    /// Publishes the message now, with the error if the kernel side left.
    pub fn commit(mut self) -> io::Result<()> {
        self.done = true;
        // SAFETY: the channel whose reservation this is.
        check(unsafe { kernproxy_commit(self.ch.c.as_ptr()) })
    }
}

impl Deref for Reservation<'_, '_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: libkup gave `len` writable bytes, ours until the commit.
        unsafe { std::slice::from_raw_parts(self.p.as_ptr(), self.len) }
    }
}

impl DerefMut for Reservation<'_, '_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes it the only view.
        unsafe { std::slice::from_raw_parts_mut(self.p.as_ptr(), self.len) }
    }
}

impl Drop for Reservation<'_, '_> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: as in commit(); an error has nowhere to go in a drop.
            unsafe { kernproxy_commit(self.ch.c.as_ptr()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_missing_device_is_not_found() {
        let err = Device::open("kup_no_such_device").err().expect("an error");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn open_bad_names_are_einval() {
        for name in ["", "/dev/", "a/b"] {
            let err = Device::open(name).err().expect("an error");
            assert_eq!(err.raw_os_error(), Some(22), "{:?}", name);
        }
    }

    #[test]
    fn a_nul_in_the_name_is_einval() {
        let err = Device::open("kup\0echo").err().expect("an error");
        assert_eq!(err.raw_os_error(), Some(22));
    }

    #[test]
    fn the_flags_are_libkups() {
        assert_eq!((NB, MORE), (1, 2));
    }
}
