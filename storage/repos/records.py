"""Reading imported records back: patients with counts, normalized observations, and a
person's own reference range per test (applied when records are read, so it changes
the flag of past results too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from storage.ingest import units
from storage.ingest.tables import TABLES
from storage.repos.measures import measure
from storage.repos.record_rows import PatientSummary, Record
from storage.results import one_row
from storage.schema import ROW_GROUP_ROWS

if TYPE_CHECKING:
    from storage.vault import Vault

RECORD_COLUMNS = (
    "id", "patient_id", "category", "code_system", "code", "display", "value", "value_text",
    "unit", "original_value", "original_unit", "comparator", "effective", "effective_end",
    "reference_low", "reference_high", "reference_source", "flag", "source", "source_name",
    "healthkit_type", "record_id", "report", "import_id",
)


def _iso(micros: int | None, offset: int | None) -> str | None:
    if micros is None:
        return None
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    return moment.astimezone(timezone(timedelta(minutes=offset or 0))).isoformat()


def _like_literal(text: str) -> str:
    """`text` for a LIKE pattern with ESCAPE '\\': its wildcards match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


SORTABLE = ("effective", "category", "code", "display", "value", "unit", "source")
_PLAIN = [c for c in RECORD_COLUMNS if c not in ("effective", "effective_end", "reference_low",
                                                 "reference_high", "reference_source", "flag")]
# Flag, quality and the range the flag used are the query manager's stored judgement
# (readings_sql.py): one flag for a reading in every listing, the team and the API.
_SELECT = f"""
    SELECT {', '.join('o.' + c for c in _PLAIN)}, epoch_us(o.effective),
           epoch_us(o.effective_end), o.utc_offset, o.applied_low, o.applied_high,
           o.applied_source, o.judged_flag, o.quality, o.quality_reason,
           coalesce(o.time_basis, 'effective')
    FROM observations o JOIN patients p ON p.id = o.patient_id"""


def _filters(owner_id: str | None, patient_id: str | None, code: str | None,
             category: str | None, search: str | None) -> tuple[list[str], dict[str, Any]]:
    where = ["p.owner_id IS NOT DISTINCT FROM $owner"]
    params: dict[str, Any] = {"owner": owner_id}
    for column, value in (("patient_id", patient_id), ("code", code), ("category", category)):
        if value is not None:
            where.append(f"o.{column} = ${column}")
            params[column] = value
    if search is not None:
        where.append("(o.code = $search OR o.display ILIKE $search_like ESCAPE '\\')")
        params["search"] = search
        params["search_like"] = f"%{_like_literal(search)}%"
    return where, params


def _record(row: tuple[Any, ...]) -> Record:
    eff, end, offset, low, high, source, flag, quality, reason, basis = row[len(_PLAIN):]
    return Record(*row[:len(_PLAIN)], effective=_iso(eff, offset),
                  effective_end=_iso(end, offset), reference_low=low, reference_high=high,
                  reference_source=source, flag=flag, quality=quality, quality_reason=reason,
                  time_basis=basis)


class RecordRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def list_patients(self, *, owner_id: str | None) -> list[PatientSummary]:
        counts = " ".join(
            f", (SELECT count(*) FROM {t} x WHERE x.patient_id = p.id) AS {t}"
            for t in ("observations", *TABLES))
        rows = self._vault.cursor().execute(
            f"SELECT p.id, p.name, CAST(p.birth_date AS VARCHAR), p.sex, p.identifier {counts} "
            "FROM patients p WHERE p.owner_id IS NOT DISTINCT FROM ? ORDER BY p.name, p.id",
            [owner_id]).fetchall()
        out = []
        for pid, name, birth, sex, ident, *numbers in rows:
            record_counts = dict(zip(("observations", *TABLES), map(int, numbers), strict=True))
            out.append(PatientSummary(id=pid, name=name, birth_date=birth, sex=sex,
                                      identifier=ident, record_counts=record_counts,
                                      total_records=sum(record_counts.values())))
        return out

    def get_patient(self, *, patient_id: str, owner_id: str | None) -> PatientSummary | None:
        return next((p for p in self.list_patients(owner_id=owner_id) if p.id == patient_id),
                    None)

    def list_records(self, *, owner_id: str | None, patient_id: str | None = None,
                     code: str | None = None, category: str | None = None,
                     search: str | None = None,
                     since: date | datetime | str | None = None,
                     limit: int | None = None, newest_first: bool = False
                     ) -> list[Record]:
        """Observations, oldest first (or newest first, so a `limit` keeps the latest), with
        the query manager's flag and quality (overrides, critical limits, plausibility,
        conflicts: one flag everywhere); other owners' rows never. `code` and `category`
        match exactly; `search` matches the code exactly or the display name as a case-insensitive
        substring (its `%`, `_` and `\\` are literal)."""
        where, params = _filters(owner_id, patient_id, code, category, search)
        if since is not None:
            where.append("o.effective >= CAST($since AS TIMESTAMPTZ)")
            params["since"] = str(since) if len(str(since)) > 10 else f"{since}T00:00:00+00:00"
        self._vault.measurements.judge(patient_ids=None if patient_id is None else (patient_id,))
        sql = (f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY "
               + ("o.effective DESC NULLS LAST, o.id DESC" if newest_first
                  else "o.effective NULLS FIRST, o.id")
               + (f" LIMIT {int(limit)}" if limit else ""))
        return [_record(row) for row in self._vault.cursor().execute(sql, params).fetchall()]

    def record_order(self, *, owner_id: str | None, patient_id: str | None = None,
                     category: str | None = None, search: str | None = None,
                     sort: str = "effective", descending: bool = True) -> Any:
        """The ids of the matching observations in display order, as a numpy array.

        A table over a million records cannot hold the rows; it holds this (8 bytes a
        row, no patient data) and reads a page with :meth:`records_by_ids` when it is
        scrolled into view. Filtering and sorting happen here, in the query."""
        if sort not in SORTABLE:
            raise ValueError(f"cannot sort records by {sort!r}")
        where, params = _filters(owner_id, patient_id, None, category, search)
        way = "DESC" if descending else "ASC"
        sql = (f"SELECT o.id FROM observations o JOIN patients p ON p.id = o.patient_id "
               f"WHERE {' AND '.join(where)} "
               f"ORDER BY o.{sort} {way} NULLS LAST, o.id {way}")
        return self._vault.cursor().execute(sql, params).fetchnumpy()["id"]

    def records_by_ids(self, *, ids: list[int], owner_id: str | None,
                       sort: str = "effective") -> list[Record]:
        """The observations with these ids, in the order given (other owners' never):
        a page of :meth:`record_order`'s ids, sorted by `sort`.

        Without an index, DuckDB reads such a page by scanning. A page's ids are close
        together only when the table was written in that order; a page in time order
        of an Apple Health export (written type by type) has ids all over the table, and
        an id range then selects every row (90-220 ms at a million rows). So the page is
        read by key range: first the sort key's range over the page's ids (a scan of two
        columns), then the rows within both the id range and that key range, which
        DuckDB filters inside the scan and prunes row groups by (each type's stretch of
        the table holds only a few of them): about 10-20 ms. When the page's ids span
        less than a row group (a table written in the sort's order: a page in time order
        of a FHIR bundle), the id range alone keeps the scan to at most two row groups,
        and the key range query is skipped (a third of a page's read). The ids are
        written into the statement as an IN list (integers, made so here)."""
        if sort not in SORTABLE:
            raise ValueError(f"cannot sort records by {sort!r}")
        numbers = [int(i) for i in ids]
        if not numbers:
            return []
        chosen = (f"o.id IN ({', '.join(map(str, numbers))}) "
                  "AND o.id BETWEEN $lo AND $hi")
        params: dict[str, Any] = {"lo": min(numbers), "hi": max(numbers)}
        cur = self._vault.cursor()
        low = high = None
        unkeyed = True
        # ids come from a sequence, in the order rows were written, so ids less than a row
        # group apart lie in at most two row groups
        if params["hi"] - params["lo"] >= ROW_GROUP_ROWS:
            low, high, unkeyed = one_row(cur.execute(
                f"SELECT min(o.{sort}), max(o.{sort}), bool_or(o.{sort} IS NULL) "
                f"FROM observations o WHERE {chosen}", params)) or (None, None, True)
        if low is not None:
            keyed = f"o.{sort} BETWEEN $klo AND $khi"
            chosen += f" AND ({keyed} OR o.{sort} IS NULL)" if unkeyed else f" AND {keyed}"
            params.update(klo=low, khi=high)
        sql = f"{_SELECT} WHERE p.owner_id IS NOT DISTINCT FROM $owner AND {chosen}"
        params["owner"] = owner_id
        rows = cur.execute(sql, params).fetchall()
        unjudged = {row[1] for row in rows if row[-3] is None}
        if unjudged:  # rows written since the last judgement: judge, then read them again
            self._vault.measurements.judge(patient_ids=unjudged)
            rows = self._vault.cursor().execute(sql, params).fetchall()
        place = {n: i for i, n in enumerate(numbers)}
        found = sorted(rows, key=lambda row: place[row[0]])
        return [_record(row) for row in found]

    def recent_instants(self, *, patient_id: str, codes: list[str], unit: str | None,
                        limit: int) -> tuple[tuple[float, float], ...]:
        """The last `limit` points of a series, oldest first, as the query manager's
        `instants` makes them (usable readings of the codes in the series unit, one
        point per instant, the mean of a conflict): what a sparkline draws. The query
        keeps only the tail, where `instants` returns a whole history (a heart rate
        every few minutes is hundreds of thousands of points)."""
        rows = self._vault.cursor().execute(
            "SELECT epoch(effective) AS t, avg(series_value) FROM observations "
            "WHERE patient_id = $p AND list_contains($codes, code) AND series_value IS NOT "
            "NULL AND effective IS NOT NULL AND series_unit IS NOT DISTINCT FROM $u "
            "AND quality <> 'verify' GROUP BY effective ORDER BY effective DESC LIMIT $n",
            {"p": patient_id, "codes": codes, "u": unit, "n": limit}).fetchall()
        return tuple((float(t), float(v)) for t, v in reversed(rows))

    def set_reference_override(self, *, patient_id: str, code: str, low: float | None,
                                high: float | None, unit: str | None = None) -> None:
        """A person's own range for a measure (set through any of its codes; it applies to
        all of them), stored in the canonical unit if possible; the measure's readings
        are judged again at once."""
        conv = units.conversion(code, unit) if unit else None
        if conv is not None:
            low = conv.apply(low) if low is not None else None
            high = conv.apply(high) if high is not None else None
            unit = conv.canonical
        else:
            unit = units.ucum(unit) if unit else units.canonical_unit(code)
        codes = list(measure(code).codes)
        with self._vault.transaction() as cur:
            cur.execute("DELETE FROM reference_overrides WHERE patient_id = ? "
                        "AND list_contains(?, code)", [patient_id, codes])
            cur.execute("INSERT INTO reference_overrides (patient_id, code, low, high, unit, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [patient_id, code, low, high, unit, datetime.now(UTC)])
        self._vault.measurements.rejudge(patient_id=patient_id, codes=codes)

    def delete_reference_override(self, *, patient_id: str, code: str) -> None:
        codes = list(measure(code).codes)
        self._vault.cursor().execute(
            "DELETE FROM reference_overrides WHERE patient_id = ? AND list_contains(?, code)",
            [patient_id, codes])
        self._vault.measurements.rejudge(patient_id=patient_id, codes=codes)
