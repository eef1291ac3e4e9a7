"""The platforms callcore knows, in one table: one :class:`PlatformSpec` per platform.

Whatever needs the list of platforms (the command lines, the pipelines, the pytest plugin, the
demo) asks this module which platforms exist and where each one's parts live, instead of keeping
its own list. An entry names the other modules by dotted path (``"package.module:attribute"``) and
imports them only when asked, so importing the registry brings no client, no httpx and no import
circle.

The calllist limits (batch size, largest batch, longest dialing string, pending cap) are owned by
the Rust core's profiles (``rust/calllist/platform.rs``) and read from there on first use; so are
the aliases those profiles accept (``huawei-v1``, ``800ing``, ``95``).

Adding a platform is one module plus one entry in :data:`_BUILT_IN` (see the README, "Adding a
platform"); a test or a plugin adds one at run time with :func:`register`.
"""
from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Credentials", "Limits", "PlatformSpec", "get", "names", "profiles", "limits", "register",
           "unregister", "load", "GENERIC_USER_ENV", "GENERIC_SECRET_ENV"]

#: The user id (Huawei's AK, SCCC's customer, ...) when the command line does not give one.
GENERIC_USER_ENV = "CALLCORE_ACCESS_KEY"
#: The secret when the platform's own variable is not set.
GENERIC_SECRET_ENV = "CALLCORE_SECRET_KEY"


@dataclass(frozen=True)
class Limits:
    """A calllist profile's batch rules: the default batch size, the largest batch the platform
    accepts, the longest dialing string and the cap on pending numbers (``None``: no bound)."""

    batch_size: int
    max_batch: int | None
    max_len: int | None
    pending_cap: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"batch_size": self.batch_size, "max_batch": self.max_batch, "max_len": self.max_len,
                "pending_cap": self.pending_cap}


@dataclass(frozen=True)
class Credentials:
    """Where a platform's credentials come from. The secret is read from the environment only
    (``secret_env``, else :data:`GENERIC_SECRET_ENV`), never from the command line; the user id from
    the command-line option ``user_option`` (``None``: the environment only), else
    :data:`GENERIC_USER_ENV`. ``user_field`` is the client's parameter for the user id."""

    user_field: str
    secret_env: str
    user_option: str | None = None

    def read(self, user: str | None, environ: Mapping[str, str]) -> tuple[str, str]:
        """``(user, secret)``: *user* (the value of ``user_option``) or :data:`GENERIC_USER_ENV`, the
        secret from *environ* only; ``ValueError`` naming what to set (never a value) when one is missing."""
        if self.user_option is None:
            user_id, secret = environ.get(GENERIC_USER_ENV), environ.get(self.secret_env)
            if not user_id or not secret:
                raise ValueError(f"credentials: set {GENERIC_USER_ENV} and {self.secret_env} in the environment "
                                 "(they are never taken from the command line)")
            return user_id, secret
        user_id = user or environ.get(GENERIC_USER_ENV)
        secret = environ.get(self.secret_env) or environ.get(GENERIC_SECRET_ENV)
        if not user_id:
            raise ValueError(f"credentials: give {self.user_option} (or set {GENERIC_USER_ENV})")
        if not secret:
            raise ValueError(f"credentials: set {self.secret_env} (or {GENERIC_SECRET_ENV}) in the environment "
                             "(secrets are never taken from the command line)")
        return user_id, secret


