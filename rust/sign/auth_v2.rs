//! Huawei CEC `auth-v2` AK/SK request signing, byte-exact with the vendor demo as resolved in
//! auth.md 4.2.3/4.2.4:
//!
//! ```text
//! CanonicalRequest = METHOD \n uri \n [query \n] SignedHeaders \n CanonicalHeaders \n [normalize(body)]
//! SigningKey       = hex(HMAC-SHA256(SK, "auth-v2/{AK}/{ts}/{SignedHeaders}"))
//! Signature        = hex(HMAC-SHA256(SigningKey as its 64-char hex text, CanonicalRequest))
//! Authorization    = auth-v2/{AK}/{ts}/{SignedHeaders}/{Signature}
//! ```
//! * the query line is omitted when there is no query (demo code and example agree);
//! * header names are lowercased and values trimmed; `name:value` records are sorted as whole
//!   strings (the demo's TreeSet), while SignedHeaders sorts the bare names;
//! * the body is percent-encoded; when it is empty it is omitted but the newline before it stays.

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::encode::{hex_lower, is_unreserved_text, normalize_into, push_hex_lower, Sink};
use super::timestamp;
use super::SignError;

type HmacSha256 = Hmac<Sha256>;

impl Sink for HmacSha256 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// One request to sign. Everything is borrowed, so the bindings can point into Python objects.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, without scheme, host or query (`/rest/cmsapp/v1/ping`).
    pub uri: &'a str,
    /// The headers to sign, in any case and order; `host` is required.
    pub headers: &'a [(&'a str, &'a str)],
    /// Decoded query parameters (empty when the URL has none).
    pub query: &'a [(&'a str, &'a str)],
    /// The body bytes exactly as sent (empty for none).
    pub body: &'a [u8],
}

/// The request in canonical form, minus the body (which is streamed, never copied).
#[derive(Debug, Clone)]
pub struct Canonical<'a> {
    pub method: Cow<'a, str>,
    pub uri: &'a str,
    /// `content-length;content-type;host`
    pub signed_headers: String,
    /// `content-length:22\ncontent-type:...\nhost:...`
    pub canonical_headers: CanonicalHeaders<'a>,
    /// `k=v&k2=v2`, or `None` when there is no query
    pub canonical_query: Option<String>,
    pub body: &'a [u8],
}

/// The CanonicalHeaders records (`name:normalize(value)`, sorted as whole strings, `\n`-joined).
#[derive(Debug, Clone)]
pub enum CanonicalHeaders<'a> {
    /// (lowercase name, name as given, trimmed value) sorted by name, when that is the records'
    /// order: every name is unreserved text (so normalizing leaves it as it is) and none is a
    /// prefix of the next (only then can `:` sort after the longer name's next byte). The usual
    /// request; its records are written straight to the sink, never built as a string (the
    /// string and its sort were ~10 % of a 200 B signature).
    InNameOrder(Vec<(Cow<'a, str>, &'a str, &'a str)>),
    /// The records of any other header set, sorted once.
    Sorted(String),
}

impl CanonicalHeaders<'_> {
    fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        match self {
            CanonicalHeaders::InNameOrder(headers) => {
                for (i, (name, _, value)) in headers.iter().enumerate() {
                    if i > 0 {
                        sink.put(b"\n");
                    }
                    sink.put(name.as_bytes());
                    sink.put(b":");
                    normalize_into(value.as_bytes(), sink);
                }
            }
            CanonicalHeaders::Sorted(text) => sink.put(text.as_bytes()),
        }
    }

    /// The records as text.
    pub fn to_text(&self) -> String {
        let mut out = Vec::with_capacity(128);
        self.write_to(&mut out);
        String::from_utf8(out).expect("canonical headers are ASCII")
    }
}

/// RFC 9110 `tchar`: the bytes allowed in a method or a header name.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

#[inline]
fn is_token_char(c: u8) -> bool {
    TOKEN[c as usize]
}

fn check_method(method: &str) -> Result<Cow<'_, str>, SignError> {
    if method.is_empty() || !method.bytes().all(is_token_char) {
        return Err(SignError::InvalidMethod(method.to_string()));
    }
    // The demo requires an uppercase method; HTTP clients send it uppercase too.
    Ok(if method.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(method.to_ascii_uppercase())
    } else {
        Cow::Borrowed(method)
    })
}

