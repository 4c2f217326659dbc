"""Tables. Alembic migrations create them; `create_all` is for nothing but throwaway tests.

Enumerations are stored as short strings (validated by the domain), so the schema needs no
database-specific enum types. Primary keys are random UUIDs: no hot-spotting sequence.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKeyConstraint, Index, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from backend.storage.types import UTCDateTime


def _ts(nullable: bool = False):
    return Field(sa_type=UTCDateTime, nullable=nullable)


# Expression indexes migration 0009 creates for staff search on PostgreSQL only (SQLite has neither
# `reverse` nor `person_name_grams`), so they are not declared on the tables below; the comparison of
# models and migrations (autogenerate, tests/test_migrations.py) leaves them out.
POSTGRESQL_SEARCH_INDEXES = frozenset({"ix_person_name_grams", "ix_person_id_number_reversed"})


def compared_with_models(_object, name, type_, _reflected, _compare_to) -> bool:
    """Alembic's `include_object`: everything but the PostgreSQL-only search indexes."""
    return not (type_ == "index" and name in POSTGRESQL_SEARCH_INDEXES)


class Person(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=64)
    id_number: str = Field(max_length=18, unique=True)
    birth_date: date
    sex: str = Field(max_length=6)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = _ts()
    # Elderly mode (适老化): the person's pages in large print, high contrast and fewer words.
    elderly_mode: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Enrolment(SQLModel, table=True):
    """A person's current insurance enrolment (one per person)."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    insurance_type: str = Field(max_length=10)
    region_code: str = Field(max_length=6)
    status: str = Field(max_length=10)
    updated_at: datetime = _ts()


class PersonalAccount(SQLModel, table=True):
    """An employee's personal medical account (个人账户); balance in integer fen."""

    __table_args__ = (CheckConstraint("balance_fen >= 0", name="ck_personal_account_balance_nonnegative"),)

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    balance_fen: int = Field(sa_type=BigInteger)
    updated_at: datetime = _ts()


class Household(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=40)
    created_by: uuid.UUID = Field(foreign_key="person.id")
    created_at: datetime = _ts()


class HouseholdMember(SQLModel, table=True):
    household_id: uuid.UUID = Field(foreign_key="household.id", primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True, index=True)
    added_by: uuid.UUID = Field(foreign_key="person.id")
    added_at: datetime = _ts()


class Relationship(SQLModel, table=True):
    """"person is relative's <kind>", stored once per pair; the inverse is derived."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    relative_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    # The two ids sorted and joined: one row per pair, whichever side claimed it.
    pair_key: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=24)
    status: str = Field(max_length=10)
    claimed_by: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    claimed_at: datetime = _ts()
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    decided_via: str | None = Field(default=None, max_length=16)
    decided_at: datetime | None = _ts(nullable=True)
    rejection_reason: str | None = Field(default=None, max_length=200)


class StaffUser(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    role: str = Field(max_length=10)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = _ts()


class AuthSession(SQLModel, table=True):
    """A signed-in page session or bearer token. The cookie or token carries a random secret; only its
    SHA-256 is kept, and deleting the row ends the session at once (sign-out, password change,
    staff user disabled)."""

    secret_sha256: str = Field(max_length=64, primary_key=True)
    principal_kind: str = Field(max_length=10)
    principal_id: uuid.UUID = Field(index=True)
    channel: str = Field(max_length=12)
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    # A partner's sandbox session ends with the key it signed in with (revoked, or past its grace).
    api_key_id: uuid.UUID | None = Field(default=None, foreign_key="apikey.id")


class Institution(SQLModel, table=True):
    """A partner: designated hospital or pharmacy (定点医疗机构/零售药店), or a third-party app."""

    __table_args__ = (Index("uq_institution_code", "institution_code", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=10)
    level: int = 0
    region_code: str = Field(max_length=6)
    created_at: datetime = _ts()
    # A disabled institution's keys and sessions open nothing until an admin enables it again.
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Where clearing pays it (R16), set by admins; shown masked to everyone else.
    payee_bank_name: str | None = Field(default=None, max_length=60)
    payee_account_no: str | None = Field(default=None, max_length=34)
    # The national platform's code for it (定点医药机构编号, `fixmedins_code`), set by admins: the HSA
    # gateway answers a partner only when its envelope names this code.
    institution_code: str | None = Field(default=None, max_length=30)


class ApiKey(SQLModel, table=True):
    """A partner credential: the public prefix finds the row, the secret's SHA-256 proves it."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    institution_id: uuid.UUID = Field(foreign_key="institution.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    secret_sha256: str = Field(max_length=64)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)
    # Set when the key is rotated: the old secret keeps working until then (the grace period).
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who, acting as what, did what on whom, via which channel, when (R15). Append-only."""

    __table_args__ = (
        Index("ix_auditevent_subject_at", "subject_person_id", "at"),
        Index("ix_auditevent_at", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = _ts()
    actor_kind: str = Field(max_length=12)
    actor_id: str | None = Field(default=None, max_length=36)
    acting_as: str = Field(max_length=24)
    action: str = Field(max_length=48)
    subject_person_id: uuid.UUID | None = None
    channel: str = Field(max_length=12)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))




class EVoucher(SQLModel, table=True):
    """A person's medical e-voucher (医保电子凭证): activated by the person, or not at all."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    activated_at: datetime = _ts()


