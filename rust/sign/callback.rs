//! Huawei AICC's shared-secret callback signature (double-call hang-up 6.2.14.1, voice
//! notification release 14.4.1): `Base64(HMAC-SHA256(key = secret,
//! secret_timestamp_nonce_k1=v1,k2=v2...))`. The prose says SHA256; the reference code, which we
//! follow, is HMAC-SHA256 keyed by the secret (auth.md 4.9).
//!
//! The parameter string reproduces Java's `TreeMap.toString().replace(" ", "")` minus the braces:
//! keys in `String.compareTo` order (UTF-16 code units, so case-sensitive), `k=v` joined by `,`,
//! and every space removed, inside values too. Values arrive already rendered as Java would print
//! them (the Python layer does that); `timestamp`, `nonce` and `signature` are excluded by caller.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The `k=v,...` part, sorted as Java sorts strings.
pub fn parameter_string(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let mut out = String::new();
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out.replace(' ', "")
}

/// The string that is signed: `secret_timestamp_nonce_params`.
pub fn string_to_sign(
    secret: &str,
    timestamp: &str,
    nonce: &str,
    params: &[(&str, &str)],
) -> String {
    format!("{secret}_{timestamp}_{nonce}_{}", parameter_string(params))
}

/// Standard Base64 (with padding) of the HMAC, 44 characters.
pub fn signature(secret: &str, timestamp: &str, nonce: &str, params: &[(&str, &str)]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign(secret, timestamp, nonce, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of a received callback signature.
pub fn matches(
    secret: &str,
    timestamp: &str,
    nonce: &str,
    params: &[(&str, &str)],
    given: &str,
) -> bool {
    let expected = signature(secret, timestamp, nonce, params);
    bool::from(expected.as_bytes().ct_eq(given.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_parameter_examples() {
        assert_eq!(parameter_string(&[("b", "2"), ("a", "1")]), "a=1,b=2");
        // the seed prints "a=1,b=2,c=d=null"; running its code gives this (auth.md 4.9)
        assert_eq!(
            parameter_string(&[("b", "2"), ("a", "1"), ("d", "null"), ("c", "")]),
            "a=1,b=2,c=,d=null"
        );
        // case-sensitive order: uppercase first
        assert_eq!(
            parameter_string(&[("called", "1"), ("callSerialNo", "2")]),
            "callSerialNo=2,called=1"
        );
        // spaces vanish everywhere
        assert_eq!(parameter_string(&[("a", "x y")]), "a=xy");
    }

    #[test]
    fn derived_vector_voice_notification() {
        let params = [
            ("alertingTime", "2022/02/22,10:04:29:004"),
            ("callSerialNo", "1197765398201387012"),
            ("called", "88880067"),
            ("callerPresent", "960003"),
            ("createCallTime", "2022/02/22,10:04:28:823"),
            ("locationId", "0"),
            ("recordfile", "Y:/2/mobileAgent/20220222/1645524268-824.wav"),
            ("releaseReason", "0"),
            ("releaseTime", "2022/02/22,10:04:36:318"),
            ("talkDuration", "0"),
            ("talkingTime", "2022/02/22,10:04:30:418"),
        ];
        let sig = signature(
            "EXAMPLE-SECRET",
            "1645524163326",
            "-1482421808053124529",
            &params,
        );
        assert_eq!(sig, "rHpEV2HbHx07BI7+fkrW855CTzgWTnTQQ9olafIXGdc=");
        assert!(matches(
            "EXAMPLE-SECRET",
            "1645524163326",
            "-1482421808053124529",
            &params,
            &sig
        ));
    }
}