/// The bytes that can make a URI invalid: `?`, `#`, `:` (of `://`) and control characters.
const URI_SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] =
            b < 0x20 || b == 0x7f || b == b'?' as usize || b == b'#' as usize || b == b':' as usize;
        b += 1;
    }
    t
};

fn check_uri(uri: &str) -> Result<&str, SignError> {
    // one pass over the path in the usual case; the checks below, in their order of precedence,
    // only when a suspect byte is there
    if !uri.bytes().any(|b| URI_SUSPECT[b as usize]) {
        return if uri.is_empty() {
            Ok("/")
        } else if uri.starts_with('/') {
            Ok(uri)
        } else {
            Err(SignError::InvalidUri {
                uri: uri.into(),
                reason: "must start with '/'",
            })
        };
    }
    if uri.contains('?') {
        return Err(SignError::InvalidUri {
            uri: uri.into(),
            reason: "contains '?': pass the query parameters separately",
        });
    }
    if uri.contains('#') {
        return Err(SignError::InvalidUri {
            uri: uri.into(),
            reason: "contains a fragment '#'",
        });
    }
    if uri.contains("://") {
        return Err(SignError::InvalidUri {
            uri: uri.into(),
            reason: "is a URL: pass only the path, e.g. /rest/cmsapp/v1/ping",
        });
    }
    if uri.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(SignError::InvalidUri {
            uri: uri.into(),
            reason: "contains control characters",
        });
    }
    // An empty path is "/" (seed 001:1781-1782); a path must start with "/".
    if uri.is_empty() {
        return Ok("/");
    }
    if !uri.starts_with('/') {
        return Err(SignError::InvalidUri {
            uri: uri.into(),
            reason: "must start with '/'",
        });
    }
    Ok(uri)
}

/// Validates and lowercases the headers; returns (lowercase name, name as given, trimmed value)
/// sorted by name. Names that are already lowercase (the usual case) are not copied.
fn signed_header_list<'a>(
    headers: &[(&'a str, &'a str)],
) -> Result<Vec<(Cow<'a, str>, &'a str, &'a str)>, SignError> {
    let mut out: Vec<(Cow<'a, str>, &str, &str)> = Vec::with_capacity(headers.len());
    for &(name, value) in headers {
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(SignError::InvalidHeaderName(name.to_string()));
        }
        if memchr::memchr3(b'\r', b'\n', 0, value.as_bytes()).is_some() {
            return Err(SignError::InvalidHeaderValue(name.to_string()));
        }
        let lower: Cow<str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        if lower == "authorization" {
            return Err(SignError::AuthorizationSigned);
        }
        // Java's String.trim() strips every char <= U+0020.
        let trimmed = value.trim_matches(|c: char| c <= ' ');
        out.push((lower, name, trimmed));
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(SignError::DuplicateHeader {
                first: pair[0].1.to_string(),
                second: pair[1].1.to_string(),
            });
        }
    }
    if out.binary_search_by(|h| h.0.as_ref().cmp("host")).is_err() {
        return Err(SignError::MissingHost);
    }
    Ok(out)
}

/// `normalize(a) sep1 normalize(b)` records, sorted as whole byte strings and joined by `sep2`,
/// identical records once (the demo's TreeSet). The records are written joined in input order;
/// when that order is already the sorted one (headers come sorted by name, and records only sort
/// otherwise when one name prefixes another) that text is the result, with no second buffer.
fn sorted_records<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    sep1: u8,
    sep2: u8,
) -> String {
    // room for the usual headers' worst case (each piece reserves 3x its length to encode into),
    // so that the buffer is allocated once
    let mut buf: Vec<u8> = Vec::with_capacity(512);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(8);
    for (a, b) in pairs {
        if !spans.is_empty() {
            buf.push(sep2);
        }
        let start = buf.len();
        normalize_into(a.as_bytes(), &mut buf);
        buf.push(sep1);
        normalize_into(b.as_bytes(), &mut buf);
        spans.push((start, buf.len()));
    }
    let in_order = spans
        .windows(2)
        .all(|w| buf[w[0].0..w[0].1] < buf[w[1].0..w[1].1]);
    if in_order {
        return String::from_utf8(buf).expect("normalized text is ASCII");
    }
    spans.sort_unstable_by(|x, y| buf[x.0..x.1].cmp(&buf[y.0..y.1]));
    spans.dedup_by(|x, y| buf[x.0..x.1] == buf[y.0..y.1]);
    let mut out = Vec::with_capacity(buf.len());
    for (i, &(a, b)) in spans.iter().enumerate() {
        if i > 0 {
            out.push(sep2);
        }
        out.extend_from_slice(&buf[a..b]);
    }
    String::from_utf8(out).expect("normalized text is ASCII")
}

