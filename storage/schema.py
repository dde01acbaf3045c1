"""The vault's tables, declared once with SQLAlchemy Core.

Every table lives in the attached, encrypted `vault` database. Ids are short text
ids with a type prefix (``pat_...``, ``qry_...``) so they can be handed to the API
unchanged; bulk tables (observations) use a BIGINT sequence instead because they
are written a million rows at a time.

DuckDB's ART indexes slow bulk appends and are kept in memory, so uniqueness of
imported records is enforced by content hash joins in the ingest writer, not
by UNIQUE constraints, and observations' sequence id is not a PRIMARY KEY either
(the sequence alone makes it unique). A content hash is the 128-bit md5 of the
record's identifying fields as a number (UHUGEINT): half the bytes of its hex text
in every write-ahead log entry, join and aggregate.
"""

from __future__ import annotations

from duckdb_engine.datatypes import UHugeInteger
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

TS = DateTime(timezone=True)

# Rows per DuckDB row group, set when the vault is attached: half DuckDB's default
# (122,880). A checkpoint holds a row group's blocks while it writes them compressed,
# and a bulk import checkpoints without its memory bound (storage/bounds.py), so that is
# what a checkpoint adds to the import's memory: about 40 MB of RSS for a row group of
# Apple Health records at the default, 20 MB at half (a whole 1M-record import peaked
# at 219-221 MB, now 194-197, in the same time). Scans prune by zone maps as before.
ROW_GROUP_ROWS = 61_440


def _id() -> Column:
    return Column("id", String, primary_key=True)


def _provenance() -> list[Column]:
    """Where an imported row came from; content_hash makes re-imports add nothing."""
    return [
        Column("source", String),  # fhir | apple_health | ccda | synthea_csv | insight_json
        Column("import_id", String),
        Column("import_unit", String),  # the file (unit) of that import: see pipeline.py
        Column("record_id", String),  # id of the record inside its source file
        Column("content_hash", UHugeInteger, nullable=False),
    ]


def _created() -> Column:
    return Column("created_at", TS, nullable=False)


# --- health records -------------------------------------------------------

patients = Table(
    "patients",
    metadata,
    _id(),
    Column("owner_id", String),  # the user whose records these are; NULL = vault owner
    Column("identifier_system", String),
    Column("identifier", String),
    Column("given_name", String),
    Column("family_name", String),
    Column("name", String, nullable=False),
    Column("birth_date", Date),
    Column("sex", String),
    # FHIR Patient.deceased[x] (Synthea CSV DEATHDATE, C-CDA sdtc:deceasedInd/Time):
    # true with or without the day; NULL when the record does not say.
    Column("deceased", Boolean),
    Column("deceased_date", Date),
    Column("extra", JSON),  # clinic fields: email, phone, address, insurance ...
    Column("organization_id", String),
    Column("import_id", String),  # the import that created it (NULL: created by hand)
    Column("import_unit", String),
    _created(),
)

observations_id_seq = Sequence("observations_id_seq")

