"""JUnit XML for CI test tabs: one test case per requirement × binding, one per other policy finding.

A blocked (or partial/unknown) required path is a failure whose message is the evidence; an optional path
that is not reachable, a waived finding and a requirement the topology cannot bind are skipped. No
timestamps or host names, so the file is deterministic. Valid against the Jenkins xunit JUnit schema
(schemas/vendor/junit-10.xsd), which the tests check.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from validator.model.waivers import is_waived
from validator.report.text import _evidence

if TYPE_CHECKING:
    from validator.model.findings import Finding
    from validator.model.report import Report


def _controls(findings: list[Finding]) -> str:
    controls = sorted({c for f in findings for c in f.controls})
    return f"\nControls: {'; '.join(controls)}" if controls else ""


def render(report: Report) -> str:
    by_path: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    others: list[Finding] = []
    for f in report.findings:
        binding = f.binding or {}
        if f.requirement and binding.get("source") and binding.get("destination"):
            by_path[(f.requirement, f"{binding['source']} -> {binding['destination']}")].append(f)
        else:
            others.append(f)
    root = ET.Element("testsuites", name="palette-policy")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tests": 0, "failures": 0, "skipped": 0})

    def suite(name: str) -> ET.Element:
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=name)
        return suites[name]

    for r in report.results:
        req = r.requirement
        case = ET.SubElement(
            suite(f"palette-policy.{req.profile}"),
            "testcase",
            classname=f"palette-policy.{req.profile}.{req.id}",
            name=f"{req.id}: {r.binding} {req.protocol}/{r.ports}",
            time="0",
        )
        c = counts[f"palette-policy.{req.profile}"]
        c["tests"] += 1
        findings = by_path.get((req.id, r.binding), [])
        evidence = _evidence(r)
        if r.verdict == "reachable":
            ET.SubElement(case, "system-out").text = f"reachable: {evidence}"
        elif not req.required:
            ET.SubElement(case, "skipped", message=f"optional path {r.verdict}: {evidence}")
            c["skipped"] += 1
        elif findings and all(is_waived(f) for f in findings):
            w = findings[0].extra["waived"]
            ET.SubElement(
                case, "skipped", message=f"waived until {w['expires']} by {w['owner']}: {w['reason']}"
            ).text = f"{r.summary}\n{evidence}{_controls(findings)}"
            c["skipped"] += 1
        else:
            fail = ET.SubElement(case, "failure", type=r.verdict, message=evidence)
            remediation = "\n".join(f"Remediation: {f.remediation}" for f in findings if f.remediation)
            fail.text = f"{r.summary}\n{remediation}{_controls(findings)}".strip()
            c["failures"] += 1
    for u in report.unbound:
        req = u.requirement
        case = ET.SubElement(
            suite(f"palette-policy.{req.profile}"),
            "testcase",
            classname=f"palette-policy.{req.profile}.{req.id}",
            name=f"{req.id}: unbound",
            time="0",
        )
        ET.SubElement(case, "skipped", message=f"not checked: no {' or '.join(u.missing)} in the topology")
        counts[f"palette-policy.{req.profile}"]["tests"] += 1
        counts[f"palette-policy.{req.profile}"]["skipped"] += 1
    for f in others:
        name = "palette-policy.policies"
        case = ET.SubElement(
            suite(name), "testcase", classname=f"{name}.{f.package}", name=f"{f.id}: {f.title}", time="0"
        )
        counts[name]["tests"] += 1
        where = ", ".join(f"{loc.get('file')}:{loc.get('line')}" for loc in f.locations[:3])
        body = f"{f.message}\n{('Remediation: ' + f.remediation) if f.remediation else ''}{_controls([f])}".strip()
        if is_waived(f):
            w = f.extra["waived"]
            ET.SubElement(
                case, "skipped", message=f"waived until {w['expires']} by {w['owner']}: {w['reason']}"
            ).text = body
            counts[name]["skipped"] += 1
        elif f.kind == "deny" or report.fail_on == "warn":
            fail = ET.SubElement(case, "failure", type=f"{f.kind}/{f.severity}", message=f"{f.message} ({where})")
            fail.text = body
            counts[name]["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = f"warning: {body}"
    for name, element in suites.items():
        c = counts[name]
        element.set("tests", str(c["tests"]))
        element.set("failures", str(c["failures"]))
        element.set("errors", "0")
        element.set("skipped", str(c["skipped"]))
        element.set("time", "0")
        totals["tests"] += c["tests"]
        totals["failures"] += c["failures"]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
