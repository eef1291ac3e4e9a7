"""The platform registry: one entry per platform, limits read from the Rust profiles, aliases
resolved in one place, every reference importable."""
from __future__ import annotations

import subprocess
import typing
import sys
from dataclasses import replace

import pytest

from callcore import calllist
from callcore._core import calllist as core_calllist
from callcore.platforms import registry

# The figures of shared/notes/outbound.md §3-4, as the Python table held them before the registry
# read them from the core: the switch must not change one.
DOCUMENTED = {
    "huawei": {"batch_size": 20, "max_batch": 20, "max_len": 24, "pending_cap": 200_000},
    "huawei-v2": {"batch_size": 20, "max_batch": 2000, "max_len": 24, "pending_cap": 200_000},
    "huawei-file": {"batch_size": 500_000, "max_batch": 500_000, "max_len": 24, "pending_cap": None},
    "sccc": {"batch_size": 1000, "max_batch": 1000, "max_len": None, "pending_cap": None},
    "babaihu": {"batch_size": 500, "max_batch": None, "max_len": None, "pending_cap": None},
    "hl95": {"batch_size": 1000, "max_batch": None, "max_len": None, "pending_cap": None},
}


def test_the_four_platforms_and_their_profiles() -> None:
    assert registry.names() == ("huawei", "sccc", "babaihu", "hl95")
    assert registry.profiles() == tuple(DOCUMENTED)


def test_limits_are_the_rust_profiles_for_every_name_and_alias() -> None:
    rows = core_calllist.platform_profiles()
    assert {accepted for accepted, *_ in rows} >= set(registry.profiles())
    for accepted, profile, batch_size, max_batch, max_len, pending_cap in rows:
        assert registry.limits(accepted) == registry.Limits(batch_size, max_batch, max_len, pending_cap), accepted
        assert profile in registry.get(accepted).profiles, accepted
        assert calllist.platform_limits(accepted) == DOCUMENTED[profile], accepted


def test_aliases_resolve_in_one_place() -> None:
    assert registry.get("huawei-v2").name == registry.get("huawei-file").name == "huawei"
    assert registry.get("HUAWEI_V1").name == "huawei"
    assert registry.get("800ing").name == "babaihu"
    assert registry.get("95").name == "hl95"
    with pytest.raises(ValueError, match="known: huawei, sccc, babaihu, hl95"):
        registry.get("avaya")
    with pytest.raises(ValueError, match="unknown 'avaya'"):
        calllist.platform_limits("avaya")
    with pytest.raises(ValueError, match="not one of its profiles"):
        registry.get("sccc").limits("huawei-v2")
    assert registry.get("huawei").limits() == registry.limits("huawei")


@pytest.mark.parametrize("name", ["huawei", "sccc", "babaihu", "hl95"])
def test_every_reference_imports(name: str) -> None:
    spec = registry.get(name)
    for reference in (spec.client, spec.async_client, spec.import_adapter, spec.recording_source,
                      spec.outcome_source, spec.receiver, spec.sandbox):
        if reference is not None:
            assert registry.load(reference) is not None, reference
    client, async_client = registry.load(spec.client), registry.load(spec.async_client)
    assert async_client.__name__ == "Async" + client.__name__
    source = registry.load(spec.recording_source)
    assert not hasattr(source, "recording_format"), "the registry entry owns the default recording format"
    assert registry.load(spec.import_adapter).clean_profile in spec.profiles
    assert spec.credentials.user_field in client.__init__.__code__.co_varnames


@pytest.mark.parametrize("name", ["huawei", "sccc", "babaihu", "hl95"])
def test_the_outcome_source_reads_what_the_receiver_stores(name: str) -> None:
    """A platform with a receiver has results among its pushes, and one without has none: the
    outcome source and the receiver entry must say the same (tests/receivers/test_outcomes*.py
    join the pushes each receiver stored)."""
    from callcore.pipelines.outcome_sources import OutcomeSource

    spec = registry.get(name)
    assert spec.outcome_source is not None
    source: OutcomeSource = registry.load(spec.outcome_source)()
    assert (source.push_kind is None) == (spec.receiver is None)


def test_hl95_has_no_receiver() -> None:
    # seed 000 (V1.3) defines no pushes: the entry says so instead of pointing at an invented app
    assert registry.get("hl95").receiver is None
    assert [n for n in registry.names() if registry.get(n).receiver] == ["huawei", "sccc", "babaihu"]


def test_register_checks_names_and_profiles() -> None:
    sccc = registry.get("sccc")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(sccc)
    with pytest.raises(ValueError, match="belongs to sccc"):
        registry.register(replace(sccc, name="sccc-two"))
    with pytest.raises(ValueError, match="has no limits"):
        registry.register(replace(sccc, name="other", profiles=("other",)))
    with pytest.raises(ValueError, match="at least one"):
        registry.register(replace(sccc, name="other", profiles=()))
    with pytest.raises(ValueError, match="lower case"):
        registry.register(replace(sccc, name="Other_One", profiles=("other",)))
    with pytest.raises(ValueError, match="built in"):
        registry.unregister("sccc")
    assert registry.names() == ("huawei", "sccc", "babaihu", "hl95")


def test_importing_the_registry_stays_cheap() -> None:
    # `callcore sandbox` and `callcore calllist` read the registry: it must not bring httpx (0.1 s),
    # a client, a pipeline or a sandbox with it
    code = ("import sys, callcore.platforms.registry as r; r.get('huawei'); r.limits('huawei-v2'); "
            "print(sorted(m for m in sys.modules if m.startswith(('callcore', 'httpx'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(loaded) == ["callcore", "callcore._core", "callcore._core.audio", "callcore._core.calllist",
                            "callcore._core.sign", "callcore._core.textcsv", "callcore.platforms",
                            "callcore.platforms.registry"]


def test_the_platform_literal_lists_the_registry_profiles() -> None:
    # a Literal cannot be computed, so the type keeps its own list: this keeps the two equal
    assert typing.get_args(calllist.Platform) == registry.profiles()


def test_credentials_come_from_the_option_or_the_environment_and_secrets_never_show() -> None:
    huawei, sccc = registry.get("huawei").credentials, registry.get("sccc").credentials
    assert huawei.read(None, {"CALLCORE_ACCESS_KEY": "ak", "CALLCORE_SECRET_KEY": "sk"}) == ("ak", "sk")
    with pytest.raises(ValueError, match="set CALLCORE_ACCESS_KEY and CALLCORE_SECRET_KEY"):
        huawei.read(None, {"CALLCORE_ACCESS_KEY": "ak"})
    assert sccc.read("C2", {"CALLCORE_SCCC_PASSWORD": "pw", "CALLCORE_SECRET_KEY": "other"}) == ("C2", "pw")
    assert sccc.read(None, {"CALLCORE_ACCESS_KEY": "C3", "CALLCORE_SECRET_KEY": "sk"}) == ("C3", "sk")
    with pytest.raises(ValueError, match="give --customer"):
        sccc.read(None, {"CALLCORE_SCCC_PASSWORD": "pw"})
    with pytest.raises(ValueError, match="set CALLCORE_SCCC_PASSWORD") as missing:
        sccc.read("C2", {"CALLCORE_ACCESS_KEY": "ak-value"})
    assert "ak-value" not in str(missing.value)
    assert [registry.get(n).credentials.user_option for n in registry.names()] == \
        [None, "--customer", "--sa-user", "--client-id"]