observations = Table(
    "observations",
    metadata,
    Column("id", BigInteger, observations_id_seq, nullable=False,
           server_default=observations_id_seq.next_value()),
    Column("patient_id", String, nullable=False),
    Column("category", String, nullable=False),  # laboratory | vital-signs | activity | ...
    Column("code_system", String),  # http://loinc.org, HealthKit, local
    Column("code", String),
    Column("display", String),
    Column("value", Double),  # canonical numeric value
    Column("value_text", String),  # non-numeric result
    Column("comparator", String),  # < <= > >=
    Column("unit", String),  # canonical UCUM unit
    Column("original_value", String),
    Column("original_unit", String),
    Column("reference_low", Double),  # in the canonical unit
    Column("reference_high", Double),
    Column("reference_source", String),  # record | table:<source> | user
    Column("flag", String),  # low | normal | high | critical | abnormal | indeterminate
    Column("effective", TS),
    Column("effective_end", TS),
    Column("utc_offset", Integer),  # minutes east of UTC that `effective` was written in
    Column("time_basis", String),  # NULL: effective[x]; issued ("reported at") | report
    # HealthKit's HKMetadataKeyHeartRateMotionContext of a heart rate: sedentary | active
    # (NULL: not given); an active one is excused from the at-rest critical limit
    Column("motion_context", String),
    Column("source", String),  # fhir | apple_health | ccda | synthea_csv | insight_json
    Column("source_name", String),  # device or app that produced it
    Column("healthkit_type", String),
    Column("report", String),  # the DiagnosticReport (panel) the result was reported in
    Column("import_id", String),
    Column("import_unit", String),
    Column("record_id", String),  # id of the record inside its source file
    Column("content_hash", UHugeInteger, nullable=False),
    # The query manager's judgement (storage/repos/readings_sql.py), stored so that reads
    # do not work it out over the whole history again; `quality` NULL: not judged yet.
    Column("measure", String),  # resources/measures.json key, else the code
    Column("series_value", Double),  # the value its series uses (canonical, else original)
    Column("series_unit", String),
    Column("judged_flag", String),  # low | normal | high | critical | abnormal | indeterminate
    Column("quality", String),  # ok | verify | conflict
    Column("quality_reason", String),  # implausible | sudden_change | same_instant_differs
    Column("applied_low", Double),  # the range the flag used: the person's own, else the
    Column("applied_high", Double),  # record's or the table's
    Column("applied_source", String),  # user | record | table:<source>
)
JUDGEMENT_COLUMNS = ("measure", "series_value", "series_unit", "judged_flag", "quality",
                     "quality_reason", "applied_low", "applied_high", "applied_source")

medications = Table(
    "medications",
    metadata,
    _id(),
    Column("patient_id", String, nullable=False),
    Column("code_system", String),
    Column("code", String),
    Column("name", String, nullable=False),
    Column("dosage", String),
    Column("dose_value", Double),
    Column("dose_unit", String),
    Column("form", String),
    Column("frequency", String),
    Column("reason", String),
    Column("status", String),
    Column("start", TS),
    Column("stop", TS),
    *_provenance(),
)

conditions = Table(
    "conditions",
    metadata,
    _id(),
    Column("patient_id", String, nullable=False),
    Column("code_system", String),
    Column("code", String),
    Column("display", String, nullable=False),
    Column("clinical_status", String),
    Column("onset", TS),
    Column("abatement", TS),
    *_provenance(),
)

encounters = Table(
    "encounters",
    metadata,
    _id(),
    Column("patient_id", String, nullable=False),
    Column("code_system", String),
    Column("code", String),
    Column("display", String),
    Column("encounter_class", String),
    Column("start", TS),
    Column("end", TS),
    Column("provider", String),
    Column("reason", String),
    *_provenance(),
)

immunizations = Table(
    "immunizations",
    metadata,
    _id(),
    Column("patient_id", String, nullable=False),
    Column("code_system", String),
    Column("code", String),
    Column("display", String, nullable=False),
    Column("occurred", TS),
    Column("status", String),
    *_provenance(),
)

allergies = Table(
    "allergies",
    metadata,
    _id(),
    Column("patient_id", String, nullable=False),
    Column("code_system", String),
    Column("code", String),
    Column("display", String, nullable=False),
    Column("category", String),
    Column("criticality", String),
    Column("reaction", String),
    Column("clinical_status", String),
    Column("recorded", TS),
    *_provenance(),
)

reference_overrides = Table(
    "reference_overrides",
    metadata,
    Column("patient_id", String, primary_key=True),
    Column("code", String, primary_key=True),
    Column("low", Double),
    Column("high", Double),
    Column("unit", String),
    _created(),
)

imports = Table(
    "imports",
    metadata,
    _id(),
    Column("owner_id", String),
    Column("status", String, nullable=False),  # processing | completed | failed
    Column("files", JSON),  # [{name, format, size, sha256, status, error}]
    Column("summary", JSON),  # the spec's summary plus warnings and errors
    Column("started_at", TS, nullable=False),
    Column("completed_at", TS),
)

