"""SCCC, 八百呼, callback and chatbot schemes: round trips and tamper checks."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcore import sign


def test_sccc_block_round_trip() -> None:
    block = sign.sccc_authentication("C2", "E416D0F85DC0CB67C85E070A32D9F0123AFF4762", timestamp=1471918933001, seq=5271, agent="1001")
    assert block == {"customer": "C2", "timestamp": "1471918933001", "seq": "5271", "digest": "ae62e11cab746436b64a26f4ed8e41a3", "agent": "1001"}
    sign.verify_sccc_authentication(block, "E416D0F85DC0CB67C85E070A32D9F0123AFF4762")
    sign.verify_sccc_authentication(dict(block, digest=block["digest"].upper()), "E416D0F85DC0CB67C85E070A32D9F0123AFF4762")
    with pytest.raises(sign.DigestMismatch):
        sign.verify_sccc_authentication(dict(block, seq="5272"), "E416D0F85DC0CB67C85E070A32D9F0123AFF4762")
    with pytest.raises(sign.MalformedAuthorization, match="digest"):
        sign.verify_sccc_authentication({"customer": "C2", "timestamp": "1", "seq": "1"}, "pw")


def test_sccc_seq_does_not_repeat() -> None:
    seqs = {sign.sccc_authentication("C2", "pw")["seq"] for _ in range(1000)}
    assert len(seqs) == 1000


@given(st.text(), st.integers(0, 2**63), st.integers(0, 2**31), st.text())
def test_sccc_digest_is_md5_of_the_at_joined_string(customer: str, ts: int, seq: int, pw: str) -> None:
    want = hashlib.md5(f"{customer}@{ts}@{seq}@{pw}".encode()).hexdigest()
    assert sign.sccc_digest(customer, ts, seq, pw) == want


def test_babaihu_params() -> None:
    assert sign.babaihu_params("100008800", "92868f142be5dd78dd0acf4370b4eb94") == {"sa_user": "100008800", "sa_password": "92868F142BE5DD78DD0ACF4370B4EB94"}


def test_callback_rendering_follows_java() -> None:
    sig = sign.callback_signature("s", 1, "n", {"b": "2", "a": 1, "d": None, "c": "", "e": True, "f": "x y"})
    # Java: TreeMap {a=1, b=2, c=, d=null, e=true, f=x y} -> spaces removed
    msg = "s_1_n_a=1,b=2,c=,d=null,e=true,f=xy"
    import base64

    assert sig == base64.b64encode(hmac.new(b"s", msg.encode(), hashlib.sha256).digest()).decode()


def test_callback_verify_rejects_tampering() -> None:
    body = {"callSerialNo": "1", "called": "88880067", "timestamp": 1645524163326, "nonce": "-148"}
    body["signature"] = sign.callback_signature("sec", body["timestamp"], body["nonce"], body)
    sign.verify_callback_signature("sec", body)
    with pytest.raises(sign.SignatureMismatch):
        sign.verify_callback_signature("sec", dict(body, called="88880068"))
    with pytest.raises(sign.SignatureMismatch):
        sign.verify_callback_signature("other", body)
    with pytest.raises(sign.MalformedAuthorization, match="nonce"):
        sign.verify_callback_signature("sec", {k: v for k, v in body.items() if k != "nonce"})


@given(st.text(), st.text())
def test_chatbot_checksum_is_hmac_hex(nonce: str, key: str) -> None:
    assert sign.chatbot_checksum(nonce, key) == hmac.new(key.encode(), nonce.encode(), hashlib.sha256).hexdigest()
