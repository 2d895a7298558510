"""Waivers applied to the findings, after the policies (so Rego never sees waivers).

A matched finding stays in every report, marked waived, but no longer fails the run. An expired waiver
waives nothing and is reported; a waiver that matches no finding is reported as stale, so the file does
not silently accumulate dead exceptions.
"""

from __future__ import annotations

import datetime as dt

from validator.model.findings import Finding
from validator.model.waivers import Waiver, WaiverOutcome


def apply_waivers(
    findings: list[Finding], waivers: list[Waiver], today: dt.date | None = None, file: str | None = None
) -> WaiverOutcome:
    """Mark matched findings waived (``finding.extra['waived']``); list expired and stale waivers."""
    today = today or dt.datetime.now(dt.UTC).date()
    outcome = WaiverOutcome(file=file, waivers=waivers)
    for finding in findings:  # only a waiver marks a finding waived, never a policy's own output
        finding.extra.pop("waived", None)
    for waiver in waivers:
        if waiver.expired(today):
            outcome.expired.append(waiver)
            continue
        hits = [f for f in findings if waiver.matches(f)]
        if not hits:
            outcome.stale.append(waiver)
        for finding in hits:
            if "waived" not in finding.extra:
                finding.extra["waived"] = {
                    "reason": waiver.reason,
                    "owner": waiver.owner,
                    "expires": waiver.expires.isoformat(),
                    "source": f"{waiver.file}:{waiver.line}" if waiver.line else waiver.file,
                }
                outcome.applied.append((waiver, finding))
    return outcome
