"""Inspects a built callcore wheel; ``make wheel`` runs it, and with ``--venv`` it also installs
the wheel's core (no extras) into a fresh virtual environment and tries it as a service would.

Checks: the platform tag (manylinux2014 = glibc 2.17, abi3 from CPython 3.11), the extension is
stripped, the size, the licence files and the PEP 639 ``License-Expression`` (equal to
pyproject.toml's), the ``Requires-Dist`` of the core install and of each extra. ``--venv DIR``:
installs the wheel without extras, counts the installed distributions and their size, runs a
signing, a call-list clean and a transcode, checks the CLI and the sandbox name their extras, and
times ``import callcore.sign``.

    python tools/check_wheel.py dist/callcore-*.whl [--venv /tmp/callcore-core-venv]
"""
from __future__ import annotations

import argparse
import email.parser
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_TAG = re.compile(r"^cp311-abi3-(manylinux2014_x86_64\.manylinux_2_17_x86_64|manylinux_2_17_x86_64(\.manylinux2014_x86_64)?)$")
MAX_WHEEL_BYTES = 12 * 1024 * 1024
CORE_REQUIRES = {"numpy", "httpx"}
EXTRAS = {"cli": {"rich"}, "sandbox": {"starlette", "uvicorn", "python-multipart"}, "sftp": {"paramiko"}}
LICENCE_FILES = {"LICENSE", "LICENSES/README.md", "LICENSES/THIRD-PARTY.txt"}


def fail(msg: str) -> None:
    print(f"FAIL {msg}")
    raise SystemExit(1)


