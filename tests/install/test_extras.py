"""The core install (``pip install callcore``) against the extras (``[cli]``, ``[sandbox]``,
``[sftp]``): with the optional packages made unimportable in a child process (a meta-path hook,
the same thing Python sees in a venv that lacks them), signing, cleaning and transcoding work,
and every feature whose extra is missing says which one to install. ``tools/check_wheel.py``
repeats the core-install checks in a real venv built from the wheel."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CLI_EXTRA = ("rich",)
SANDBOX_EXTRA = ("starlette", "uvicorn", "multipart")
SFTP_EXTRA = ("paramiko",)
ALL_EXTRAS = CLI_EXTRA + SANDBOX_EXTRA + SFTP_EXTRA

BLOCKER = '''
import importlib.abc, sys
BLOCKED = {blocked!r}
class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
'''


def _run(blocked: tuple[str, ...], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = BLOCKER.format(blocked=set(blocked)) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_core_install_signs_cleans_and_transcodes(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("phone\n13800138000\n13800138000\nabc\n0755-88889999\n")
    (tmp_path / "rec.al").write_bytes(bytes(range(256)) * 40)
    run = _run(ALL_EXTRAS, '''
        import sys
        from callcore import sign, calllist, audio
        import callcore.platforms.huawei, callcore.platforms.sccc, callcore.platforms.babaihu, callcore.platforms.hl95
        a = sign.auth_v2("POST", "/p", headers={"host": "h:1", "Content-Type": "application/json"},
                         access_key="ak", secret_key="sk", timestamp="2018-10-17T11:48:24Z", body=b"{}")
        assert a.startswith("auth-v2/ak/"), a
        s = calllist.clean("list.csv", "clean.csv", "rejects.csv")
        assert (s.rows, s.clean, s.rejected) == (4, 2, 2), (s.rows, s.clean, s.rejected)
        r = audio.transcode("rec.al", "rec.wav", source="alaw")
        assert r.ok and r.frames == 10240, r
        assert len(audio.decode(b"\\x00\\x11", "vox")) == 4
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
        assert not loaded, loaded
        print("ok")
    ''', tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:]


def test_cli_without_rich_names_the_cli_extra(tmp_path: Path) -> None:
    run = _run(ALL_EXTRAS, '''
        import sys
        from callcore.cli import main
        sys.exit(main(["calllist", "normalize", "13800138000"]))
    ''', tmp_path)
    assert run.returncode == 1, (run.returncode, run.stderr[-3000:])
    assert "pip install 'callcore[cli]'" in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]


def test_sandbox_without_its_extra_names_it(tmp_path: Path) -> None:
    # the command line is there (rich), the sandbox's web stack is not
    run = _run(SANDBOX_EXTRA, '''
        import sys
        from callcore.cli import main
        sys.exit(main(["sandbox", "huawei", "--port", "0"]))
    ''', tmp_path)
    assert run.returncode == 1, (run.returncode, run.stderr[-3000:])
    assert "pip install 'callcore[sandbox]'" in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]
    for module in ("huawei", "sccc", "babaihu", "hl95", "pytest_plugin"):
        lib = _run(SANDBOX_EXTRA, f'''
            from callcore._extras import MissingExtra
            try:
                import callcore.sandbox.{module}
            except MissingExtra as e:
                assert e.extra == "sandbox" and "pip install 'callcore[sandbox]'" in str(e), str(e)
                print("named")
        ''', tmp_path)
        assert lib.stdout.strip() == "named", (module, lib.stderr[-3000:])


def test_sftp_upload_without_paramiko_names_the_sftp_extra(tmp_path: Path) -> None:
    run = _run(SFTP_EXTRA, '''
        from callcore.pipelines.sftp import SftpTarget, upload
        try:
            upload(SftpTarget(host="127.0.0.1", port=1, user="u"), "x", "x")
        except ImportError as e:
            assert "pip install 'callcore[sftp]'" in str(e), str(e)
            print("named")
    ''', tmp_path)
    assert run.stdout.strip() == "named", run.stderr[-3000:]


def test_missing_numpy_is_an_import_error_not_a_panic(tmp_path: Path) -> None:
    # numpy is a core dependency, but a broken environment must get an ImportError (an Exception a
    # service can catch), never pyo3's PanicException (a BaseException)
    run = _run(("numpy",), '''
        from callcore import audio
        for call in (lambda: audio.decode(b"\\x00\\x11", "vox"), lambda: audio.decode(b"\\x00", "alaw"),
                     lambda: audio.read_wav(b"RIFF")):
            try:
                call()
            except ImportError as e:
                assert "numpy" in str(e) and "pip install" in str(e), str(e)
            except BaseException as e:
                print("not an ImportError:", type(e).__module__, type(e).__name__, e)
                raise SystemExit(3)
        print("ok")
    ''', tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr[-3000:]


def test_cli_help_version_and_completion_need_no_extra(tmp_path: Path) -> None:
    # only running a command needs [cli]: --help, --version and the completion script do not
    run = _run(ALL_EXTRAS, '''
        import contextlib, io, sys
        from callcore.cli import main
        for argv in (["--help"], ["outbound", "import", "--help"], ["--version"]):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    main(argv)
            except SystemExit as e:
                assert e.code == 0, (argv, e.code)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["completion", "bash"]) == 0
        assert "complete -o filenames -F _callcore callcore" in out.getvalue()
        print("ok")
    ''', tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:]
