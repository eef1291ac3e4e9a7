//! `callcore._core.sign`: thin wrappers over `crate::sign`.

use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyList, PyString, PyTimeAccess, PyTuple,
};

use super::convert::{for_each_str_pair, type_name, BodyRef, Indexed, StrPairs};
use super::panics::guard;
use crate::sign::auth_v2 as core;
use crate::sign::verify::{self, Received, VerifyError};
use crate::sign::{callback, digest, timestamp, SignError as CoreSignError};

pyo3::create_exception!(
    callcore.sign,
    SignError,
    PyValueError,
    "A request cannot be signed as given; the message names the input."
);
pyo3::create_exception!(
    callcore.sign,
    SignInternalError,
    SignError,
    "A bug in the signing core (a Rust panic) stopped this call; the message names the call."
);
pyo3::create_exception!(
    callcore.sign,
    AuthError,
    PyException,
    "A signed request failed verification."
);
pyo3::create_exception!(
    callcore.sign,
    MalformedAuthorization,
    AuthError,
    "The Authorization value is not a well-formed auth-v2 value."
);
pyo3::create_exception!(
    callcore.sign,
    UnknownAccessKey,
    AuthError,
    "No secret is known for the access key."
);
pyo3::create_exception!(
    callcore.sign,
    ClockSkew,
    AuthError,
    "The request's timestamp is outside the allowed clock-skew window."
);
pyo3::create_exception!(
    callcore.sign,
    UnsignedHost,
    AuthError,
    "The Host header is not among the signed headers."
);
pyo3::create_exception!(
    callcore.sign,
    SignatureMismatch,
    AuthError,
    "The signature does not match the request."
);

/// Above this many body bytes signing releases the GIL; below it, releasing and re-taking the
/// GIL costs about as much as the signature itself (~1 µs), so small requests keep it.
const DETACH_BODY_BYTES: usize = 4096;

fn sign_err(e: CoreSignError) -> PyErr {
    SignError::new_err(e.to_string())
}

fn verify_err(py: Python<'_>, e: VerifyError) -> PyErr {
    let msg = e.to_string();
    match e {
        VerifyError::Malformed(_) => MalformedAuthorization::new_err(msg),
        VerifyError::UnknownAccessKey(_) => UnknownAccessKey::new_err(msg),
        VerifyError::UnsignedHost => UnsignedHost::new_err(msg),
        VerifyError::Mismatch(_) => SignatureMismatch::new_err(msg),
        VerifyError::ClockSkew { skew_ms, .. } => {
            let err = ClockSkew::new_err(msg);
            // the size of the skew, for callers that want to report or correct it
            let _ = err
                .value(py)
                .setattr("skew_seconds", skew_ms as f64 / 1000.0);
            err
        }
    }
}

/// The timestamp to sign with: the caller's string verbatim, or now.
fn timestamp_or_now(ts: Option<&str>, millis: bool) -> String {
    ts.map(str::to_string)
        .unwrap_or_else(|| timestamp::now(millis))
}

/// The timestamp text to sign with: a `str` verbatim, `None` for now, an aware `datetime` in UTC.
fn timestamp_text<'a>(
    ts: Option<&'a Bound<'_, PyAny>>,
    millis: bool,
) -> PyResult<std::borrow::Cow<'a, str>> {
    match ts {
        None => Ok(timestamp::now(millis).into()),
        Some(t) if t.is_none() => Ok(timestamp::now(millis).into()),
        Some(t) => match t.cast::<PyString>() {
            // a str is signed verbatim, read in place
            Ok(s) => Ok(s.to_str()?.into()),
            Err(_) => datetime_text(t, millis).map(Into::into),
        },
    }
}

