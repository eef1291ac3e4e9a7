//! `callcore._core.calllist`: thin wrappers over `crate::calllist`.
//!
//! Columns come in as Python lists (borrowed `str` views), numpy fixed-width `S`/`U` buffers,
//! packed Arrow-style `(data, offsets)` buffers or int64 arrays; results go out as numpy arrays
//! (keys `uint64`, kinds/reasons `uint8`). All work runs with the GIL released, in parallel.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyTypeError, PyUnicodeDecodeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;

use super::convert::type_name;
use crate::calllist::dedup::{
    first_flags as core_first_flags, Blacklist as CoreBlacklist, ImportStore,
};
use crate::calllist::io::{self as cio, CleanOptions, CleanPaths, ColumnSel, Gate, Summary};
use crate::calllist::normalize::{Config, ForeignPolicy, Kind, Normalized, Normalizer, Reason};
use crate::calllist::platform::Profile;
use crate::calllist::tables::Tables;
use crate::calllist::xlsx::HuaweiWorkbook;
use crate::calllist::CalllistError as CoreError;

pyo3::create_exception!(
    callcore.calllist,
    CalllistError,
    PyValueError,
    "A call list cannot be processed as given; the message names the input."
);
pyo3::create_exception!(
    callcore.calllist,
    MissingColumn,
    CalllistError,
    "The requested phone (or scope) column is not in the file."
);

fn err(e: CoreError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(msg)
        }
        CoreError::Io { .. } => PyOSError::new_err(msg),
        CoreError::Decode { .. } => PyValueError::new_err(msg),
        CoreError::MissingColumn { .. } => MissingColumn::new_err(msg),
        _ => CalllistError::new_err(msg),
    }
}

/// Runs one core call with the GIL released, turning a panic into an ordinary
/// `CalllistError` that names the call: a bug in the core must cost the caller one exception,
/// never the process (PyO3's own `PanicException` derives from `BaseException`, which batch code
/// does not catch). Local to calllist until the bindings share one helper.
fn detach_guarded<T: Send>(
    py: Python<'_>,
    call: &str,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)))
        .map_err(|payload| panic_error(call, payload))
}

fn panic_error(call: &str, payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    CalllistError::new_err(format!(
        "callcore.calllist.{call}: internal error in the Rust core ({what}); \
         please report it with the input"
    ))
}

/// The documented input limits (name -> value), checked before anything is allocated.
#[pyfunction]
fn limits<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    use crate::calllist::sheet_guard::LIMITS as L;
    let d = PyDict::new(py);
    for (k, v) in [
        ("max_rows", L.max_rows),
        ("max_columns", L.max_columns),
        ("max_cells", L.max_cells),
        ("max_entries", L.max_entries),
        ("max_entry_bytes", L.max_entry_bytes),
        ("max_total_bytes", L.max_total_bytes),
        ("max_binary_entry_bytes", L.max_binary_entry_bytes),
        ("max_xml_run", L.max_xml_run),
        ("max_file_bytes", L.max_file_bytes),
        ("max_header_bytes", cio::MAX_HEADER_BYTES as u64),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// One accepted profile name: `(name, profile, batch_size, max_batch, max_len, pending_cap)`.
type ProfileRow = (
    &'static str,
    &'static str,
    usize,
    Option<usize>,
    Option<usize>,
    Option<usize>,
);

/// Every platform profile name the core accepts (aliases included), with its profile's limits;
/// `None` where the platform sets no bound. The Python registry reads the platforms' limits from
/// here instead of keeping a copy.
#[pyfunction]
fn platform_profiles() -> PyResult<Vec<ProfileRow>> {
    Profile::NAMES
        .iter()
        .map(|name| {
            let p = Profile::by_name(name).map_err(err)?;
            let max_batch = (p.max_batch != usize::MAX).then_some(p.max_batch);
            Ok((
                *name,
                p.name,
                p.batch_size,
                max_batch,
                p.max_len,
                p.pending_cap,
            ))
        })
        .collect()
}

/// Panics inside [`detach_guarded`] on purpose, so a test can check the boundary itself (the
/// core has no known panic left to trigger it with).
#[pyfunction]
fn _panic_probe(py: Python<'_>) -> PyResult<()> {
    detach_guarded(py, "_panic_probe", || {
        panic!("a deliberate panic at the boundary")
    })
}

/// Builds a normalizer from keyword options.
#[allow(clippy::too_many_arguments)]
fn make_normalizer(
    default_area_code: Option<&str>,
    structural_only: bool,
    foreign: &str,
    allow_short_codes: bool,
    mobile_prefixes: Option<PathBuf>,
    area_codes: Option<PathBuf>,
    ip_prefixes: Option<PathBuf>,
) -> PyResult<Normalizer> {
    let foreign: ForeignPolicy = foreign.parse().map_err(err)?;
    let cfg = Config {
        default_area_code: default_area_code.map(str::to_string),
        structural_only,
        foreign,
        allow_short_codes,
    };
    let tables = if mobile_prefixes.is_none() && area_codes.is_none() && ip_prefixes.is_none() {
        Tables::builtin()
    } else {
        let mut t = (*Tables::builtin()).clone();
        if let Some(p) = mobile_prefixes {
            t.load_file("mobile_prefixes", &p).map_err(err)?;
        }
        if let Some(p) = area_codes {
            t.load_file("area_codes", &p).map_err(err)?;
        }
        if let Some(p) = ip_prefixes {
            t.load_file("ip_prefixes", &p).map_err(err)?;
        }
        Arc::new(t)
    };
    Normalizer::with_tables(&cfg, tables).map_err(err)
}

/// Opaque normalizer handle so repeated calls skip option parsing and table loading.
#[pyclass(
    name = "Normalizer",
    module = "callcore._core.calllist",
    frozen,
    subclass
)]
struct PyNormalizer {
    inner: Normalizer,
}

