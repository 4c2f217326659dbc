"""The one list of the graph's domain packages: the schema's Query and Mutation, the composed Person and
Institution, the DataLoaders and the rule table are built from it. A new package adds its `PACKAGE` here
(and `tests/graph/test_packages.py` names the import contracts it needs in pyproject.toml)."""

from __future__ import annotations

from backend.graph import (
    admin,
    catalogue,
    dashboard,
    family,
    family_account,
    mutual_aid,
    parameters,
    partners,
    people,
    preferences,
    roster,
    settlement,
    statement,
)
from backend.graph.core.loaders import Loaders
from backend.graph.core.package import Package

PACKAGES: tuple[Package, ...] = (
    people.PACKAGE,
    family.PACKAGE,
    family_account.PACKAGE,
    mutual_aid.PACKAGE,
    settlement.PACKAGE,
    admin.PACKAGE,
    preferences.PACKAGE,
    statement.PACKAGE,
    dashboard.PACKAGE,
    parameters.PACKAGE,
    partners.PACKAGE,
    roster.PACKAGE,
    catalogue.PACKAGE,
)

for _package in PACKAGES:
    Loaders.install(_package.loaders, _package.prime)