/// An aware `datetime` as an auth-v2 timestamp in UTC. A naive one is refused: its zone would
/// be a guess, and a guess that is off by eight hours fails every request.
fn datetime_text(when: &Bound<'_, PyAny>, millis: bool) -> PyResult<String> {
    let Ok(dt) = when.cast::<PyDateTime>() else {
        return Err(SignError::new_err(format!(
            "timestamp: expected str, datetime or None, got {}",
            type_name(when)
        )));
    };
    let offset = dt.call_method0("utcoffset")?;
    if offset.is_none() {
        return Err(SignError::new_err(format!(
            "timestamp: naive datetime {}; give it a tzinfo (e.g. timezone.utc)",
            dt.call_method0("isoformat")?.repr()?
        )));
    }
    let offset = offset.cast::<PyDelta>()?;
    let wall = timestamp::WallClock {
        year: dt.get_year(),
        month: dt.get_month(),
        day: dt.get_day(),
        hour: dt.get_hour(),
        minute: dt.get_minute(),
        second: dt.get_second(),
        microsecond: dt.get_microsecond(),
        utc_offset_us: offset.get_days() as i64 * 86_400_000_000
            + offset.get_seconds() as i64 * 1_000_000
            + offset.get_microseconds() as i64,
    };
    Ok(timestamp::format_millis(wall.unix_millis(), millis))
}

#[pyfunction]
#[pyo3(signature = (when, millis=true))]
fn format_datetime(when: &Bound<'_, PyAny>, millis: bool) -> PyResult<String> {
    guard("sign.format_datetime", SignInternalError::new_err, || {
        datetime_text(when, millis)
    })
}

/// Sign a request with Huawei CEC auth-v2 and return the whole ``Authorization`` value:
/// ``auth-v2/{access_key}/{timestamp}/{signed headers}/{signature}``.
///
/// method: HTTP method (sent uppercase). uri: the path as sent, without host or query, e.g.
/// ``/rest/cmsapp/v1/ping``. headers: the headers to sign exactly as they will be sent; ``host``
/// is required (``ip:port`` as in the Host header), ``authorization`` is refused; usually host,
/// content-length and content-type. access_key, secret_key: the AK/SK pair. timestamp: a ``str``
/// is used verbatim, an aware ``datetime`` is formatted in UTC, ``None`` means now. body: the
/// body bytes exactly as sent (``str`` is taken as UTF-8). query: the decoded query parameters.
/// millis: with a datetime or ``None``, include milliseconds (CC-CMS/iSales/FS) or not
/// (CC-iKBS). Raises SignError for an input that cannot be signed (the message names it) and
/// TypeError for a header, query or body of the wrong type.
///
/// This is called straight from Python (``callcore.sign.auth_v2`` is this function): a Python
/// wrapper frame would cost about a tenth of a signature.
#[pyfunction]
#[pyo3(signature = (method, uri, *, headers, access_key, secret_key, timestamp=None, body=None, query=None, millis=true))]
#[allow(clippy::too_many_arguments)]
fn auth_v2(
    py: Python<'_>,
    method: &str,
    uri: &str,
    headers: &Bound<'_, PyAny>,
    access_key: &str,
    secret_key: &str,
    timestamp: Option<&Bound<'_, PyAny>>,
    body: Option<&Bound<'_, PyAny>>,
    query: Option<&Bound<'_, PyAny>>,
    millis: bool,
) -> PyResult<String> {
    guard("sign.auth_v2", SignInternalError::new_err, || {
        let headers = StrPairs::extract(Some(headers), "headers")?;
        let query = StrPairs::extract(query, "query")?;
        let body = BodyRef::extract(body, "body")?;
        let (h, q, b) = (headers.views()?, query.views()?, body.as_bytes()?);
        let ts = timestamp_text(timestamp, millis)?;
        let req = core::Request {
            method,
            uri,
            headers: &h,
            query: &q,
            body: b,
        };
        let run =
            || core::authorization_reusing_signer(&req, access_key, secret_key.as_bytes(), &ts);
        let out = if b.len() >= DETACH_BODY_BYTES {
            py.detach(run)
        } else {
            run()
        };
        out.map_err(sign_err)
    })
}

