//! `callcore._core.audio`: thin wrappers over `crate::audio`.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMemoryView};

use super::convert::type_name;
use super::panics::guard;
use crate::audio::{self as core, AudioError, Codec, TranscodeOptions, TranscodeReport};

pyo3::create_exception!(callcore.audio, AudioFormatError, PyValueError, "An input's content cannot be decoded (empty, garbage, unsupported or broken container); the message names the file.");
pyo3::create_exception!(callcore.audio, AudioLimitError, AudioFormatError, "A value an input or argument declares (sample rate, channel count, filter size) is past one of the audio limits; the message names the input, the value and the limit.");
pyo3::create_exception!(
    callcore.audio,
    AudioInternalError,
    AudioFormatError,
    "A bug in the audio core (a Rust panic) stopped this call; the message names the call."
);

/// Below this many bytes/samples the work is cheaper than releasing and re-taking the GIL.
const DETACH_BYTES: usize = 16 * 1024;

fn to_py(e: AudioError) -> PyErr {
    let msg = e.to_string();
    match e {
        AudioError::InvalidOption(_) => PyValueError::new_err(msg),
        AudioError::Empty { .. } | AudioError::Format { .. } => AudioFormatError::new_err(msg),
        AudioError::Limit { .. } => AudioLimitError::new_err(msg),
        AudioError::Cancelled { .. } => pyo3::exceptions::PyKeyboardInterrupt::new_err(msg),
        AudioError::Io { kind, .. } => match kind {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(msg),
            std::io::ErrorKind::AlreadyExists => PyFileExistsError::new_err(msg),
            std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(msg),
            _ => PyOSError::new_err(msg),
        },
    }
}

/// A read-only byte view: `bytes` and a contiguous `memoryview` of `bytes` without a copy;
/// other buffers (`bytearray`, views of them) are copied once, since the GIL is released while
/// the data is read and their owner could change them meanwhile.
enum Data<'py> {
    Bytes(Bound<'py, PyBytes>),
    Shared(PyBuffer<u8>),
    Owned(Vec<u8>),
}

impl<'py> Data<'py> {
    fn extract(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Data::Bytes(b.clone()));
        }
        if !obj.is_instance_of::<PyList>() && !obj.is_instance_of::<pyo3::types::PyString>() {
            let of_bytes = obj.is_instance_of::<PyMemoryView>()
                && obj
                    .getattr("obj")
                    .is_ok_and(|o| o.is_exact_instance_of::<PyBytes>());
            if of_bytes {
                if let Ok(buf) = PyBuffer::<u8>::get(obj) {
                    if buf.is_c_contiguous() {
                        return Ok(Data::Shared(buf));
                    }
                }
            }
            if let Ok(v) = obj.extract::<Vec<u8>>() {
                return Ok(Data::Owned(v));
            }
        }
        Err(PyTypeError::new_err(format!(
            "{what}: expected bytes, bytearray or memoryview, got {}",
            type_name(obj)
        )))
    }
    fn as_slice(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b.as_bytes(),
            // SAFETY: a C-contiguous view of `len_bytes` bytes into an immutable `bytes`, kept
            // alive by the buffer export as long as `buf` is held
            Data::Shared(buf) => unsafe {
                std::slice::from_raw_parts(buf.buf_ptr() as *const u8, buf.len_bytes())
            },
            Data::Owned(v) => v,
        }
    }
}

/// A limit error for in-memory data: the call stands in for the file name.
fn limit_err(call: &str, l: core::limits::LimitExceeded) -> PyErr {
    AudioLimitError::new_err(format!("{call}: {l}"))
}

/// Panics on purpose, behind the panic boundary: the tests' only way to prove that a panic in
/// this module reaches Python as `AudioInternalError`, not as a `BaseException`.
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    guard("audio._panic_for_test", AudioInternalError::new_err, || {
        panic!("deliberate panic for the panic-boundary test")
    })
}