# --- questions and answers ------------------------------------------------

conversations = Table(
    "conversations",
    metadata,
    _id(),
    Column("owner_id", String),
    Column("patient_id", String),
    Column("title", String, nullable=False),
    _created(),
    Column("updated_at", TS, nullable=False),
)

queries = Table(
    "queries",
    metadata,
    _id(),
    Column("owner_id", String),
    Column("conversation_id", String, nullable=False),
    Column("patient_id", String),
    Column("query", Text, nullable=False),
    Column("status", String, nullable=False),  # processing | completed | failed | cancelled
    Column("complexity", String),
    Column("urgent", Boolean),
    Column("engine", String),
    Column("result", JSON),  # medical_team, synthesis, visualization summary
    Column("error", String),
    Column("started_at", TS, nullable=False),
    Column("completed_at", TS),
)

specialist_results = Table(
    "specialist_results",
    metadata,
    _id(),
    Column("query_id", String, nullable=False),
    Column("specialist", String, nullable=False),
    Column("status", String, nullable=False),
    Column("confidence", Double),
    Column("findings", JSON),
    Column("narrative", Text),
    Column("engine", String),
    _created(),
)

visualizations = Table(
    "visualizations",
    metadata,
    _id(),
    Column("owner_id", String),
    Column("query_id", String, nullable=False),
    Column("type", String, nullable=False),
    Column("component", JSON),  # the spec's component description
    Column("figure", JSON),  # Plotly figure JSON
    Column("data_points", Integer),
    _created(),
)

# --- people, clinic and platform -----------------------------------------

