"""Where each ErrorCode occurs, for the generated table in docs/graphql.md (`yibao docs`): what its
English message does not say. A code without a note needs none."""

from backend.domain.errors import ErrorCode

NOTES: dict[ErrorCode, str] = {
    ErrorCode.NOT_FOUND: "(Also: a malformed id, or a household, binding, grant or settlement you are not party to.)",
    ErrorCode.NOT_FAMILY: (
        "(`addHouseholdMember` without a verified relationship; `requestBinding` for someone you have no "
        "claimed or verified relationship with.)"),
    ErrorCode.REASON_TOO_LONG: "(every staff action that takes a reason.)",
    ErrorCode.NO_CHANGE: (
        "(staff and partner actions that would change nothing (enable an enabled partner, set the role a user"
        " has).)"),
    ErrorCode.LAST_ADMIN: "(`disableStaffUser`, `setStaffRole`.)",
    ErrorCode.USERNAME_INVALID: "(`addStaffUser`.)",
    ErrorCode.USERNAME_TAKEN: "(`addStaffUser`.)",
    ErrorCode.KEY_NOT_LIVE: "(`revokeApiKey`, `rotateApiKey`.)",
    ErrorCode.PARTNER_DISABLED: "(`issueApiKey`, `rotateApiKey` for a disabled partner.)",
    ErrorCode.LEVEL_INVALID: "(`registerPartner`.)",
    ErrorCode.INVALID_INPUT: (
        "(`field` names the input field, e.g. `idempotencyKey`, `lineNumbers`, `monthlyCapFen`, `year`, "
        "`receiptNumber`, `after`; with a reason the message is “The input is not valid: {reason}.”. A "
        "variable value that does not fit its type, such as an unknown enum value, is a GraphQL error with "
        "this code, `extensions.field` (`lines[1].category`) and graphql-core's text in `extensions.detail`.)"),
    ErrorCode.FORBIDDEN: "(Query fields, see below.)",
    ErrorCode.POLICY_MISSING: "(`field` is `serviceDate`, or `visitType` when the set lacks that visit type.)",
    ErrorCode.RATIO_INVALID: "(`createParameterVersion`.)",
    ErrorCode.RATIO_MISSING: "(`createParameterVersion`.)",
    ErrorCode.AMOUNT_INVALID: "(`createParameterVersion`.)",
    ErrorCode.LABEL_INVALID: "(`createParameterVersion`.)",
    ErrorCode.PARAMETERS_IN_USE: (
        "(`createParameterVersion` (and `yibao import-parameters`) for a version settlements already used.)"),
    ErrorCode.EFFECTIVE_DATE_TOO_EARLY: (
        "(`createParameterVersion`: on or before the latest service date settled in the region.)"),
    ErrorCode.EFFECTIVE_DATE_FAR_AHEAD: (
        "(`createParameterVersion` without `confirmFarAhead` (`yibao import-parameters` without "
        "`--far-ahead`).)"),
    ErrorCode.BAD_LINE: (
        "No longer returned: a bad price is `LINE_PRICE_INVALID`, a bad quantity `LINE_QUANTITY_INVALID`. "
        "Kept so clients that name it still parse."),
    ErrorCode.LINE_TEXT_INVALID: "(Also for control characters.) Every bad line is also in `lineErrors`.",
    ErrorCode.LINE_TOO_LARGE: "Every bad line is also in `lineErrors`.",
    ErrorCode.CONTROL_CHARACTERS: "(Names of people and households.)",
    ErrorCode.NOT_ELIGIBLE: "`{rule}` is R2 or R3; `{reason}` says which condition failed.",
    ErrorCode.INSUFFICIENT_FUNDS: "(`settle` with `allowCash: false`; `payPremium` over the balance.)",
    ErrorCode.REFUND_WINDOW_PASSED: "`{days}` is `REFUND_WINDOW_DAYS` (\"1 day\" in the singular).",
    ErrorCode.TOO_MANY_ATTEMPTS: (
        "(\"1 minute\" in the singular). (`claimRelationship` after 10 name-and-number misses in an hour; see "
        "docs/operations.md.)"),
    ErrorCode.ACCOUNT_DISABLED: (
        "(`/auth/token` and the sign-in page, after the right password of a disabled staff user.)"),
    ErrorCode.UNAUTHENTICATED: "(HTTP `401`, before any query runs; see [Authentication](#authentication).)",
    ErrorCode.MONTHLY_CAP_EXCEEDED: "(`payPremium`.)",
    ErrorCode.PAGE_SIZE: "(Query fields, see below.)",
    ErrorCode.PASSWORD_INCORRECT: "(The change-password page only; no graph operation returns it.)",
    ErrorCode.PASSWORD_LENGTH: "(The change-password page and `yibao set-password` only.)",
    ErrorCode.STATEMENT_YEAR_INVALID: (
        "(`Person.statement(year)` and `Grant.paidIn(year)`: a year before 2000 or one that has not begun.)"),
    ErrorCode.ROSTER_STATE: "(`confirmRosterImport`, `cancelRosterImport` on an import in another state.)",
    ErrorCode.RECEIPT_NUMBER_TAKEN: (
        "(`settle` with a `receiptNumber` already on another of your bills; the same bill sent again under it"
        " answers the first settlement.)"),
    ErrorCode.LINE_PRICE_INVALID: "(`settle`, `quote`: every bad line is also in `lineErrors`.)",
    ErrorCode.LINE_QUANTITY_INVALID: "(`settle`, `quote`: every bad line is also in `lineErrors`.)",
}
