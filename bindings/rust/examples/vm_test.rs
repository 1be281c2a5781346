// SPDX-License-Identifier: GPL-2.0
//! The Rust binding against a real channel, in the VM: kup_echo with 4
//! channels of 4 pages, loaded by tests/vm/bindings.sh. Prints TAP lines.
use std::io::ErrorKind;
use std::os::raw::{c_int, c_short};
use std::os::unix::io::AsRawFd;
use std::path::Path;

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

extern "C" {
    fn poll(fds: *mut PollFd, n: u64, timeout: c_int) -> c_int;
}

struct Tap {
    failures: u32,
}

impl Tap {
    fn check(&mut self, ok: bool, what: &str) {
        println!("{}ok - rust: {}", if ok { "" } else { "not " }, what);
        if !ok {
            self.failures += 1;
        }
    }
}

fn readable(fd: c_int, ms: c_int) -> bool {
    let mut p = PollFd { fd, events: 1, revents: 0 };
    // SAFETY: one pollfd of ours.
    unsafe { poll(&mut p, 1, ms) == 1 && p.revents & 1 != 0 }
}

/// A small deterministic generator for the payloads.
fn next(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

fn basics(t: &mut Tap, ch: &mut kup::Channel) -> std::io::Result<()> {
    ch.send(b"hello", 0)?;
    let got = ch.receive(0)?.to_vec();
    t.check(got == b"hello", "send, then receive gives b\"hello\" in place");
    {
        let mut r = ch.reserve(5, 0)?;
        r.copy_from_slice(b"abcde");
    }
    t.check(ch.receive(0)? == b"abcde", "a reservation filled in place is committed on drop");
    let mut r = ch.reserve(3, 0)?;
    r.copy_from_slice(b"xyz");
    r.commit()?;
    t.check(ch.receive(0)? == b"xyz", "... and by commit()");
    let n = ch.send_batch(&[b"one", b"", b"three"], kup::MORE)?;
    ch.flush()?;
    let mut back = Vec::new();
    for _ in 0..3 {
        back.push(ch.receive(0)?.to_vec());
    }
    t.check(n == 3 && back == [b"one".to_vec(), vec![], b"three".to_vec()],
            "send_batch with MORE, then flush: all three back in order");
    let e = ch.receive(kup::NB).err();
    t.check(e.map_or(false, |e| e.kind() == ErrorKind::WouldBlock),
            "receive(NB) on an empty ring is WouldBlock");
    let big = vec![0u8; ch.max_msg() + 1];
    let e = ch.send(&big, kup::NB).err();
    t.check(e.map_or(false, |e| e.raw_os_error() == Some(90)),
            "a message of max_msg + 1 bytes is EMSGSIZE");
    let fd = ch.as_raw_fd();
    let before = readable(fd, 100);
    ch.send(b"poll", 0)?;
    t.check(!before && readable(fd, 10000), "the channel fd polls readable once the echo is there");
    t.check(ch.receive(0)? == b"poll", "... and the echo is what was sent");
    Ok(())
}

fn integrity(t: &mut Tap, dev: &kup::Device) -> std::io::Result<()> {
    let mut ch = dev.channel(1, 4)?;
    let (mut seed, mut bad) = (1234u64, 0);
    for _ in 0..1000 {
        let len = (next(&mut seed) % 300) as usize;
        let data: Vec<u8> = (0..len).map(|_| next(&mut seed) as u8).collect();
        ch.send(&data, 0)?;
        if ch.receive(0)? != &data[..] {
            bad += 1;
        }
    }
    t.check(bad == 0, &format!("1000 random messages echoed intact ({} bad)", bad));
    Ok(())
}

fn main() {
    let mut t = Tap { failures: 0 };
    let e = kup::Device::open("kup_no_such").err();
    t.check(e.map_or(false, |e| e.kind() == ErrorKind::NotFound), "opening a missing device is NotFound");
    let dev = match kup::Device::open("kup_echo") {
        Ok(d) => d,
        Err(e) => {
            t.check(false, &format!("open kup_echo: {}", e));
            std::process::exit(1);
        }
    };
    let info = dev.info().expect("info");
    t.check(info.channels == 4 && info.pages == 4 && info.ready && info.max_msg == 4 * info.page_size - 8,
            &format!("Device::info(): {:?}", info));
    t.check(readable(dev.as_raw_fd(), 0), "the device fd polls readable: the kernel side is ready");
    let mut ch = dev.channel(0, 4).expect("attach channel 0");
    let e = dev.channel(0, 4).err();
    t.check(e.map_or(false, |e| e.raw_os_error() == Some(16)), "a second attach of channel 0 is EBUSY");
    if let Err(e) = basics(&mut t, &mut ch) {
        t.check(false, &format!("basics: {}", e));
    }
    if let Err(e) = integrity(&mut t, &dev) {
        t.check(false, &format!("integrity: {}", e));
    }
    // bindings.sh unloads kup_echo now: the channel must say BrokenPipe.
    std::fs::write("/tmp/rs_ready", b"").expect("/tmp/rs_ready");
    while Path::new("/sys/module/kup_echo").exists() {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let e = ch.receive(0).err();
    t.check(e.map_or(false, |e| e.kind() == ErrorKind::BrokenPipe), "after the unload, receive is BrokenPipe");
    drop(ch);
    drop(dev);
    std::process::exit(if t.failures == 0 { 0 } else { 1 });
}
