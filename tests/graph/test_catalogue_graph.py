"""The catalogue through the graph: staff import and search it, partners read it and submit their mappings
(one by one or as a file) and see only their own, clerks decide; auditors and households are refused."""

from __future__ import annotations

import io

from tests.helpers import gql, partner, staff

AMOX = "XJ01CAA037A0020107919"
IBU = "XM01AEA629A0040134623"

IMPORT = """mutation($file: Upload!, $dry: Boolean!) { importCatalogue(input: {file: $file, dryRun: $dry}) {
  __typename ... on CatalogueImportPayload { alreadyImported catalogueImport { id status newCount endedCount
    problems { row column header value code message } } }
  ... on OperationError { code field } } }"""
SEARCH = """query($q: String!, $on: Date) { catalogueEntries(search: $q, on: $on, first: 5) { totalCount
  edges { node { nationalCode name kind itemClass bSelfFirstBp priceCapFen validFrom validTo } } } }"""
SUBMIT = """mutation($m: [ItemMappingInput!]!) { submitItemMappings(input: {mappings: $m}) {
  __typename ... on ItemMappingsPayload { mappings { id itemCode status entry { name itemClass } } }
  ... on OperationError { code field message } } }"""
SUBMIT_FILE = """mutation($file: Upload!) { submitItemMappingFile(input: {file: $file}) {
  __typename ... on ItemMappingsPayload { mappings { itemCode status } problems { row column value code message } }
  ... on OperationError { code field } } }"""
DECIDE = """mutation($id: ID!, $ok: Boolean!, $why: String) { decideItemMapping(input: {mappingId: $id, approve: $ok,
  reason: $why}) { __typename ... on ItemMappingPayload { mapping { status reason institution { name } } }
  ... on OperationError { code field } } }"""
MAPPINGS = """query($status: [ItemMappingStatus!]) { itemMappings(status: $status) { totalCount
  edges { node { itemCode nationalCode status reason } } } }"""


class Upload:
    def __init__(self, text: str, filename: str = "catalogue.csv", encoding: str = "utf-8") -> None:
        self.filename = filename
        self.file = io.BytesIO(text.encode(encoding))


def test_a_clerk_imports_and_anyone_of_staff_or_partners_searches(rt):
    clerk = staff(rt, "clerk")
    text = "国家医保编码,名称,目录类别,甲乙类,最高限价,开始日期\nG-1,图谱测试药,药品,乙类,9.90,2026-01-01\n"
    dry = gql(rt, clerk, IMPORT, file=Upload(text), dry=True).data["importCatalogue"]
    assert dry["catalogueImport"]["status"] == "DRY_RUN" and dry["catalogueImport"]["newCount"] == 1
    done = gql(rt, clerk, IMPORT, file=Upload(text), dry=False).data["importCatalogue"]
    assert done["catalogueImport"]["status"] == "DONE" and not done["alreadyImported"]
    again = gql(rt, clerk, IMPORT, file=Upload(text), dry=False).data["importCatalogue"]
    assert again["alreadyImported"] and again["catalogueImport"]["id"] == done["catalogueImport"]["id"]

    bad = gql(rt, clerk, IMPORT, locale="zh_CN", dry=False,
              file=Upload("国家医保编码,名称,目录类别,甲乙类,开始日期\nG-2,坏行,药品,丁类,2026-01-01\n")).data["importCatalogue"]
    [problem] = bad["catalogueImport"]["problems"]
    assert (problem["row"], problem["column"], problem["header"], problem["value"], problem["code"]) == \
        (2, "class", "甲乙类", "丁类", "CLASS_UNKNOWN")

    pharmacy, _ = partner(rt)
    for who in (clerk, pharmacy):
        found = gql(rt, who, SEARCH, q="图谱", on="2026-03-02").data["catalogueEntries"]
        assert found["totalCount"] == 1
        assert found["edges"][0]["node"] == {"nationalCode": "G-1", "name": "图谱测试药", "kind": "DRUG",
                                             "itemClass": "B", "bSelfFirstBp": None, "priceCapFen": 990,
                                             "validFrom": "2026-01-01", "validTo": None}
    assert gql(rt, clerk, SEARCH, q="xj01caa037").data["catalogueEntries"]["totalCount"] == 2  # two versions

    auditor = staff(rt, "auditor")
    refused = gql(rt, auditor, IMPORT, file=Upload(text), dry=True)
    assert refused.data["importCatalogue"]["code"] == "NOT_ALLOWED"