/// Builds the canonical parts of `req`, validating every input.
pub fn canonicalize<'a>(req: &Request<'a>) -> Result<Canonical<'a>, SignError> {
    let method = check_method(req.method)?;
    let uri = check_uri(req.uri)?;
    let headers = signed_header_list(req.headers)?;

    let mut signed_headers = String::with_capacity(headers.len() * 16);
    for (i, (name, _, _)) in headers.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }
    // Records are sorted as whole `name:value` strings (TreeSet in the demo), which differs from
    // the name order when one name prefixes another (`x-a-b:` < `x-a:`), auth.md 4.2.4 row 10.
    let in_name_order = headers
        .iter()
        .all(|(n, _, _)| is_unreserved_text(n.as_bytes()))
        && headers
            .windows(2)
            .all(|w| !w[1].0.starts_with(w[0].0.as_ref()));
    let canonical_headers = if in_name_order {
        CanonicalHeaders::InNameOrder(headers)
    } else {
        CanonicalHeaders::Sorted(sorted_records(
            headers.iter().map(|(n, _, v)| (n.as_ref(), *v)),
            b':',
            b'\n',
        ))
    };
    let canonical_query = if req.query.is_empty() {
        None
    } else {
        Some(sorted_records(req.query.iter().copied(), b'=', b'&'))
    };
    Ok(Canonical {
        method,
        uri,
        signed_headers,
        canonical_headers,
        canonical_query,
        body: req.body,
    })
}

impl Canonical<'_> {
    /// Writes the CanonicalRequest to `sink`, streaming the percent-encoded body.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.put(self.method.as_bytes());
        sink.put(b"\n");
        sink.put(self.uri.as_bytes());
        sink.put(b"\n");
        if let Some(q) = &self.canonical_query {
            sink.put(q.as_bytes());
            sink.put(b"\n");
        }
        sink.put(self.signed_headers.as_bytes());
        sink.put(b"\n");
        self.canonical_headers.write_to(sink);
        sink.put(b"\n");
        normalize_into(self.body, sink);
    }

    /// The CanonicalRequest as text.
    pub fn to_text(&self) -> String {
        let mut out = Vec::with_capacity(192 + self.body.len() * 2);
        self.write_to(&mut out);
        String::from_utf8(out).expect("canonical request is ASCII")
    }
}

/// The CanonicalRequest text of `req`.
pub fn canonical_request(req: &Request<'_>) -> Result<String, SignError> {
    Ok(canonicalize(req)?.to_text())
}

/// Checks a timestamp is one of the two auth-v2 forms.
pub fn check_timestamp(ts: &str) -> Result<(), SignError> {
    timestamp::parse_millis(ts)
        .map(|_| ())
        .ok_or_else(|| SignError::InvalidTimestamp(ts.to_string()))
}

/// A signer for one AK/SK pair. It keeps the HMAC state keyed by SK, and the last SigningKey, so a
/// batch that shares a timestamp and a header set derives the SigningKey once.
#[derive(Clone)]
pub struct Signer {
    access_key: String,
    secret_mac: HmacSha256,
    /// (authStringPrefix, HMAC keyed by the SigningKey hex text) of the last request
    last: Option<(String, HmacSha256)>,
    /// the last timestamp found valid: a run of requests signed with one timestamp checks it once
    valid_timestamp: Option<String>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the secret
        f.debug_struct("Signer")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(access_key: &str, secret_key: &[u8]) -> Result<Signer, SignError> {
        if access_key.is_empty() || access_key.contains('/') {
            return Err(SignError::InvalidAccessKey);
        }
        Ok(Signer {
            access_key: access_key.to_string(),
            secret_mac: HmacSha256::new_from_slice(secret_key)
                .expect("HMAC takes keys of any length"),
            last: None,
            valid_timestamp: None,
        })
    }

    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// `auth-v2/{AK}/{ts}/{SignedHeaders}`
    fn prefix(&self, timestamp: &str, signed_headers: &str) -> String {
        // room for "/" + the 64 hex digits that authorization() appends
        let mut p = String::with_capacity(
            8 + self.access_key.len() + timestamp.len() + signed_headers.len() + 2 + 65,
        );
        p.push_str("auth-v2/");
        p.push_str(&self.access_key);
        p.push('/');
        p.push_str(timestamp);
        p.push('/');
        p.push_str(signed_headers);
        p
    }