#[pyfunction]
#[pyo3(signature = (method, uri, headers, body=None, query=None))]
fn canonical_request(
    method: &str,
    uri: &str,
    headers: &Bound<'_, PyAny>,
    body: Option<&Bound<'_, PyAny>>,
    query: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    guard("sign.canonical_request", SignInternalError::new_err, || {
        let headers = StrPairs::extract(Some(headers), "headers")?;
        let query = StrPairs::extract(query, "query")?;
        let body = BodyRef::extract(body, "body")?;
        let (h, q) = (headers.views()?, query.views()?);
        let req = core::Request {
            method,
            uri,
            headers: &h,
            query: &q,
            body: body.as_bytes()?,
        };
        core::canonical_request(&req).map_err(sign_err)
    })
}

/// A span of [`OwnedBatch::text`] or [`OwnedBatch::bodies`].
type Span = (usize, usize);

/// One request of an [`OwnedBatch`]: spans into its arenas, and its header and query pairs as a
/// range of [`OwnedBatch::pairs`].
struct OwnedRequest {
    method: Span,
    uri: Span,
    headers: Span,
    query: Span,
    body: Span,
}

/// A chunk of requests copied out of their Python objects into two arenas (all text in one
/// `String`, all bodies in one buffer): the signing then runs on other threads without the GIL
/// and without holding a reference to any Python object, which another thread could change.
/// Copying a request's ~150 bytes costs less than keeping a reference to each of its strings
/// (a reference per string to take, keep and drop under the GIL, and a `Vec` per request).
#[derive(Default)]
struct OwnedBatch {
    text: String,
    bodies: Vec<u8>,
    /// (name, value) spans of every request's headers, then its query, in turn
    pairs: Vec<(Span, Span)>,
    requests: Vec<OwnedRequest>,
}

impl OwnedBatch {
    fn with_capacity(n: usize) -> OwnedBatch {
        OwnedBatch {
            text: String::with_capacity(n * 160),
            bodies: Vec::with_capacity(n * 64),
            pairs: Vec::with_capacity(n * 4),
            requests: Vec::with_capacity(n),
        }
    }

    fn push_text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        (start, self.text.len())
    }

    /// Copies a `Mapping[str, str]` (or None); returns its range of `pairs`.
    fn push_pairs(&mut self, obj: Option<&Bound<'_, PyAny>>, what: &Indexed<'_>) -> PyResult<Span> {
        let start = self.pairs.len();
        for_each_str_pair(obj, what, |k, v| {
            let (k, v) = (k.to_str()?, v.to_str()?);
            let pair = (self.push_text(k), self.push_text(v));
            self.pairs.push(pair);
            Ok(())
        })?;
        Ok((start, self.pairs.len()))
    }

    /// Copies request `i`, a tuple `(method, uri, headers[, body[, query]])`.
    fn push_request(&mut self, i: usize, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let tuple = obj.cast::<PyTuple>().map_err(|_| {
            PyTypeError::new_err(format!(
                "requests[{i}]: expected a tuple (method, uri, headers[, body[, query]]), got {}",
                type_name(obj)
            ))
        })?;
        let n = tuple.len();
        if !(3..=5).contains(&n) {
            return Err(PyTypeError::new_err(format!(
                "requests[{i}]: expected 3 to 5 items, got {n}"
            )));
        }
        let text = |j: usize, what: &str| -> PyResult<Bound<'_, PyString>> {
            let item = tuple.get_item(j)?;
            item.cast_into::<PyString>().map_err(|e| {
                PyTypeError::new_err(format!(
                    "requests[{i}]: {what} must be a str, got {}",
                    type_name(e.into_inner().as_any())
                ))
            })
        };
        let ctx = |what| Indexed(i, what);
        let method = self.push_text(text(0, "method")?.to_str()?);
        let uri = self.push_text(text(1, "uri")?.to_str()?);
        let headers = self.push_pairs(Some(&tuple.get_item(2)?), &ctx("headers"))?;
        let body = if n > 3 {
            let item = tuple.get_item(3)?;
            let body = BodyRef::extract(Some(&item), &ctx("body"))?;
            let start = self.bodies.len();
            self.bodies.extend_from_slice(body.as_bytes()?);
            (start, self.bodies.len())
        } else {
            (self.bodies.len(), self.bodies.len())
        };
        let query = if n > 4 {
            self.push_pairs(Some(&tuple.get_item(4)?), &ctx("query"))?
        } else {
            (self.pairs.len(), self.pairs.len())
        };
        self.requests.push(OwnedRequest {
            method,
            uri,
            headers,
            query,
            body,
        });
        Ok(())
    }

    /// Signs every request of the chunk on all cores; no Python object is touched.
    fn sign(
        &self,
        access_key: &str,
        secret_key: &[u8],
        timestamp: &str,
    ) -> Result<Vec<Result<String, CoreSignError>>, CoreSignError> {
        let t = |(a, b): Span| &self.text[a..b];
        let pairs: Vec<(&str, &str)> = self.pairs.iter().map(|&(k, v)| (t(k), t(v))).collect();
        let reqs: Vec<core::Request> = self
            .requests
            .iter()
            .map(|r| core::Request {
                method: t(r.method),
                uri: t(r.uri),
                headers: &pairs[r.headers.0..r.headers.1],
                query: &pairs[r.query.0..r.query.1],
                body: &self.bodies[r.body.0..r.body.1],
            })
            .collect();
        core::authorization_many(&reqs, access_key, secret_key, timestamp)
    }
}

