"""Signing evidence manifests with minisign (``validate --sign KEY``, ``evidence verify --key PUB``).

A manifest's own digest shows accidents, not forgery: whoever can rewrite the manifest can recompute it.
A signature by a key the auditor trusts closes that gap. minisign (Ed25519, the Debian/Ubuntu package
``minisign``) is run as a program; the signature is ``manifest.json.minisig`` next to the manifest, and the
manifest holds the digests of everything else, so one signature covers the bundle and the inputs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from validator.model.errors import InputError

TOOL = "minisign"


def _tool() -> str:
    found = shutil.which(TOOL)
    if found is None:
        raise InputError(
            "signing needs the minisign program, which is not installed",
            hint="apt-get install minisign (or brew install minisign), or drop --sign",
        )
    return found


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False)


def sign_manifest(manifest: Path, signature: Path, secret_key: Path) -> None:
    """Sign ``manifest`` with ``secret_key`` (a minisign key without a password, ``minisign -G -W``)."""
    if not secret_key.is_file():
        raise InputError("cannot read the signing key", file=str(secret_key), hint="pass a minisign secret key file")
    done = _run([_tool(), "-S", "-s", str(secret_key), "-m", str(manifest), "-x", str(signature)])
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise InputError(
            f"minisign could not sign the manifest: {reason[-1] if reason else 'exit ' + str(done.returncode)}",
            file=str(secret_key),
            hint="use a key made with 'minisign -G -W' (no password: the run is not interactive)",
        )


def verify_manifest(manifest: Path, signature: Path, public_key: Path) -> str:
    """ "good", or why the signature does not hold."""
    if not public_key.is_file():
        raise InputError("cannot read the public key", file=str(public_key), hint="pass a minisign public key file")
    if not signature.is_file():
        return f"{signature.name} is missing: the bundle is not signed"
    done = _run([_tool(), "-V", "-q", "-p", str(public_key), "-m", str(manifest), "-x", str(signature)])
    if done.returncode == 0:
        return "good"
    reason = (done.stderr or done.stdout).strip().splitlines()
    return f"does not verify with {public_key.name}: {reason[-1] if reason else 'exit ' + str(done.returncode)}"
