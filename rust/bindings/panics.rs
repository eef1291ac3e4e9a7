//! The panic boundary of the bindings. PyO3 turns a Rust panic that reaches a `#[pyfunction]`
//! into `pyo3_runtime.PanicException`, a `BaseException`: `except Exception` in a service or a
//! batch job does not catch it, so one bad input still ends the process. [`guard`] catches the
//! panic first and raises the module's own error type instead.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::PyErr;
use pyo3::PyResult;

/// Runs `f`; a panic inside it (including one inside `py.detach`, which re-attaches the thread
/// while unwinding) becomes `err("<what>: internal error (Rust panic) ...")`.
///
/// The panic's own message is left out of the exception on purpose: a slicing panic quotes the
/// string it sliced, which in `sign` may be a secret. Rust's panic hook has already written the
/// message and location to stderr for the bug report.
///
/// `AssertUnwindSafe`: after a panic nothing `f` touched is used again; the call fails as a
/// whole and its partial state (buffers, half-written temporaries with their drop guards) is
/// dropped by the unwind.
pub(crate) fn guard<T>(
    what: &str,
    err: fn(String) -> PyErr,
    f: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(err(format!(
            "{what}: internal error (Rust panic; details on stderr); the input was not processed, please report it"
        )))
    })
}
