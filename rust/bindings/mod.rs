//! The only layer that knows PyO3: converts Python values to the core's borrowed types, runs the
//! work with the GIL released, and turns the core's errors into Python exceptions.
//!
//! Each capability is a submodule of `callcore._core` (`callcore._core.sign`, ...), registered in
//! `sys.modules` too so that `import callcore._core.sign` works.

use pyo3::prelude::*;
use pyo3::types::PyDict;

mod arrow;
mod audio;
mod calllist;
mod convert;
mod panics;
mod sign;
mod textcsv;

/// Adds `callcore._core.<name>`, filled by `fill`.
fn add_submodule(
    parent: &Bound<'_, PyModule>,
    name: &str,
    fill: fn(&Bound<'_, PyModule>) -> PyResult<()>,
) -> PyResult<()> {
    let py = parent.py();
    let sub = PyModule::new(py, name)?;
    fill(&sub)?;
    parent.add_submodule(&sub)?;
    let modules = py
        .import("sys")?
        .getattr("modules")?
        .cast_into::<PyDict>()?;
    modules.set_item(format!("callcore._core.{name}"), &sub)?;
    Ok(())
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    add_submodule(m, "sign", sign::register)?;
    add_submodule(m, "calllist", calllist::register)?;
    add_submodule(m, "audio", audio::register)?;
    add_submodule(m, "textcsv", textcsv::register)?;
    Ok(())
}
