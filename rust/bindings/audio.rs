//! `callcore._core.audio`: thin wrappers over `crate::audio`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

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

/// A read-only byte view: `bytes` without a copy, other buffers copied once.
enum Data<'py> {
    Bytes(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl<'py> Data<'py> {
    fn extract(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Data::Bytes(b.clone()));
        }
        if !obj.is_instance_of::<PyList>() && !obj.is_instance_of::<pyo3::types::PyString>() {
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

fn variant_of(v: &str) -> PyResult<core::Variant> {
    core::parse_variant(v).map_err(to_py)
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
        let codec = Codec::parse(codec).map_err(to_py)?;
        let v = variant_of(variant)?;
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
        let codec = Codec::parse(codec).map_err(to_py)?;
        let v = variant_of(variant)?;
        let owned;
        let x: &[i16] = match pcm.as_slice() {
            Ok(s) => s,
            Err(_) => {
                owned = pcm.as_array().to_vec();
                &owned
            }
        };
        let n = match codec {
            Codec::Vox => x.len().div_ceil(2),
            _ => x.len(),
        };
        let fill = |buf: &mut [u8]| match codec {
            Codec::Vox => core::vox::VoxEncoder::encode_to_slice(v, x, buf),
            Codec::Alaw => {
                for (o, &s) in buf.iter_mut().zip(x) {
                    *o = core::g711::linear_to_alaw(s);
                }
            }
            Codec::Ulaw => {
                for (o, &s) in buf.iter_mut().zip(x) {
                    *o = core::g711::linear_to_ulaw(s);
                }
            }
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
        let x = pcm.as_array().to_vec();
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
        let fmt = match format.to_ascii_lowercase().as_str() {
            "pcm16" | "pcm" => core::wav::WavFormat::Pcm16,
            "alaw" => core::wav::WavFormat::Alaw,
            "ulaw" => core::wav::WavFormat::Ulaw,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "format {format:?} is not one of 'pcm16', 'alaw', 'ulaw'"
                )))
            }
        };
        core::limits::sample_rate("sample_rate", sample_rate)
            .and_then(|_| core::limits::channels("channels", channels))
            .map_err(|l| limit_err("wav_bytes", l))?;
        let x = pcm.as_array().to_vec();
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
        let v = variant_of(variant)?;
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
        let x = pcm.as_array().to_vec();
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

#[allow(clippy::too_many_arguments)]
fn options(
    source: &str,
    to: &str,
    variant: &str,
    rate: Option<u32>,
    bitrate: u32,
    quality: u8,
    dc_block: bool,
    overwrite: bool,
    auto_vox_rate: u32,
    mono: Option<bool>,
) -> PyResult<TranscodeOptions> {
    let to = core::OutputFormat::parse(to).map_err(to_py)?;
    // the platform's prompt profile (A-law/µ-law WAV) is mono unless asked otherwise
    let mono = mono.unwrap_or(matches!(
        to,
        core::OutputFormat::WavAlaw | core::OutputFormat::WavUlaw
    ));
    let o = TranscodeOptions {
        source: core::SourceKind::parse(source).map_err(to_py)?,
        variant: core::VariantChoice::parse(variant).map_err(to_py)?,
        to,
        mono,
        rate,
        bitrate,
        quality,
        dc_block,
        overwrite,
        auto_vox_rate,
    };
    o.validate().map_err(to_py)?;
    Ok(o)
}

fn report_dict<'py>(py: Python<'py>, r: &TranscodeReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ok", true)?;
    d.set_item("src", &r.src)?;
    d.set_item("dst", r.dst.display().to_string())?;
    d.set_item(
        "status",
        if r.status == core::Status::Done {
            "done"
        } else {
            "skipped"
        },
    )?;
    d.set_item("input", &r.input)?;
    d.set_item("variant", r.variant.map(|v| v.name()))?;
    d.set_item("channels", r.channels)?;
    d.set_item("in_rate", r.in_rate)?;
    d.set_item("out_rate", r.out_rate)?;
    d.set_item("frames", r.frames)?;
    d.set_item("seconds", r.seconds())?;
    d.set_item("input_bytes", r.input_bytes)?;
    d.set_item("output_bytes", r.output_bytes)?;
    d.set_item("bytes_written", r.bytes_written)?;
    d.set_item("sha256", r.sha256.map(|h| crate::fsutil::hex(&h)))?;
    d.set_item("notes", r.notes.clone())?;
    d.set_item("error", py.None())?;
    d.set_item("error_kind", py.None())?;
    Ok(d)
}