/// int16 samples as a slice: a contiguous array is read in place, any other is copied once.
fn samples<'a>(pcm: &'a PyReadonlyArray1<'_, i16>) -> Cow<'a, [i16]> {
    match pcm.as_slice() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(pcm.as_array().to_vec()),
    }
}

#[pyfunction]
#[pyo3(signature = (data, codec, variant="dialogic"))]
fn decode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    codec: &str,
    variant: &str,
) -> PyResult<Bound<'py, PyArray1<i16>>> {
    guard("audio.decode", AudioInternalError::new_err, || {
        let codec: Codec = codec.parse().map_err(to_py)?;
        let v: core::Variant = variant.parse().map_err(to_py)?;
        let d = Data::extract(data, "data")?;
        let b = d.as_slice();
        let n = match codec {
            Codec::Vox => b.len() * 2,
            Codec::Alaw | Codec::Ulaw => b.len(),
        };
        // Decode straight into an array numpy allocates once: numpy backs large arrays with huge
        // pages (madvise), so first-touch page faults cost ~4 ms per hour of audio instead of the
        // ~30 ms of a fresh 4 KiB-paged Vec, and there is no copy.
        let arr = PyArray1::<i16>::zeros(py, n, false);
        {
            let mut rw = arr.readwrite();
            let out = rw
                .as_slice_mut()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            let mut fill = move || match codec {
                Codec::Vox => core::vox::VoxDecoder::new(v).decode_into(b, out),
                Codec::Alaw => core::g711::decode_into(b, core::Law::Alaw, out),
                Codec::Ulaw => core::g711::decode_into(b, core::Law::Ulaw, out),
            };
            if b.len() >= DETACH_BYTES {
                py.detach(fill);
            } else {
                fill();
            }
        }
        Ok(arr)
    })
}

#[pyfunction]
#[pyo3(signature = (pcm, codec, variant="dialogic"))]
fn encode<'py>(
    py: Python<'py>,
    pcm: PyReadonlyArray1<'py, i16>,
    codec: &str,
    variant: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    guard("audio.encode", AudioInternalError::new_err, || {
        let codec: Codec = codec.parse().map_err(to_py)?;
        let v: core::Variant = variant.parse().map_err(to_py)?;
        let x = samples(&pcm);
        let x: &[i16] = &x;
        let n = match codec {
            Codec::Vox => x.len().div_ceil(2),
            _ => x.len(),
        };
        let fill = |buf: &mut [u8]| match codec {
            Codec::Vox => core::vox::VoxEncoder::encode_to_slice(v, x, buf),
            Codec::Alaw => core::g711::encode_to_slice(x, core::Law::Alaw, buf),
            Codec::Ulaw => core::g711::encode_to_slice(x, core::Law::Ulaw, buf),
        };
        PyBytes::new_with(py, n, |buf| {
            if x.len() >= DETACH_BYTES {
                py.detach(|| fill(buf));
            } else {
                fill(buf);
            }
            Ok(())
        })
    })
}

#[pyfunction]
#[pyo3(signature = (pcm, f_in, f_out))]
fn resample<'py>(
    py: Python<'py>,
    pcm: PyReadonlyArray1<'py, i16>,
    f_in: u32,
    f_out: u32,
) -> PyResult<Bound<'py, PyArray1<i16>>> {
    guard("audio.resample", AudioInternalError::new_err, || {
        // the filter's size is checked before it is built: 1 -> 4,294,967,295 Hz once aborted
        core::resample::check(f_in, f_out).map_err(|l| limit_err("resample", l))?;
        let x = samples(&pcm);
        let y = py
            .detach(|| core::resample::resample(&x, f_in, f_out))
            .map_err(|l| limit_err("resample", l))?;
        Ok(PyArray1::from_vec(py, y))
    })
}

