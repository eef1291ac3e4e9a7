"""SFTP for the file route: upload a workbook atomically (``.part`` then rename) with paramiko,
and :class:`LoopbackSshd`, a throwaway OpenSSH server on 127.0.0.1 for tests and the demo.

Credentials: a private key file (``key_file``) or a password; neither is ever logged.
"""
from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from callcore import _crashpoint
from callcore.platforms.retry import RetryPolicy

from .retrying import retry_call

SSHD = "/usr/sbin/sshd"


@dataclass
class SftpTarget:
    """Where workbooks go: the customer SFTP server registered on the platform (7.8.1)."""

    host: str
    port: int = 22
    user: str = ""
    key_file: str | None = None
    password: str | None = None
    remote_dir: str = "."
    #: the platform's serverId of this server (7.8.1 addServer), used by the import call
    server_id: str | None = None
    #: filePath passed to the import call (relative to the server's registered folder)
    file_path: str | None = None
    host_key_policy: str = "accept-new"  # or "strict": known_hosts must already hold the key

    def __repr__(self) -> str:
        return f"SftpTarget({self.user}@{self.host}:{self.port}{'/' + self.remote_dir.strip('/') if self.remote_dir else ''})"


#: three tries, 0.5 s then 1 s apart (a dropped SSH connection usually comes back at once)
UPLOAD_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=2.0)


def _transport_failure(error: BaseException) -> bool:
    import paramiko

    return isinstance(error, (OSError, paramiko.SSHException, EOFError))


def upload(target: SftpTarget, local: str | os.PathLike[str], remote_name: str, *,
           policy: RetryPolicy = UPLOAD_RETRY) -> str:
    """Uploads *local* as ``remote_dir/remote_name``: written as ``.part`` and renamed, so the
    platform never sees half a file. Returns the remote path. Transport failures are tried again
    under *policy* (:func:`callcore.pipelines.retrying.retry_call`, each retry logged)."""
    from callcore import _extras

    _extras.require("sftp", "SFTP upload")
    try:
        return retry_call(_upload_once, target, local, remote_name, policy=policy,
                          what=f"sftp upload of {os.path.basename(os.fspath(local))} to {target!r}",
                          retry_on=_transport_failure)
    except Exception as e:
        if _transport_failure(e):
            raise OSError(f"sftp upload of {os.fspath(local)} to {target!r} failed: {e}") from e
        raise


def _upload_once(target: SftpTarget, local: str | os.PathLike[str], remote_name: str) -> str:
    import paramiko

    client = paramiko.SSHClient()
    client.load_system_host_keys()
    if target.host_key_policy == "strict":
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
    else:
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(target.host, port=target.port, username=target.user, key_filename=target.key_file,
                       password=target.password, allow_agent=False, look_for_keys=False, timeout=15)
        sftp = client.open_sftp()
        rdir = PurePosixPath(target.remote_dir or ".")
        _mkdirs(sftp, rdir)
        final = str(rdir / remote_name)
        part = final + ".part"
        sftp.put(os.fspath(local), part, confirm=True)
        sftp.posix_rename(part, final)
        # the workbook is on the server under its final name; the journal does not know yet
        _crashpoint.reached("commit")
        sftp.close()
        return final
    finally:
        client.close()


def _mkdirs(sftp: Any, d: PurePosixPath) -> None:
    parts = [p for p in d.parts if p not in (".", "")]
    cur = PurePosixPath("/") if d.is_absolute() else PurePosixPath(".")
    for p in parts:
        if p == "/":
            continue
        cur = cur / p
        try:
            sftp.stat(str(cur))
        except OSError:
            sftp.mkdir(str(cur))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LoopbackSshd:
    """A real OpenSSH ``sshd`` on 127.0.0.1 and a random port, with throwaway host and user keys,
    serving SFTP (``internal-sftp``) starting in ``root``. For tests and the demo::

        with LoopbackSshd(tmp / "sftp-root") as sshd:
            upload(sshd.target(), "book.xlsx", "book.xlsx")
    """

    def __init__(self, root: str | os.PathLike[str], *, sshd: str = SSHD) -> None:
        self.root = Path(root).resolve()
        self.sshd = sshd
        self.user = getpass.getuser()
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="callcore-sshd-"))
        self.key_file = str(self.dir / "user_key")

    @staticmethod
    def available(sshd: str = SSHD) -> bool:
        return os.path.exists(sshd) and shutil.which("ssh-keygen") is not None

    def target(self, remote_dir: str = ".", **kw: Any) -> SftpTarget:
        return SftpTarget("127.0.0.1", self.port, self.user, key_file=self.key_file, remote_dir=remote_dir, **kw)

    def start(self, timeout: float = 10.0) -> "LoopbackSshd":
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / name)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copy(self.dir / "user_key.pub", self.dir / "authorized_keys")
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege-separation dir sshd insists on
        last = ""
        for _ in range(5):
            self.port = _free_port()
            cfg = self.dir / "sshd_config"
            cfg.write_text(
                f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir / 'host_key'}\n"
                f"PidFile {self.dir / 'sshd.pid'}\nAuthorizedKeysFile {self.dir / 'authorized_keys'}\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                f"PermitRootLogin prohibit-password\nAllowUsers {self.user}\nLogLevel ERROR\n"
                f"Subsystem sftp internal-sftp -d {self.root}\n")
            self.proc = subprocess.Popen([self.sshd, "-D", "-e", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = (self.proc.stderr.read() if self.proc.stderr else b"").decode(errors="replace")
                    break
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                        s.settimeout(2)
                        if s.recv(4).startswith(b"SSH-"):
                            return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"sshd did not start: {last.strip()[:300]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "LoopbackSshd":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()
