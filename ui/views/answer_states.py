"""The two states of an answer a person must not miss, read from the answer itself.

- Not in your records: the team finished but no key finding carries a value computed
  from the person's readings (nothing matched the question), so the text is general.
- Verify: a key finding's value is not credible or conflicts with another reading at the
  same instant (the measurements' quality), so that number needs checking first.
"""

from __future__ import annotations

from typing import Any

NOT_IN_RECORDS = ("Not in your records: the team found no readings that answer this "
                  "question, so nothing below is computed from your data.")
VERIFY = ("Verify: {names} {verb} not credible or conflicting readings; they are left out "
          "of trends and comparisons. Check them with your clinician or lab first.")


def _findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list((result.get("synthesis") or {}).get("key_findings") or [])


def not_in_records(result: dict[str, Any]) -> bool:
    if result.get("status") != "completed":
        return False
    findings = _findings(result)
    return not any(f.get("current_value") not in (None, "") for f in findings)


def unverified(result: dict[str, Any]) -> list[str]:
    """Names of the key findings whose quality is verify or conflict."""
    return [str(f.get("metric") or f.get("code") or "a value") for f in _findings(result)
            if f.get("quality") in ("verify", "conflict")]


def verify_text(result: dict[str, Any]) -> str:
    names = unverified(result)
    if not names:
        return ""
    return VERIFY.format(names=", ".join(names), verb="is" if len(names) == 1 else "are")


def flag_cell(finding: dict[str, Any]) -> str:
    """A finding's flag and quality in one cell: "high", "high · verify", "verify"."""
    parts = [str(finding.get("flag") or "")]
    if finding.get("quality") not in (None, "", "ok"):
        parts.append(str(finding["quality"]))
    return " · ".join(p for p in parts if p)
