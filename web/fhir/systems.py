"""The identifiers of our code systems, naming systems and extensions, and the HL7 ones we use.

Ours are logical names (`urn:yibao-family:...`), stable whatever host serves the export.
"""

OURS = "urn:yibao-family:fhir"

# Naming systems (Identifier.system)
ID_NUMBER = f"{OURS}:sid:id-number"            # 公民身份号码 (GB 11643)
PRESENTED_CODE = f"{OURS}:sid:presented-code"  # the text of a code shown at a counter (R10)
INSTITUTION = f"{OURS}:sid:institution"        # a partner's id
REGION = f"{OURS}:sid:region"                  # GB/T 2260 region code of a coordination area
SETTLEMENT = f"{OURS}:sid:settlement"
CLEARING = f"{OURS}:sid:clearing-statement"    # <YYYYMM>-<institution>: one institution's part of a month's clearing
BANK_REFERENCE = f"{OURS}:sid:bank-reference"  # the bank's reference of a clearing payment
RECEIPT = f"{OURS}:sid:receipt-number"  # a partner's own receipt number (unique per partner: see `assigner`)

# Code systems (Coding.system)
KINSHIP = f"{OURS}:CodeSystem:kinship"
INSURANCE_TYPE = f"{OURS}:CodeSystem:insurance-type"
INSURANCE_STATUS = f"{OURS}:CodeSystem:insurance-status"
CONSENT_CATEGORY = f"{OURS}:CodeSystem:consent-category"
CONSENT_SCOPE = f"{OURS}:CodeSystem:consent-scope"
CONSENT_ROLE = f"{OURS}:CodeSystem:consent-role"
CONSENT_METHOD = f"{OURS}:CodeSystem:consent-method"
CONSENT_STATUS = f"{OURS}:CodeSystem:consent-status"
BINDING_SCOPE = f"{OURS}:CodeSystem:binding-scope"
GRANT_USE = f"{OURS}:CodeSystem:grant-use"
RULE = f"{OURS}:CodeSystem:rule"
ADJUDICATION = f"{OURS}:CodeSystem:adjudication"
ITEM = f"{OURS}:CodeSystem:item"
ITEM_CATEGORY = f"{OURS}:CodeSystem:item-category"
CATALOGUE = f"{OURS}:CodeSystem:catalogue"  # the insurer's catalogue (医保目录): national codes, med_list_codg
VISIT_TYPE = f"{OURS}:CodeSystem:visit-type"
CLEARING_KEY = f"{OURS}:CodeSystem:clearing-key"  # <insutype>-<clr_type>: 310/390 × 11/21/41 (the national codes)

# Extensions (Extension.url)
EXT_RELATED_PATIENT = f"{OURS}:StructureDefinition:related-patient"  # a RelatedPerson's own Patient
EXT_PERSONAL_ACCOUNT = f"{OURS}:StructureDefinition:personal-account-balance"
EXT_INSURANCE_STATUS = f"{OURS}:StructureDefinition:insurance-status"
EXT_CONSENT_METHOD = f"{OURS}:StructureDefinition:consent-method"
EXT_CONSENT_STATUS = f"{OURS}:StructureDefinition:consent-status"
EXT_MONTHLY_CAP = f"{OURS}:StructureDefinition:monthly-cap"
EXT_PAYER = f"{OURS}:StructureDefinition:payer"
EXT_ITEM = f"{OURS}:StructureDefinition:item"
EXT_ITEM_CATEGORY = f"{OURS}:StructureDefinition:item-category"
EXT_QUANTITY = f"{OURS}:StructureDefinition:quantity"
EXT_UNIT_PRICE = f"{OURS}:StructureDefinition:unit-price"
EXT_CATALOGUE_ITEM = f"{OURS}:StructureDefinition:catalogue-item"  # the national code a line was settled under
EXT_PRICE_CAP = f"{OURS}:StructureDefinition:price-cap"  # the catalogue's price cap per unit (限价)
EXT_SERVICE_DATE = f"{OURS}:StructureDefinition:service-date"
EXT_VISIT_TYPE = f"{OURS}:StructureDefinition:visit-type"
# A clearing line's parts: `-bill`, `-fund`, `-own-account`, `-mutual-aid`, `-cash`, `-deducted` (valueMoney);
# its counts: `-settlements`, `-refunds` (valueInteger).
EXT_CLEARING_PART = f"{OURS}:StructureDefinition:clearing-part"
EXT_CLEARING_COUNT = f"{OURS}:StructureDefinition:clearing-count"
EXT_REFUND = f"{OURS}:StructureDefinition:refund"  # one refund or reversal: when, which lines, what came back

# HL7 terminology
HL7 = "http://terminology.hl7.org/CodeSystem"
V3_ROLE_CODE = f"{HL7}/v3-RoleCode"
V3_OBSERVATION_VALUE = f"{HL7}/v3-ObservationValue"  # MASKED, as a security label
ADJUDICATION_HL7 = f"{HL7}/adjudication"
CLAIM_TYPE = f"{HL7}/claim-type"
PAYMENT_TYPE = f"{HL7}/ex-paymenttype"
CONSENT_SCOPE_HL7 = f"{HL7}/consentscope"
CONSENT_ACTION = f"{HL7}/consentaction"
SUBSCRIBER_RELATIONSHIP = f"{HL7}/subscriber-relationship"
NOTE_TYPE = "http://hl7.org/fhir/note-type"
ERROR_CODE = f"{OURS}:CodeSystem:error-code"  # the graph's ErrorCode, in an OperationOutcome's details
COVERAGE_CLASS = f"{HL7}/coverage-class"
