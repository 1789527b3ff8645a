//! Panic containment for `extern "C"` exports: since Rust 1.81 a panic that
//! unwinds out of an `extern "C"` function aborts the process, so every export
//! runs its body through [`guarded`].

use std::cell::Cell;
use std::panic::{self, UnwindSafe};
use std::sync::Once;

thread_local! {
    // `const` and `Cell<bool>`: no destructor, so the thread-local cannot pin
    // a hot-loaded library in memory (see docs/ffi-abi.md).
    static IN_GUARD: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `f`, turning a panic into `Err(message)`.
///
/// Panics inside a guarded call are not printed (they reach the caller as a
/// `Panic` status with the message) unless `HMS_FFI_PANIC_LOG` is set; panics
/// elsewhere in the library keep the default report.
pub fn guarded<R>(f: impl FnOnce() -> R + UnwindSafe) -> Result<R, String> {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        let log = std::env::var_os("HMS_FFI_PANIC_LOG").is_some();
        panic::set_hook(Box::new(move |info| {
            if log || !IN_GUARD.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = IN_GUARD.with(|g| g.replace(true));
    let r = panic::catch_unwind(f);
    IN_GUARD.with(|g| g.set(outer));
    r.map_err(|payload| {
        if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_passes_through() {
        assert_eq!(guarded(|| 41 + 1), Ok(42));
    }

    #[test]
    fn panics_become_their_message() {
        assert_eq!(guarded(|| -> u8 { panic!("boom") }), Err("boom".to_owned()));
        let n = 7;
        assert_eq!(
            guarded(move || -> u8 { panic!("bad value {n}") }),
            Err("bad value 7".to_owned())
        );
        assert_eq!(
            guarded(|| -> u8 { std::panic::panic_any(5u32) }),
            Err("panic with a non-string payload".to_owned())
        );
    }

    #[test]
    fn nested_guards_restore_the_outer_state() {
        let r = guarded(|| {
            let inner = guarded(|| -> u8 { panic!("inner") });
            assert!(IN_GUARD.with(Cell::get));
            inner
        });
        assert_eq!(r, Ok(Err("inner".to_owned())));
        assert!(!IN_GUARD.with(Cell::get));
    }
}