def test_a_partner_submits_a_clerk_decides_and_the_partner_sees_its_own(rt):
    pharmacy, _ = partner(rt)
    other, _ = partner(rt)
    clerk = staff(rt, "clerk")
    submitted = gql(rt, pharmacy, SUBMIT, m=[{"itemCode": "P-1", "nationalCode": AMOX, "itemName": "阿莫西林"},
                                             {"itemCode": "P-2", "nationalCode": IBU}]).data["submitItemMappings"]
    first, second = submitted["mappings"]
    assert first["status"] == "PENDING" and first["entry"] == {"name": "阿莫西林胶囊 0.25g×24粒", "itemClass": "A"}
    unknown = gql(rt, pharmacy, SUBMIT, m=[{"itemCode": "P-3", "nationalCode": "NOPE"}]).data["submitItemMappings"]
    assert (unknown["code"], unknown["field"]) == ("CATALOGUE_CODE_UNKNOWN", "nationalCode") and "NOPE" in unknown["message"]
    gql(rt, other, SUBMIT, m=[{"itemCode": "O-1", "nationalCode": IBU}])

    ok = gql(rt, clerk, DECIDE, id=first["id"], ok=True).data["decideItemMapping"]
    assert ok["mapping"]["status"] == "APPROVED" and ok["mapping"]["institution"]["name"] == pharmacy.name
    no_reason = gql(rt, clerk, DECIDE, id=second["id"], ok=False).data["decideItemMapping"]
    assert (no_reason["code"], no_reason["field"]) == ("REASON_REQUIRED", "reason")
    gql(rt, clerk, DECIDE, id=second["id"], ok=False, why="规格不符")

    mine = gql(rt, pharmacy, MAPPINGS).data["itemMappings"]
    assert {(e["node"]["itemCode"], e["node"]["status"], e["node"]["reason"]) for e in mine["edges"]} == {
        ("P-1", "APPROVED", None), ("P-2", "REJECTED", "规格不符")}
    assert gql(rt, clerk, MAPPINGS, status=["PENDING"]).data["itemMappings"]["totalCount"] == 1  # the other's
    # A partner cannot decide, nor a clerk submit.
    assert gql(rt, pharmacy, DECIDE, id=first["id"], ok=True).data["decideItemMapping"]["code"] == "NOT_ALLOWED"
    assert gql(rt, clerk, SUBMIT, m=[{"itemCode": "C-1", "nationalCode": IBU}]).data["submitItemMappings"]["code"] == \
        "NOT_ALLOWED"


def test_a_mapping_file_answers_its_problems_by_row(rt):
    pharmacy, _ = partner(rt)
    bad = gql(rt, pharmacy, SUBMIT_FILE, file=Upload(f"item_code,national_code\nP-1,{AMOX}\nP-2,NOPE\n")).data
    assert bad["submitItemMappingFile"]["mappings"] == []
    assert [(p["row"], p["column"], p["value"], p["code"]) for p in bad["submitItemMappingFile"]["problems"]] == [
        (3, "national_code", "NOPE", "CODE_UNKNOWN")]
    good = gql(rt, pharmacy, SUBMIT_FILE, file=Upload(f"机构项目编码,国家医保编码\nP-1,{AMOX}\n", encoding="gb18030"))
    assert good.data["submitItemMappingFile"] == {"__typename": "ItemMappingsPayload", "problems": [],
                                                  "mappings": [{"itemCode": "P-1", "status": "PENDING"}]}
