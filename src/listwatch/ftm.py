"""listwatch entities as FollowTheMoney entities, built with the ``followthemoney`` library itself so
that every entity is schema-valid (values cleaned by their property type: countries as ISO codes,
dates as ISO dates, identifiers by their format).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from followthemoney import model

from listwatch.model import Entity

__all__ = ["ID_PROPS", "SCHEMES", "entity_proxy", "schema_name"]

# listwatch identifier scheme -> FollowTheMoney property (and back: ID_PROPS).
SCHEMES = {"isin": "isinCode", "lei": "leiCode", "ticker": "ticker", "uscc": "uscCode", "inn": "innCode",
           "ogrn": "ogrnCode", "bic": "swiftBic", "imo": "imoNumber", "registration": "registrationNumber",
           "hk-cr": "registrationNumber", "tax": "taxNumber", "duns": "dunsCode", "cik": "cikCode"}
ID_PROPS = {prop: scheme for scheme, prop in SCHEMES.items() if scheme != "hk-cr"}


def schema_name(kind: str) -> str:
    """The FollowTheMoney schema of a listwatch entity kind."""
    return {"person": "Person", "vessel": "Vessel", "aircraft": "Airplane"}.get(kind, "Company")


def entity_proxy(e: Entity, topics: Iterable[str] = (), extra: dict[str, list[str]] | None = None,
                 entity_id: str | None = None) -> Any:
    """A FollowTheMoney entity for ``e``: names, country, identifiers, topics and any ``extra`` properties
    (as the source gave them: birth dates, nationality, IMO numbers, source URLs...). Values the property
    type cannot read are dropped by the library, never written unchecked."""
    schema = model.get(schema_name(e.kind))
    assert schema is not None
    proxy = model.make_entity(schema)
    proxy.id = entity_id or e.id
    proxy.add("name", e.name)
    for alias in e.aliases:
        proxy.add("alias", alias, quiet=True)
    if e.country:
        proxy.add("country", e.country, quiet=True)
    for i in e.identifiers:
        prop = SCHEMES.get(i.scheme, "idNumber")
        if schema.get(prop) is not None:
            proxy.add(prop, i.value, quiet=True)
    for t in topics:
        proxy.add("topics", t, quiet=True)
    for prop, values in (extra or {}).items():
        if schema.get(prop) is not None:
            proxy.add(prop, values, quiet=True)
    return proxy
