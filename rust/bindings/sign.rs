//! `callcore._core.sign`: thin wrappers over `crate::sign`.

use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

use super::convert::{type_name, BodyRef, StrPairs};
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

/// The timestamp text to sign with: a `str` verbatim, `None` for now, anything else (an aware
/// `datetime`) through `callcore.sign.format_timestamp`, which formats it in UTC or says why not.
fn timestamp_text(ts: Option<&Bound<'_, PyAny>>, millis: bool) -> PyResult<String> {
    match ts {
        None => Ok(timestamp::now(millis)),
        Some(t) if t.is_none() => Ok(timestamp::now(millis)),
        Some(t) => match t.cast::<PyString>() {
            Ok(s) => Ok(s.to_str()?.to_string()),
            Err(_) => {
                let kwargs = pyo3::types::PyDict::new(t.py());
                kwargs.set_item("millis", millis)?;
                t.py()
                    .import("callcore.sign")?
                    .getattr("format_timestamp")?
                    .call((t,), Some(&kwargs))?
                    .extract()
            }
        },
    }
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

/// One request of a batch, its Python objects kept alive for the borrowed views.
struct BatchItem<'py> {
    method: Bound<'py, PyString>,
    uri: Bound<'py, PyString>,
    headers: StrPairs<'py>,
    body: BodyRef<'py>,
    query: StrPairs<'py>,
}

fn batch_item<'py>(i: usize, obj: &Bound<'py, PyAny>) -> PyResult<BatchItem<'py>> {
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
    let s = |j: usize, what: &str| -> PyResult<Bound<'py, PyString>> {
        let item = tuple.get_item(j)?;
        item.cast_into::<PyString>().map_err(|e| {
            PyTypeError::new_err(format!(
                "requests[{i}]: {what} must be a str, got {}",
                type_name(e.into_inner().as_any())
            ))
        })
    };
    let ctx = |what: &str| format!("requests[{i}]: {what}");
    let body = if n > 3 {
        Some(tuple.get_item(3)?)
    } else {
        None
    };
    let query = if n > 4 {
        Some(tuple.get_item(4)?)
    } else {
        None
    };
    Ok(BatchItem {
        method: s(0, "method")?,
        uri: s(1, "uri")?,
        headers: StrPairs::extract(Some(&tuple.get_item(2)?), &ctx("headers"))?,
        body: BodyRef::extract(body.as_ref(), &ctx("body"))?,
        query: StrPairs::extract(query.as_ref(), &ctx("query"))?,
    })
}

/// Signs many requests on all cores with the GIL released. Every request shares the key pair and
/// the timestamp; a bad request raises `SignError` naming its index, and nothing is signed.
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
        let items: Vec<BatchItem> = requests
            .try_iter()
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "requests: expected an iterable of tuples, got {}",
                    type_name(requests)
                ))
            })?
            .enumerate()
            .map(|(i, r)| batch_item(i, &r?))
            .collect::<PyResult<_>>()?;
        let mut views: Vec<(Vec<(&str, &str)>, Vec<(&str, &str)>)> =
            Vec::with_capacity(items.len());
        for it in &items {
            views.push((it.headers.views()?, it.query.views()?));
        }
        let mut reqs = Vec::with_capacity(items.len());
        for (it, (h, q)) in items.iter().zip(&views) {
            reqs.push(core::Request {
                method: it.method.to_str()?,
                uri: it.uri.to_str()?,
                headers: h,
                query: q,
                body: it.body.as_bytes()?,
            });
        }
        let ts = timestamp_or_now(timestamp, millis);
        let signed = py
            .detach(|| core::authorization_many(&reqs, access_key, secret_key.as_bytes(), &ts))
            .map_err(sign_err)?;
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
    m.add_function(wrap_pyfunction!(parse_timestamp, m)?)?;
    m.add_function(wrap_pyfunction!(sccc_digest, m)?)?;
    m.add_function(wrap_pyfunction!(sccc_digest_matches, m)?)?;
    m.add_function(wrap_pyfunction!(chatbot_checksum, m)?)?;
    m.add_function(wrap_pyfunction!(callback_parameter_string, m)?)?;
    m.add_function(wrap_pyfunction!(callback_signature, m)?)?;
    m.add_function(wrap_pyfunction!(callback_signature_matches, m)?)?;
    Ok(())
}