def elf_section_names(blob: bytes) -> set[str]:
    """Section names of a 64-bit little-endian ELF (enough to see whether .symtab/.debug_* remain)."""
    import struct

    if blob[:4] != b"\x7fELF" or blob[4] != 2:
        fail("the extension is not a 64-bit ELF")
    shoff, = struct.unpack_from("<Q", blob, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    def sh(i: int) -> tuple[int, int, int]:
        base = shoff + i * shentsize
        name, = struct.unpack_from("<I", blob, base)
        offset, size = struct.unpack_from("<QQ", blob, base + 0x18)
        return name, offset, size
    _, str_off, str_size = sh(shstrndx)
    strtab = blob[str_off:str_off + str_size]
    return {strtab[n:strtab.index(b"\0", n)].decode() for n, _, _ in (sh(i) for i in range(shnum))}


def inspect(wheel: Path) -> dict[str, object]:
    name = wheel.name
    parts = name[:-4].split("-")
    tag = "-".join(parts[2:])
    print(f"wheel      {name}")
    print(f"size       {wheel.stat().st_size / 1e6:.2f} MB ({wheel.stat().st_size:,} bytes)")
    if not EXPECTED_TAG.match(tag):
        fail(f"tag {tag!r}: expected cp311-abi3-manylinux_2_17_x86_64 (manylinux2014)")
    if wheel.stat().st_size > MAX_WHEEL_BYTES:
        fail(f"size {wheel.stat().st_size:,} bytes is over {MAX_WHEEL_BYTES:,}")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        meta = email.parser.Parser().parsestr(z.read(f"{dist_info}/METADATA").decode())
        licences = {n.split("/licenses/", 1)[1] for n in names if n.startswith(f"{dist_info}/licenses/")}
        so = [n for n in names if re.match(r"callcore/_core\..*(so|pyd)$", n)]
        if len(so) != 1:
            fail(f"expected one extension module, found {so}")
        sections = elf_section_names(z.read(so[0]))
        so_size = z.getinfo(so[0]).file_size
        has_stubs = "callcore/_core.pyi" in names and "callcore/py.typed" in names
    print(f"extension  {so[0]} {so_size / 1e6:.2f} MB, sections: {'symtab ' if '.symtab' in sections else ''}"
          f"{'debug ' if any(s.startswith('.debug') for s in sections) else ''}{'(stripped)' if '.symtab' not in sections else ''}")
    if ".symtab" in sections or any(s.startswith(".debug") for s in sections):
        fail("the extension is not stripped (.symtab/.debug_* present)")
    if not has_stubs:
        fail("the typing stubs (_core.pyi, py.typed) are missing")
    print(f"licences   {sorted(licences)}")
    if not LICENCE_FILES <= licences:
        fail(f"licence files missing from the wheel: {sorted(LICENCE_FILES - licences)}")
    expression = meta.get("License-Expression")
    want = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    print(f"License-Expression: {expression}")
    if expression != want:
        fail(f"License-Expression {expression!r} != pyproject.toml's {want!r}")
    requires = meta.get_all("Requires-Dist") or []
    print("Requires-Dist:\n  " + "\n  ".join(requires))
    core = {re.split(r"[<>=!~ ;\[]", r)[0].lower() for r in requires if "extra ==" not in r}
    if core != CORE_REQUIRES:
        fail(f"core requirements {sorted(core)}: expected {sorted(CORE_REQUIRES)}")
    for extra, pkgs in EXTRAS.items():
        got = {re.split(r"[<>=!~ ;\[]", r)[0].lower() for r in requires if re.search(rf"extra == ['\"]{extra}['\"]", r)}
        if got != pkgs:
            fail(f"extra {extra!r} requires {sorted(got)}: expected {sorted(pkgs)}")
    if "all" not in (meta.get_all("Provides-Extra") or []):
        fail("no 'all' extra")
    return {"tag": tag, "size": wheel.stat().st_size}


def auditwheel(wheel: Path) -> None:
    exe = shutil.which("auditwheel") or str(Path(sys.executable).parent / "auditwheel")
    out = subprocess.run([exe, "show", str(wheel)], capture_output=True, text=True)
    text = " ".join(out.stdout.split())
    print("auditwheel show:", text[:600])
    if out.returncode != 0 or 'is consistent with the following platform tag: "manylinux_2_17_x86_64"' not in text:
        fail("auditwheel does not find the wheel manylinux_2_17_x86_64 (manylinux2014) compatible")


def core_venv(wheel: Path, venv: Path) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    def installed() -> dict[str, str]:
        out = subprocess.run([str(py), "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True)
        return {d["name"].lower(): d["version"] for d in json.loads(out.stdout)}

    baseline = installed()
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True)
    added = sorted(f"{n}=={v}" for n, v in installed().items() if n not in baseline)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    skip = {"pip", "setuptools", "_distutils_hack"}
    size = sum(f.stat().st_size for d in site.iterdir() if d.name.split("-")[0].lower() not in skip
               for f in ([d] if d.is_file() else d.rglob("*")) if f.is_file())
    print(f"core install: {len(added)} packages, {size / 1e6:.1f} MB in site-packages: {', '.join(added)}")
    work = Path(tempfile.mkdtemp(prefix="callcore-core-"))
    (work / "list.csv").write_text("phone\n13800138000\n13800138000\nabc\n")
    (work / "rec.al").write_bytes(bytes(range(256)) * 40)
    script = (
        "from callcore import sign, calllist, audio\n"
        "assert sign.auth_v2('GET', '/p', headers={'host': 'h'}, access_key='a', secret_key='s').startswith('auth-v2/a/')\n"
        "s = calllist.clean('list.csv', 'clean.csv', 'rejects.csv'); assert (s.clean, s.rejected) == (1, 2), s\n"
        "assert audio.transcode('rec.al', 'rec.mp3', source='alaw').ok\n"
        "import sys; assert not {'rich', 'starlette', 'uvicorn', 'paramiko'} & set(sys.modules)\n"
        "print('sign, clean, transcode: ok')\n")
    run = subprocess.run([str(py), "-c", script], cwd=work, capture_output=True, text=True)
    print(run.stdout.strip() or run.stderr[-2000:])
    if run.returncode:
        fail("the core install cannot sign, clean and transcode")
    cli = subprocess.run([str(venv / "bin" / "callcore"), "calllist", "normalize", "13800138000"],
                         capture_output=True, text=True)
    print(f"callcore without [cli]: exit {cli.returncode}: {cli.stderr.strip()}")
    if cli.returncode != 1 or "callcore[cli]" not in cli.stderr:
        fail("the CLI does not name the cli extra")
    sb = subprocess.run([str(py), "-c", "import callcore.sandbox.huawei"], capture_output=True, text=True)
    last = sb.stderr.strip().splitlines()[-1] if sb.stderr.strip() else ""
    print(f"sandbox without [sandbox]: {last}")
    if "callcore[sandbox]" not in last:
        fail("the sandbox does not name the sandbox extra")
    times = []
    for _ in range(7):
        out = subprocess.run([str(py), "-X", "importtime", "-c", "import callcore.sign"], capture_output=True, text=True)
        times.append(int(out.stderr.strip().splitlines()[-1].split("|")[1]) / 1000)
    print(f"import callcore.sign: median {statistics.median(times):.1f} ms (cumulative, -X importtime, 7 runs: "
          f"{min(times):.1f}-{max(times):.1f} ms)")
    shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wheel", type=Path)
    ap.add_argument("--venv", type=Path, help="also install the core into this (new) venv and try it")
    ap.add_argument("--no-auditwheel", action="store_true")
    args = ap.parse_args()
    inspect(args.wheel)
    if not args.no_auditwheel:
        auditwheel(args.wheel)
    if args.venv:
        core_venv(args.wheel, args.venv)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