/// Requests copied per chunk: the signer threads start on the first chunk while the next is
/// copied, and the GIL is let go between chunks so other Python threads run during the copy too.
const BATCH_CHUNK: usize = 4096;

/// Signs many requests on all cores with the GIL released. Every request shares the key pair and
/// the timestamp; a bad request raises `SignError` naming its index, and nothing is signed.
///
/// The GIL is held only to copy each chunk of requests out of their Python objects and, at the
/// end, to make the result strings: canonicalizing, validating and hashing all run without it,
/// on a signer thread (fanning out on all cores) that works on one chunk while the next is copied.
#[pyfunction]
#[pyo3(signature = (requests, access_key, secret_key, timestamp=None, millis=true))]
fn auth_v2_many<'py>(
    py: Python<'py>,
    requests: &Bound<'py, PyAny>,
    access_key: &str,
    secret_key: &str,
    timestamp: Option<&str>,
    millis: bool,
) -> PyResult<Bound<'py, PyList>> {
    guard("sign.auth_v2_many", SignInternalError::new_err, || {
        let iter = requests.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "requests: expected an iterable of tuples, got {}",
                type_name(requests)
            ))
        })?;
        let hint = requests.len().unwrap_or(0);
        let ts = timestamp_or_now(timestamp, millis);
        // the arguments every request shares are checked first, so that their error is the one raised
        core::Signer::new(access_key, secret_key.as_bytes()).map_err(sign_err)?;
        core::check_timestamp(&ts).map_err(sign_err)?;
        let (ak, sk, ts) = (access_key, secret_key.as_bytes(), ts.as_str());
        let signed = std::thread::scope(|scope| -> PyResult<Vec<Result<String, CoreSignError>>> {
            // two chunks in flight at most: one being signed, one waiting, one being copied
            let (to_signer, chunks) = std::sync::mpsc::sync_channel::<OwnedBatch>(1);
            let signer = scope.spawn(move || {
                let mut all = Vec::with_capacity(hint);
                for chunk in chunks {
                    all.extend(chunk.sign(ak, sk, ts)?);
                }
                Ok::<_, CoreSignError>(all)
            });
            let mut copied: PyResult<()> = Ok(());
            let mut chunk = OwnedBatch::with_capacity(BATCH_CHUNK.min(hint.max(1)));
            for (i, r) in iter.enumerate() {
                if let Err(e) = r.and_then(|r| chunk.push_request(i, &r)) {
                    copied = Err(e);
                    break;
                }
                if chunk.requests.len() == BATCH_CHUNK {
                    let full =
                        std::mem::replace(&mut chunk, OwnedBatch::with_capacity(BATCH_CHUNK));
                    // a send error means the signer stopped on an error: its join below reports it
                    if py.detach(|| to_signer.send(full)).is_err() {
                        break;
                    }
                }
            }
            if copied.is_ok() && !chunk.requests.is_empty() {
                let _ = py.detach(|| to_signer.send(chunk));
            }
            drop(to_signer);
            let result = py.detach(|| signer.join());
            copied?;
            match result {
                Ok(signed) => signed.map_err(sign_err),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })?;
        let mut out = Vec::with_capacity(signed.len());
        for (i, r) in signed.into_iter().enumerate() {
            out.push(r.map_err(|e| SignError::new_err(format!("requests[{i}]: {e}")))?);
        }
        PyList::new(py, out)
    })
}