#[pyfunction]
#[pyo3(signature = (f_in, f_out, freqs))]
fn resampler_response(
    py: Python<'_>,
    f_in: u32,
    f_out: u32,
    freqs: Vec<f64>,
) -> PyResult<(Vec<f64>, usize, usize, usize)> {
    guard(
        "audio.resampler_response",
        AudioInternalError::new_err,
        || {
            let (h, l, m) = py
                .detach(|| core::resample::design(f_in, f_out))
                .map_err(|e| limit_err("resampler_response", e))?;
            Ok(py.detach(|| {
                let r = freqs
                    .iter()
                    .map(|&f| core::resample::response(&h, l, f_in, f))
                    .collect();
                (r, l, m, h.len())
            }))
        },
    )
}

#[pyfunction]
#[pyo3(signature = (pcm, sample_rate=8000, channels=1, format="pcm16"))]
fn wav_bytes<'py>(
    py: Python<'py>,
    pcm: PyReadonlyArray1<'py, i16>,
    sample_rate: u32,
    channels: u16,
    format: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    guard("audio.wav_bytes", AudioInternalError::new_err, || {
        let fmt: core::wav::WavFormat = format.parse().map_err(PyValueError::new_err)?;
        core::limits::sample_rate("sample_rate", sample_rate)
            .and_then(|_| core::limits::channels("channels", channels))
            .map_err(|l| limit_err("wav_bytes", l))?;
        let x = samples(&pcm);
        if x.len() % channels as usize != 0 {
            return Err(PyValueError::new_err(format!(
                "{} samples are not a whole number of {channels}-channel frames",
                x.len()
            )));
        }
        let b = py
            .detach(|| core::wav::to_bytes(&x, fmt, channels, sample_rate))
            .map_err(|e| PyValueError::new_err(format!("wav_bytes: {e}")))?;
        Ok(PyBytes::new(py, &b))
    })
}

/// (samples, rate, channels, codec, notes)
type WavRead<'py> = (Bound<'py, PyArray1<i16>>, u32, u16, String, Vec<String>);

#[pyfunction]
#[pyo3(signature = (data, variant="dialogic"))]
fn read_wav<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    variant: &str,
) -> PyResult<WavRead<'py>> {
    guard("audio.read_wav", AudioInternalError::new_err, || {
        let v: core::Variant = variant.parse().map_err(to_py)?;
        let d = Data::extract(data, "data")?;
        let b = d.as_slice();
        let (pcm, info) = py.detach(|| core::wav::decode(b, v)).map_err(|e| match e {
            core::wav::WavError::Format(r) => AudioFormatError::new_err(format!("WAV: {r}")),
            core::wav::WavError::Limit(l) => limit_err("read_wav", l),
        })?;
        let codec = format!("{:?}", info.codec).to_ascii_lowercase();
        Ok((
            PyArray1::from_vec(py, pcm),
            info.sample_rate,
            info.channels,
            codec,
            info.notes,
        ))
    })
}

#[pyfunction]
#[pyo3(signature = (pcm, sample_rate=8000, channels=1, bitrate=16, quality=7))]
fn mp3_bytes<'py>(
    py: Python<'py>,
    pcm: PyReadonlyArray1<'py, i16>,
    sample_rate: u32,
    channels: u16,
    bitrate: u32,
    quality: u8,
) -> PyResult<Bound<'py, PyBytes>> {
    guard("audio.mp3_bytes", AudioInternalError::new_err, || {
        let x = samples(&pcm);
        let b = py
            .detach(|| core::mp3::encode(&x, channels, sample_rate, bitrate, quality))
            .map_err(PyValueError::new_err)?;
        Ok(PyBytes::new(py, &b))
    })
}

#[pyfunction]
#[pyo3(signature = (data, rate=8000))]
fn detect<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    rate: u32,
) -> PyResult<Bound<'py, PyDict>> {
    guard("audio.detect", AudioInternalError::new_err, || {
        let d = Data::extract(data, "data")?;
        let b = d.as_slice();
        let (container, raw, variant) = py.detach(|| {
            let c = core::detect::sniff(b);
            (
                c,
                core::detect::guess_raw_codec(b),
                core::detect::guess_variant(b, rate),
            )
        });
        let out = PyDict::new(py);
        out.set_item("container", format!("{container:?}").to_ascii_lowercase())?;
        out.set_item("raw_codec", format!("{:?}", raw.0).to_ascii_lowercase())?;
        out.set_item("vox_clipped", raw.1)?;
        out.set_item("variant", variant.variant.name())?;
        let scores = PyDict::new(py);
        for (v, s) in &variant.scores {
            let d = PyDict::new(py);
            d.set_item("dc", s.dc)?;
            d.set_item("drift", s.drift)?;
            d.set_item("clipped", s.clipped)?;
            d.set_item("score", s.score())?;
            scores.set_item(v.name(), d)?;
        }
        out.set_item("scores", scores)?;
        Ok(out)
    })
}