#[pymethods]
impl PyNormalizer {
    #[new]
    #[pyo3(signature = (*, default_area_code=None, structural_only=false, foreign="keep", allow_short_codes=false, mobile_prefixes=None, area_codes=None, ip_prefixes=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        default_area_code: Option<&str>,
        structural_only: bool,
        foreign: &str,
        allow_short_codes: bool,
        mobile_prefixes: Option<PathBuf>,
        area_codes: Option<PathBuf>,
        ip_prefixes: Option<PathBuf>,
    ) -> PyResult<Self> {
        Ok(PyNormalizer {
            inner: make_normalizer(
                default_area_code,
                structural_only,
                foreign,
                allow_short_codes,
                mobile_prefixes,
                area_codes,
                ip_prefixes,
            )?,
        })
    }

    /// Normalize one value; returns (key, kind, reason, ext) with names, for debugging/REPL use.
    fn one<'py>(&self, py: Python<'py>, value: &str) -> PyResult<Bound<'py, PyTuple>> {
        let n = self.inner.normalize_str(value);
        (
            n.e164(),
            n.national(),
            n.kind.as_str(),
            if n.is_ok() {
                None
            } else {
                Some(n.reason.as_str())
            },
            n.extension(),
        )
            .into_pyobject(py)
    }

    /// City recorded for an area code (without the trunk 0), or None.
    fn area_city(&self, code: u32) -> Option<String> {
        self.inner.tables().area_city(code).map(str::to_string)
    }
}

type Arrays<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<u8>>,
);

/// The five result columns, filled in parallel straight from the inputs (no intermediate
/// `Vec<Normalized>` and no serial conversion pass under the GIL), then handed to numpy as
/// they are.
struct Columns {
    keys: Vec<u64>,
    kinds: Vec<u8>,
    reasons: Vec<u8>,
    ext: Vec<u64>,
    ext_len: Vec<u8>,
}

impl Columns {
    /// `n` values; `one(i)` normalizes value i. Runs on the current rayon pool.
    fn fill(n: usize, one: impl Fn(usize) -> Normalized + Sync) -> Columns {
        const CHUNK: usize = 8192;
        let mut c = Columns {
            keys: vec![0; n],
            kinds: vec![0; n],
            reasons: vec![0; n],
            ext: vec![0; n],
            ext_len: vec![0; n],
        };
        c.keys
            .par_chunks_mut(CHUNK)
            .zip(c.kinds.par_chunks_mut(CHUNK))
            .zip(c.reasons.par_chunks_mut(CHUNK))
            .zip(c.ext.par_chunks_mut(CHUNK))
            .zip(c.ext_len.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(ci, ((((k, t), r), e), el))| {
                for j in 0..k.len() {
                    let x = one(ci * CHUNK + j);
                    k[j] = x.key;
                    t[j] = x.kind as u8;
                    r[j] = x.reason as u8;
                    e[j] = x.ext;
                    el[j] = x.ext_len;
                }
            });
        c
    }

