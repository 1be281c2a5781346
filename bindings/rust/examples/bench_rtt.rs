// SPDX-License-Identifier: GPL-2.0
//! make bench, in the VM: the Rust binding's 64-byte round trip through
//! kup_echo with default flags, measured as vm_bench measures C's (a pilot
//! run grown until it is measurable, then the median of 5 repetitions of
//! about BENCH_SECS each). Prints the "R" line of vm.rtt.rs_block.
use std::time::Instant;

const REPS: usize = 5;

fn run(ch: &mut kup::Channel, n: u64) -> std::io::Result<f64> {
    let msg = [0u8; 64];
    let t0 = Instant::now();
    for _ in 0..n {
        ch.send(&msg, 0)?;
        if ch.receive(0)?.len() != msg.len() {
            return Err(std::io::Error::from_raw_os_error(71));
        }
    }
    Ok(t0.elapsed().as_secs_f64())
}

fn rate(ch: &mut kup::Channel, secs: f64) -> std::io::Result<f64> {
    let mut n = 100u64;
    let t = loop {
        let t = run(ch, n)?;
        if t >= secs / 10.0 {
            break t;
        }
        n *= 4;
    };
    let n = ((n as f64 * secs / t) as u64).max(1);
    let mut rates = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        rates.push(n as f64 / run(ch, n)?);
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Ok(rates[REPS / 2])
}

fn main() -> std::io::Result<()> {
    let secs = std::env::var("BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(0.25);
    let dev = kup::Device::open("kup_echo")?;
    let mut ch = dev.channel(0, 4)?;
    println!("R vm.rtt.rs_block {:.6} ns", 1e9 / rate(&mut ch, secs)?);
    Ok(())
}