/// The options of `transcode`, `merge` and `transcode_many`, extracted once from the mapping
/// `callcore.audio` builds (one key per field); option strings are parsed by the core.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct TranscodeArgs {
    source: String,
    to: String,
    variant: String,
    rate: Option<u32>,
    bitrate: u32,
    quality: u8,
    dc_block: bool,
    overwrite: bool,
    auto_vox_rate: u32,
    mono: Option<bool>,
    hash: bool,
}

impl TranscodeArgs {
    fn options(&self) -> PyResult<TranscodeOptions> {
        let o = TranscodeOptions {
            source: self.source.parse().map_err(to_py)?,
            variant: self.variant.parse().map_err(to_py)?,
            to: self.to.parse().map_err(to_py)?,
            mono: self.mono,
            rate: self.rate,
            bitrate: self.bitrate,
            quality: self.quality,
            dc_block: self.dc_block,
            overwrite: self.overwrite,
            auto_vox_rate: self.auto_vox_rate,
            hash: self.hash,
        };
        o.validate().map_err(to_py)?;
        Ok(o)
    }
}

/// The outcome of one file: ``ok`` with what was done, or the error and its reason.
#[pyclass(frozen, eq, module = "callcore.audio", name = "TranscodeResult")]
#[derive(Clone, PartialEq)]
struct TranscodeResult {
    #[pyo3(get)]
    src: String,
    #[pyo3(get)]
    dst: String,
    #[pyo3(get)]
    ok: bool,
    /// "done", "skipped" or "error"
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    error: Option<String>,
    /// "io", "empty", "format", "limit", "invalid-option", "cancelled"
    #[pyo3(get)]
    error_kind: Option<String>,
    #[pyo3(get)]
    input: String,
    #[pyo3(get)]
    variant: Option<String>,
    #[pyo3(get)]
    channels: u16,
    #[pyo3(get)]
    in_rate: u32,
    #[pyo3(get)]
    out_rate: u32,
    #[pyo3(get)]
    frames: u64,
    #[pyo3(get)]
    seconds: f64,
    #[pyo3(get)]
    input_bytes: u64,
    /// the output file's size (also when skipped)
    #[pyo3(get)]
    output_bytes: u64,
    /// written by this call: 0 when skipped or failed
    #[pyo3(get)]
    bytes_written: u64,
    /// lowercase hex of the output file, hashed as it was written; None when nothing was written
    #[pyo3(get)]
    sha256: Option<String>,
    #[pyo3(get)]
    notes: Vec<String>,
}

impl TranscodeResult {
    fn done(r: &TranscodeReport) -> Self {
        TranscodeResult {
            src: r.src.clone(),
            dst: r.dst.display().to_string(),
            ok: true,
            status: match r.status {
                core::Status::Done => "done",
                core::Status::Skipped => "skipped",
            }
            .into(),
            error: None,
            error_kind: None,
            input: r.input.clone(),
            variant: r.variant.map(|v| v.name().to_string()),
            channels: r.channels,
            in_rate: r.in_rate,
            out_rate: r.out_rate,
            frames: r.frames,
            seconds: r.seconds(),
            input_bytes: r.input_bytes,
            output_bytes: r.output_bytes,
            bytes_written: r.bytes_written,
            sha256: r.sha256.map(|h| crate::fsutil::hex(&h)),
            notes: r.notes.clone(),
        }
    }