@dataclass(frozen=True)
class PlatformSpec:
    """One platform's parts. References are ``"module:attribute"`` strings imported by
    :func:`load` on first use; ``None`` where the platform has no such part.

    * ``name``: the canonical name used on command lines and in journals; ``title``: for people.
    * ``profiles``: the calllist profiles (Rust) of the platform, the first its default; each
      profile name (and each alias the core accepts for it) also finds this spec through :func:`get`.
    * ``credentials``: see :class:`Credentials`.
    * ``client`` / ``async_client``: the client classes, constructed as ``Client(base_url, user, secret)``.
    * ``import_adapter``: the import engine's adapter class (``callcore outbound import``).
    * ``recording_source``: the recording sync's source class (``callcore recordings sync``).
    * ``outcome_source``: where the platform's call results come from, pushed and polled
      (``callcore outbound results``, :mod:`callcore.pipelines.outcome_sources`).
    * ``receiver``: the module of the push receiver; it has ``PATHS`` (path -> what is pushed there)
      and ``from_environment(store, *, allow, max_body, replay_window, env)`` returning the ASGI app.
    * ``sandbox``: the sandbox class (``callcore sandbox``, the pytest plugin's ``<name>_sandbox``).
    * ``recording_format``: the deployment's recording encoding when the sync is not told one.
    * ``declared_limits``: limits of profiles the Rust core has no profile for (a plugin's or a test's
      platform); a built-in platform leaves it empty, its limits are the core's.
    """

    name: str
    title: str
    profiles: tuple[str, ...]
    credentials: Credentials
    client: str
    async_client: str
    import_adapter: str | None = None
    recording_source: str | None = None
    outcome_source: str | None = None
    receiver: str | None = None
    sandbox: str | None = None
    recording_format: str = "auto"
    declared_limits: Mapping[str, Limits] = field(default_factory=dict)

    def limits(self, profile: str | None = None) -> Limits:
        """The limits of *profile* (default: the platform's first profile)."""
        chosen = profile or self.profiles[0]
        if _canonical_profile(chosen) not in self.profiles:
            raise ValueError(f"platform {self.name}: {chosen!r} is not one of its profiles ({', '.join(self.profiles)})")
        return limits(chosen)


_BUILT_IN = (
    PlatformSpec(
        name="huawei", title="Huawei CEC (AICC iSales, CC-FS)",
        # huawei: v1 API (7.4.1), huawei-v2: v2 API (7.4.2), huawei-file: the server import (7.4.8)
        profiles=("huawei", "huawei-v2", "huawei-file"),
        credentials=Credentials(user_field="access_key", secret_env=GENERIC_SECRET_ENV),
        client="callcore.platforms.huawei:HuaweiClient",
        async_client="callcore.platforms.huawei:AsyncHuaweiClient",
        import_adapter="callcore.pipelines.adapters.huawei:HuaweiAdapter",
        recording_source="callcore.pipelines.recording_sources:HuaweiSource",
        outcome_source="callcore.pipelines.outcome_sources:HuaweiOutcomes",
        receiver="callcore.receivers.huawei",
        sandbox="callcore.sandbox.huawei:HuaweiSandbox",
    ),
    PlatformSpec(
        name="sccc", title="SCCC",
        profiles=("sccc",),
        credentials=Credentials(user_field="customer", secret_env="CALLCORE_SCCC_PASSWORD", user_option="--customer"),
        client="callcore.platforms.sccc:ScccClient",
        async_client="callcore.platforms.sccc:AsyncScccClient",
        import_adapter="callcore.pipelines.adapters.sccc:ScccAdapter",
        recording_source="callcore.pipelines.recording_sources:ScccSource",
        outcome_source="callcore.pipelines.outcome_sources:ScccOutcomes",
        receiver="callcore.receivers.sccc",
        sandbox="callcore.sandbox.sccc:ScccSandbox",
    ),
    PlatformSpec(
        name="babaihu", title="八百呼",
        profiles=("babaihu",),
        credentials=Credentials(user_field="sa_user", secret_env="CALLCORE_BABAIHU_PASSWORD", user_option="--sa-user"),
        client="callcore.platforms.babaihu:BabaihuClient",
        async_client="callcore.platforms.babaihu:AsyncBabaihuClient",
        import_adapter="callcore.pipelines.adapters.babaihu:BabaihuAdapter",
        recording_source="callcore.pipelines.recording_sources:BabaihuSource",
        outcome_source="callcore.pipelines.outcome_sources:BabaihuOutcomes",
        receiver="callcore.receivers.babaihu",
        sandbox="callcore.sandbox.babaihu:BabaihuSandbox",
    ),
    PlatformSpec(
        name="hl95", title="九五云客服",
        profiles=("hl95",),
        credentials=Credentials(user_field="client_id", secret_env="CALLCORE_HL95_CLIENT_SECRET",
                                user_option="--client-id"),
        client="callcore.platforms.hl95:Hl95Client",
        async_client="callcore.platforms.hl95:AsyncHl95Client",
        import_adapter="callcore.pipelines.adapters.hl95:Hl95Adapter",
        recording_source="callcore.pipelines.recording_sources:Hl95Source",
        outcome_source="callcore.pipelines.outcome_sources:Hl95Outcomes",
        # no receiver: the seed (000, V1.3) defines no pushes; results and recordings are polled
        receiver=None,
        sandbox="callcore.sandbox.hl95:Hl95Sandbox",
    ),
)