    fn into_arrays(self, py: Python<'_>) -> Arrays<'_> {
        (
            PyArray1::from_vec(py, self.keys),
            PyArray1::from_vec(py, self.kinds),
            PyArray1::from_vec(py, self.reasons),
            PyArray1::from_vec(py, self.ext),
            PyArray1::from_vec(py, self.ext_len),
        )
    }
}

fn to_arrays<'py>(py: Python<'py>, v: &[Normalized], reasons: Option<&[Reason]>) -> Arrays<'py> {
    // one pass into five columns; `from_vec` hands each buffer to numpy without a copy
    let n = v.len();
    let (mut keys, mut kinds, mut rs, mut ext, mut ext_len) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (i, x) in v.iter().enumerate() {
        keys.push(x.key);
        kinds.push(x.kind as u8);
        rs.push(match reasons {
            Some(r) => r[i] as u8,
            None => x.reason as u8,
        });
        ext.push(x.ext);
        ext_len.push(x.ext_len);
    }
    (
        PyArray1::from_vec(py, keys),
        PyArray1::from_vec(py, kinds),
        PyArray1::from_vec(py, rs),
        PyArray1::from_vec(py, ext),
        PyArray1::from_vec(py, ext_len),
    )
}

/// Waits until the old contents of outputs that a clean replaced are removed (they are removed
/// on a background thread; the package calls this at exit).
#[pyfunction]
fn wait_for_removals(py: Python<'_>) {
    py.detach(crate::fsutil::wait_for_removals);
}

/// Borrowed byte views of a Python list/tuple of str | bytes | int | None. Ints are formatted
/// into `owned`; None and NaN-like floats become empty values.
struct Views<'py> {
    _keep: Vec<Bound<'py, PyAny>>,
    /// an Arrow text column's buffers, when the values came through `__arrow_c_stream__`
    _arrow: Option<super::arrow::ArrowStrings>,
    owned: Vec<Vec<u8>>,
    spans: Vec<(usize, usize, bool)>, // (ptr, len, owned?)
}

fn collect_views<'py>(seq: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Vec<u8>>> {
    // slow generic path (iterables that are not list/tuple): copies
    let mut out = Vec::new();
    for (i, item) in seq.try_iter()?.enumerate() {
        out.push(value_bytes(&item?, i, what)?);
    }
    Ok(out)
}

fn value_bytes(item: &Bound<'_, PyAny>, i: usize, what: &str) -> PyResult<Vec<u8>> {
    if item.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(s) = item.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = item.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(v) = item.extract::<i128>() {
        return Ok(v.to_string().into_bytes());
    }
    if let Ok(f) = item.extract::<f64>() {
        if f.is_nan() {
            return Ok(Vec::new());
        }
        let mut text = String::new();
        crate::digits::float_text(f, &mut text);
        return Ok(text.into_bytes());
    }
    Err(PyTypeError::new_err(format!(
        "{what}[{i}]: expected str, bytes, int or None, got {}",
        type_name(item)
    )))
}

impl<'py> Views<'py> {
    fn from_seq(seq: &Bound<'py, PyAny>, what: &str) -> PyResult<Views<'py>> {
        let mut keep = Vec::new();
        let mut owned = Vec::new();
        let mut spans = Vec::new();
        let items: Vec<Bound<'py, PyAny>> = if let Ok(l) = seq.cast::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = seq.cast::<PyTuple>() {
            t.iter().collect()
        } else if let Some(a) = super::arrow::import_strings(seq, what)? {
            // a polars Series / pyarrow array of text: views into its buffers, no copy
            let spans = a.spans.iter().map(|&(p, l)| (p, l, false)).collect();
            return Ok(Views {
                _keep: keep,
                _arrow: Some(a),
                owned,
                spans,
            });
        } else {
            let v = collect_views(seq, what)?;
            for b in v {
                spans.push((owned.len(), 0, true));
                owned.push(b);
            }
            return Ok(Views {
                _keep: keep,
                _arrow: None,
                owned,
                spans,
            });
        };
        spans.reserve(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if let Ok(s) = item.cast::<PyString>() {
                let st = s.to_str()?;
                spans.push((st.as_ptr() as usize, st.len(), false));
                keep.push(item);
            } else if let Ok(b) = item.cast::<PyBytes>() {
                let bs = b.as_bytes();
                spans.push((bs.as_ptr() as usize, bs.len(), false));
                keep.push(item);
            } else {
                let v = value_bytes(&item, i, what)?;
                spans.push((owned.len(), 0, true));
                owned.push(v);
            }
        }
        Ok(Views {
            _keep: keep,
            _arrow: None,
            owned,
            spans,
        })
    }