    /// The SigningKey (64 lowercase hex chars) for a prefix.
    pub fn signing_key(&self, prefix: &str) -> String {
        let mut mac = self.secret_mac.clone();
        mac.update(prefix.as_bytes());
        hex_lower(&mac.finalize().into_bytes())
    }

    /// The HMAC state keyed by the SigningKey's hex text, reusing the last one when it matches.
    fn key_mac(&mut self, prefix: &str) -> HmacSha256 {
        if let Some((p, mac)) = &self.last {
            if p == prefix {
                return mac.clone();
            }
        }
        let key_hex = self.signing_key(prefix);
        let mac =
            HmacSha256::new_from_slice(key_hex.as_bytes()).expect("HMAC takes keys of any length");
        self.last = Some((prefix.to_string(), mac.clone()));
        mac
    }

    /// The 64-hex-char Signature of an already canonicalized request.
    pub fn signature(&mut self, canonical: &Canonical<'_>, timestamp: &str) -> String {
        let prefix = self.prefix(timestamp, &canonical.signed_headers);
        hex_lower(&self.signature_bytes(canonical, &prefix))
    }

    fn signature_bytes(&mut self, canonical: &Canonical<'_>, prefix: &str) -> [u8; 32] {
        let mut mac = self.key_mac(prefix);
        canonical.write_to(&mut mac);
        mac.finalize().into_bytes().into()
    }

    /// The whole Authorization value for `req` at `timestamp` (used verbatim; it must be one of
    /// the two auth-v2 forms).
    pub fn authorization(
        &mut self,
        req: &Request<'_>,
        timestamp: &str,
    ) -> Result<String, SignError> {
        if self.valid_timestamp.as_deref() != Some(timestamp) {
            check_timestamp(timestamp)?;
            self.valid_timestamp = Some(timestamp.to_string());
        }
        let canonical = canonicalize(req)?;
        // the prefix is both the SigningKey's input and the start of the value: build it once
        let mut out = self.prefix(timestamp, &canonical.signed_headers);
        let sig = self.signature_bytes(&canonical, &out);
        out.push('/');
        push_hex_lower(&sig, &mut out);
        Ok(out)
    }
}

/// One-shot form of [`Signer::authorization`].
pub fn authorization(
    req: &Request<'_>,
    access_key: &str,
    secret_key: &[u8],
    timestamp: &str,
) -> Result<String, SignError> {
    Signer::new(access_key, secret_key)?.authorization(req, timestamp)
}

thread_local! {
    /// The last key pair's signer on this thread, with its secret to recognise it by.
    static LAST_SIGNER: std::cell::RefCell<Option<(Vec<u8>, Signer)>> = const { std::cell::RefCell::new(None) };
}

/// [`authorization`] for callers that sign one request at a time with the same key pair (the
/// Python `auth_v2`): the signer is kept per thread, so the HMAC state keyed by the secret is
/// computed once, and requests signed within the same timestamp (the same millisecond, or the
/// same second without millis) also share the SigningKey. Same output as [`authorization`].
pub fn authorization_reusing_signer(
    req: &Request<'_>,
    access_key: &str,
    secret_key: &[u8],
    timestamp: &str,
) -> Result<String, SignError> {
    LAST_SIGNER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let reuse = matches!(&*slot, Some((sk, s)) if sk.as_slice() == secret_key && s.access_key == access_key);
        if !reuse {
            *slot = Some((secret_key.to_vec(), Signer::new(access_key, secret_key)?));
        }
        let (_, signer) = slot.as_mut().expect("just filled");
        signer.authorization(req, timestamp)
    })
}

