"""Who sees a person's preferences and who may change them: the person alone (staff read, audited)."""

from backend.graph.core.rules import AUDITED, DENY, HOUSEHOLD_ONLY, SELF

#                                       household               partner  staff          anonymous
ROWS = {
    "Mutation.setElderlyMode":          HOUSEHOLD_ONLY,

    "Person.preferences":               (SELF,                   DENY,    AUDITED,       DENY),
    "Preferences.elderlyMode":          (SELF,                   DENY,    AUDITED,       DENY),
}