    fn failed(src: &std::path::Path, dst: &std::path::Path, e: &AudioError) -> Self {
        TranscodeResult {
            src: src.display().to_string(),
            dst: dst.display().to_string(),
            ok: false,
            status: "error".into(),
            error: Some(e.to_string()),
            error_kind: Some(e.kind().to_string()),
            ..Self::new(String::new(), String::new(), false, String::new())
        }
    }

    /// (name, value) of every field, in declaration order, for `__repr__`.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        Ok(vec![
            ("src", self.src.clone().into_pyobject(py)?.into_any()),
            ("dst", self.dst.clone().into_pyobject(py)?.into_any()),
            ("ok", self.ok.into_pyobject(py)?.to_owned().into_any()),
            ("status", self.status.clone().into_pyobject(py)?.into_any()),
            ("error", self.error.clone().into_pyobject(py)?.into_any()),
            (
                "error_kind",
                self.error_kind.clone().into_pyobject(py)?.into_any(),
            ),
            ("input", self.input.clone().into_pyobject(py)?.into_any()),
            (
                "variant",
                self.variant.clone().into_pyobject(py)?.into_any(),
            ),
            ("channels", self.channels.into_pyobject(py)?.into_any()),
            ("in_rate", self.in_rate.into_pyobject(py)?.into_any()),
            ("out_rate", self.out_rate.into_pyobject(py)?.into_any()),
            ("frames", self.frames.into_pyobject(py)?.into_any()),
            ("seconds", self.seconds.into_pyobject(py)?.into_any()),
            (
                "input_bytes",
                self.input_bytes.into_pyobject(py)?.into_any(),
            ),
            (
                "output_bytes",
                self.output_bytes.into_pyobject(py)?.into_any(),
            ),
            (
                "bytes_written",
                self.bytes_written.into_pyobject(py)?.into_any(),
            ),
            ("sha256", self.sha256.clone().into_pyobject(py)?.into_any()),
            ("notes", self.notes.clone().into_pyobject(py)?.into_any()),
        ])
    }
}

#[pymethods]
impl TranscodeResult {
    #[new]
    #[pyo3(signature = (src, dst, ok, status, error=None, error_kind=None, input=String::new(), variant=None, channels=0, in_rate=0, out_rate=0, frames=0, seconds=0.0, input_bytes=0, output_bytes=0, bytes_written=0, sha256=None, notes=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        src: String,
        dst: String,
        ok: bool,
        status: String,
        error: Option<String>,
        error_kind: Option<String>,
        input: String,
        variant: Option<String>,
        channels: u16,
        in_rate: u32,
        out_rate: u32,
        frames: u64,
        seconds: f64,
        input_bytes: u64,
        output_bytes: u64,
        bytes_written: u64,
        sha256: Option<String>,
        notes: Option<Vec<String>>,
    ) -> Self {
        TranscodeResult {
            src,
            dst,
            ok,
            status,
            error,
            error_kind,
            input,
            variant,
            channels,
            in_rate,
            out_rate,
            frames,
            seconds,
            input_bytes,
            output_bytes,
            bytes_written,
            sha256,
            notes: notes.unwrap_or_default(),
        }
    }

    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str, &'static str) {
        ("src", "dst", "ok", "status")
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            &self.src,
            &self.dst,
            self.ok,
            &self.status,
            &self.error,
            &self.error_kind,
        )
            .hash(&mut h);
        (
            &self.input,
            &self.variant,
            self.channels,
            self.in_rate,
            self.out_rate,
        )
            .hash(&mut h);
        (
            self.frames,
            self.seconds.to_bits(),
            self.input_bytes,
            self.output_bytes,
        )
            .hash(&mut h);
        (self.bytes_written, &self.sha256, &self.notes).hash(&mut h);
        h.finish()
    }

    /// The fields as a new dict (as `vars(result)` gave for the plain class this replaces; the
    /// CLI prints it as JSON).
    #[getter(__dict__)]
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, value) in self.fields(py)? {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for (name, value) in self.fields(py)? {
            parts.push(format!("{name}={}", value.repr()?));
        }
        Ok(format!("TranscodeResult({})", parts.join(", ")))
    }
}