    fn slices(&self) -> Vec<&[u8]> {
        self.spans
            .iter()
            .map(|&(p, l, o)| {
                if o {
                    &self.owned[p][..]
                } else {
                    // SAFETY: the str/bytes objects are kept alive in `_keep` (Arrow buffers in
                    // `_arrow`) and are immutable.
                    unsafe { std::slice::from_raw_parts(p as *const u8, l) }
                }
            })
            .collect()
    }
}

#[pyfunction]
fn normalize_list<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    values: &Bound<'py, PyAny>,
) -> PyResult<Arrays<'py>> {
    let views = Views::from_seq(values, "numbers")?;
    let slices = views.slices();
    let cols = detach_guarded(py, "normalize_list", || {
        Columns::fill(slices.len(), |i| norm.inner.normalize(slices[i]))
    })?;
    Ok(cols.into_arrays(py))
}

/// numpy fixed-width `S` (itemsize bytes, NUL padded) or `U` (UCS-4) buffer, viewed as uint8.
#[pyfunction]
fn normalize_fixed<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    buf: PyReadonlyArray1<'py, u8>,
    itemsize: usize,
    ucs4: bool,
) -> PyResult<Arrays<'py>> {
    let data = buf
        .as_slice()
        .map_err(|_| PyValueError::new_err("buffer must be contiguous"))?;
    if itemsize == 0 || data.len() % itemsize != 0 {
        return Err(PyValueError::new_err(
            "buffer length is not a multiple of itemsize",
        ));
    }
    let cols = detach_guarded(py, "normalize_fixed", || {
        Columns::fill(data.len() / itemsize, |i| {
            let item = &data[i * itemsize..(i + 1) * itemsize];
            if !ucs4 {
                let end = item.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                return norm.inner.normalize(&item[..end]);
            }
            let mut tmp = [0u8; 256];
            let mut n = 0;
            for c in item.chunks_exact(4) {
                let cp = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                if cp == 0 {
                    break;
                }
                let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                if n + 4 > tmp.len() {
                    return Normalized {
                        reason: Reason::TooLong,
                        ..Normalized::default()
                    };
                }
                n += ch.encode_utf8(&mut tmp[n..]).len();
            }
            norm.inner.normalize(&tmp[..n])
        })
    })?;
    Ok(cols.into_arrays(py))
}

/// Arrow-style packed strings: `data` bytes and `offsets` (n + 1 int64). `threads` runs the
/// work on a dedicated pool of that many threads (e.g. 1 to measure per-core speed).
#[pyfunction]
#[pyo3(signature = (norm, data, offsets, threads=None))]
fn normalize_packed<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    data: PyReadonlyArray1<'py, u8>,
    offsets: PyReadonlyArray1<'py, i64>,
    threads: Option<usize>,
) -> PyResult<Arrays<'py>> {
    let d = data
        .as_slice()
        .map_err(|_| PyValueError::new_err("data must be contiguous"))?;
    let o = offsets
        .as_slice()
        .map_err(|_| PyValueError::new_err("offsets must be contiguous"))?;
    if o.is_empty() {
        return Ok(to_arrays(py, &[], None));
    }
    let bad = o.windows(2).any(|w| w[0] > w[1] || w[0] < 0) || o[o.len() - 1] as usize > d.len();
    if bad {
        return Err(PyValueError::new_err(
            "offsets must be non-decreasing and within data",
        ));
    }
    let pool = match threads {
        None => None,
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| PyValueError::new_err(format!("threads: {e}")))?,
        ),
    };
    let cols = detach_guarded(py, "normalize_packed", || {
        let work = || {
            Columns::fill(o.len() - 1, |i| {
                norm.inner.normalize(&d[o[i] as usize..o[i + 1] as usize])
            })
        };
        match &pool {
            Some(p) => p.install(work),
            None => work(),
        }
    })?;
    Ok(cols.into_arrays(py))
}