class Binding(SQLModel, table=True):
    """A family-account binding (亲情账户): the holder's phone may show the subject's code (R9)."""

    __table_args__ = (
        # One pending or active binding per (holder, subject); ended and declined ones stay as history.
        Index("uq_binding_live", "holder_id", "subject_id", unique=True,
              sqlite_where=text("status IN ('pending', 'active')"),
              postgresql_where=text("status IN ('pending', 'active')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    holder_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    subject_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=10)
    view_insurance: bool = True
    view_account: bool = False
    consent_via: str | None = Field(default=None, max_length=16)
    requested_at: datetime = _ts()
    decided_at: datetime | None = _ts(nullable=True)
    ended_at: datetime | None = _ts(nullable=True)
    ended_by: uuid.UUID | None = Field(default=None, foreign_key="person.id")


class PresentedCode(SQLModel, table=True):
    """A code issued for (subject, presenter): stored as a hash, single-use, short-lived (R10)."""

    __table_args__ = (Index("ix_presentedcode_live", "subject_id", "presenter_id", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code_sha256: str = Field(max_length=64, unique=True)
    subject_id: uuid.UUID = Field(foreign_key="person.id")
    presenter_id: uuid.UUID = Field(foreign_key="person.id")
    binding_id: uuid.UUID | None = Field(default=None, foreign_key="binding.id", index=True)
    status: str = Field(max_length=10)
    issued_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(nullable=True)
    # A payer order chosen for this one code (R8), as JSON; None: the subject's saved order.
    payer_order: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PolicyLimit(SQLModel, table=True):
    """A cap a region sets (R4), e.g. bindings per holder; no row means no cap.

    `region_prefix` is "" for everywhere, "37" for Shandong, "3701" for Jinan, or a full code; the
    longest prefix of a person's region wins.
    """

    name: str = Field(max_length=32, primary_key=True)
    region_prefix: str = Field(max_length=6, primary_key=True)
    value: int
    set_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    set_at: datetime = _ts()


class ParameterSet(SQLModel, table=True):
    """One version of a region's settlement parameters (R7, R12), in force from `effective_from` until
    the next version for the same prefix. Never changed once a settlement used it; rows are replaced (a
    new id) only while unused, so a set's id always names the same figures."""

    __table_args__ = (
        UniqueConstraint("region_prefix", "effective_from", name="uq_parameterset_region_from"),
        CheckConstraint("b_self_pay_first_bp BETWEEN 0 AND 10000", name="ck_parameterset_b_self_pay_first_bp"),
        CheckConstraint("premium_fen >= 0 AND deductible_employee_fen >= 0 AND deductible_resident_fen >= 0 "
                        "AND fund_cap_employee_fen >= 0 AND fund_cap_resident_fen >= 0",
                        name="ck_parameterset_amounts_nonnegative"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region_prefix: str = Field(max_length=6)  # "37" Shandong, "3701" Jinan, or a full code
    effective_from: date
    label: str = Field(max_length=80)
    b_self_pay_first_bp: int
    premium_fen: int = Field(sa_type=BigInteger)
    deductible_employee_fen: int = Field(sa_type=BigInteger)
    deductible_resident_fen: int = Field(sa_type=BigInteger)
    fund_cap_employee_fen: int = Field(sa_type=BigInteger)
    fund_cap_resident_fen: int = Field(sa_type=BigInteger)
    fund_ratio_bp: str = Field(sa_column=Column(Text, nullable=False))  # JSON: type -> visit -> level -> bp
    created_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")  # None: imported by the CLI
    created_at: datetime = _ts()


class Grant(SQLModel, table=True):
    """Family mutual aid (家庭共济): the grantor's personal account may pay for the grantee (R5).

    Suspension is not stored: a grant is suspended exactly while R2 or R3 fails, checked at use.
    """

    __table_args__ = (
        Index("uq_grant_live", "grantor_id", "grantee_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    grantor_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    grantee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=10)  # active / revoked
    monthly_cap_fen: int | None = Field(default=None, sa_type=BigInteger)
    allow_medical: bool = True
    allow_premium: bool = True
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class SavedPayerOrder(SQLModel, table=True):
    """A person's chosen order of pools for their personal burden (R8); absent means the default."""

    __tablename__ = "payerorder"

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    pools: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of "own" / "grant:<id>"
    cash_only: bool = False
    updated_at: datetime = _ts()


class AnnualAccumulator(SQLModel, table=True):
    """A person's deductible used and fund paid in one year (R7), moved by settlements and refunds."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    year: int = Field(primary_key=True)
    deductible_used_fen: int = Field(default=0, sa_type=BigInteger)
    fund_paid_fen: int = Field(default=0, sa_type=BigInteger)


class SplitColumns(SQLModel):
    """R7's split of an amount, stored the same way for a settlement and for each of its lines."""

    fund_fen: int = Field(sa_type=BigInteger)
    deductible_fen: int = Field(sa_type=BigInteger)
    copay_fen: int = Field(sa_type=BigInteger)
    b_self_first_fen: int = Field(sa_type=BigInteger)
    self_pay_fen: int = Field(sa_type=BigInteger)
    non_medical_fen: int = Field(sa_type=BigInteger)  # outside the catalogue (no approved mapping): cash only
    cash_fen: int = Field(sa_type=BigInteger)
    # The part above the catalogue's price cap (overlmt_selfpay, R18): personal burden, never the fund.
    overlmt_selfpay_fen: int = Field(default=0, sa_type=BigInteger)


class Settlement(SplitColumns, table=True):
    __table_args__ = (Index("ix_settlement_institution_created", "institution_id", "created_at"),
                      Index("ix_settlement_created_at", "created_at"),
                      # The partner's own receipt number: unique per partner (NULLs never clash).
                      Index("uq_settlement_receipt", "institution_id", "receipt_number", unique=True))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    institution_id: uuid.UUID = Field(foreign_key="institution.id")
    subject_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    presenter_id: uuid.UUID = Field(foreign_key="person.id")
    code_id: uuid.UUID = Field(foreign_key="presentedcode.id", unique=True)
    visit_type: str = Field(max_length=12)
    # The subject's insurance type it was settled under (employee / resident): clearing and reconciliation key
    # on it, and the subject's enrolment may change later. None only if no enrolment was on file at migration.
    insurance_type: str | None = Field(default=None, max_length=12)
    service_date: date
    parameters_label: str = Field(max_length=80)
    # The parameter set it was settled under; refunds and reversals keep it. None only for settlements
    # made before parameters moved into the database whose file set could not be matched.
    parameter_set_id: uuid.UUID | None = Field(default=None, foreign_key="parameterset.id", index=True)
    payer_order: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the order used, as chosen
    bill_fen: int = Field(sa_type=BigInteger)
    status: str = Field(max_length=18)  # settled / partly_refunded / refunded
    receipt_number: str | None = Field(default=None, max_length=40)  # the partner's own receipt number, if sent
    # With a receipt number: SettleRequest.digest(), so the same bill sent again under it is known.
    request_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()


class SettlementLine(SplitColumns, table=True):
    """One bill line. Partitioned by month of `created_at` (its settlement's) on PostgreSQL
    (`backend/storage/partitions.py`); the key and the unique constraint hold the partition key."""

    __table_args__ = (UniqueConstraint("settlement_id", "line_no", "created_at", name="uq_settlementline_no"),
                      {"postgresql_partition_by": "RANGE (created_at)"})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    settlement_id: uuid.UUID = Field(foreign_key="settlement.id", index=True)
    line_no: int
    item_code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    category: str = Field(max_length=12)  # the class used (A / B / C from the catalogue, else NON_MEDICAL)
    # The catalogue entry (version) used and what it said (R18); None for a line outside the catalogue.
    catalogue_entry_id: uuid.UUID | None = Field(default=None)
    national_code: str | None = Field(default=None, max_length=50)
    price_cap_fen: int | None = Field(default=None, sa_type=BigInteger)
    unit_price_fen: int = Field(sa_type=BigInteger)
    quantity: int
    amount_fen: int = Field(sa_type=BigInteger)
    refund_id: uuid.UUID | None = Field(default=None, foreign_key="refund.id")
    created_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)


class SettlementPayment(SQLModel, table=True):
    """What one pool paid towards one line's personal burden; the line is (line_id, line_created_at)."""

    __table_args__ = (Index("ix_settlementpayment_grant", "grant_id"),
                      ForeignKeyConstraint(["line_id", "line_created_at"],
                                           ["settlementline.id", "settlementline.created_at"],
                                           name="fk_settlementpayment_line"))

    line_id: uuid.UUID = Field(primary_key=True)
    pool: str = Field(max_length=48, primary_key=True)  # "own" or "grant:<id>"
    payer_id: uuid.UUID = Field(foreign_key="person.id")
    grant_id: uuid.UUID | None = Field(default=None, foreign_key="grant.id")
    amount_fen: int = Field(sa_type=BigInteger)
    line_created_at: datetime = _ts()

    @classmethod
    def line_join(cls):
        """The join to the paid line on its whole key, so PostgreSQL reads one partition per line."""
        return (SettlementLine.id == cls.line_id) & (SettlementLine.created_at == cls.line_created_at)


class Refund(SQLModel, table=True):
    """One refund (by the institution) or reversal (by staff) of some of a settlement's lines (R13): its lines
    point at it (`settlementline.refund_id`); what each pool got back is kept here, so the day's refunds
    and what the insurer owes back (R16) are read without its lines."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    settlement_id: uuid.UUID = Field(foreign_key="settlement.id", index=True)
    kind: str = Field(max_length=12)  # refund (by the institution) / reversal (by staff)
    reason: str | None = Field(default=None, max_length=200)
    amount_fen: int = Field(sa_type=BigInteger)  # the refunded lines' amounts together
    fund_fen: int = Field(default=0, sa_type=BigInteger)  # back to the pooled fund
    own_account_fen: int = Field(default=0, sa_type=BigInteger)  # back to the subject's own account
    mutual_aid_fen: int = Field(default=0, sa_type=BigInteger)  # back to grantors' accounts
    cash_fen: int = Field(default=0, sa_type=BigInteger)  # handed back in cash
    deductible_fen: int = Field(default=0, sa_type=BigInteger)  # the year's deductible used, given back
    created_at: datetime = _ts()


class PremiumPayment(SQLModel, table=True):
    """A resident premium paid from a grantor's personal account (R12): once per person and year."""

    __table_args__ = (UniqueConstraint("person_id", "year", name="uq_premium_person_year"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id")
    year: int
    payer_id: uuid.UUID = Field(foreign_key="person.id")
    grant_id: uuid.UUID = Field(foreign_key="grant.id")
    amount_fen: int = Field(sa_type=BigInteger)
    created_at: datetime = _ts()


class LedgerTransaction(SQLModel, table=True):
    """One balanced movement of money (R14): its postings sum to zero."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=20)  # opening / settlement / refund / reversal / premium / roster_adjustment
    reference_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = _ts()


class LedgerPosting(SQLModel, table=True):
    """A signed amount on one ledger account; `person_id` is set on personal-account postings.
    Partitioned by month of `created_at` (its transaction's) on PostgreSQL; the key holds it."""

    __table_args__ = (Index("ix_ledgerposting_person", "person_id"),
                      {"postgresql_partition_by": "RANGE (created_at)"})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    transaction_id: uuid.UUID = Field(foreign_key="ledgertransaction.id", index=True)
    account: str = Field(max_length=64)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    amount_fen: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)


class IdempotencyKey(SQLModel, table=True):
    """A partner's key for one request: a retry returns the first result (R14)."""

    # Reconciliation finds a settlement's key (its visit reference) by the settlement.
    __table_args__ = (Index("ix_idempotencykey_result", "result_id"),)

    partner_id: uuid.UUID = Field(foreign_key="institution.id", primary_key=True)
    key: str = Field(max_length=80, primary_key=True)
    operation: str = Field(max_length=16)
    request_sha256: str = Field(max_length=64)
    result_id: uuid.UUID
    created_at: datetime = _ts()


class AttemptCounter(SQLModel, table=True):
    """Failed attempts per key in a fixed window (sign-in guessing, claim probing): kept in the
    database so every app process sees the same count."""

    key: str = Field(max_length=120, primary_key=True)
    window_start: datetime = _ts()
    failures: int = 0


class RosterImport(SQLModel, table=True):
    """One roster file brought in by staff or the CLI: a job row whose status and counts the console polls.

    Status: pending -> validating -> invalid | ready -> applying -> done | failed; ready (or pending) ->
    cancelled, or (a command-line dry run) dry_run; a running job whose process is gone -> interrupted.
    The file's SHA-256 is unique: the same file twice is the same import.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    file_sha256: str = Field(max_length=64, unique=True)
    filename: str = Field(max_length=200)
    encoding: str = Field(max_length=16)
    status: str = Field(max_length=12, index=True)
    total_rows: int = 0
    rows_processed: int = 0
    error_count: int = 0
    # What validation found (new, changed, unchanged people) and what the apply did.
    new_count: int = 0
    changed_count: int = 0
    unchanged_count: int = 0
    adjusted_count: int = 0
    adjusted_net_fen: int = Field(default=0, sa_type=BigInteger)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # JSON: canonical column -> the header text the file used for it (problems are named in the file's words).
    header_names: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    worker: str | None = Field(default=None, max_length=80)  # host:pid:start time of the process running the job


class RosterImportError(SQLModel, table=True):
    """One problem with one row (and column) of an import's file; the first `roster.STORED_PROBLEMS` are kept."""

    import_id: uuid.UUID = Field(foreign_key="rosterimport.id", primary_key=True)
    seq: int = Field(primary_key=True)
    row_no: int
    column: str = Field(max_length=24)
    code: str = Field(max_length=32)
    message_id: str = Field(max_length=200)  # an English gettext id, translated when shown
    value: str | None = Field(default=None, max_length=100)  # what the file had there (cut to 100 characters)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON


class RosterRow(SQLModel, table=True):
    """A validated row of an import waiting to be applied (the staging table, filled by COPY on PostgreSQL);
    deleted once the import is done, cancelled or invalid."""

    import_id: uuid.UUID = Field(foreign_key="rosterimport.id", primary_key=True)
    row_no: int = Field(primary_key=True)
    person_id: uuid.UUID  # the person on file, or the id a new person will get
    existing: bool = False
    id_number: str = Field(max_length=18)
    name: str = Field(max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    birth_date: date
    sex: str = Field(max_length=6)
    insurance_type: str = Field(max_length=10)
    region_code: str = Field(max_length=6)
    status: str = Field(max_length=10)
    balance_fen: int | None = Field(default=None, sa_type=BigInteger)
    row_sha256: str = Field(max_length=64)
    changed: bool = True
    delta_fen: int = Field(default=0, sa_type=BigInteger)


class RosterEntry(SQLModel, table=True):
    """What the last applied roster said about a person: a row digest (the same row again changes nothing)
    and the balance it carried (a new balance moves the account by the difference)."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    row_sha256: str = Field(max_length=64)
    balance_fen: int | None = Field(default=None, sa_type=BigInteger)
    import_id: uuid.UUID = Field(foreign_key="rosterimport.id", index=True)


class CatalogueImport(SQLModel, table=True):
    """One catalogue file (医保目录) brought in by staff or the CLI, checked whole and applied all or nothing.

    Status: invalid (problems, nothing written) | dry_run (checked only) | done. The file's SHA-256 is
    unique: the same file again after done is the same import; after invalid or dry_run it starts over.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    file_sha256: str = Field(max_length=64, unique=True)
    filename: str = Field(max_length=200)
    encoding: str = Field(max_length=16)
    status: str = Field(max_length=12)
    total_rows: int = 0
    error_count: int = 0
    new_count: int = 0        # entries added
    unchanged_count: int = 0  # rows the catalogue already had, exactly
    closed_count: int = 0     # entries on file whose valid_to a later version in the file ended
    created_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")  # None: the command line
    created_at: datetime = _ts()
    # JSON: {"names": canonical column -> the file's header text, "synonyms": ...}
    header_names: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # JSON list of the first problems: {row, column, code, message_id, params, value}
    problems: str = Field(default="[]", sa_column=Column(Text, nullable=False))


class CatalogueEntry(SQLModel, table=True):
    """One version of a catalogue item: in force from `valid_from` to `valid_to` (inclusive; None: open).
    Versions of one national code never overlap (the import ends an open version where the next begins),
    and a version is never changed afterwards but for that end date: settlements record its id (R18)."""

    __table_args__ = (
        UniqueConstraint("national_code", "valid_from", name="uq_catalogueentry_code_from"),
        CheckConstraint("kind IN ('drug', 'service', 'consumable')", name="ck_catalogueentry_kind"),
        CheckConstraint("item_class IN ('A', 'B', 'C')", name="ck_catalogueentry_class"),
        CheckConstraint("b_self_first_bp IS NULL OR (item_class = 'B' AND b_self_first_bp BETWEEN 0 AND 10000)",
                        name="ck_catalogueentry_b_self_first_bp"),
        CheckConstraint("price_cap_fen IS NULL OR price_cap_fen >= 0", name="ck_catalogueentry_price_cap"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_catalogueentry_valid"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    national_code: str = Field(max_length=50)  # med_list_codg
    name: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    item_class: str = Field(max_length=1)
    b_self_first_bp: int | None = None
    price_cap_fen: int | None = Field(default=None, sa_type=BigInteger)
    valid_from: date
    valid_to: date | None = None
    import_id: uuid.UUID = Field(foreign_key="catalogueimport.id", index=True)
    row_sha256: str = Field(max_length=64)


class ItemMapping(SQLModel, table=True):
    """An institution's item code mapped to a national code (目录对照): submitted by the partner (pending),
    approved or rejected by staff with a reason. One approved and one pending mapping at most per item code;
    approving a new one supersedes the approved one before it."""

    __table_args__ = (
        Index("uq_itemmapping_approved", "institution_id", "item_code", unique=True,
              sqlite_where=text("status = 'approved'"), postgresql_where=text("status = 'approved'")),
        Index("uq_itemmapping_pending", "institution_id", "item_code", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_itemmapping_status", "status", "submitted_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    institution_id: uuid.UUID = Field(foreign_key="institution.id", index=True)
    item_code: str = Field(max_length=40)  # medins_list_codg
    item_name: str | None = Field(default=None, max_length=100)  # the institution's own name for it
    national_code: str = Field(max_length=50)
    status: str = Field(max_length=10)  # pending / approved / rejected / superseded
    submitted_at: datetime = _ts()
    submitted_via: str = Field(max_length=12)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    decided_at: datetime | None = _ts(nullable=True)
    reason: str | None = Field(default=None, max_length=200)
class ClearingBatch(SQLModel, table=True):
    """One month's clearing (R16): prepared by one staff member, approved by another, paid against a bank
    reference. At most one batch per month that is not rejected; a rejected one stays for the record."""

    __table_args__ = (Index("uq_clearingbatch_month", "month", unique=True,
                            sqlite_where=text("status != 'rejected'"), postgresql_where=text("status != 'rejected'")),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    month: str = Field(max_length=7)  # YYYY-MM, China time
    # The month in China time as instants: what was created before `period_end` and in no batch yet is in it.
    period_start: datetime = _ts()
    period_end: datetime = _ts()
    status: str = Field(max_length=10)  # prepared / approved / paid / rejected
    prepared_by: uuid.UUID = Field(foreign_key="staffuser.id")
    prepared_at: datetime = _ts()
    approved_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    approved_at: datetime | None = _ts(nullable=True)
    rejected_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    rejected_at: datetime | None = _ts(nullable=True)
    reject_reason: str | None = Field(default=None, max_length=200)
    paid_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    paid_at: datetime | None = _ts(nullable=True)
    bank_reference: str | None = Field(default=None, max_length=64)


class ClearingItem(SQLModel, table=True):
    """A settlement or refund in a batch, with the parts it adds (a refund's are negative). The key is the
    source's id alone: a row is in one batch at most; rejecting a batch deletes its items."""

    source_id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=10)  # settlement / refund (a refund or a reversal)
    # No foreign keys here: prepare writes a month's items (a million) in the transaction that creates the
    # batch, copying the source's institution, and the per-row key checks cost more than the rest of it
    # (bench/clearing.py). `yibao verify-ledger` checks items against their sources and batches instead.
    batch_id: uuid.UUID = Field(index=True)
    institution_id: uuid.UUID
    insutype: str = Field(max_length=3)  # 310 / 390
    clr_type: str = Field(max_length=2)  # 11 / 21 / 41
    bill_fen: int = Field(sa_type=BigInteger)
    fund_fen: int = Field(sa_type=BigInteger)
    own_fen: int = Field(sa_type=BigInteger)
    aid_fen: int = Field(sa_type=BigInteger)
    cash_fen: int = Field(sa_type=BigInteger)


class ClearingLine(SQLModel, table=True):
    """One row of a batch: an institution and clearing key, the sums of its items, deductions and payable."""

    batch_id: uuid.UUID = Field(foreign_key="clearingbatch.id", primary_key=True)
    institution_id: uuid.UUID = Field(foreign_key="institution.id", primary_key=True)
    insutype: str = Field(max_length=3, primary_key=True)
    clr_type: str = Field(max_length=2, primary_key=True)
    settlements: int
    refunds: int
    bill_fen: int = Field(sa_type=BigInteger)
    fund_fen: int = Field(sa_type=BigInteger)
    own_fen: int = Field(sa_type=BigInteger)
    aid_fen: int = Field(sa_type=BigInteger)
    cash_fen: int = Field(sa_type=BigInteger)
    deducted_fen: int = Field(sa_type=BigInteger)
    payable_fen: int = Field(sa_type=BigInteger)  # fund + own + aid - deducted


class ClearingDeduction(SQLModel, table=True):
    """审核扣款: an auditor's deduction from a settlement, with its reason; returned to the fund and the
    personal accounts that paid (one `deduction` ledger transaction), never paid out."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    settlement_id: uuid.UUID = Field(foreign_key="settlement.id", index=True)
    batch_id: uuid.UUID = Field(foreign_key="clearingbatch.id")  # the batch under review when it was made
    amount_fen: int = Field(sa_type=BigInteger)
    fund_fen: int = Field(sa_type=BigInteger)
    personal_fen: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=200)
    created_by: uuid.UUID = Field(foreign_key="staffuser.id")
    created_at: datetime = _ts()


class HsaMessage(SQLModel, table=True):
    """One request to the HSA gateway (/hsa/v1) and its reply, with ID numbers and names masked.

    The first reply to a partner's `msgid` is `kept`: a retry with the same body gets it back, a
    different body under the same msgid is refused (the partial unique index makes the first one win)."""

    __table_args__ = (
        Index("uq_hsamessage_kept", "partner_id", "msgid", unique=True,
              sqlite_where=text("kept"), postgresql_where=text("kept")),
        Index("ix_hsamessage_at", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="institution.id")
    msgid: str = Field(max_length=30)
    infno: str = Field(max_length=6)
    opter: str = Field(max_length=30)
    kept: bool
    infcode: int
    err_msg: str | None = Field(default=None, max_length=200)
    request_sha256: str = Field(max_length=64)
    request: str = Field(sa_type=Text)  # masked
    reply: str = Field(sa_type=Text)    # as sent (a replay sends it again)
    settlement_id: uuid.UUID | None = None
    created_at: datetime = _ts()


class HsaSignIn(SQLModel, table=True):
    """9001: one sign-in number per partner, operator and China-time day."""

    __table_args__ = (UniqueConstraint("partner_id", "opter", "day", name="uq_hsasignin_opter_day"),)

    sign_no: str = Field(max_length=30, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="institution.id")
    opter: str = Field(max_length=30)
    day: date
    signed_in_at: datetime = _ts()
    signed_out_at: datetime | None = _ts(nullable=True)


class HsaVisit(SQLModel, table=True):
    """2201: an outpatient visit (`mdtrt_id`); 2204 attaches its fee detail (`chrg_bchno`, lines as JSON
    in fen); 2207 settles it and records which settlement it became."""

    mdtrt_id: str = Field(max_length=30, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="institution.id", index=True)
    psn_no: str = Field(max_length=30)
    med_type: str = Field(max_length=6)
    insutype: str = Field(max_length=6)
    begntime: datetime = _ts()
    chrg_bchno: str | None = Field(default=None, max_length=30)
    fee_lines: str | None = Field(default=None, sa_type=Text)
    settlement_id: uuid.UUID | None = Field(default=None, index=True)
    cancelled_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()


class HsaFile(SQLModel, table=True):
    """A file of the gateway's 3202 exchange: a partner's detail file uploaded by 9101 (kept as the CSV the
    reconciliation reads) or a result file 3202 made, fetched by 9102; named by `file_qury_no`."""

    file_qury_no: str = Field(max_length=30, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="institution.id", index=True)
    kind: str = Field(max_length=10)  # upload, result
    filename: str = Field(max_length=200)
    content: str = Field(sa_type=Text)
    created_at: datetime = _ts()
