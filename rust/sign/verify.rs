//! The receiving side of auth-v2: servers, and customers receiving CC-FS callbacks (which CC-FS
//! signs with auth-v2, seed 001:65165). Parse the Authorization value, look the secret up by access
//! key, check the clock skew, recompute, and compare in constant time.

use subtle::ConstantTimeEq;

use super::auth_v2::{Request, Signer};
use super::{timestamp, SignError};

/// An Authorization value taken apart. Borrowed from the header text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    pub access_key: &'a str,
    pub timestamp: &'a str,
    /// as written in the value, e.g. `content-length;content-type;host`
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

/// Why a request failed verification. Each case is a distinct Python exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The Authorization value is not `auth-v2/{ak}/{ts}/{signed headers}/{64 hex}`.
    Malformed(String),
    /// No secret is known for this access key.
    UnknownAccessKey(String),
    /// The timestamp is further from the server's clock than allowed.
    ClockSkew {
        timestamp: String,
        skew_ms: i64,
        max_skew_ms: i64,
    },
    /// `host` is not among the signed headers.
    UnsignedHost,
    /// The recomputed signature differs (or a signed header is absent from the request).
    Mismatch(String),
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyError::Malformed(why) => write!(f, "malformed auth-v2 Authorization header: {why}"),
            VerifyError::UnknownAccessKey(ak) => write!(f, "unknown access key {ak:?}"),
            VerifyError::ClockSkew { timestamp, skew_ms, max_skew_ms } => write!(
                f,
                "clock skew: the request was signed at {timestamp}, {:.3} s {} the server clock (at most {:.3} s allowed); check the signer's clock",
                skew_ms.unsigned_abs() as f64 / 1000.0,
                if *skew_ms >= 0 { "ahead of" } else { "behind" },
                *max_skew_ms as f64 / 1000.0
            ),
            VerifyError::UnsignedHost => write!(f, "the Host header is not among the signed headers"),
            VerifyError::Mismatch(why) => write!(f, "signature mismatch: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Splits an Authorization value. Surrounding whitespace is ignored; nothing else is forgiven.
pub fn parse(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    let v = value.trim();
    let rest = v
        .strip_prefix("auth-v2/")
        .ok_or_else(|| VerifyError::Malformed("does not start with 'auth-v2/'".into()))?;
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() != 4 {
        return Err(VerifyError::Malformed(format!(
            "expected 5 '/'-separated fields (auth-v2/ak/timestamp/signed-headers/signature), found {}",
            parts.len() + 1
        )));
    }
    let (ak, ts, sh, sig) = (parts[0], parts[1], parts[2], parts[3]);
    if ak.is_empty() {
        return Err(VerifyError::Malformed("empty access key".into()));
    }
    if timestamp::parse_millis(ts).is_none() {
        return Err(VerifyError::Malformed(format!("bad timestamp {ts:?}")));
    }
    if sh.is_empty()
        || sh
            .split(';')
            .any(|n| n.is_empty() || n.bytes().any(|b| b.is_ascii_uppercase() || b <= b' '))
    {
        return Err(VerifyError::Malformed(format!(
            "bad signed-headers list {sh:?}"
        )));
    }
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VerifyError::Malformed(
            "the signature is not 64 hex digits".into(),
        ));
    }
    Ok(ParsedAuthorization {
        access_key: ak,
        timestamp: ts,
        signed_headers: sh,
        signature: sig,
    })
}

/// A request as received: all its headers (the signed ones are picked out by name).
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub query: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub access_key: String,
    pub timestamp: String,
}

