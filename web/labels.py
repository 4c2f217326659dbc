"""Display labels for the graph's enum values (gettext ids) and money formatting."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.clock import CHINA
from backend.domain.errors import N_
from backend.domain.kinship import LABELS, NOT_NEAR_RELATIVES, Kinship
from backend.domain.money import yuan  # noqa: F401  (templates use labels.yuan)
from backend.services.roster import roster

INSURANCE_TYPE = {"EMPLOYEE": N_("Employee insurance"), "RESIDENT": N_("Resident insurance")}
INSURANCE_STATUS = {"ACTIVE": N_("Active"), "SUSPENDED": N_("Suspended"), "ENDED": N_("Ended")}
RELATIONSHIP_STATUS = {"CLAIMED": N_("Awaiting verification"), "VERIFIED": N_("Verified"),
                       "REJECTED": N_("Rejected")}
BINDING_STATUS = {"PENDING": N_("Awaiting approval"), "ACTIVE": N_("Bound"), "DECLINED": N_("Declined"),
                  "ENDED": N_("Ended")}
GRANT_STATUS = {"ACTIVE": N_("Grant in effect"), "SUSPENDED": N_("Grant paused"), "REVOKED": N_("Grant revoked")}
SETTLEMENT_STATUS = {"settled": N_("Settled"), "partly_refunded": N_("Partly refunded"), "refunded": N_("Refunded")}
# Who paid a settlement's bill, as the dashboard splits it.
SPLIT_PART = {"fund": N_("Pooled fund"), "own": N_("Own personal accounts"), "aid": N_("Family mutual aid"),
              "cash": N_("Cash")}
PERIOD = {"today": N_("Today"), "thisMonth": N_("This month")}
STAFF_ROLE = {"CLERK": N_("Clerk"), "AUDITOR": N_("Auditor"), "ADMIN": N_("Administrator")}
VISIT_TYPE = {"OUTPATIENT": N_("Outpatient"), "INPATIENT": N_("Inpatient"), "PHARMACY": N_("Pharmacy")}
LIMIT_NAME = {
    "bindings_per_holder": N_("Bindings per holder"), "grantees_per_grantor": N_("Grantees per grantor"),
    # The settlement policy (issue 23): days, and 1 yes / 0 no.
    "service_days_outpatient": N_("Days after the service date to settle an outpatient bill"),
    "service_days_inpatient": N_("Days after the service date to settle an inpatient bill"),
    "service_days_pharmacy": N_("Days after the service date to settle a pharmacy bill"),
    "visit_hospital_outpatient": N_("Hospitals settle outpatient visits (1 yes, 0 no)"),
    "visit_hospital_inpatient": N_("Hospitals settle inpatient visits (1 yes, 0 no)"),
    "visit_hospital_pharmacy": N_("Hospitals settle pharmacy visits (1 yes, 0 no)"),
    "visit_pharmacy_outpatient": N_("Pharmacies settle outpatient visits (1 yes, 0 no)"),
    "visit_pharmacy_inpatient": N_("Pharmacies settle inpatient visits (1 yes, 0 no)"),
    "visit_pharmacy_pharmacy": N_("Pharmacies settle pharmacy visits (1 yes, 0 no)"),
}
# A bill line's class, as a family reads it (R18).
ITEM_CLASS_FOR_FAMILIES = {"A": N_("Class A: insurance covers it after the deductible"),
                           "B": N_("Class B: you pay a first share, then insurance covers it"),
                           "C": N_("Class C: in the catalogue, but you pay it all"),
                           "NON_MEDICAL": N_("Not covered")}
INSTITUTION_KIND = {"HOSPITAL": N_("Designated hospital"), "PHARMACY": N_("Retail pharmacy"), "APP": N_("Third-party app")}

# The claim form offers R1's kinds, and, apart, kinds people often mean but R1 refuses.
NEAR_RELATIVE_CHOICES = [(kind.value, LABELS[kind][0]) for kind in Kinship]
OTHER_RELATIVE_CHOICES = list(NOT_NEAR_RELATIVES.items())


def china_time(value: str | None) -> str:
    """An ISO timestamp from the graph as China time, to the minute."""
    if not value:
        return ""
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def kind_label(kind_name: str) -> str:
    """The generic label id of a Kinship enum name from the graph (PARENT -> "parent")."""
    return LABELS[Kinship[kind_name]][0]


MONTHS = [N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
          N_("Oct"), N_("Nov"), N_("Dec")]
ROSTER_STATUS = {status.name: label for status, label in roster.STATUS_LABELS.items()}