impl TranscodeResult {
    fn new(src: String, dst: String, ok: bool, status: String) -> Self {
        Self::py_new(
            src,
            dst,
            ok,
            status,
            None,
            None,
            String::new(),
            None,
            0,
            0,
            0,
            0,
            0.0,
            0,
            0,
            0,
            None,
            None,
        )
    }
}

#[pyfunction]
fn transcode(
    py: Python<'_>,
    src: PathBuf,
    dst: PathBuf,
    options: TranscodeArgs,
) -> PyResult<TranscodeResult> {
    guard("audio.transcode", AudioInternalError::new_err, || {
        let o = options.options()?;
        let r = py
            .detach(|| core::transcode(&src, &dst, &o))
            .map_err(to_py)?;
        Ok(TranscodeResult::done(&r))
    })
}

#[pyfunction]
fn merge(
    py: Python<'_>,
    srcs: Vec<PathBuf>,
    dst: PathBuf,
    mode: &str,
    options: TranscodeArgs,
) -> PyResult<TranscodeResult> {
    guard("audio.merge", AudioInternalError::new_err, || {
        let o = options.options()?;
        let mode: core::MergeMode = mode.parse().map_err(to_py)?;
        let r = py
            .detach(|| core::merge(&srcs, &dst, mode, &o))
            .map_err(to_py)?;
        Ok(TranscodeResult::done(&r))
    })
}

#[pyfunction]
#[pyo3(signature = (jobs, options, threads=0, progress=None))]
fn transcode_many(
    py: Python<'_>,
    jobs: Vec<(PathBuf, PathBuf)>,
    options: TranscodeArgs,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<TranscodeResult>> {
    guard("audio.transcode_many", AudioInternalError::new_err, || {
        let o = options.options()?;
        let cancel = AtomicBool::new(false);
        let interrupt: Mutex<Option<PyErr>> = Mutex::new(None);
        let on_done = |i: usize, r: &Result<TranscodeReport, AudioError>| {
            Python::attach(|py| {
                // Ctrl-C: stop starting new files, let those in flight finish, then raise
                if let Err(e) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    interrupt
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
                if let Some(cb) = &progress {
                    if let Err(e) = cb.call1(py, (i, r.is_ok())) {
                        e.write_unraisable(py, Some(cb.bind(py)));
                    }
                }
            });
        };
        let results = py
            .detach(|| core::transcode_many(&jobs, &o, threads, &cancel, on_done))
            .map_err(to_py)?;
        if let Some(e) = interrupt.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        Ok(jobs
            .iter()
            .zip(results)
            .map(|((src, dst), r)| match r {
                Ok(rep) => TranscodeResult::done(&rep),
                Err(e) => TranscodeResult::failed(src, dst, &e),
            })
            .collect())
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AudioFormatError", py.get_type::<AudioFormatError>())?;
    m.add("AudioLimitError", py.get_type::<AudioLimitError>())?;
    m.add("AudioInternalError", py.get_type::<AudioInternalError>())?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    m.add("MIN_SAMPLE_RATE", core::limits::MIN_SAMPLE_RATE)?;
    m.add("MAX_SAMPLE_RATE", core::limits::MAX_SAMPLE_RATE)?;
    m.add("MAX_CHANNELS", core::limits::MAX_CHANNELS)?;
    m.add("MAX_RESAMPLER_TAPS", core::limits::MAX_RESAMPLER_TAPS)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(resample, m)?)?;
    m.add_function(wrap_pyfunction!(resampler_response, m)?)?;
    m.add_function(wrap_pyfunction!(wav_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(read_wav, m)?)?;
    m.add_function(wrap_pyfunction!(mp3_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(detect, m)?)?;
    m.add_class::<TranscodeResult>()?;
    m.add_function(wrap_pyfunction!(transcode, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(transcode_many, m)?)?;
    m.add("MP3_RATES", core::mp3::MP3_RATES.to_vec())?;
    Ok(())
}
