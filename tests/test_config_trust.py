"""A repository's .palette-policy.yaml is written by whoever writes the pull request: the paths it names
must stay inside the repository (links resolved). Only the command line may point outside."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

SECRET = "s3cr3t-t0ken-value"
LEAKY_POLICY = textwrap.dedent(
    """
    package user.leak

    import rego.v1

    deny contains msg if {
        some user in data.users
        msg := sprintf("token %v", [user.user.token])
    }
    """
)


def repository(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with the saas-ok network and a policy that would print whatever data it is given; and a
    kubeconfig-like secret outside it."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(FIXTURES / "saas-ok", repo / "net")
    (repo / "policy").mkdir()
    (repo / "policy" / "leak.rego").write_text(LEAKY_POLICY)
    secret = tmp_path / "home" / ".kube" / "config.yaml"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"users:\n  - name: admin\n    user:\n      token: {SECRET}\n")
    return repo, secret


@pytest.mark.parametrize("how", ["absolute", "relative", "link"])
def test_config_cannot_make_the_run_read_a_secret_outside_the_repository(cli, tmp_path: Path, how: str) -> None:
    repo, secret = repository(tmp_path)
    if how == "link":
        (repo / "data.yaml").symlink_to(secret)
        named = "data.yaml"
    else:
        named = str(secret) if how == "absolute" else "../home/.kube/config.yaml"
    (repo / ".palette-policy.yaml").write_text(f"policy_dirs: [policy]\ndata_files: [{named}]\n")
    result = cli("validate", repo / "net", "--format", "github")
    assert result.exit_code == 2, result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert ".palette-policy.yaml:2: data_files:" in result.stderr and "outside the repository" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("key", ["policy_dirs", "profiles_dirs", "waivers"])
def test_every_path_key_is_confined(cli, tmp_path: Path, key: str) -> None:
    repo, secret = repository(tmp_path)
    value = f"[{secret.parent}]" if key.endswith("dirs") else str(secret)
    (repo / ".palette-policy.yaml").write_text(f"{key}: {value}\n")
    result = cli("validate", repo / "net")
    assert result.exit_code == 2 and f"{key}:" in result.stderr and "outside the repository" in result.stderr


def test_a_config_file_that_is_itself_a_link_out_of_the_repository_is_refused(cli, tmp_path: Path) -> None:
    repo, secret = repository(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("fail_on: none\n")
    (repo / ".palette-policy.yaml").symlink_to(outside)
    result = cli("validate", repo / "net")
    assert result.exit_code == 2 and "leads outside" in result.stderr


def test_the_command_line_may_point_outside(cli, tmp_path: Path) -> None:
    repo, secret = repository(tmp_path)
    inside = cli("validate", repo / "net", "--policy", repo / "policy", "--data", secret, "--format", "json")
    assert inside.exit_code == 1 and SECRET in inside.stdout  # the user asked for it on the command line
    (repo / ".palette-policy.yaml").write_text("policy_dirs: [policy]\n")  # inside the repository: fine
    assert cli("validate", repo / "net", "--data", secret).exit_code == 1


def test_a_nul_character_in_a_configured_path_is_a_located_error(cli, tmp_path: Path) -> None:
    """Found by the fuzz campaign: it was an internal error (ValueError: embedded null byte)."""
    repo, _ = repository(tmp_path)
    (repo / ".palette-policy.yaml").write_text('policy_dirs: ["\\0"]\n')
    result = cli("validate", repo / "net")
    assert result.exit_code == 2 and ".palette-policy.yaml:1: policy_dirs: a path cannot contain a NUL" in result.stderr