/// int64 column (numbers that Excel/pandas read as integers); values <= 0 are empty.
#[pyfunction]
fn normalize_ints<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    values: PyReadonlyArray1<'py, i64>,
) -> PyResult<Arrays<'py>> {
    let v = values
        .as_slice()
        .map_err(|_| PyValueError::new_err("values must be contiguous"))?;
    let cols = detach_guarded(py, "normalize_ints", || {
        Columns::fill(v.len(), |i| {
            if v[i] <= 0 {
                return Normalized {
                    reason: Reason::Empty,
                    ..Normalized::default()
                };
            }
            let mut b = [0u8; 24];
            let n = crate::digits::write_u64(v[i] as u64, &mut b);
            norm.inner.normalize(&b[..n])
        })
    })?;
    Ok(cols.into_arrays(py))
}

fn kind_from(v: u8) -> Kind {
    Kind::from_u8(v)
}

/// `+<key>` strings (None for key 0).
#[pyfunction]
fn format_e164<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyList>> {
    let k = keys
        .as_slice()
        .map_err(|_| PyValueError::new_err("keys must be contiguous"))?;
    let mut items: Vec<Option<String>> = Vec::with_capacity(k.len());
    for &key in k {
        items.push(if key == 0 {
            None
        } else {
            Some(format!("+{key}"))
        });
    }
    PyList::new(py, items)
}

/// National dialing forms from keys and kinds.
#[pyfunction]
fn format_national<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, u64>,
    kinds: PyReadonlyArray1<'py, u8>,
) -> PyResult<Bound<'py, PyList>> {
    let k = keys
        .as_slice()
        .map_err(|_| PyValueError::new_err("keys must be contiguous"))?;
    let t = kinds
        .as_slice()
        .map_err(|_| PyValueError::new_err("kinds must be contiguous"))?;
    if k.len() != t.len() {
        return Err(PyValueError::new_err("keys and kinds differ in length"));
    }
    let mut items: Vec<Option<String>> = Vec::with_capacity(k.len());
    for (&key, &kind) in k.iter().zip(t) {
        let n = Normalized {
            key,
            kind: kind_from(kind),
            cc_len: 2,
            ..Normalized::default()
        };
        items.push(if key == 0 { None } else { n.national() });
    }
    PyList::new(py, items)
}

/// Names of kinds and reasons, indexed by their codes.
#[pyfunction]
fn codes<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let kinds = PyDict::new(py);
    for k in Kind::ALL {
        kinds.set_item(k as u8, k.as_str())?;
    }
    let reasons = PyDict::new(py);
    for r in Reason::ALL {
        reasons.set_item(r as u8, r.as_str())?;
    }
    d.set_item("kinds", kinds)?;
    d.set_item("reasons", reasons)?;
    Ok(d)
}

/// Keep-first flags over a key column (key 0 is never a duplicate).
#[pyfunction]
fn first_flags<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let k = keys
        .as_slice()
        .map_err(|_| PyValueError::new_err("keys must be contiguous"))?;
    let v = detach_guarded(py, "first_flags", || core_first_flags(k))?;
    Ok(PyArray1::from_vec(py, v))
}

/// A set of number keys to refuse (millions of entries).
#[pyclass(
    name = "Blacklist",
    module = "callcore._core.calllist",
    frozen,
    subclass
)]
struct PyBlacklist {
    inner: CoreBlacklist,
}

