//! Conversions shared by the capability bindings: borrowed `str`/`bytes` views of Python objects
//! and mappings of strings, each failing with a message that names the argument.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

/// Keeps the Python strings of a `Mapping[str, str]` alive so `&str` views can point into them.
pub struct StrPairs<'py> {
    items: Vec<(Bound<'py, PyString>, Bound<'py, PyString>)>,
}

impl<'py> StrPairs<'py> {
    /// Reads a `Mapping[str, str]` (a dict fast, anything with `.items()` otherwise). `what`
    /// names the argument in errors, e.g. `headers`.
    pub fn extract(obj: Option<&Bound<'py, PyAny>>, what: &str) -> PyResult<StrPairs<'py>> {
        let mut items = Vec::new();
        for_each_str_pair(obj, what, |k, v| {
            items.push((k, v));
            Ok(())
        })?;
        Ok(StrPairs { items })
    }

    /// `&str` views, valid while `self` lives.
    pub fn views(&self) -> PyResult<Vec<(&str, &str)>> {
        self.items
            .iter()
            .map(|(k, v)| Ok((k.to_str()?, v.to_str()?)))
            .collect()
    }
}

/// Calls `f` with each (name, value) of a `Mapping[str, str]` (a dict fast, anything with
/// `.items()` otherwise; None is empty), checking both are `str`. `what` names the argument in
/// errors, e.g. `headers`.
pub fn for_each_str_pair<'py, W: std::fmt::Display + ?Sized>(
    obj: Option<&Bound<'py, PyAny>>,
    what: &W,
    mut f: impl FnMut(Bound<'py, PyString>, Bound<'py, PyString>) -> PyResult<()>,
) -> PyResult<()> {
    let Some(obj) = obj else {
        return Ok(());
    };
    if obj.is_none() {
        return Ok(());
    }
    let mut push = |k: Bound<'py, PyAny>, v: Bound<'py, PyAny>| -> PyResult<()> {
        let k = k.cast_into::<PyString>().map_err(|e| {
            PyTypeError::new_err(format!(
                "{what}: every name must be a str, got {}",
                type_name(e.into_inner().as_any())
            ))
        })?;
        let v = match v.cast_into::<PyString>() {
            Ok(v) => v,
            Err(e) => {
                return Err(PyTypeError::new_err(format!(
                    "{what}: the value of {:?} must be a str, got {}",
                    k.to_cow().unwrap_or_default(),
                    type_name(e.into_inner().as_any())
                )))
            }
        };
        f(k, v)
    };
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, v) in d.iter() {
            push(k, v)?;
        }
    } else {
        let it = obj.call_method0("items").map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: expected a mapping of str to str, got {}",
                type_name(obj)
            ))
        })?;
        for pair in it.try_iter()? {
            let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = pair?.extract()?;
            push(k, v)?;
        }
    }
    Ok(())
}

/// `requests[{index}]: {what}`, formatted only when an error message needs it (a batch names the
/// request at fault; formatting it for every request cost more than copying the request).
pub struct Indexed<'a>(pub usize, pub &'a str);

impl std::fmt::Display for Indexed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "requests[{}]: {}", self.0, self.1)
    }
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A body given as `bytes`, `str` (UTF-8) or `None`, viewed without copying.
pub enum BodyRef<'py> {
    Empty,
    Bytes(Bound<'py, PyBytes>),
    Str(Bound<'py, PyString>),
    /// bytearray / memoryview: copied once, since their contents may change under us.
    Owned(Vec<u8>),
}

impl<'py> BodyRef<'py> {
    pub fn extract<W: std::fmt::Display + ?Sized>(
        obj: Option<&Bound<'py, PyAny>>,
        what: &W,
    ) -> PyResult<BodyRef<'py>> {
        let Some(obj) = obj else {
            return Ok(BodyRef::Empty);
        };
        if obj.is_none() {
            return Ok(BodyRef::Empty);
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(BodyRef::Bytes(b.clone()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(BodyRef::Str(s.clone()));
        }
        if let Ok(v) = obj.extract::<Vec<u8>>() {
            if !obj.is_instance_of::<pyo3::types::PyList>() {
                return Ok(BodyRef::Owned(v));
            }
        }
        Err(PyTypeError::new_err(format!(
            "{what}: expected bytes, str or None, got {}",
            type_name(obj)
        )))
    }

    pub fn as_bytes(&self) -> PyResult<&[u8]> {
        Ok(match self {
            BodyRef::Empty => b"",
            BodyRef::Bytes(b) => b.as_bytes(),
            BodyRef::Str(s) => s.to_str()?.as_bytes(),
            BodyRef::Owned(v) => v,
        })
    }
}
