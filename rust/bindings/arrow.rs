//! Text columns taken from any object that exports the Arrow PyCapsule stream interface
//! (`__arrow_c_stream__`: polars Series, pyarrow arrays and chunked arrays, ...) without
//! pyarrow and without copying: the values are views into the exporter's buffers, which stay
//! alive (their `release` callbacks not yet called) for as long as the [`ArrowStrings`] lives.
//!
//! Only what the call lists need is read: `utf8` (`u`), `large_utf8` (`U`), `utf8_view` (`vu`)
//! and their binary twins (`z`, `Z`, `vz`), with validity bitmaps (a null is an empty value).
//! Anything else returns `Ok(None)` and the caller iterates the object instead.
//! Layouts: <https://arrow.apache.org/docs/format/CDataInterface.html> and
//! <https://arrow.apache.org/docs/format/Columnar.html>.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::NonNull;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

#[repr(C)]
struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct ArrowArrayStream {
    get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    private_data: *mut c_void,
}

/// One imported chunk; released on drop.
struct Chunk(Box<ArrowArray>);

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(r) = self.0.release {
            // SAFETY: the producer's release callback on the struct it filled, called once
            unsafe { r(&mut *self.0) };
        }
    }
}

struct Stream(ArrowArrayStream);

impl Drop for Stream {
    fn drop(&mut self) {
        if let Some(r) = self.0.release {
            // SAFETY: the stream was moved out of the capsule; we own it and release it once
            unsafe { r(&mut self.0) };
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Offsets32,
    Offsets64,
    View,
}

/// The values of an imported text column, in order, as `(pointer, length)` pairs into the
/// exporter's buffers (kept alive by the chunks held here).
pub struct ArrowStrings {
    _chunks: Vec<Chunk>,
    pub spans: Vec<(usize, usize)>,
}

fn err(what: &str, msg: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{what}: Arrow stream: {msg}"))
}

/// Imports `obj` through `__arrow_c_stream__` when it has one and holds text; `Ok(None)` when
/// it has none, its export fails (e.g. pandas without pyarrow) or its type is not text.
pub fn import_strings(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<ArrowStrings>> {
    let Ok(export) = obj.getattr("__arrow_c_stream__") else {
        return Ok(None);
    };
    let Ok(capsule) = export.call0() else {
        return Ok(None);
    };
    let capsule = capsule
        .cast_into::<PyCapsule>()
        .map_err(|_| err(what, "__arrow_c_stream__ did not return a capsule"))?;
    let ptr: NonNull<c_void> = capsule
        .pointer_checked(Some(c"arrow_array_stream"))
        .map_err(|_| {
            err(
                what,
                "__arrow_c_stream__ returned a capsule that is not an arrow_array_stream",
            )
        })?;
    let src = ptr.as_ptr() as *mut ArrowArrayStream;
    // move the stream out of the capsule (the interface's rule: the consumer takes it and
    // marks the source released, so the capsule's destructor does nothing)
    // SAFETY: the capsule holds a valid ArrowArrayStream (checked by its name)
    let stream = Stream(unsafe { std::ptr::read(src) });
    unsafe { (*src).release = None };
    let mut stream = stream;
    let s = &mut stream.0 as *mut ArrowArrayStream;

    let last_error = |s: *mut ArrowArrayStream| -> String {
        // SAFETY: a valid stream; the message (if any) is a NUL-terminated string it owns
        unsafe {
            match (*s).get_last_error {
                Some(f) => {
                    let m = f(s);
                    if m.is_null() {
                        "unknown error".into()
                    } else {
                        CStr::from_ptr(m).to_string_lossy().into_owned()
                    }
                }
                None => "unknown error".into(),
            }
        }
    };

    // the schema: the column's type
    let mut schema = std::mem::MaybeUninit::<ArrowSchema>::zeroed();
    // SAFETY: get_schema fills the struct we pass
    let rc = unsafe {
        (*s).get_schema
            .map(|f| f(s, schema.as_mut_ptr()))
            .unwrap_or(-1)
    };
    if rc != 0 {
        return Err(err(what, last_error(s)));
    }
    // SAFETY: filled by get_schema (rc == 0)
    let mut schema = unsafe { schema.assume_init() };
    let format = if schema.format.is_null() {
        String::new()
    } else {
        // SAFETY: a NUL-terminated format string owned by the schema
        unsafe { CStr::from_ptr(schema.format).to_string_lossy().into_owned() }
    };
    if let Some(r) = schema.release {
        // SAFETY: released once, after the format was copied
        unsafe { r(&mut schema) };
    }
    let layout = match format.as_str() {
        "u" | "z" => Layout::Offsets32,
        "U" | "Z" => Layout::Offsets64,
        "vu" | "vz" => Layout::View,
        _ => return Ok(None),
    };

    let mut chunks = Vec::new();
    let mut spans = Vec::new();
    loop {
        let mut arr = Box::new(std::mem::MaybeUninit::<ArrowArray>::zeroed());
        // SAFETY: get_next fills the struct we pass
        let rc = unsafe { (*s).get_next.map(|f| f(s, arr.as_mut_ptr())).unwrap_or(-1) };
        if rc != 0 {
            return Err(err(what, last_error(s)));
        }
        // SAFETY: filled by get_next (rc == 0); a null release marks the end of the stream
        let arr: Box<ArrowArray> = unsafe { Box::from_raw(Box::into_raw(arr) as *mut ArrowArray) };
        if arr.release.is_none() {
            break;
        }
        let chunk = Chunk(arr);
        // SAFETY: the buffers of a valid array of the layout the schema announced
        unsafe { chunk_spans(&chunk.0, layout, &mut spans) }.map_err(|m| err(what, m))?;
        chunks.push(chunk);
    }
    Ok(Some(ArrowStrings {
        _chunks: chunks,
        spans,
    }))
}

/// Appends the `(pointer, length)` of every value of `a` (a null: an empty value).
///
/// # Safety
/// `a` must be a valid Arrow array of `layout`.
unsafe fn chunk_spans(
    a: &ArrowArray,
    layout: Layout,
    out: &mut Vec<(usize, usize)>,
) -> Result<(), String> {
    if a.n_buffers < 2 || a.length < 0 || a.offset < 0 {
        return Err(format!(
            "malformed array ({} buffers, length {})",
            a.n_buffers, a.length
        ));
    }
    let (len, off) = (a.length as usize, a.offset as usize);
    let bufs = std::slice::from_raw_parts(a.buffers, a.n_buffers as usize);
    let validity = bufs[0] as *const u8;
    let valid = |i: usize| -> bool {
        validity.is_null() || (*validity.add((off + i) / 8) >> ((off + i) % 8)) & 1 == 1
    };
    out.reserve(len);
    let empty = b"".as_ptr() as usize;
    match layout {
        Layout::Offsets32 | Layout::Offsets64 => {
            if a.n_buffers < 3 {
                return Err("a string array needs 3 buffers".into());
            }
            let data = bufs[2] as *const u8;
            for i in 0..len {
                if !valid(i) {
                    out.push((empty, 0));
                    continue;
                }
                let (s, e) = if layout == Layout::Offsets32 {
                    let o = bufs[1] as *const i32;
                    (*o.add(off + i) as i64, *o.add(off + i + 1) as i64)
                } else {
                    let o = bufs[1] as *const i64;
                    (*o.add(off + i), *o.add(off + i + 1))
                };
                if s < 0 || e < s {
                    return Err(format!("bad offsets at value {i}"));
                }
                out.push((data.add(s as usize) as usize, (e - s) as usize));
            }
        }
        Layout::View => {
            // buffers: validity, views (16 bytes each), data buffers..., and (C interface) one
            // last buffer holding the data buffers' sizes
            let views = bufs[1] as *const u8;
            let n_data = (a.n_buffers - 3).max(0) as usize;
            for i in 0..len {
                if !valid(i) {
                    out.push((empty, 0));
                    continue;
                }
                let v = views.add((off + i) * 16);
                let l = u32::from_le_bytes(*(v as *const [u8; 4])) as usize;
                if l <= 12 {
                    out.push((v.add(4) as usize, l));
                } else {
                    let b = u32::from_le_bytes(*(v.add(8) as *const [u8; 4])) as usize;
                    let o = u32::from_le_bytes(*(v.add(12) as *const [u8; 4])) as usize;
                    if b >= n_data {
                        return Err(format!("view {i} names data buffer {b} of {n_data}"));
                    }
                    out.push(((bufs[2 + b] as *const u8).add(o) as usize, l));
                }
            }
        }
    }
    Ok(())
}