#[pymethods]
impl PyBlacklist {
    /// Load a file of numbers (one per line, or the first CSV field), normalized with `norm`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf, norm: &PyNormalizer) -> PyResult<Self> {
        let inner = detach_guarded(py, "Blacklist.load", || {
            CoreBlacklist::load(&path, &norm.inner)
        })?
        .map_err(err)?;
        Ok(PyBlacklist { inner })
    }

    /// From already-normalized keys (uint64).
    #[staticmethod]
    fn from_keys(keys: PyReadonlyArray1<'_, u64>) -> PyResult<Self> {
        let k = keys
            .as_slice()
            .map_err(|_| PyValueError::new_err("keys must be contiguous"))?;
        Ok(PyBlacklist {
            inner: CoreBlacklist::from_keys(k.iter().copied()),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.keys.len()
    }

    /// Lines of the source file that did not normalize (not in the set).
    #[getter]
    fn invalid_lines(&self) -> u64 {
        self.inner.invalid_lines
    }

    fn contains_key(&self, key: u64) -> bool {
        self.inner.contains(key)
    }

    fn __repr__(&self) -> String {
        format!(
            "Blacklist({} numbers, {} invalid lines)",
            self.inner.keys.len(),
            self.inner.invalid_lines
        )
    }
}

/// Counts of one clean run, as the core counted them; `callcore.calllist.Summary` (a frozen
/// dataclass) is built from it once.
#[pyclass(frozen, module = "callcore.calllist", name = "CleanSummary")]
struct CleanSummary(Summary);

#[pymethods]
impl CleanSummary {
    #[getter]
    fn rows(&self) -> u64 {
        self.0.rows
    }
    #[getter]
    fn clean(&self) -> u64 {
        self.0.clean
    }
    #[getter]
    fn rejected(&self) -> u64 {
        self.0.rejected
    }
    /// The clean rows' `dial` column as `(lines, offsets)` (see `read_dial_column`), when the
    /// clean was asked to keep it.
    #[getter]
    fn dial_column<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>> {
        self.0
            .dial
            .as_ref()
            .map(|column| packed_dial(py, column))
            .transpose()
    }
    /// The clean file's `(size, hex SHA-256)`, when the clean was asked to hash it.
    #[getter]
    fn clean_digest(&self) -> Option<(u64, String)> {
        self.0
            .clean_digest
            .map(|d| (d.bytes, crate::fsutil::hex(&d.sha256)))
    }
    /// Clean rows per kind, every kind present.
    #[getter]
    fn per_kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let kinds = PyDict::new(py);
        for k in Kind::ALL.iter().skip(1) {
            kinds.set_item(k.as_str(), self.0.per_kind[*k as usize])?;
        }
        Ok(kinds)
    }
    /// Rejected rows per reason, the reasons met only.
    #[getter]
    fn per_reason<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let reasons = PyDict::new(py);
        for r in Reason::ALL.iter().skip(1) {
            let c = self.0.per_reason[r.index()];
            if c > 0 {
                reasons.set_item(r.as_str(), c)?;
            }
        }
        Ok(reasons)
    }
    #[getter]
    fn duplicates(&self) -> u64 {
        self.0.duplicates()
    }
    #[getter]
    fn blacklisted(&self) -> u64 {
        self.0.blacklisted()
    }
    #[getter]
    fn already_imported(&self) -> u64 {
        self.0.already_imported()
    }
    #[getter]
    fn ragged(&self) -> u64 {
        self.0.ragged
    }
    #[getter]
    fn missing_field(&self) -> u64 {
        self.0.missing_field
    }
    #[getter]
    fn batches(&self) -> u64 {
        self.0.batches
    }
    #[getter]
    fn encoding(&self) -> &str {
        &self.0.encoding
    }
    #[getter]
    fn delimiter(&self) -> Option<String> {
        self.0.delimiter.map(|b| (b as char).to_string())
    }
    #[getter]
    fn header(&self) -> bool {
        self.0.header
    }
    #[getter]
    fn column(&self) -> usize {
        self.0.column
    }
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.0.columns.clone()
    }
}

fn profile(platform: Option<&str>, batch_size: Option<usize>) -> PyResult<Option<Profile>> {
    let Some(p) = platform else {
        if batch_size.is_some() {
            return Err(PyValueError::new_err("batch_size needs a platform"));
        }
        return Ok(None);
    };
    let mut prof = Profile::by_name(p).map_err(err)?;
    if let Some(b) = batch_size {
        prof = prof.with_batch_size(b).map_err(err)?;
    }
    Ok(Some(prof))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// In-memory clean over a list column: (keys, kinds, final reasons, ext, ext_len, summary).
#[pyfunction]
#[pyo3(signature = (norm, values, scopes=None, blacklist=None, store=None, window_days=None, record=false, platform=None, batch_size=None))]
#[allow(clippy::too_many_arguments)]
fn clean_values<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    values: &Bound<'py, PyAny>,
    scopes: Option<&Bound<'py, PyAny>>,
    blacklist: Option<&PyBlacklist>,
    store: Option<PathBuf>,
    window_days: Option<f64>,
    record: bool,
    platform: Option<&str>,
    batch_size: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    let views = Views::from_seq(values, "values")?;
    let slices = views.slices();
    let scope_views = scopes.map(|s| Views::from_seq(s, "scopes")).transpose()?;
    let scope_slices = scope_views.as_ref().map(|v| v.slices());
    if let Some(s) = &scope_slices {
        if s.len() != slices.len() {
            return Err(PyValueError::new_err(format!(
                "scopes has {} values, numbers {}",
                s.len(),
                slices.len()
            )));
        }
    }
    let prof = profile(platform, batch_size)?;
    let mut st = store
        .as_ref()
        .map(|p| ImportStore::open(p))
        .transpose()
        .map_err(err)?;
    let now = now_unix();
    let (out, reasons, summary) = detach_guarded(py, "clean_values", || {
        let mut gate = Gate::new(blacklist.map(|b| &b.inner), st.as_mut());
        gate.imported_since = cio::imported_since(window_days, now);
        gate.record_at = record.then_some(now);
        gate.platform = prof.as_ref();
        cio::clean_values(&slices, scope_slices.as_deref(), &norm.inner, gate)
    })?;
    if let (Some(s), true) = (st.as_mut(), record) {
        s.save().map_err(err)?;
    }
    let (k, t, r, e, el) = to_arrays(py, &out, Some(&reasons));
    (k, t, r, e, el, CleanSummary(summary)).into_pyobject(py)
}

