"""The Node interface and the one registry of node types.

Each domain package registers its node types here (`@register("person")` names the DataLoader that
fetches its rows). The registry feeds `node(id:)`, the schema's list of types, and `wrap()`, which lets a
package build another package's object (a Grant's grantor is a Person) without importing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from backend.graph.core.ids import from_global_id, to_global_id
from backend.graph.core.rules import Access

T = TypeVar("T", bound=type)


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id(type(self).__name__, self.key())

    def key(self) -> uuid.UUID:
        return self.row.id


@dataclass(frozen=True)
class NodeType:
    cls: type
    loader: str | None  # the attribute of `Loaders` that loads its rows by key; None: not a Node


_TYPES: dict[str, NodeType] = {}


def register(loader: str | None = None) -> Callable[[T], T]:
    """Register an object type that wraps a stored row under its GraphQL name (its class name)."""

    def add(cls: T) -> T:
        name = cls.__name__
        if name in _TYPES and _TYPES[name].cls is not cls:
            raise ValueError(f"two graph types named {name}")
        _TYPES[name] = NodeType(cls, loader)
        return cls

    return add


def wrap(type_name: str, row: Any) -> Any:
    """The graph object of a registered type around a stored row (None stays None)."""
    return None if row is None else _TYPES[type_name].cls(row=row)


def node_type(type_name: str) -> NodeType | None:
    entry = _TYPES.get(type_name)
    return entry if entry is not None and entry.loader is not None else None


def node_classes() -> list[type]:
    return [entry.cls for entry in _TYPES.values() if entry.loader is not None]


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id, if the caller may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = from_global_id(id)
        entry = node_type(decoded[0]) if decoded else None
        if entry is None:
            return None
        type_name, key = decoded
        row = await getattr(info.context.loaders, entry.loader).load(key)
        if row is None:
            return None
        obj = entry.cls(row=row)
        rule = info.schema.rules.rule_for(type_name, "id", info.context.principal.kind)
        if rule is None or rule.decide(info.context, obj) is Access.DENIED:
            return None
        return obj
