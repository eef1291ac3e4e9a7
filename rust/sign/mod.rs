//! Request signing and verification for the platforms' auth schemes (see `shared/notes/auth.md`).
//!
//! * [`auth_v2`]: Huawei CEC AK/SK request signing (CC-CMS, CC-iSales, CC-FS, CC-iKBS).
//! * [`verify`]: the server and callback side of auth-v2.
//! * [`digest`]: SCCC's MD5 digest and ODFS's chatbot checksum.
//! * [`callback`]: Huawei's shared-secret callback signature (double call, voice notification).
//!
//! Nothing here knows about Python; the bindings convert types and errors.

pub mod auth_v2;
pub mod callback;
pub mod digest;
pub mod encode;
pub mod timestamp;
pub mod verify;

use std::fmt;

/// Why a request cannot be signed. Messages name the offending input and never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// `host` is not among the headers to sign (the seed makes it mandatory).
    MissingHost,
    /// An `Authorization` header was passed among the headers to sign.
    AuthorizationSigned,
    /// Two header names differ only in case, e.g. `Host` and `host`.
    DuplicateHeader { first: String, second: String },
    /// A header name that cannot be sent (empty, or with whitespace, `:` or control characters).
    InvalidHeaderName(String),
    /// A header value with CR, LF or NUL, which would split the header on the wire.
    InvalidHeaderValue(String),
    /// The timestamp is neither `yyyy-MM-ddTHH:mm:ssZ` nor `yyyy-MM-ddTHH:mm:ss.SSSZ`.
    InvalidTimestamp(String),
    /// The method is empty or not an HTTP token.
    InvalidMethod(String),
    /// The URI is not a path (it carries a query, a fragment, or a scheme).
    InvalidUri { uri: String, reason: &'static str },
    /// The access key is empty or contains `/`, which would make the Authorization value ambiguous.
    InvalidAccessKey,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::MissingHost => write!(
                f,
                "headers: 'host' is missing; auth-v2 requires the Host header to be signed \
                 (pass the host[:port] exactly as it is sent)"
            ),
            SignError::AuthorizationSigned => {
                write!(f, "headers: 'authorization' must not be among the signed headers")
            }
            SignError::DuplicateHeader { first, second } => write!(
                f,
                "headers: {first:?} and {second:?} are the same header name (names are case-insensitive); pass it once"
            ),
            SignError::InvalidHeaderName(n) => write!(f, "headers: invalid header name {n:?}"),
            SignError::InvalidHeaderValue(n) => write!(
                f,
                "headers: the value of {n:?} contains CR, LF or NUL, which cannot be sent"
            ),
            SignError::InvalidTimestamp(t) => write!(
                f,
                "timestamp: {t:?} is not a UTC auth-v2 timestamp \
                 (expected yyyy-MM-ddTHH:mm:ss.SSSZ or yyyy-MM-ddTHH:mm:ssZ)"
            ),
            SignError::InvalidMethod(m) => write!(f, "method: {m:?} is not an HTTP method"),
            SignError::InvalidUri { uri, reason } => write!(f, "uri: {uri:?} {reason}"),
            SignError::InvalidAccessKey => {
                write!(f, "access_key: must be non-empty and must not contain '/'")
            }
        }
    }
}

impl std::error::Error for SignError {}