/// Clean a file to a clean CSV and a rejects CSV; returns the summary dict.
#[pyfunction]
#[pyo3(signature = (norm, input, clean, rejects, *, column=None, column_index=None, scope_column=None, has_header=None, delimiter=None, platform=None, batch_size=None, defuse=true, bom=false, blacklist=None, store=None, window_days=None, record=false, chunk_rows=16384, sheet=None, progress=None, parallel=true, keep_dial=false, hash_clean=false))]
#[allow(clippy::too_many_arguments)]
fn clean_file<'py>(
    py: Python<'py>,
    norm: &PyNormalizer,
    input: PathBuf,
    clean: PathBuf,
    rejects: PathBuf,
    column: Option<String>,
    column_index: Option<usize>,
    scope_column: Option<String>,
    has_header: Option<bool>,
    delimiter: Option<String>,
    platform: Option<&str>,
    batch_size: Option<usize>,
    defuse: bool,
    bom: bool,
    blacklist: Option<&PyBlacklist>,
    store: Option<PathBuf>,
    window_days: Option<f64>,
    record: bool,
    chunk_rows: usize,
    sheet: Option<String>,
    progress: Option<Bound<'py, PyAny>>,
    parallel: bool,
    keep_dial: bool,
    hash_clean: bool,
) -> PyResult<CleanSummary> {
    let col = match (column, column_index) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give column or column_index, not both",
            ))
        }
        (Some(n), None) => ColumnSel::Name(n),
        (None, Some(i)) => ColumnSel::Index(i),
        (None, None) => ColumnSel::Auto,
    };
    let delim = delimiter
        .as_deref()
        .map(str::parse::<cio::Delimiter>)
        .transpose()
        .map_err(err)?
        .map(|d| d.0);
    let now = now_unix();
    let opts = CleanOptions {
        column: col,
        scope_column: scope_column.map(ColumnSel::Name),
        has_header,
        delimiter: delim,
        platform: profile(platform, batch_size)?,
        defuse,
        bom,
        chunk_rows: chunk_rows.max(1),
        imported_since: cio::imported_since(window_days, now),
        record_at: record.then_some(now),
        sheet,
        parallel,
        keep_dial,
        hash_clean,
    };
    let mut st = store
        .as_ref()
        .map(|p| ImportStore::open(p))
        .transpose()
        .map_err(err)?;
    let progress = progress.map(|p| p.unbind());
    let mut py_err: Option<PyErr> = None;
    let result = detach_guarded(py, "clean_file", || {
        let mut cb = |done: u64, total: u64, rows: u64| -> bool {
            let Some(p) = progress.as_ref() else {
                return true;
            };
            Python::attach(|py| match p.call1(py, (done, total, rows)) {
                Ok(_) => true,
                Err(e) => {
                    py_err = Some(e);
                    false
                }
            })
        };
        cio::clean_file(
            &CleanPaths {
                input: &input,
                clean: &clean,
                rejects: &rejects,
            },
            &opts,
            &norm.inner,
            blacklist.map(|b| &b.inner),
            st.as_mut(),
            &mut cb,
        )
    })?;
    if let Some(e) = py_err {
        return Err(e);
    }
    let summary = result.map_err(|e| {
        if let CoreError::Decode { .. } = e {
            // a UnicodeDecodeError is what Python users expect for an undecodable file
            let msg = e.to_string();
            return PyUnicodeDecodeError::new_err((
                "gb18030",
                Vec::<u8>::new(),
                0usize,
                1usize,
                msg,
            ));
        }
        err(e)
    })?;
    Ok(CleanSummary(summary))
}