/// Verifies an auth-v2 request; returns (access_key, timestamp). `secrets` is a mapping or a
/// callable from access key to secret (or None when unknown).
#[pyfunction]
#[pyo3(signature = (authorization, method, uri, headers, secrets, body=None, query=None, now_ms=None, max_skew_ms=None))]
#[allow(clippy::too_many_arguments)]
fn verify_auth_v2(
    py: Python<'_>,
    authorization: &str,
    method: &str,
    uri: &str,
    headers: &Bound<'_, PyAny>,
    secrets: &Bound<'_, PyAny>,
    body: Option<&Bound<'_, PyAny>>,
    query: Option<&Bound<'_, PyAny>>,
    now_ms: Option<i64>,
    max_skew_ms: Option<i64>,
) -> PyResult<(String, String)> {
    guard("sign.verify_auth_v2", SignInternalError::new_err, || {
        let parsed = verify::parse(authorization).map_err(|e| verify_err(py, e))?;
        // Look the secret up here, with the GIL, so the verification itself can run without it.
        let found = if secrets.is_callable() {
            secrets.call1((parsed.access_key,))?
        } else {
            secrets.call_method1("get", (parsed.access_key,))?
        };
        let secret: Option<Vec<u8>> = if found.is_none() {
            None
        } else if let Ok(s) = found.cast::<PyString>() {
            Some(s.to_str()?.as_bytes().to_vec())
        } else {
            Some(
                found
                    .extract::<Vec<u8>>()
                    .map_err(|_| PyTypeError::new_err("secrets: a secret must be str or bytes"))?,
            )
        };
        let headers = StrPairs::extract(Some(headers), "headers")?;
        let query = StrPairs::extract(query, "query")?;
        let body = BodyRef::extract(body, "body")?;
        let (h, q, b) = (headers.views()?, query.views()?, body.as_bytes()?);
        let req = Received {
            method,
            uri,
            headers: &h,
            query: &q,
            body: b,
        };
        let now = now_ms.unwrap_or_else(timestamp::now_millis);
        let run = || verify::verify(authorization, &req, |_| secret, now, max_skew_ms);
        let res = if b.len() >= DETACH_BODY_BYTES {
            py.detach(run)
        } else {
            run()
        };
        let v = res.map_err(|e| verify_err(py, e))?;
        Ok((v.access_key, v.timestamp))
    })
}

#[pyfunction]
fn parse_authorization(
    authorization: &str,
    py: Python<'_>,
) -> PyResult<(String, String, String, String)> {
    guard(
        "sign.parse_authorization",
        SignInternalError::new_err,
        || {
            let p = verify::parse(authorization).map_err(|e| verify_err(py, e))?;
            Ok((
                p.access_key.into(),
                p.timestamp.into(),
                p.signed_headers.into(),
                p.signature.into(),
            ))
        },
    )
}

#[pyfunction]
#[pyo3(signature = (unix_ms, millis=true))]
fn format_timestamp(unix_ms: i64, millis: bool) -> PyResult<String> {
    guard("sign.format_timestamp", SignInternalError::new_err, || {
        Ok(timestamp::format_millis(unix_ms, millis))
    })
}

#[pyfunction]
fn parse_timestamp(ts: &str) -> PyResult<i64> {
    guard("sign.parse_timestamp", SignInternalError::new_err, || {
        timestamp::parse_millis(ts)
            .ok_or_else(|| sign_err(CoreSignError::InvalidTimestamp(ts.to_string())))
    })
}