organizations = Table(
    "organizations",
    metadata,
    _id(),
    Column("name", String, nullable=False),
    Column("slug", String, nullable=False, unique=True),
    Column("type", String),
    Column("details", JSON),  # size, address, contactInfo, subscriptionTier
    Column("is_active", Boolean, nullable=False, default=True),
    _created(),
    Column("updated_at", TS),
    Column("timezone", String),  # IANA name; every local time of the clinic is in it
    Column("business_hours", JSON),  # {monday: {open, close} | {closed: true}, ...}
    Column("settings", JSON),  # mrnPrefix, faq, scheduling, fees, reminders (see clinic)
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("email", String, nullable=False, unique=True),
    Column("name", String),
    Column("password_hash", String),  # argon2id
    Column("is_owner", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", TS),
    Column("is_active", Boolean, nullable=False, default=True),
    _created(),
    Column("must_change_password", Boolean),  # a temporary password was issued
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", String, primary_key=True),
    Column("organization_id", String, primary_key=True),
    Column("role", String, nullable=False),
    _created(),
    Column("is_active", Boolean),  # NULL counts as active (rows from before clinic v4)
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("user_id", String, nullable=False),
    Column("kind", String, nullable=False),  # refresh | personal
    Column("family", String),  # refresh-token rotation family
    Column("expires_at", TS),
    Column("revoked_at", TS),
    Column("used_at", TS),
    _created(),
)

providers = Table(
    "providers",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("user_id", String),
    Column("name", String, nullable=False),
    Column("email", String),
    Column("role", String),
    Column("specialties", JSON),
    Column("details", JSON),  # education, certifications
    Column("is_active", Boolean, nullable=False, default=True),
    _created(),
    Column("department", String),
    Column("license_number", String),
    Column("license_state", String),
    Column("license_expiry", Date),
    Column("employment_type", String),
    Column("phone", String),
    Column("updated_at", TS),
)

availability = Table(
    "availability",
    metadata,
    _id(),
    Column("provider_id", String, nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("start_time", String, nullable=False),  # HH:MM in the organization's timezone
    Column("end_time", String, nullable=False),
    Column("slot_minutes", Integer, nullable=False, default=30),
    Column("organization_id", String),
)

staff = Table(
    "staff",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("user_id", String),
    Column("name", String, nullable=False),
    Column("email", String),
    Column("role", String),
    Column("details", JSON),
    _created(),
    Column("department", String),
    Column("employment_type", String),
    Column("phone", String),
    Column("permissions", JSON),  # granted beyond the role's
    Column("work_schedule", JSON),  # {monday: {start, end}, ...}
    Column("is_active", Boolean),
    Column("updated_at", TS),
)

caregivers = Table(
    "caregivers",
    metadata,
    _id(),
    Column("organization_id", String),
    Column("patient_id", String, nullable=False),
    Column("user_id", String),
    Column("name", String, nullable=False),
    Column("relationship", String),
    Column("permissions", JSON),  # {canScheduleAppointments, canReceiveMedicalInfo, ...}
    _created(),
    Column("email", String),
    Column("authorization_level", String),
    Column("authorized_by", String),
    Column("authorization_document", String),
    Column("effective_date", Date),
    Column("expiration_date", Date),  # NULL: until revoked
)

appointments = Table(
    "appointments",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("patient_id", String, nullable=False),
    Column("provider_id", String, nullable=False),
    Column("scheduled_at", TS, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("appointment_type", String),
    Column("status", String, nullable=False),
    Column("reason", String),
    Column("notes", Text),
    _created(),
    Column("updated_at", TS),
    # scheduling (issue 14): see the scheduling tables at the end of this module
    Column("ends_at", TS),
    Column("block_start", TS),  # scheduled_at - buffer before: what no other booking may
    Column("block_end", TS),  # overlap, for the provider or for the patient
    Column("buffer_before_minutes", Integer),
    Column("buffer_after_minutes", Integer),
    Column("confirmation_number", String),
    Column("priority", String),
    Column("location", JSON),
    Column("reminders", JSON),  # {email, sms, timeBefore} as booked
    Column("hold_id", String),
    Column("created_by", String),
    Column("cancelled_at", TS),
    Column("cancelled_by", String),  # patient | clinic
    Column("cancel_reason", Text),
    Column("late_cancel", Boolean),
)

audit_events = Table(
    "audit_events",
    metadata,
    _id(),
    Column("occurred_at", TS, nullable=False),
    Column("user_id", String),
    Column("organization_id", String),
    Column("action", String, nullable=False),
    Column("resource_type", String),
    Column("resource_id", String),
    Column("details", JSON),
    # The hash chain (see storage/repos/audit.py): one chain per organization ("" is the
    # platform's), `seq` its position, `row_hash` over the canonical row and `prev_hash`.
    Column("chain", String),
    Column("seq", BigInteger),
    Column("outcome", String),  # success | denied | failure
    Column("request_id", String),
    Column("prev_hash", String),
    Column("row_hash", String),
)

# The end of each audit chain, kept apart from its rows and sealed with the vault's key:
# deleting the newest rows leaves the chain shorter than its head says.
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("chain", String, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("row_hash", String, nullable=False),
    # the position appended when the head was found missing (rows but no head)
    Column("broken_at", BigInteger),
    Column("seal", String, nullable=False),
    Column("updated_at", TS, nullable=False),
)

security_events = Table(
    "security_events",
    metadata,
    _id(),
    Column("occurred_at", TS, nullable=False),
    Column("kind", String, nullable=False),  # login_failed | account_locked | token_reuse ...
    Column("user_id", String),
    Column("details", JSON),
    Column("organization_id", String),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", JSON),
)

faq_entries = Table(
    "faq_entries",
    metadata,
    _id(),
    Column("organization_id", String),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("category", String),
    _created(),
)

# --- the clinic's own tables (issue 13) ------------------------------------
# Declared with portable Core types only, so a clinic with several desks can keep them in
# PostgreSQL; uniqueness that matters (MRN, one counter per name) is a constraint.

clinic_patients = Table(
    "clinic_patients",
    metadata,
    Column("id", String, primary_key=True),  # = patients.id: the vault person
    Column("organization_id", String, nullable=False),
    Column("mrn", String, nullable=False),
    Column("user_id", String),  # portal access
    Column("name", String, nullable=False),
    Column("email", String),
    Column("date_of_birth", Date),
    Column("gender", String),
    Column("phone", String),
    Column("details", JSON),  # address, emergencyContact, insuranceInfo, medicalHistory ...
    Column("is_active", Boolean, nullable=False, default=True),
    _created(),
    Column("updated_at", TS),
    UniqueConstraint("organization_id", "mrn", name="uq_clinic_patients_mrn"),
)

org_sequences = Table(
    "org_sequences",
    metadata,
    Column("organization_id", String, primary_key=True),
    Column("name", String, primary_key=True),  # mrn | confirmation | ...
    Column("value", BigInteger, nullable=False),
)

audit_chain_index = Index("uq_audit_chain_seq", audit_events.c.chain, audit_events.c.seq,
                          unique=True)

CLINIC_TABLES = (organizations, memberships, providers, availability, staff, caregivers,
                 clinic_patients, org_sequences, audit_events, security_events)

# Tables holding imported health records, in the order `vault status` reports them.
RECORD_TABLES = (
    patients,
    observations,
    medications,
    conditions,
    encounters,
    immunizations,
    allergies,
)

# --- scheduling (issue 14) -------------------------------------------------
# Rules and bookings only, never pre-made slots. Portable Core types (no DuckDB-only
# SQL); every row carries organization_id and every query is scoped by it. No double
# booking comes from the vault's one writer deciding inside one transaction (see
# storage/repos/scheduling.py), not from a constraint: overlap is not an equality.

appointment_holds = Table(
    "appointment_holds",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("patient_id", String, nullable=False),
    Column("provider_id", String, nullable=False),
    Column("scheduled_at", TS, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("appointment_type", String),
    Column("block_start", TS, nullable=False),
    Column("block_end", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("released_at", TS),  # confirmed into an appointment, or let go
    Column("created_by", String),
    _created(),
)

closures = Table(
    "closures",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("provider_id", String),  # NULL: the whole clinic
    Column("day", Date),  # set when the closure is a whole local day
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    Column("reason", Text),
    Column("created_by", String),
    _created(),
)

waitlist = Table(
    "waitlist",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("patient_id", String, nullable=False),
    Column("provider_id", String),  # NULL: any provider
    Column("appointment_type", String),
    Column("window_start", TS, nullable=False),  # acceptable start times
    Column("window_end", TS, nullable=False),
    Column("notes", Text),
    Column("status", String, nullable=False),  # waiting | removed
    Column("matched_at", TS),  # when a freed slot last matched it
    Column("matched_slot", JSON),  # {providerId, scheduledAt, duration}
    Column("created_by", String),
    _created(),
)

reminders = Table(
    "reminders",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("appointment_id", String, nullable=False),
    Column("channel", String, nullable=False),  # email | sms
    Column("minutes_before", Integer, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("status", String, nullable=False),  # pending | sent | cancelled
    Column("sent_at", TS),
    Column("delivery", String),  # smtp | outbox
    Column("delivery_ref", String),  # the outbox file name or the SMTP message id
    _created(),
)

SCHEDULING_TABLES = (appointments, appointment_holds, closures, waitlist, reminders)

# --- the assistant and reports (issue 15) ----------------------------------
# A chat conversation's place between messages and a generated report's file, kept in the
# encrypted vault (they name patients) and scoped by organization like every clinic row.

chat_conversations = Table(
    "chat_conversations",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("user_id", String, nullable=False),  # only its starter continues it
    Column("state", JSON, nullable=False),  # see app/services/assist/chat_state.py
    Column("turns", Integer, nullable=False),
    _created(),
    Column("updated_at", TS, nullable=False),
)

clinic_reports = Table(
    "clinic_reports",
    metadata,
    _id(),
    Column("organization_id", String, nullable=False),
    Column("type", String, nullable=False),  # appointment_summary | provider_utilization ...
    Column("format", String, nullable=False),  # pdf | csv | json
    Column("file_name", String, nullable=False),
    Column("media_type", String, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("delivery", JSON),  # {method: smtp|outbox, to, ...} when emailed
    Column("created_by", String),
    _created(),
)

ASSIST_TABLES = (chat_conversations, clinic_reports)