/// Huawei 7.4.8 server-import workbook(s) from a clean CSV; returns the files written.
#[pyfunction]
#[pyo3(signature = (clean_csv, out, *, called_column=None, session_column=None, call_data_column=None, custom_field=None, caller=None, rows_per_file=500000, undefuse=true))]
#[allow(clippy::too_many_arguments)]
fn write_huawei_workbooks(
    py: Python<'_>,
    clean_csv: PathBuf,
    out: PathBuf,
    called_column: Option<String>,
    session_column: Option<String>,
    call_data_column: Option<String>,
    custom_field: Option<String>,
    caller: Option<String>,
    rows_per_file: usize,
    undefuse: bool,
) -> PyResult<Vec<PathBuf>> {
    let opts = HuaweiWorkbook {
        undefuse,
        called_column,
        session_column,
        call_data_column,
        custom_field,
        caller,
        rows_per_file,
    };
    detach_guarded(py, "write_huawei_workbooks", || {
        crate::calllist::xlsx::write_huawei_workbooks(&clean_csv, &out, &opts)
    })?
    .map_err(err)
}

/// One batch of the import's file route as a 7.4.8 workbook at `out` (written durably, renamed
/// into place when complete): `numbers` holds one number per `\n`-terminated line; sessionId is
/// `{session_prefix}{first_row + k}`. Returns the rows written.
#[pyfunction]
#[pyo3(signature = (out, numbers, *, session_prefix, first_row, custom_field=None))]
fn write_huawei_batch(
    py: Python<'_>,
    out: PathBuf,
    numbers: &[u8],
    session_prefix: &str,
    first_row: u64,
    custom_field: Option<&str>,
) -> PyResult<usize> {
    detach_guarded(py, "write_huawei_batch", || {
        crate::calllist::xlsx::write_huawei_batch(
            &out,
            numbers,
            session_prefix,
            first_row,
            custom_field,
        )
    })?
    .map_err(err)
}

/// The `dial` column of a clean CSV, packed: `(lines, offsets, (size, sha256))`, every value
/// followed by `\n` in `lines`, `offsets` the native-endian u64 start of each row's value plus
/// the end, and the size and hex SHA-256 of the bytes read.
#[pyfunction]
fn read_dial_column<'py>(
    py: Python<'py>,
    path: PathBuf,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, (u64, String))> {
    let (column, digest) = detach_guarded(py, "read_dial_column", || {
        crate::calllist::dial_column::read_dial_column(&path)
    })?
    .map_err(err)?;
    let (lines, offsets) = packed_dial(py, &column)?;
    Ok((
        lines,
        offsets,
        (digest.bytes, crate::fsutil::hex(&digest.sha256)),
    ))
}

fn packed_dial<'py>(
    py: Python<'py>,
    column: &crate::calllist::dial_column::DialColumn,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    // the offsets go straight into the bytes object (one pass, no intermediate buffer)
    let offsets = PyBytes::new_with(py, column.offsets.len() * 8, |out| {
        for (slot, o) in out.chunks_exact_mut(8).zip(&column.offsets) {
            slot.copy_from_slice(&o.to_ne_bytes());
        }
        Ok(())
    })?;
    Ok((PyBytes::new(py, &column.lines), offsets))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CalllistError", m.py().get_type::<CalllistError>())?;
    m.add("MissingColumn", m.py().get_type::<MissingColumn>())?;
    m.add_class::<PyNormalizer>()?;
    m.add_class::<PyBlacklist>()?;
    m.add_class::<CleanSummary>()?;
    m.add_function(wrap_pyfunction!(normalize_list, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_probe, m)?)?;
    m.add_function(wrap_pyfunction!(limits, m)?)?;
    m.add_function(wrap_pyfunction!(platform_profiles, m)?)?;
    m.add_function(wrap_pyfunction!(wait_for_removals, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_fixed, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_packed, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_ints, m)?)?;
    m.add_function(wrap_pyfunction!(format_e164, m)?)?;
    m.add_function(wrap_pyfunction!(format_national, m)?)?;
    m.add_function(wrap_pyfunction!(codes, m)?)?;
    m.add_function(wrap_pyfunction!(first_flags, m)?)?;
    m.add_function(wrap_pyfunction!(clean_values, m)?)?;
    m.add_function(wrap_pyfunction!(clean_file, m)?)?;
    m.add_function(wrap_pyfunction!(write_huawei_workbooks, m)?)?;
    m.add_function(wrap_pyfunction!(write_huawei_batch, m)?)?;
    m.add_function(wrap_pyfunction!(read_dial_column, m)?)?;
    Ok(())
}