_lock = threading.Lock()
_specs: dict[str, PlatformSpec] = {spec.name: spec for spec in _BUILT_IN}
#: accepted profile name (aliases included) -> (canonical profile, limits), from the Rust core
_core_profiles: dict[str, tuple[str, Limits]] | None = None


def _key(name: str) -> str:
    # the spelling rule of the core's Profile::by_name, so that every name it accepts is found here
    return name.strip().lower().replace("_", "-")


def _read_core_profiles() -> dict[str, tuple[str, Limits]]:
    global _core_profiles
    if _core_profiles is None:
        from callcore._core import calllist as core_calllist

        _core_profiles = {accepted: (profile, Limits(batch, max_batch, max_len, pending_cap))
                          for accepted, profile, batch, max_batch, max_len, pending_cap
                          in core_calllist.platform_profiles()}
    return _core_profiles


def _canonical_profile(name: str) -> str:
    key = _key(name)
    for spec in list(_specs.values()):
        if key in spec.declared_limits:
            return key
    core = _read_core_profiles().get(key)
    return core[0] if core else key


def names() -> tuple[str, ...]:
    """The platforms, in registration order (the built-in four first)."""
    return tuple(_specs)


def get(name: str) -> PlatformSpec:
    """The platform called *name*, or owning the profile or alias *name* (``huawei-v2``,
    ``huawei-file``, ``800ing``, ...); ``ValueError`` naming the known platforms otherwise."""
    key = _key(name)
    spec = _specs.get(key)
    if spec is not None:
        return spec
    profile = _canonical_profile(key)
    for spec in list(_specs.values()):
        if profile in spec.profiles:
            return spec
    raise ValueError(f"platform: unknown {name!r} (known: {', '.join(_specs)})")


def profiles() -> tuple[str, ...]:
    """Every calllist profile of every platform (``huawei``, ``huawei-v2``, ``huawei-file``, ``sccc``, ...)."""
    return tuple(profile for spec in list(_specs.values()) for profile in spec.profiles)


def limits(profile: str) -> Limits:
    """The limits of a calllist profile or of a platform's default profile (aliases accepted);
    ``ValueError`` naming the known profiles otherwise."""
    key = _key(profile)
    for spec in list(_specs.values()):
        if key in spec.declared_limits:
            return spec.declared_limits[key]
    core = _read_core_profiles().get(key)
    if core is None:
        raise ValueError(f"platform: unknown {profile!r} (known: {', '.join(profiles())})")
    return core[1]


def register(spec: PlatformSpec) -> PlatformSpec:
    """Adds *spec* (a plugin's or a test's platform); ``ValueError`` when its name, or one of its
    profiles, is taken, or when a profile has limits neither in the core nor in ``declared_limits``."""
    with _lock:
        if _key(spec.name) != spec.name:
            raise ValueError(f"platform {spec.name!r}: a name is lower case, with '-' rather than '_'")
        if spec.name in _specs:
            raise ValueError(f"platform {spec.name!r} is already registered")
        if not spec.profiles:
            raise ValueError(f"platform {spec.name!r}: give at least one calllist profile")
        core = _read_core_profiles()
        for profile in spec.profiles:
            taken = [other.name for other in _specs.values() if profile in other.profiles]
            if taken:
                raise ValueError(f"platform {spec.name!r}: profile {profile!r} belongs to {taken[0]}")
            if profile not in spec.declared_limits and profile not in core:
                raise ValueError(f"platform {spec.name!r}: profile {profile!r} has no limits "
                                 "(the core has no such profile: give declared_limits)")
        _specs[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Removes a platform added with :func:`register` (the built-in ones stay)."""
    with _lock:
        if any(spec.name == name for spec in _BUILT_IN):
            raise ValueError(f"platform {name!r} is built in")
        _specs.pop(name, None)


def load(reference: str) -> Any:
    """Imports ``"package.module:attribute"`` (or a module, when there is no ``:``)."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
