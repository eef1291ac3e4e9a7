//! `callcore._core.textcsv`: the rows of a small CSV file a platform hands over (see
//! `crate::textcsv`), as lists of `str`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use super::panics::guard;

pyo3::create_exception!(
    callcore.textcsv,
    TextCsvInternalError,
    pyo3::exceptions::PyRuntimeError,
    "A bug in callcore's CSV reader (a Rust panic); the input was not read."
);

/// The rows of a CSV file's bytes (UTF-8, with or without BOM, else GB18030), every cell trimmed
/// as ``str.strip()`` would; the first row is the header as written. Empty lines are no rows.
#[pyfunction]
fn read_rows<'py>(py: Python<'py>, data: &Bound<'py, PyBytes>) -> PyResult<Bound<'py, PyList>> {
    guard("textcsv.read_rows", TextCsvInternalError::new_err, || {
        let bytes = data.as_bytes();
        // bytes are immutable, so the view stays valid with the GIL released
        let rows = py.detach(|| crate::textcsv::read_rows(bytes));
        // a cell equal to the one above it shares its string: an index repeats its account,
        // agent, codes, dates and empty cells row after row, and a reference costs a fraction of
        // making the string again
        let mut above: Vec<Option<(&str, Bound<'py, PyString>)>> = Vec::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in 0..rows.len() {
            let cells = rows.row(r).enumerate().map(|(column, cell)| {
                if column == above.len() {
                    above.push(None);
                }
                match &above[column] {
                    Some((text, string)) if *text == cell => string.clone(),
                    _ => {
                        let string = PyString::new(py, cell);
                        above[column] = Some((cell, string.clone()));
                        string
                    }
                }
            });
            out.push(PyList::new(py, cells)?);
        }
        PyList::new(py, out)
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_rows, m)?)?;
    m.add(
        "TextCsvInternalError",
        m.py().get_type::<TextCsvInternalError>(),
    )?;
    Ok(())
}