/// Verifies `authorization` for `req`. `secret_for` maps an access key to its secret;
/// `max_skew_ms` of `None` turns the clock check off (for replaying recorded requests).
pub fn verify<F>(
    authorization: &str,
    req: &Received<'_>,
    secret_for: F,
    now_ms: i64,
    max_skew_ms: Option<i64>,
) -> Result<Verified, VerifyError>
where
    F: FnOnce(&str) -> Option<Vec<u8>>,
{
    let parsed = parse(authorization)?;
    let names: Vec<&str> = parsed.signed_headers.split(';').collect();
    if !names.contains(&"host") {
        return Err(VerifyError::UnsignedHost);
    }
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(names.len());
    for name in &names {
        let mut found = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some(&(_, value)), None) => signed.push((name, value)),
            (None, _) => {
                return Err(VerifyError::Mismatch(format!(
                    "signed header {name:?} is not in the request"
                )))
            }
            (Some(_), Some(_)) => {
                return Err(VerifyError::Malformed(format!(
                    "signed header {name:?} appears more than once in the request"
                )))
            }
        }
    }
    let secret = secret_for(parsed.access_key)
        .ok_or_else(|| VerifyError::UnknownAccessKey(parsed.access_key.to_string()))?;
    if let Some(max) = max_skew_ms {
        let ts = timestamp::parse_millis(parsed.timestamp).expect("checked by parse");
        let skew = ts - now_ms;
        if skew.abs() > max {
            return Err(VerifyError::ClockSkew {
                timestamp: parsed.timestamp.to_string(),
                skew_ms: skew,
                max_skew_ms: max,
            });
        }
    }
    let to_sign = Request {
        method: req.method,
        uri: req.uri,
        headers: &signed,
        query: req.query,
        body: req.body,
    };
    let mut signer = Signer::new(parsed.access_key, &secret)
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let expected = signer
        .authorization(&to_sign, parsed.timestamp)
        .map_err(|e| match e {
            SignError::AuthorizationSigned => {
                VerifyError::Malformed("'authorization' is among the signed headers".into())
            }
            other => VerifyError::Malformed(other.to_string()),
        })?;
    let expected_sig = &expected.as_bytes()[expected.len() - 64..];
    let given = parsed.signature.to_ascii_lowercase();
    if bool::from(expected_sig.ct_eq(given.as_bytes())) {
        Ok(Verified {
            access_key: parsed.access_key.to_string(),
            timestamp: parsed.timestamp.to_string(),
        })
    } else {
        Err(VerifyError::Mismatch(
            "the signature does not match the request".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::auth_v2::authorization;

    const SK: &[u8] = b"EXAMPLE-SK-NOT-FROM-SEED";
    const TS: &str = "2018-10-17T11:48:24.000Z";
    const NOW: i64 = 1_539_776_904_000;
    const HEADERS: [(&str, &str); 3] = [
        ("Host", "10.22.26.181:28080"),
        ("Content-Length", "22"),
        ("Content-Type", "application/json;charset=UTF-8"),
    ];

    fn received<'a>(headers: &'a [(&'a str, &'a str)], body: &'a [u8]) -> Received<'a> {
        Received {
            method: "POST",
            uri: "/rest/cmsapp/v1/ping",
            headers,
            query: &[],
            body,
        }
    }

    fn signed() -> String {
        let req = Request {
            method: "POST",
            uri: "/rest/cmsapp/v1/ping",
            headers: &HEADERS,
            query: &[],
            body: br#"{"say":"Hello world!"}"#,
        };
        authorization(&req, "globalaktest", SK, TS).unwrap()
    }

    fn lookup(ak: &str) -> Option<Vec<u8>> {
        (ak == "globalaktest").then(|| SK.to_vec())
    }

    #[test]
    fn accepts_good_and_extra_unsigned_headers() {
        let mut h = HEADERS.to_vec();
        h.push(("Accept", "*/*"));
        let got = verify(
            &signed(),
            &received(&h, br#"{"say":"Hello world!"}"#),
            lookup,
            NOW,
            Some(900_000),
        )
        .unwrap();
        assert_eq!(got.access_key, "globalaktest");
    }

    #[test]
    fn each_failure_is_distinct() {
        let body = br#"{"say":"Hello world!"}"#;
        let auth = signed();
        let r = received(&HEADERS, body);
        assert!(matches!(
            verify(
                &auth,
                &received(&HEADERS, br#"{"say":"Hello world?"}"#),
                lookup,
                NOW,
                None
            ),
            Err(VerifyError::Mismatch(_))
        ));
        assert!(matches!(
            verify(&auth, &r, |_| None, NOW, None),
            Err(VerifyError::UnknownAccessKey(_))
        ));
        assert!(matches!(
            verify(&auth, &r, lookup, NOW + 901_000, Some(900_000)),
            Err(VerifyError::ClockSkew { .. })
        ));
        assert!(matches!(
            verify("Bearer x", &r, lookup, NOW, None),
            Err(VerifyError::Malformed(_))
        ));
        let nohost = auth.replace(
            "content-length;content-type;host",
            "content-length;content-type",
        );
        assert_eq!(
            verify(&nohost, &r, lookup, NOW, None),
            Err(VerifyError::UnsignedHost)
        );
        let mut tampered = auth.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(matches!(
            verify(
                std::str::from_utf8(&tampered).unwrap(),
                &r,
                lookup,
                NOW,
                None
            ),
            Err(VerifyError::Mismatch(_))
        ));
    }
}