/// Signs many requests on all cores. Results keep the input order; one bad request fails alone.
pub fn authorization_many(
    reqs: &[Request<'_>],
    access_key: &str,
    secret_key: &[u8],
    timestamp: &str,
) -> Result<Vec<Result<String, SignError>>, SignError> {
    use rayon::prelude::*;
    let signer = Signer::new(access_key, secret_key)?;
    check_timestamp(timestamp)?;
    Ok(reqs
        .par_iter()
        .with_min_len(256)
        .map_init(|| signer.clone(), |s, r| s.authorization(r, timestamp))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SK: &[u8] = b"EXAMPLE-SK-NOT-FROM-SEED";

    fn ping<'a>(headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request {
            method: "POST",
            uri: "/rest/cmsapp/v1/ping",
            headers,
            query: &[],
            body: br#"{"say":"Hello world!"}"#,
        }
    }

    const PING_HEADERS: [(&str, &str); 3] = [
        ("host", "10.22.26.181:28080"),
        ("Content-Length", "22"),
        ("Content-Type", "application/json;charset=UTF-8"),
    ];

    #[test]
    fn derived_vector_ping() {
        let req = ping(&PING_HEADERS);
        assert_eq!(
            canonical_request(&req).unwrap(),
            "POST\n/rest/cmsapp/v1/ping\ncontent-length;content-type;host\ncontent-length:22\n\
             content-type:application%2Fjson%3Bcharset%3DUTF-8\nhost:10.22.26.181%3A28080\n\
             %7B%22say%22%3A%22Hello%20world%21%22%7D"
        );
        let signer = Signer::new("globalaktest", SK).unwrap();
        assert_eq!(
            signer.signing_key(
                "auth-v2/globalaktest/2018-10-17T11:48:24Z/content-length;content-type;host"
            ),
            "c4c8743b4573fc5a4184bd4d893e73d24d770c6f23cb204ae34db8343449a650"
        );
        assert_eq!(
            authorization(&req, "globalaktest", SK, "2018-10-17T11:48:24Z").unwrap(),
            "auth-v2/globalaktest/2018-10-17T11:48:24Z/content-length;content-type;host/\
             97ad57212b6670aec82b39b1543ffd36586a7419f378174ae55f2c562cdce460"
        );
        assert_eq!(
            authorization(&req, "globalaktest", SK, "2018-10-17T11:48:24.000Z").unwrap(),
            "auth-v2/globalaktest/2018-10-17T11:48:24.000Z/content-length;content-type;host/\
             e41fd87cd314d6d3d3d8e1e65d84f43256206dfd8d4f731b925d27d0feab4ee5"
        );
    }

    #[test]
    fn derived_vector_get_with_query() {
        let headers = [
            ("host", "10.22.26.181:28080"),
            ("Content-Type", "application/json;charset=UTF-8"),
        ];
        let req = Request {
            method: "GET",
            uri: "/rest/isales/v1/openapi/campaigns/1/queryBusinessResults",
            headers: &headers,
            query: &[("pageSize", "10"), ("pageNum", "1")],
            body: b"",
        };
        assert_eq!(
            canonical_request(&req).unwrap(),
            "GET\n/rest/isales/v1/openapi/campaigns/1/queryBusinessResults\npageNum=1&pageSize=10\n\
             content-type;host\ncontent-type:application%2Fjson%3Bcharset%3DUTF-8\nhost:10.22.26.181%3A28080\n"
        );
        assert_eq!(
            authorization(&req, "globalaktest", SK, "2018-10-17T11:48:24.000Z").unwrap(),
            "auth-v2/globalaktest/2018-10-17T11:48:24.000Z/content-type;host/\
             09a963928066023573b57fcf3927af389af3f10f5c6a2d6d326f672e29cb5a39"
        );
    }

    #[test]
    fn records_sort_as_whole_strings() {
        let headers = [("host", "h"), ("x-a", "1"), ("x-a-b", "2")];
        let req = Request {
            method: "POST",
            uri: "/",
            headers: &headers,
            query: &[],
            body: b"",
        };
        let c = canonicalize(&req).unwrap();
        assert_eq!(c.signed_headers, "host;x-a;x-a-b");
        assert!(matches!(c.canonical_headers, CanonicalHeaders::Sorted(_)));
        assert_eq!(c.canonical_headers.to_text(), "host:h\nx-a-b:2\nx-a:1");
        // names that need no reordering are written in name order, with the same text
        let headers = [("Host", "h:1"), ("x-b", " 2 "), ("x-a", "é")];
        let c = canonicalize(&Request {
            headers: &headers,
            ..req
        })
        .unwrap();
        assert!(matches!(
            c.canonical_headers,
            CanonicalHeaders::InNameOrder(_)
        ));
        assert_eq!(
            c.canonical_headers.to_text(),
            "host:h%3A1\nx-a:%C3%A9\nx-b:2"
        );
        // a name normalizing encodes (`!`) takes the sorted path, whatever its order
        let headers = [("host", "h"), ("x!", "1")];
        let c = canonicalize(&Request {
            headers: &headers,
            ..req
        })
        .unwrap();
        assert!(matches!(c.canonical_headers, CanonicalHeaders::Sorted(_)));
        assert_eq!(c.canonical_headers.to_text(), "host:h\nx%21:1");
    }

    #[test]
    fn bad_input_is_named() {
        let sign = |h: &[(&str, &str)], ts: &str| {
            authorization(
                &Request {
                    method: "POST",
                    uri: "/",
                    headers: h,
                    query: &[],
                    body: b"",
                },
                "ak",
                SK,
                ts,
            )
        };
        let ts = "2018-10-17T11:48:24Z";
        assert_eq!(
            sign(&[("content-type", "x")], ts),
            Err(SignError::MissingHost)
        );
        assert_eq!(
            sign(&[("host", "h"), ("Authorization", "x")], ts),
            Err(SignError::AuthorizationSigned)
        );
        assert!(matches!(
            sign(&[("Host", "h"), ("host", "h")], ts),
            Err(SignError::DuplicateHeader { .. })
        ));
        assert!(matches!(
            sign(&[("host", "h")], "yesterday"),
            Err(SignError::InvalidTimestamp(_))
        ));
        assert!(matches!(
            sign(&[("host", "h"), ("bad name", "x")], ts),
            Err(SignError::InvalidHeaderName(_))
        ));
        assert!(matches!(
            sign(&[("host", "h\r\nx: y")], ts),
            Err(SignError::InvalidHeaderValue(_))
        ));
        let e = sign(&[("host", "h")], "yesterday").unwrap_err().to_string();
        assert!(e.contains("yesterday"));
        assert!(matches!(
            authorization(
                &Request {
                    method: "GET",
                    uri: "/a?b=c",
                    headers: &[("host", "h")],
                    query: &[],
                    body: b""
                },
                "ak",
                SK,
                ts
            ),
            Err(SignError::InvalidUri { .. })
        ));
        assert_eq!(
            Signer::new("a/b", SK).unwrap_err(),
            SignError::InvalidAccessKey
        );
    }

    #[test]
    fn values_are_trimmed_and_names_lowercased() {
        let a = [("HOST", "  h:1 "), ("Content-Type", "\tx ")];
        let b = [("host", "h:1"), ("content-type", "x")];
        let ts = "2018-10-17T11:48:24Z";
        let sa = authorization(
            &Request {
                method: "post",
                uri: "/p",
                headers: &a,
                query: &[],
                body: b"x",
            },
            "ak",
            SK,
            ts,
        );
        let sb = authorization(
            &Request {
                method: "POST",
                uri: "/p",
                headers: &b,
                query: &[],
                body: b"x",
            },
            "ak",
            SK,
            ts,
        );
        assert_eq!(sa, sb);
    }

    #[test]
    fn reusing_signer_gives_the_same_output() {
        let req = ping(&PING_HEADERS);
        for (ak, sk, ts) in [
            ("a", &b"k1"[..], "2018-10-17T11:48:24Z"),
            ("a", b"k1", "2018-10-17T11:48:25Z"),
            ("b", b"k1", "2018-10-17T11:48:25Z"),
            ("b", b"k2", "2018-10-17T11:48:25Z"),
            ("b", b"k2", "2018-10-17T11:48:25Z"),
        ] {
            assert_eq!(
                authorization_reusing_signer(&req, ak, sk, ts),
                authorization(&req, ak, sk, ts)
            );
        }
        assert_eq!(
            authorization_reusing_signer(&req, "a/b", b"k", "2018-10-17T11:48:25Z"),
            Err(SignError::InvalidAccessKey)
        );
    }

    #[test]
    fn batch_matches_single_and_keeps_order() {
        let bodies: Vec<String> = (0..1000).map(|i| format!("{{\"n\":{i}}}")).collect();
        let reqs: Vec<Request> = bodies
            .iter()
            .map(|b| Request {
                method: "POST",
                uri: "/x",
                headers: &PING_HEADERS,
                query: &[],
                body: b.as_bytes(),
            })
            .collect();
        let ts = "2018-10-17T11:48:24.000Z";
        let many = authorization_many(&reqs, "ak", SK, ts).unwrap();
        for (r, got) in reqs.iter().zip(many) {
            assert_eq!(got.unwrap(), authorization(r, "ak", SK, ts).unwrap());
        }
    }
}
