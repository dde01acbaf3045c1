"""C-CDA R2.1 documents and section fragments (Results, Vital Signs, Medications,
Problems, Allergies, Immunizations), read whole with a hardened lxml parser.

HL7's published examples are bare ``<section>`` fragments that use the ``xsi`` prefix
without declaring it: the declaration is added before parsing (xmlsafe.declare_prefixes),
entities stay refused. Namespaces are dropped after parsing so documents and
fragments read alike. Result values: PQ (value + unit), IVL_PQ intervals become a
comparator (``>500``, ``<=5``), a PQ with nullFlavor and a ``translation`` keeps the
translation's value and its originalText unit (non-UCUM units are kept as written),
ST/CD values become text. The reference range whose interpretation is N (normal) is
used when several are given. Negated entries ("no known problems") are skipped.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from storage.errors import IngestError
from storage.ingest import xmlsafe
from storage.ingest.detect import Unit
from storage.ingest.normalize import flag_from_interpretation, iso
from storage.ingest.pipeline import Limits
from storage.ingest.writer import Writer

KEY = "ccda|patient"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SYSTEMS = {"2.16.840.1.113883.6.1": "http://loinc.org", "2.16.840.1.113883.6.96":
           "http://snomed.info/sct", "2.16.840.1.113883.6.88":
           "http://www.nlm.nih.gov/research/umls/rxnorm", "2.16.840.1.113883.12.292":
           "http://hl7.org/fhir/sid/cvx"}
SECTIONS = {  # templateId root (without version) or LOINC section code -> kind
    "2.16.840.1.113883.10.20.22.2.3": "results", "30954-2": "results",
    "2.16.840.1.113883.10.20.22.2.4": "vitals", "8716-3": "vitals",
    "2.16.840.1.113883.10.20.22.2.1": "medications", "10160-0": "medications",
    "2.16.840.1.113883.10.20.22.2.5": "problems", "11450-4": "problems",
    "2.16.840.1.113883.10.20.22.2.6": "allergies", "48765-2": "allergies",
    "2.16.840.1.113883.10.20.22.2.2": "immunizations", "11369-6": "immunizations",
}


def _parse(data: bytes, label: str) -> Any:
    xmlsafe.check_prolog(data[: xmlsafe.HEAD], label)
    parser = etree.XMLParser(**xmlsafe.PARSER_OPTIONS)
    try:
        root = etree.fromstring(xmlsafe.declare_prefixes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise xmlsafe.syntax_error(label, exc) from None
    xmlsafe.check_docinfo(root.getroottree(), label)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
    return root


def _code(el: Any) -> tuple[str | None, str | None, str | None]:
    if el is None:
        return None, None, None
    system = el.get("codeSystem")
    text = el.findtext("originalText")
    return SYSTEMS.get(system or "", system), el.get("code"), el.get("displayName") or \
        (text.strip() if text and text.strip() else None)


def _ts(value: str | None) -> str | None:
    """An HL7 TS as ISO; a value that is no valid TS (HL7's own SDOH example has a
    13-digit one) is left empty rather than guessed."""
    out = iso(value)
    return out if out is None or (out[:4].isdigit() and out[4:5] == "-") else None


def _time(el: Any) -> tuple[str | None, str | None]:
    if el is None:
        return None, None
    if el.get("value"):
        return _ts(el.get("value")), None
    low, high = el.find("low"), el.find("high")
    return (_ts(low.get("value")) if low is not None else None,
            _ts(high.get("value")) if high is not None else None)


def _ident(el: Any) -> str | None:
    """An II as one string: root, plus ^extension when there is one."""
    if el is None or not el.get("root"):
        return None
    return el.get("root") + (f"^{el.get('extension')}" if el.get("extension") else "")


def _kind(section: Any) -> str | None:
    for tid in section.findall("templateId"):
        root = tid.get("root") or ""
        kind = SECTIONS.get(root) or SECTIONS.get(root.removesuffix(".1"))
        if kind:
            return kind
    code = section.find("code")
    return SECTIONS.get(code.get("code") or "") if code is not None else None


def _quantity(el: Any) -> tuple[float | None, str | None, str | None]:
    """(value, unit, raw value) of a PQ, falling back to its translation (non-UCUM)."""
    if el is None:
        return None, None, None
    raw, unit = el.get("value"), el.get("unit")
    if raw is None:
        tr = el.find("translation")
        if tr is not None and tr.get("value") is not None:
            raw, unit = tr.get("value"), (tr.findtext("originalText") or "").strip() or None
    try:
        return (float(raw) if raw is not None else None), unit, raw
    except ValueError:
        raise IngestError("", "value", f"{raw!r} is not a number") from None


def _value(obs: Any) -> dict[str, Any]:
    value = obs.find("value")
    if value is None:
        return {}
    kind = value.get(XSI_TYPE) or ""
    if kind == "PQ":
        num, unit, raw = _quantity(value)
        return {"num": num, "original_unit": unit, "original_value": raw}
    if kind == "IVL_PQ":
        low, high = value.find("low"), value.find("high")
        lo, lo_unit, lo_raw = _quantity(low)
        hi, hi_unit, hi_raw = _quantity(high)
        if hi is not None and (lo is None or lo == 0):
            strict = high.get("inclusive") == "false"
            return {"num": hi, "comparator": "<" if strict else "<=", "original_unit": hi_unit,
                    "original_value": f"{'<' if strict else '<='}{hi_raw}"}
        if lo is not None:
            strict = low.get("inclusive") == "false"
            return {"num": lo, "comparator": ">" if strict else ">=", "original_unit": lo_unit,
                    "original_value": f"{'>' if strict else '>='}{lo_raw}"}
        return {}
    text = value.get("displayName") or (value.text or "").strip() or value.get("code")
    return {"value_text": text, "original_value": text}


def _range(obs: Any) -> tuple[float | None, float | None]:
    ranges = obs.findall("referenceRange/observationRange")
    normal = [r for r in ranges if (r.find("interpretationCode") is not None and
                                    r.find("interpretationCode").get("code") == "N")]
    for rng in normal or ranges:
        value = rng.find("value")
        if value is not None:
            return _quantity(value.find("low"))[0], _quantity(value.find("high"))[0]
    return None, None


def _observations(w: Writer, section: Any, category: str, pos: int) -> int:
    found = section.findall("entry/organizer/component/observation") + \
        section.findall("entry/observation")
    for obs in found:
        if obs.get("negationInd") == "true" or obs.find("value") is None:
            continue
        pos += 1
        system, code, display = _code(obs.find("code"))
        start, end = _time(obs.find("effectiveTime"))
        interp = obs.find("interpretationCode")
        low, high = _range(obs)
        ident = obs.find("id")
        w.observation(pos, patient=KEY, category=category, code_system=system, code=code,
                      display=display, effective=start, effective_end=end, ref_low=low,
                      ref_high=high, record_id=_ident(ident),
                      flag=flag_from_interpretation(interp.get("code") if interp is not None
                                                    else None), **_value(obs))
    return pos


def _substance(w: Writer, section: Any, table: str, pos: int) -> int:
    for sa in section.findall("entry/substanceAdministration"):
        pos += 1
        material = sa.find("consumable/manufacturedProduct/manufacturedMaterial/code")
        system, code, name = _code(material)
        negated = sa.get("negationInd") == "true"
        if negated and (material is None or material.get("nullFlavor")
                        or (code is None and name is None)):
            # C-CDA R2.1 Medication/Immunization Activity with negationInd and no drug
            # named (a nullFlavor code, e.g. translated to SNOMED 410942007 "Drug or
            # medicament"): the statement "takes no medications" / "no vaccines", not an
            # entry of its own.
            w.warn(f"a negated {'vaccine' if table == 'immunizations' else 'medication'} "
                   "entry with no drug named says there are none; nothing was added")
            continue
        times = sa.findall("effectiveTime")
        start, stop = _time(times[0]) if times else (None, None)
        status = (sa.find("statusCode").get("code") if sa.find("statusCode") is not None
                  else None)
        # negated with a drug named: "not taking X" / "X not given" (FHIR
        # MedicationStatement.status not-taken, Immunization.status not-done)
        if negated:
            status = "not-done" if table == "immunizations" else "not-taken"
        if table == "immunizations":
            w.add(table, pos, patient=KEY, code_system=system, code=code,
                  display=name or "Unnamed vaccine", occurred=start, status=status)
            continue
        dose = sa.find("doseQuantity")
        period = next((t.find("period") for t in times[1:] if t.find("period") is not None),
                      None)
        w.add(table, pos, patient=KEY, code_system=system, code=code,
              name=name or "Unnamed medication", start=start, stop=stop, status=status,
              dose_value=float(dose.get("value")) if dose is not None and dose.get("value")
              else None, dose_unit=dose.get("unit") if dose is not None else None,
              frequency=f"every {period.get('value')} {period.get('unit')}"
              if period is not None else None)
    return pos


SEVERITY = "2.16.840.1.113883.10.20.22.4.8"  # C-CDA Severity Observation (code SEV)


def _is_severity(obs: Any) -> bool:
    code = obs.find("code")
    return any(t.get("root") == SEVERITY for t in obs.findall("templateId")) or (
        code is not None and code.get("code") == "SEV")


def _concerns(w: Writer, section: Any, table: str, pos: int) -> int:
    """Each concern act's observations. A Severity Observation beside an allergy in its
    act (C-CDA R1.1 places it there) is that allergy's severity, kept as its
    criticality as the C-CDA-on-FHIR mapping does, never an entry of its own."""
    for act in section.findall("entry/act"):
        observations = act.findall("entryRelationship/observation")
        severity = next((_code(o.find("value"))[2] for o in observations if _is_severity(o)),
                        None)
        entries = [o for o in observations if not _is_severity(o)]
        pos = _concern_entries(w, entries, table, pos, severity)
    return pos


def _concern_entries(w: Writer, entries: list[Any], table: str, pos: int,
                     severity: str | None) -> int:
    for obs in entries:
        if obs.get("negationInd") == "true":
            w.warn("skipped a negated entry (e.g. 'no known problems')")
            continue
        pos += 1
        start, end = _time(obs.find("effectiveTime"))
        if table == "conditions":
            system, code, display = _code(obs.find("value"))
            w.add(table, pos, patient=KEY, code_system=system, code=code,
                  display=display or "Unnamed condition", onset=start, abatement=end,
                  clinical_status="resolved" if end else "active")
        else:
            agent = obs.find("participant/participantRole/playingEntity/code")
            system, code, display = _code(agent if agent is not None else obs.find("value"))
            reaction = next((r.find("value") for r in obs.findall("entryRelationship/observation")
                             if not _is_severity(r)), None)
            w.add(table, pos, patient=KEY, code_system=system, code=code,
                  display=display or "Unnamed allergy", recorded=start,
                  reaction=_code(reaction)[2], criticality=severity,
                  clinical_status="active")
    return pos


def _patient(w: Writer, root: Any) -> None:
    role = root.find("recordTarget/patientRole")
    if role is None:
        w.default_patient(KEY)
        return
    person = role.find("patient")
    given = " ".join((g.text or "").strip() for g in person.findall("name/given")) or None
    family = (person.findtext("name/family") or "").strip() or None
    birth = person.find("birthTime")
    sex = person.find("administrativeGenderCode")
    # sdtc:deceasedInd / sdtc:deceasedTime (HL7 C-CDA R2.1 extensions; namespaces stripped)
    died, died_at = person.find("deceasedInd"), person.find("deceasedTime")
    w.patient(KEY, name=None, given=given, family=family,
              birth_date=_ts(birth.get("value")) if birth is not None else None,
              sex=sex.get("code") if sex is not None else None,
              deceased={"true": True, "false": False}.get(
                  (died.get("value") or "").lower()) if died is not None else None,
              deceased_date=_ts(died_at.get("value")) if died_at is not None else None,
              identifiers=[(i.get("root") or "", i.get("extension") or "")
                           for i in role.findall("id") if i.get("extension")])


def import_file(unit: Unit, w: Writer, limits: Limits) -> None:
    data = unit.paths[0].read_bytes()
    if len(data) > limits.max_bytes:
        raise IngestError(unit.label, "byte 0", "larger than the import limit")
    w.bytes_done += len(data)
    w.position_label = "entry"
    root = _parse(data, unit.label)
    _patient(w, root)
    sections = [root] if root.tag == "section" else list(root.iter("section"))
    pos = 0
    try:
        for section in sections:
            kind = _kind(section)
            if kind in ("results", "vitals"):
                pos = _observations(w, section, "laboratory" if kind == "results"
                                    else "vital-signs", pos)
            elif kind in ("medications", "immunizations"):
                pos = _substance(w, section, kind, pos)
            elif kind in ("problems", "allergies"):
                pos = _concerns(w, section, "conditions" if kind == "problems" else "allergies",
                                pos)
    except IngestError as exc:
        raise IngestError(unit.label, f"entry {pos}", exc.reason) from None
