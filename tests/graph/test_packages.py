"""The one list of packages (backend/graph/packages.py) against the packages on disk, the import contracts
in pyproject.toml, and the links between packages (shared loaders and types)."""

import importlib
import re
import tomllib
import typing

import pytest
from strawberry.types.lazy_type import StrawberryLazyReference

from backend.config import PROJECT_ROOT
from backend.graph import schema  # noqa: F401  (composes the schema: Person, Institution, the nodes)
from backend.graph.core import node, refs
from backend.graph.core.loaders import Loaders
from backend.graph.packages import PACKAGES

GRAPH = PROJECT_ROOT / "backend" / "graph"
SERVICES = PROJECT_ROOT / "backend" / "services"
COMPOSITION = {"backend.graph.composed", "backend.graph.schema", "backend.graph.packages", "backend.graph.reference"}
COMPOSED = {"Person", "Institution"}  # built from every package's fields: any package may show them
NAMES = [p.name for p in PACKAGES]


def _contracts() -> list[dict]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _source(name: str) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sorted((GRAPH / name).rglob("*.py")))


def _families() -> set[str]:
    return {p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()}


def test_every_package_on_disk_is_in_the_list_once_under_its_own_name():
    on_disk = {p.name for p in GRAPH.iterdir() if (p / "__init__.py").exists()} - {"core"}
    assert sorted(NAMES) == sorted(on_disk) and len(set(NAMES)) == len(NAMES)
    for package in PACKAGES:
        assert importlib.import_module(f"backend.graph.{package.name}").PACKAGE is package


def test_the_independence_contract_and_cores_contract_name_every_package():
    modules = {f"backend.graph.{name}" for name in NAMES}
    independence = [c for c in _contracts() if c["type"] == "independence" and c["modules"][0].startswith("backend.graph.")]
    assert len(independence) == 1 and set(independence[0]["modules"]) == modules
    core = [c for c in _contracts() if c.get("source_modules") == ["backend.graph.core"]]
    assert len(core) == 1 and set(core[0]["forbidden_modules"]) == modules | COMPOSITION


@pytest.mark.parametrize("name", NAMES)
def test_each_slice_has_its_contract_naming_the_service_families_it_may_not_use(name):
    mine = [c for c in _contracts() if c.get("source_modules") == [f"backend.graph.{name}"]]
    assert len(mine) == 1, f'pyproject.toml needs one contract "Slice {name}: ..." (copy another slice\'s)'
    contract = mine[0]
    assert contract["name"].startswith(f"Slice {name}:") and contract["type"] == "forbidden"
    forbidden = set(contract["forbidden_modules"])
    assert COMPOSITION <= forbidden
    used = set(re.findall(r"backend\.services\.(\w+)", _source(name))) - {"platform"}
    families = _families() - {"platform"}
    # Every family is either used or forbidden: a new family, or a new use, shows up here.
    assert {f"backend.services.{f}" for f in families - used} == {m for m in forbidden if m.startswith("backend.services.")}


def test_loader_names_are_unique_and_all_installed():
    names = [name for package in PACKAGES for name in package.loaders]
    assert len(names) == len(set(names))
    assert set(Loaders.names()) == set(names)


def test_a_package_uses_only_its_own_loaders_and_types_and_what_others_share():
    owner = {name: p.name for p in PACKAGES for name in p.loaders}
    shared = {name: p.name for p in PACKAGES for name in p.shares}
    for package in PACKAGES:
        source = _source(package.name)
        for loader in set(re.findall(r"\bloaders\.([a-z_]+)\b", source)) - {"prime"}:
            assert loader in owner, f"{package.name} uses a loader no package has: {loader}"
            assert owner[loader] == package.name or loader in shared, \
                f"{package.name} uses {owner[loader]}'s loader {loader}, which {owner[loader]} does not share"
        for ref in set(re.findall(r"\brefs\.([A-Z]\w*)\b", source)):
            assert ref in COMPOSED or ref in shared, f"{package.name} shows {ref}, which no package shares"


def test_each_shared_name_is_a_loader_or_a_type_of_its_package():
    for package in PACKAGES:
        for name in package.shares:
            if name[0].isupper():
                assert hasattr(importlib.import_module(f"backend.graph.{package.name}.types"), name), name
            else:
                assert name in package.loaders, name


def test_refs_resolve_to_the_types_the_registry_builds():
    lazies = {name: args[1] for name, value in vars(refs).items()
              if isinstance(args := typing.get_args(value), tuple) and len(args) == 2 and isinstance(args[1], StrawberryLazyReference)}
    assert set(lazies) == {"Person", "Institution", "StaffUser", "Settlement"}
    for name, lazy in lazies.items():
        resolved = getattr(importlib.import_module(lazy.module), name)
        assert node._TYPES[name].cls is resolved
        module = lazy.module.split(".")
        assert name in COMPOSED or name in next(p for p in PACKAGES if p.name == module[2]).shares


def test_every_node_type_loads_through_an_installed_loader():
    for name in ("Person", "Institution", "Binding", "Grant", "Settlement", "Relationship", "Household"):
        assert node.node_type(name) is not None, name
    for entry in node._TYPES.values():
        assert entry.loader is None or entry.loader in set(Loaders.names()), entry


def test_packages_are_described_in_one_place_only():
    """Nothing outside packages.py names the packages one by one: schema, composed and core build from it."""
    for module in ("schema.py", "composed.py", "reference.py"):
        text = (GRAPH / module).read_text(encoding="utf-8")
        assert not re.search(r"from backend\.graph\.(?!core|packages|composed|schema)\w+", text), module

