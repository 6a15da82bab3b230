"""The outlet registry: which outlet a URL's domain, an agency's dateline tag or a first line
names (compare/data/outlets.csv and the chrome signatures of compare/data/outlets.toml)."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import InputError


def _data_text(name: str) -> str:
    return resources.files("compare.data").joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Outlet:
    name: str
    domains: tuple[str, ...] = ()
    datelines: tuple[str, ...] = ()
    marks: tuple[re.Pattern, ...] = ()
    aliases: tuple[str, ...] = ()
    country: str | None = None
    language: str | None = None


def _name_key(name: str) -> str:
    """An outlet name as a first line or a tag may write it: case, "The" and punctuation aside."""
    return re.sub(r"\W+", "", re.sub(r"^\s*the\s+", "", name.lower()))


class OutletRegistry(list):
    """Outlets in order of precedence (the first to claim a domain, tag or name wins), with
    look-ups by a URL's host, a dateline tag and a name standing alone."""

    def __init__(self, outlets: Iterable[Outlet] = ()):
        super().__init__(outlets)
        self._host: dict[str, Outlet] = {}
        self._tag: dict[str, Outlet] = {}
        self._name: dict[str, Outlet] = {}
        for o in self:
            for d in o.domains:
                self._host.setdefault(d.lower(), o)
            for t in o.datelines:
                self._tag.setdefault(t.strip(" ./()").lower(), o)
            for n in (o.name, *o.aliases):
                if _name_key(n):
                    self._name.setdefault(_name_key(n), o)

    def by_url(self, url: str) -> Outlet | None:
        from urllib.parse import urlsplit

        u = url.strip().lower()
        try:  # the host proper: "https://bbc.co.uk:x@evil.example/" is evil.example
            host = urlsplit(u if "://" in u else f"http://{u}").hostname or ""
        except ValueError:
            return None
        parts = host.split(".")
        for k in range(len(parts) - 1):  # news.bbc.co.uk, bbc.co.uk, co.uk
            o = self._host.get(".".join(parts[k:]))
            if o is not None:
                return o
        return None

    def by_tag(self, tag: str) -> Outlet | None:
        return self._tag.get(tag.strip(" ./()").lower())

    def by_name(self, text: str) -> Outlet | None:
        """The outlet a name standing alone names ("The New York Times", "new york times",
        "NYT"); a one-word line only when written exactly as listed, "The" included, so a
        section label ("Local", "Nation") names no outlet ("The Local", "The Nation")."""
        if len(text.split()) > 8:
            return None
        o = self._name.get(_name_key(text))
        if o is not None and len(text.split()) == 1 and text.strip() not in (o.name, *o.aliases):
            return None
        return o


def registry(outlets: Sequence[Outlet]) -> OutletRegistry:
    return outlets if isinstance(outlets, OutletRegistry) else OutletRegistry(outlets)


def _registry_rows(text: str) -> list[dict]:
    """Rows of a registry CSV (name, domains, country, language, aliases, datelines) as tables."""
    rows = []
    for row in csv.DictReader(text.splitlines()):
        if not (row.get("name") or "").strip():
            continue
        rows.append({
            "name": row["name"].strip(),
            "domains": (row.get("domains") or "").split(),
            "aliases": [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()],
            "datelines": [d.strip() for d in (row.get("datelines") or "").split("|") if d.strip()],
            "country": (row.get("country") or "").strip() or None,
            "language": (row.get("language") or "").strip() or None,
        })
    return rows


def load_outlets(extra: str | Path | None = None) -> OutletRegistry:
    """The outlet registry: a user file (``--outlets``, TOML as outlets.toml or CSV as
    outlets.csv) first, then the packaged signatures (outlets.toml: chrome marks), then the
    packaged registry (outlets.csv); entries of one name are merged."""
    tables = tomllib.loads(_data_text("outlets.toml")).get("outlet", [])
    tables += _registry_rows(_data_text("outlets.csv"))
    if extra:
        try:
            raw = Path(extra).read_text(encoding="utf-8-sig")
            user = (_registry_rows(raw) if Path(extra).suffix.lower() == ".csv"
                    else tomllib.loads(raw).get("outlet", []))
        except (OSError, UnicodeDecodeError, csv.Error, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{extra}: cannot read outlet signatures ({exc}); fix the TOML or CSV") from exc
        tables = user + tables
    if not isinstance(tables, list):
        raise InputError(f"{extra}: write each outlet as [[outlet]] (a list of tables), not [outlet]")
    merged: dict[str, dict] = {}
    for t in tables:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or not t["name"].strip():
            raise InputError(f"{extra or 'outlets'}: an outlet without a name; give each one name = \"...\"")
        m = merged.setdefault(_name_key(t["name"]) or t["name"], {"name": t["name"]})
        for key in ("domains", "datelines", "marks", "aliases"):
            given = t.get(key, [])
            given = [given] if isinstance(given, str) else given  # one value written without brackets
            if not isinstance(given, list) or not all(isinstance(x, str) for x in given):
                raise InputError(f"{extra or 'outlets'}: {t['name']}: {key} must be a list of strings")
            m[key] = list(dict.fromkeys(m.get(key, []) + given))
        for key in ("country", "language"):
            m[key] = m.get(key) or t.get(key)
    out = []
    for t in merged.values():
        try:
            marks = tuple(re.compile(m, re.IGNORECASE) for m in t["marks"])
        except re.error as exc:
            raise InputError(f"{extra or 'outlets'}: {t['name']}: a mark is no regular expression ({exc}); "
                             "fix it") from exc
        out.append(Outlet(t["name"], tuple(d.lower() for d in t["domains"]), tuple(t["datelines"]), marks,
                          tuple(t["aliases"]), t["country"], t["language"]))
    return OutletRegistry(out)
