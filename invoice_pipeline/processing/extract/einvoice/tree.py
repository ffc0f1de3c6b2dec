"""Namespace-blind lookups in an e-invoice's XML tree, by local element names.

CII, ZUGFeRD 1.0 and UBL each use their own namespaces and prefixes; the
readers find elements by ``/``-separated paths of local names
(:func:`find_all`, :func:`find_one`) and read the first non-empty text along
one or more paths (:func:`first_text`).
"""

from __future__ import annotations

from lxml import etree


def local_name(el: etree._Element) -> str:
    """The element's name without its namespace."""
    return etree.QName(el).localname


def children(el: etree._Element | None, name: str) -> list[etree._Element]:
    """The child elements of ``el`` with local name ``name``."""
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def find_all(el: etree._Element | None, path: str) -> list[etree._Element]:
    """Elements under ``el`` along a ``/``-separated path of local names."""
    nodes = [el] if el is not None else []
    for step in path.split("/"):
        nodes = [kid for node in nodes for kid in children(node, step)]
    return nodes


def find_one(el: etree._Element | None, path: str) -> etree._Element | None:
    """The first element along ``path`` (see :func:`find_all`), or None."""
    found = find_all(el, path)
    return found[0] if found else None


def node_text(node: etree._Element | None) -> str | None:
    """The element's stripped text, None when empty."""
    if node is None:
        return None
    text = "".join(node.itertext()).strip()
    return text or None


def first_text(el: etree._Element | None, *paths: str) -> str | None:
    """The first non-empty text found along any of ``paths``."""
    for path in paths:
        for node in find_all(el, path):
            text = node_text(node)
            if text:
                return text
    return None
