// SPDX-License-Identifier: LGPL-2.1 OR MIT
//! Where libkup is: $KUP_LIB_DIR, else this tree's build/lib if it has been
//! built, else the system's (make install, the libkup-dev package).
//! KUP_STATIC=1 links libkup.a (for the statically linked VM binaries).
use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=KUP_LIB_DIR");
    println!("cargo:rerun-if-env-changed=KUP_STATIC");
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../build/lib");
    let dir = env::var("KUP_LIB_DIR")
        .ok()
        .or_else(|| tree.join("libkup.a").exists().then(|| tree.display().to_string()));
    if let Some(dir) = dir {
        println!("cargo:rustc-link-search=native={}", dir);
    }
    let kind = if env::var("KUP_STATIC").map_or(false, |v| v == "1") {
        "static"
    } else {
        "dylib"
    };
    println!("cargo:rustc-link-lib={}=kup", kind);
}