fn error_dict<'py>(
    py: Python<'py>,
    src: &str,
    dst: &str,
    e: &AudioError,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ok", false)?;
    d.set_item("src", src)?;
    d.set_item("dst", dst)?;
    d.set_item("status", "error")?;
    d.set_item("error", e.to_string())?;
    d.set_item("error_kind", e.kind())?;
    Ok(d)
}

#[pyfunction]
#[pyo3(signature = (src, dst, source="auto", to="wav", variant="dialogic", rate=None, bitrate=16, quality=7, dc_block=false, overwrite=false, auto_vox_rate=8000, mono=None))]
#[allow(clippy::too_many_arguments)]
fn transcode<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    source: &str,
    to: &str,
    variant: &str,
    rate: Option<u32>,
    bitrate: u32,
    quality: u8,
    dc_block: bool,
    overwrite: bool,
    auto_vox_rate: u32,
    mono: Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    guard("audio.transcode", AudioInternalError::new_err, || {
        let o = options(
            source,
            to,
            variant,
            rate,
            bitrate,
            quality,
            dc_block,
            overwrite,
            auto_vox_rate,
            mono,
        )?;
        let r = py
            .detach(|| core::transcode(&src, &dst, &o))
            .map_err(to_py)?;
        report_dict(py, &r)
    })
}

#[pyfunction]
#[pyo3(signature = (srcs, dst, mode="channels", source="auto", to="wav", variant="dialogic", rate=None, bitrate=16, quality=7, dc_block=false, overwrite=false, auto_vox_rate=8000, mono=None))]
#[allow(clippy::too_many_arguments)]
fn merge<'py>(
    py: Python<'py>,
    srcs: Vec<PathBuf>,
    dst: PathBuf,
    mode: &str,
    source: &str,
    to: &str,
    variant: &str,
    rate: Option<u32>,
    bitrate: u32,
    quality: u8,
    dc_block: bool,
    overwrite: bool,
    auto_vox_rate: u32,
    mono: Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    guard("audio.merge", AudioInternalError::new_err, || {
        let o = options(
            source,
            to,
            variant,
            rate,
            bitrate,
            quality,
            dc_block,
            overwrite,
            auto_vox_rate,
            mono,
        )?;
        let mode = match mode {
            "channels" => core::MergeMode::Channels,
            "mix" => core::MergeMode::Mix,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "mode {mode:?} is not 'channels' or 'mix'"
                )))
            }
        };
        let r = py
            .detach(|| core::merge(&srcs, &dst, mode, &o))
            .map_err(to_py)?;
        report_dict(py, &r)
    })
}

#[pyfunction]
#[pyo3(signature = (jobs, source="auto", to="wav", variant="dialogic", rate=None, bitrate=16, quality=7, dc_block=false, overwrite=false, auto_vox_rate=8000, mono=None, threads=0, progress=None))]
#[allow(clippy::too_many_arguments)]
fn transcode_many<'py>(
    py: Python<'py>,
    jobs: Vec<(PathBuf, PathBuf)>,
    source: &str,
    to: &str,
    variant: &str,
    rate: Option<u32>,
    bitrate: u32,
    quality: u8,
    dc_block: bool,
    overwrite: bool,
    auto_vox_rate: u32,
    mono: Option<bool>,
    threads: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    guard("audio.transcode_many", AudioInternalError::new_err, || {
        let o = options(
            source,
            to,
            variant,
            rate,
            bitrate,
            quality,
            dc_block,
            overwrite,
            auto_vox_rate,
            mono,
        )?;
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
        let out = PyList::empty(py);
        for ((src, dst), r) in jobs.iter().zip(results) {
            match r {
                Ok(rep) => out.append(report_dict(py, &rep)?)?,
                Err(e) => out.append(error_dict(
                    py,
                    &src.display().to_string(),
                    &dst.display().to_string(),
                    &e,
                )?)?,
            }
        }
        Ok(out)
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
    m.add_function(wrap_pyfunction!(transcode, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(transcode_many, m)?)?;
    m.add("MP3_RATES", core::mp3::MP3_RATES.to_vec())?;
    Ok(())
}
