"""Expected failures: a machine code, the input field it concerns, and parameters for the message.

Messages are English gettext ids, translated at the edge (GraphQL, pages) into the caller's locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it (gettext_noop)."""
    return message


class Msg(str):
    """A message parameter that is itself a gettext id, translated with the message."""


class Plural(str):
    """A gettext id with a plural form (ngettext): the number in parameter `count` picks the form and is
    written with the locale's digit grouping. The string is the singular id; `make i18n` extracts both."""

    plural: str
    count: str

    def __new__(cls, singular: str, plural: str, count: str = "count") -> Plural:
        message = super().__new__(cls, singular)
        message.plural, message.count = plural, count
        return message


class ErrorCode(StrEnum):
    ID_NUMBER_LENGTH = "ID_NUMBER_LENGTH"
    ID_NUMBER_CHARACTERS = "ID_NUMBER_CHARACTERS"
    ID_NUMBER_REGION = "ID_NUMBER_REGION"
    ID_NUMBER_BIRTH_DATE = "ID_NUMBER_BIRTH_DATE"
    ID_NUMBER_CHECK_DIGIT = "ID_NUMBER_CHECK_DIGIT"
    REGION_CODE_INVALID = "REGION_CODE_INVALID"
    REGION_PREFIX_INVALID = "REGION_PREFIX_INVALID"
    REGION_UNKNOWN = "REGION_UNKNOWN"
    NOT_NEAR_RELATIVE = "NOT_NEAR_RELATIVE"
    SELF_RELATIONSHIP = "SELF_RELATIONSHIP"
    AGE_INCONSISTENT = "AGE_INCONSISTENT"
    RELATIONSHIP_EXISTS = "RELATIONSHIP_EXISTS"
    RELATIONSHIP_NOT_CLAIMED = "RELATIONSHIP_NOT_CLAIMED"
    PERSON_NOT_FOUND = "PERSON_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    NOT_FAMILY = "NOT_FAMILY"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    NOT_MEMBER = "NOT_MEMBER"
    NAME_REQUIRED = "NAME_REQUIRED"
    NAME_TOO_LONG = "NAME_TOO_LONG"
    REASON_REQUIRED = "REASON_REQUIRED"
    REASON_TOO_LONG = "REASON_TOO_LONG"
    NO_CHANGE = "NO_CHANGE"
    LAST_ADMIN = "LAST_ADMIN"
    USERNAME_INVALID = "USERNAME_INVALID"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    KEY_NOT_LIVE = "KEY_NOT_LIVE"
    PARTNER_DISABLED = "PARTNER_DISABLED"
    LEVEL_INVALID = "LEVEL_INVALID"
    INVALID_INPUT = "INVALID_INPUT"
    FORBIDDEN = "FORBIDDEN"
    BIND_SELF = "BIND_SELF"
    VOUCHER_NOT_ACTIVATED = "VOUCHER_NOT_ACTIVATED"
    VOUCHER_ALREADY_ACTIVATED = "VOUCHER_ALREADY_ACTIVATED"
    NOT_GUARDIAN = "NOT_GUARDIAN"
    MINOR_NEEDS_GUARDIAN = "MINOR_NEEDS_GUARDIAN"
    BINDING_EXISTS = "BINDING_EXISTS"
    BINDING_LIMIT = "BINDING_LIMIT"
    BINDING_NOT_PENDING = "BINDING_NOT_PENDING"
    BINDING_ENDED = "BINDING_ENDED"
    CONSENT_NOT_VERIFIED = "CONSENT_NOT_VERIFIED"
    NO_BINDING = "NO_BINDING"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODE_USED = "CODE_USED"
    CODE_FORGED = "CODE_FORGED"
    CODE_UNKNOWN = "CODE_UNKNOWN"
    CODE_BINDING_ENDED = "CODE_BINDING_ENDED"
    LIMIT_INVALID = "LIMIT_INVALID"
    POLICY_MISSING = "POLICY_MISSING"
    RATIO_INVALID = "RATIO_INVALID"
    RATIO_MISSING = "RATIO_MISSING"
    AMOUNT_INVALID = "AMOUNT_INVALID"
    LABEL_INVALID = "LABEL_INVALID"
    PARAMETERS_IN_USE = "PARAMETERS_IN_USE"
    EFFECTIVE_DATE_TOO_EARLY = "EFFECTIVE_DATE_TOO_EARLY"
    EFFECTIVE_DATE_FAR_AHEAD = "EFFECTIVE_DATE_FAR_AHEAD"
    NO_LINES = "NO_LINES"
    TOO_MANY_LINES = "TOO_MANY_LINES"
    BAD_LINE = "BAD_LINE"
    LINE_TEXT_INVALID = "LINE_TEXT_INVALID"
    LINE_TOO_LARGE = "LINE_TOO_LARGE"
    BILL_TOO_LARGE = "BILL_TOO_LARGE"
    CONTROL_CHARACTERS = "CONTROL_CHARACTERS"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    GRANT_EXISTS = "GRANT_EXISTS"
    GRANTEE_LIMIT = "GRANTEE_LIMIT"
    GRANT_NOT_ACTIVE = "GRANT_NOT_ACTIVE"
    BAD_PAYER_ORDER = "BAD_PAYER_ORDER"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    PREMIUM_ALREADY_PAID = "PREMIUM_ALREADY_PAID"
    PREMIUM_NOT_RESIDENT = "PREMIUM_NOT_RESIDENT"
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"
    REFUND_WINDOW_PASSED = "REFUND_WINDOW_PASSED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    SERVICE_DATE_INVALID = "SERVICE_DATE_INVALID"
    SERVICE_DATE_TOO_OLD = "SERVICE_DATE_TOO_OLD"
    VISIT_TYPE_NOT_OFFERED = "VISIT_TYPE_NOT_OFFERED"
    LINE_CATEGORY_MISMATCH = "LINE_CATEGORY_MISMATCH"
    LINE_NATIONAL_CODE_MISMATCH = "LINE_NATIONAL_CODE_MISMATCH"
    INSURANCE_INACTIVE = "INSURANCE_INACTIVE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    MONTHLY_CAP_EXCEEDED = "MONTHLY_CAP_EXCEEDED"
    PAGE_SIZE = "PAGE_SIZE"
    PASSWORD_INCORRECT = "PASSWORD_INCORRECT"
    PASSWORD_LENGTH = "PASSWORD_LENGTH"
    STATEMENT_YEAR_INVALID = "STATEMENT_YEAR_INVALID"
    ROSTER_STATE = "ROSTER_STATE"
    CATALOGUE_CODE_UNKNOWN = "CATALOGUE_CODE_UNKNOWN"
    ITEM_CODE_INVALID = "ITEM_CODE_INVALID"
    MAPPING_NOT_PENDING = "MAPPING_NOT_PENDING"
    INSTITUTION_CODE_INVALID = "INSTITUTION_CODE_INVALID"
    INSTITUTION_CODE_TAKEN = "INSTITUTION_CODE_TAKEN"
    RECONCILE_RANGE_INVALID = "RECONCILE_RANGE_INVALID"
    RECONCILE_FILE_INVALID = "RECONCILE_FILE_INVALID"
    MONTH_INVALID = "MONTH_INVALID"
    MONTH_NOT_ENDED = "MONTH_NOT_ENDED"
    BATCH_EXISTS = "BATCH_EXISTS"
    BATCH_STATE = "BATCH_STATE"
    OWN_BATCH = "OWN_BATCH"
    DEDUCTION_TOO_LARGE = "DEDUCTION_TOO_LARGE"
    SETTLEMENT_DEDUCTED = "SETTLEMENT_DEDUCTED"
    BANK_ACCOUNT_INVALID = "BANK_ACCOUNT_INVALID"
    PAYEE_ACCOUNT_MISSING = "PAYEE_ACCOUNT_MISSING"
    BANK_REFERENCE_INVALID = "BANK_REFERENCE_INVALID"
    RECEIPT_NUMBER_TAKEN = "RECEIPT_NUMBER_TAKEN"
    LINE_PRICE_INVALID = "LINE_PRICE_INVALID"
    LINE_QUANTITY_INVALID = "LINE_QUANTITY_INVALID"


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.ID_NUMBER_LENGTH: N_("An ID number has 18 characters; this one has {length}."),
    ErrorCode.ID_NUMBER_CHARACTERS: N_("An ID number is 17 digits followed by a digit or X."),
    ErrorCode.ID_NUMBER_REGION: N_("The ID number does not start with a valid region code."),
    ErrorCode.ID_NUMBER_BIRTH_DATE: N_("The birth date in the ID number is not a real date."),
    ErrorCode.ID_NUMBER_CHECK_DIGIT: N_("The ID number's check digit is wrong; please check it again."),
    ErrorCode.REGION_CODE_INVALID: N_("A region code is six digits (GB/T 2260)."),
    ErrorCode.REGION_PREFIX_INVALID: N_("A region prefix is empty (everywhere), or 2, 4 or 6 digits of a region code."),
    ErrorCode.REGION_UNKNOWN: N_(
        "This is not the code of Shandong (37), of one of its cities (such as 3701) or of one of its districts "
        "and counties (such as 370102)."),
    ErrorCode.NOT_NEAR_RELATIVE: N_(
        "Only near relatives may be linked (rule R1: spouse, parents and children, siblings, "
        "grandparents and grandchildren); \u201c{kind}\u201d is not one of them."
    ),
    ErrorCode.SELF_RELATIONSHIP: N_("A person cannot be their own relative."),
    ErrorCode.AGE_INCONSISTENT: N_("The birth dates do not fit this relationship: the elder must be born before the younger."),
    ErrorCode.RELATIONSHIP_EXISTS: N_("A relationship between these two people is already on record."),
    ErrorCode.RELATIONSHIP_NOT_CLAIMED: N_("Only a claimed relationship can be verified or rejected."),
    ErrorCode.PERSON_NOT_FOUND: N_("No insured person matches this name and ID number."),
    ErrorCode.NOT_FOUND: N_("Not found."),
    ErrorCode.NOT_ALLOWED: N_("You are not allowed to do this."),
    ErrorCode.NOT_FAMILY: N_("Only a verified near relative of yours can be added."),
    ErrorCode.ALREADY_MEMBER: N_("This person is already in the household."),
    ErrorCode.NOT_MEMBER: N_("This person is not in the household."),
    ErrorCode.NAME_REQUIRED: N_("Please enter a name."),
    ErrorCode.NAME_TOO_LONG: N_("A name has at most {max} characters."),
    ErrorCode.REASON_REQUIRED: N_("Please give a reason."),
    ErrorCode.REASON_TOO_LONG: N_("A reason has at most {max} characters."),
    ErrorCode.NO_CHANGE: N_("Nothing to change: it is already so."),
    ErrorCode.LAST_ADMIN: N_("At least one active administrator must remain."),
    ErrorCode.USERNAME_INVALID: N_("A username has {min} to {max} lowercase letters, digits, dots, dashes or underscores."),
    ErrorCode.USERNAME_TAKEN: N_("This username is already taken."),
    ErrorCode.KEY_NOT_LIVE: N_("This API key is revoked, expired or already rotated."),
    ErrorCode.PARTNER_DISABLED: N_("This partner is disabled; enable it first."),
    ErrorCode.LEVEL_INVALID: N_(
        "An institution level is 1, 2 or 3, or 0 (the default: a level not known, or a partner that is not a hospital)."
    ),
    ErrorCode.INVALID_INPUT: N_("The input is not valid."),
    ErrorCode.FORBIDDEN: N_("You may not see this."),
    ErrorCode.BIND_SELF: N_("Your own code needs no binding."),
    ErrorCode.VOUCHER_NOT_ACTIVATED: N_("This person has not activated their medical e-voucher yet."),
    ErrorCode.VOUCHER_ALREADY_ACTIVATED: N_("Your medical e-voucher is already activated."),
    ErrorCode.NOT_GUARDIAN: N_("Only a parent whose relationship staff have verified can activate a minor child's e-voucher."),
    ErrorCode.MINOR_NEEDS_GUARDIAN: N_("A minor can only be bound by a parent whose relationship staff have verified."),
    ErrorCode.BINDING_EXISTS: N_("You already hold or have requested a binding for this person."),
    ErrorCode.BINDING_LIMIT: N_("You already hold the most bindings this region allows ({limit})."),
    ErrorCode.BINDING_NOT_PENDING: N_("This binding request has already been answered."),
    ErrorCode.BINDING_ENDED: N_("This binding has already ended."),
    ErrorCode.CONSENT_NOT_VERIFIED: N_("Only the bound person, or staff at a counter, can give this consent."),
    ErrorCode.NO_BINDING: N_("You can show only your own code, or the code of someone you hold an active binding for."),
    ErrorCode.CODE_EXPIRED: N_("This code has expired; ask for the code to be refreshed."),
    ErrorCode.CODE_USED: N_("This code has already been used."),
    ErrorCode.CODE_FORGED: N_("This is not a genuine code, or it was altered."),
    ErrorCode.CODE_UNKNOWN: N_("This code is not known."),
    ErrorCode.CODE_BINDING_ENDED: N_("The family-account binding behind this code has ended."),
    ErrorCode.LIMIT_INVALID: N_("This limit is a whole number from {min} to {max}, or empty for no limit."),
    ErrorCode.POLICY_MISSING: N_("No settlement parameters are in force for this date, region and visit type."),
    ErrorCode.RATIO_INVALID: N_("A ratio is a percentage from 0 to 100 with at most two decimal places."),
    ErrorCode.RATIO_MISSING: N_("Every insurance type and visit type needs a ratio for level 0 (the default)."),
    ErrorCode.AMOUNT_INVALID: N_("An amount is zero or more, in yuan with at most two decimal places."),
    ErrorCode.LABEL_INVALID: N_("A label has 1 to {max} characters, without control characters."),
    ErrorCode.PARAMETERS_IN_USE: N_(
        "Settlements already use the version in force from {date}; it cannot be changed. Create a newer one."),
    ErrorCode.EFFECTIVE_DATE_TOO_EARLY: N_(
        "The effective date must be after {date}: settlements in this region are already settled up to that "
        "service date under the versions in force then."),
    ErrorCode.EFFECTIVE_DATE_FAR_AHEAD: N_(
        "{date} is more than {years} years ahead. If that is right, confirm the date and submit again."),
    ErrorCode.NO_LINES: N_("A bill needs at least one line."),
    ErrorCode.TOO_MANY_LINES: N_("A bill has at most {max} lines."),
    ErrorCode.BAD_LINE: N_("Line {line}: the price must not be negative and the quantity must be a whole number from 1 to {max_quantity}."),
    ErrorCode.LINE_TEXT_INVALID: N_("Line {line}: an item code of 1 to {max_code} and a name of 1 to {max_name} characters, please."),
    ErrorCode.LINE_TOO_LARGE: N_("Line {line}: one line comes to at most {max} yuan."),
    ErrorCode.BILL_TOO_LARGE: N_("A bill comes to at most {max} yuan."),
    ErrorCode.CONTROL_CHARACTERS: N_("Please remove the control characters from this text."),
    ErrorCode.NOT_ELIGIBLE: N_("Not eligible under rule {rule}: {reason}"),
    ErrorCode.GRANT_EXISTS: N_("You already have an active grant for this person."),
    ErrorCode.GRANTEE_LIMIT: N_("You already have the most grantees this region allows ({limit})."),
    ErrorCode.GRANT_NOT_ACTIVE: N_("This grant is not active."),
    ErrorCode.BAD_PAYER_ORDER: N_("The payer order may name your own account and your grants, each once."),
    ErrorCode.INSUFFICIENT_FUNDS: N_("There is not enough money in the accounts to pay this, and cash is not allowed."),
    ErrorCode.PREMIUM_ALREADY_PAID: N_("The resident premium for {year} is already paid."),
    ErrorCode.PREMIUM_NOT_RESIDENT: N_("Only a resident-insured person in Shandong has a resident premium to pay."),
    ErrorCode.IDEMPOTENCY_MISMATCH: N_("This idempotency key was already used for a different request."),
    ErrorCode.REFUND_WINDOW_PASSED: Plural("The refund window of {days} day has passed; ask insurer staff to reverse it.",
                                           "The refund window of {days} days has passed; ask insurer staff to reverse it.",
                                           count="days"),
    ErrorCode.ALREADY_REFUNDED: N_("This has already been refunded."),
    ErrorCode.MONTH_INVALID: N_("A month is written YYYY-MM, such as 2026-11."),
    ErrorCode.MONTH_NOT_ENDED: N_("{month} has not ended yet (China time); a month is cleared after it ends."),
    ErrorCode.BATCH_EXISTS: N_("{month} already has a clearing batch, or a later month has one."),
    ErrorCode.BATCH_STATE: N_("This batch is {status}; that cannot be done now."),
    ErrorCode.OWN_BATCH: N_("You prepared this batch; another staff member must approve it."),
    ErrorCode.DEDUCTION_TOO_LARGE: N_("At most {max} yuan of this settlement can still be deducted."),
    ErrorCode.SETTLEMENT_DEDUCTED: N_("An auditor deducted from this settlement at clearing; it can no longer be refunded."),
    ErrorCode.BANK_ACCOUNT_INVALID: N_(
        "A bank name of 1 to {max_name} characters and an account number of 8 to {max_number} digits, please."),
    ErrorCode.PAYEE_ACCOUNT_MISSING: N_("{name} has no payee bank account yet; an admin sets it on the partner page."),
    ErrorCode.BANK_REFERENCE_INVALID: N_("The bank's reference is 1 to {max} letters, digits or dashes."),
    ErrorCode.TOO_MANY_ATTEMPTS: Plural("Too many failed attempts. Please try again in {minutes} minute.",
                                        "Too many failed attempts. Please try again in {minutes} minutes.", count="minutes"),
    ErrorCode.ACCOUNT_DISABLED: N_("This account is disabled. Ask an administrator to enable it."),
    ErrorCode.UNAUTHENTICATED: N_(
        "This credential is not valid: it is unknown, revoked or expired, or its account is disabled. "
        "Sign in again, or ask the insurer for a working API key."
    ),
    ErrorCode.MONTHLY_CAP_EXCEEDED: N_("This would go over the grant's monthly cap: {left} yuan left this month, {needed} yuan needed."),
    ErrorCode.INSURANCE_INACTIVE: N_("This person's insurance is not active, so it cannot settle a bill."),
    ErrorCode.SERVICE_DATE_INVALID: N_("The service date cannot be in the future or before this year's parameters."),
    ErrorCode.SERVICE_DATE_TOO_OLD: Plural("A bill is settled within {days} day of its service date.",
                                           "A bill is settled within {days} days of its service date.", "days"),
    ErrorCode.VISIT_TYPE_NOT_OFFERED: N_("This institution ({kind}) cannot settle this visit type ({visit})."),
    ErrorCode.LINE_CATEGORY_MISMATCH: N_("Line {line}: the catalogue classes national code {national} as {expected}, "
                                         "not {sent}. Check the till's item settings."),
    ErrorCode.LINE_NATIONAL_CODE_MISMATCH: N_("Line {line}: this item is mapped to national code {expected}, "
                                              "not {sent}. Check the till's item settings."),
    ErrorCode.PAGE_SIZE: N_("A page holds at most {max} items."),
    ErrorCode.PASSWORD_INCORRECT: N_("The current password is not correct."),
    ErrorCode.PASSWORD_LENGTH: N_("A password has {min} to {max} characters."),
    ErrorCode.STATEMENT_YEAR_INVALID: N_("A statement covers one year from {first} to {last}."),
    ErrorCode.ROSTER_STATE: N_("This import cannot do that now (it is {status})."),
    ErrorCode.CATALOGUE_CODE_UNKNOWN: N_("The catalogue has no item with the national code {national_code}."),
    ErrorCode.ITEM_CODE_INVALID: N_("An item code has 1 to {max} characters, without control characters."),
    ErrorCode.MAPPING_NOT_PENDING: N_("This mapping has already been decided."),
    ErrorCode.INSTITUTION_CODE_INVALID: N_("An institution code is a capital letter followed by 11 digits, "
                                           "e.g. P37010200001."),
    ErrorCode.INSTITUTION_CODE_TAKEN: N_("Another partner already has this institution code."),
    ErrorCode.RECONCILE_RANGE_INVALID: Plural(
        "Reconcile past days: the first day on or before the last, the last before today ({today}), "
        "at most {max} day.",
        "Reconcile past days: the first day on or before the last, the last before today ({today}), "
        "at most {max} days.", count="max"),
    ErrorCode.RECONCILE_FILE_INVALID: Plural(
        "The detail file has {count} problem (the first on row {row}, column {column}); nothing was reconciled.",
        "The detail file has {count} problems (the first on row {row}, column {column}); nothing was reconciled.",
        count="count"),
    ErrorCode.RECEIPT_NUMBER_TAKEN: N_("Receipt number {receipt} is already on another bill you settled."),
    ErrorCode.LINE_PRICE_INVALID: N_("Line {line}: the unit price must be more than zero."),
    ErrorCode.LINE_QUANTITY_INVALID: N_("Line {line}: the quantity must be a whole number from 1 to {max_quantity}."),
}


# INVALID_INPUT with a `reason` (a `Msg`) says why; the field is the error's `field`.
INVALID_BECAUSE = N_("The input is not valid: {reason}.")


class DomainError(Exception):
    """An expected refusal: nothing was written.

    `problems` holds every error of the same kind found at once (each bad line of a bill, its line in
    `params["line"]`); the error itself is the first of them."""

    def __init__(self, code: ErrorCode, *, field: str | None = None, problems: Sequence[DomainError] = (),
                 **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.params = params
        self.problems = tuple(problems)

    @property
    def message_id(self) -> str:
        if self.code is ErrorCode.INVALID_INPUT and "reason" in self.params:
            return INVALID_BECAUSE
        return MESSAGES[self.code]
