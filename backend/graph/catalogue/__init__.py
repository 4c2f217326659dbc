"""The insurer's catalogue (医保目录) and institutions' item mappings (目录对照), R18: staff import and search
the catalogue and decide mappings; partners read the catalogue, submit their mappings and read their own."""

from backend.graph.catalogue import reads, rules
from backend.graph.catalogue.mutations import CatalogueMutation
from backend.graph.catalogue.queries import CatalogueQuery
from backend.graph.core.package import Package

PACKAGE = Package("catalogue", rules.ROWS, query=CatalogueQuery, mutation=CatalogueMutation, loaders=reads.LOADERS)
