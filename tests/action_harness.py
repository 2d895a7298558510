"""A local runner for action.yml's composite steps: what GitHub's runner does with them, minus the network.

It evaluates the steps' ``if:`` and ``${{ }}`` expressions (the subset action.yml uses: contexts, string
literals, ``==``, ``!=``, ``&&``, ``||``, ``!``, ``always()``, ``success()``), gives each ``run:`` step
GitHub's environment (GITHUB_OUTPUT per step, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, RUNNER_TEMP,
GITHUB_EVENT_PATH, …) and runs it as the runner does (``bash --noprofile --norc -eo pipefail``), collects
step outputs from GITHUB_OUTPUT, and records ``uses:`` steps without running them (their outcome is given).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(
    r"\s*('(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][A-Za-z0-9_.\-]*\(\)|[A-Za-z_][A-Za-z0-9_.\-]*)"
)


class Expression:
    """A recursive-descent evaluator for the expressions action.yml uses."""

    def __init__(self, text: str, context: dict[str, Any], status: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(text)]
        assert "".join(self.tokens).replace(" ", "") == text.replace(" ", ""), f"unsupported expression: {text}"
        self.pos, self.context, self.status = 0, context, status

    def value(self) -> Any:
        result = self._or()
        assert self.pos == len(self.tokens), self.tokens[self.pos :]
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            left = right if truthy(left) else left
        return left

    def _cmp(self) -> Any:
        left = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()
            right = self._unary()
            same = str(left if left is not None else "").lower() == str(right if right is not None else "").lower()
            return same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._atom()

    def _atom(self) -> Any:
        token = self._take()
        if token == "(":
            inner = self._or()
            assert self._take() == ")"
            return inner
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        if token == "always()":
            return True
        if token == "success()":
            return self.status == "success"
        if token == "failure()":
            return self.status == "failure"
        node: Any = self.context
        for part in token.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def substitute(text: str, context: dict[str, Any], status: str = "success") -> str:
    def one(match: re.Match[str]) -> str:
        value = Expression(match.group(1), context, status).value()
        return "" if value is None else ("true" if value is True else "false" if value is False else str(value))

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


def condition(text: str | None, context: dict[str, Any], status: str) -> bool:
    if text is None:
        return status == "success"
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return truthy(Expression(text, context, status).value())


@dataclass
class StepRun:
    id: str | None
    name: str
    ran: bool
    outcome: str  # success | failure | skipped
    stdout: str = ""
    stderr: str = ""
    uses: str | None = None


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def conclusion(self) -> str:
        return "failure" if any(s.outcome == "failure" for s in self.steps if not s.uses) else "success"


def run_action(
    inputs: dict[str, str],
    workspace: Path,
    runner_temp: Path,
    github: dict[str, Any],
    env: dict[str, str] | None = None,
    uses_outcomes: dict[str, str] | None = None,
) -> ActionRun:
    """Run action.yml's steps in ``workspace`` as GitHub's runner would, with ``inputs`` and ``github`` context."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    given = {name: inputs.get(name, spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(given)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    context: dict[str, Any] = {
        "inputs": given,
        "github": {"action_path": str(ROOT), **github},
        "runner": {"os": "Linux", "temp": str(runner_temp)},
        "steps": {},
    }
    summary = runner_temp / "step_summary.md"
    summary.touch()
    result = ActionRun()
    status = "success"
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        if not condition(step.get("if"), context, status):
            result.steps.append(StepRun(step.get("id"), name, False, "skipped", uses=step.get("uses")))
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": {}, "outcome": "skipped"}
            continue
        if "uses" in step:
            outcome = (uses_outcomes or {}).get(step.get("id") or step["uses"], "success")
            result.steps.append(StepRun(step.get("id"), name, True, outcome, uses=step["uses"]))
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": {}, "outcome": outcome}
            if outcome == "failure" and not step.get("continue-on-error"):
                status = "failure"
            continue
        output_file = runner_temp / f"output_{index}"
        output_file.write_text("", encoding="utf-8")
        step_env = {
            **os.environ,
            **(env or {}),
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REPOSITORY": github.get("repository", ""),
            "GITHUB_ACTOR": github.get("actor", ""),
            "GITHUB_EVENT_NAME": github.get("event_name", ""),
            "GITHUB_EVENT_PATH": github.get("event_path", ""),
            "GITHUB_BASE_REF": github.get("base_ref", ""),
        }
        for key, value in (step.get("env") or {}).items():
            step_env[key] = substitute(str(value), context, status)
        script = substitute(step["run"], context, status)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        outcome = "success" if proc.returncode == 0 else "failure"
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines() if "=" in line
        )
        if step.get("id"):
            context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}
        result.steps.append(StepRun(step.get("id"), name, True, outcome, proc.stdout, proc.stderr))
        if outcome == "failure" and not step.get("continue-on-error"):
            status = "failure"
    for name, spec in action.get("outputs", {}).items():
        result.outputs[name] = substitute(str(spec["value"]), context, status)
    result.summary = summary.read_text(encoding="utf-8")
    return result


def event_file(path: Path, event: dict[str, Any]) -> str:
    path.write_text(json.dumps(event), encoding="utf-8")
    return str(path)