#[pyfunction]
fn sccc_digest(customer: &str, timestamp: &str, seq: &str, password: &str) -> PyResult<String> {
    guard("sign.sccc_digest", SignInternalError::new_err, || {
        Ok(digest::sccc_digest(customer, timestamp, seq, password))
    })
}

#[pyfunction]
fn sccc_digest_matches(
    customer: &str,
    timestamp: &str,
    seq: &str,
    password: &str,
    digest: &str,
) -> PyResult<bool> {
    guard(
        "sign.sccc_digest_matches",
        SignInternalError::new_err,
        || {
            Ok(digest::sccc_digest_matches(
                customer, timestamp, seq, password, digest,
            ))
        },
    )
}

#[pyfunction]
fn chatbot_checksum(nonce: &str, key: &str) -> PyResult<String> {
    guard("sign.chatbot_checksum", SignInternalError::new_err, || {
        Ok(digest::chatbot_checksum(nonce, key))
    })
}

fn params_views(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[pyfunction]
fn callback_parameter_string(params: Vec<(String, String)>) -> PyResult<String> {
    guard(
        "sign.callback_parameter_string",
        SignInternalError::new_err,
        || Ok(callback::parameter_string(&params_views(&params))),
    )
}

#[pyfunction]
fn callback_signature(
    secret: &str,
    timestamp: &str,
    nonce: &str,
    params: Vec<(String, String)>,
) -> PyResult<String> {
    guard(
        "sign.callback_signature",
        SignInternalError::new_err,
        || {
            Ok(callback::signature(
                secret,
                timestamp,
                nonce,
                &params_views(&params),
            ))
        },
    )
}

#[pyfunction]
fn callback_signature_matches(
    secret: &str,
    timestamp: &str,
    nonce: &str,
    params: Vec<(String, String)>,
    signature: &str,
) -> PyResult<bool> {
    guard(
        "sign.callback_signature_matches",
        SignInternalError::new_err,
        || {
            Ok(callback::matches(
                secret,
                timestamp,
                nonce,
                &params_views(&params),
                signature,
            ))
        },
    )
}

/// Panics on purpose, behind the panic boundary: the tests' only way to prove that a panic in
/// this module reaches Python as `SignInternalError`, not as a `BaseException`.
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    guard("sign._panic_for_test", SignInternalError::new_err, || {
        panic!("deliberate panic for the panic-boundary test")
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    for (name, exc) in [
        ("SignError", py.get_type::<SignError>()),
        ("SignInternalError", py.get_type::<SignInternalError>()),
        ("AuthError", py.get_type::<AuthError>()),
        (
            "MalformedAuthorization",
            py.get_type::<MalformedAuthorization>(),
        ),
        ("UnknownAccessKey", py.get_type::<UnknownAccessKey>()),
        ("ClockSkew", py.get_type::<ClockSkew>()),
        ("UnsignedHost", py.get_type::<UnsignedHost>()),
        ("SignatureMismatch", py.get_type::<SignatureMismatch>()),
    ] {
        m.add(name, exc)?;
    }
    m.add_function(wrap_pyfunction!(auth_v2, m)?)?;
    m.add_function(wrap_pyfunction!(auth_v2_many, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_request, m)?)?;
    m.add_function(wrap_pyfunction!(verify_auth_v2, m)?)?;
    m.add_function(wrap_pyfunction!(parse_authorization, m)?)?;
    m.add_function(wrap_pyfunction!(format_timestamp, m)?)?;
    m.add_function(wrap_pyfunction!(format_datetime, m)?)?;
    m.add_function(wrap_pyfunction!(parse_timestamp, m)?)?;
    m.add_function(wrap_pyfunction!(sccc_digest, m)?)?;
    m.add_function(wrap_pyfunction!(sccc_digest_matches, m)?)?;
    m.add_function(wrap_pyfunction!(chatbot_checksum, m)?)?;
    m.add_function(wrap_pyfunction!(callback_parameter_string, m)?)?;
    m.add_function(wrap_pyfunction!(callback_signature, m)?)?;
    m.add_function(wrap_pyfunction!(callback_signature_matches, m)?)?;
    Ok(())
}
