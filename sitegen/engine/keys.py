"""What an output depends on, in one place: the input key of each page's output, the digest of what
every page shares, what the site-wide pages are made from, and the build id of a whole site."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from sitegen.content.pairing import PagePair
from sitegen.engine.cache import OutputRecord


class KeyMaker:
    """The input key of a page's output: its source, its pair's addresses, what its language's pages
    share (templates, catalog, config) and the contact lines it shows."""

    def __init__(self, site_digests: dict[str, str], contact_digests: dict[str, str]) -> None:
        self.site_digests = site_digests
        self.contact_digests = contact_digests

    def key(
        self,
        page_digest: str,
        lang: str,
        alternates: dict[str, str],
        deps: tuple[str, ...],
        notice: str = "",
        approval: str = "",
    ) -> str:
        parts = [page_digest, self.site_digests[lang], repr(sorted(alternates.items()))]
        parts += [f"{dep}={self.contact_digests.get(dep.partition(':')[2] or dep, 'missing')}" for dep in deps]
        parts += [f"stale={notice}"] if notice else []  # marking the translation done removes the notice
        parts += [f"approval={approval}"] if approval else []  # the footer's material ID, the text approved
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    @property
    def shared(self) -> tuple[dict[str, str], dict[str, str]]:
        """What every page's key shares: per-language site digests and contact-line digests."""
        return (self.site_digests, self.contact_digests)

    def shared_digest(self) -> str:
        """One digest of `shared`, as the cache records it (a cold no-op build compares it)."""
        return hashlib.sha256(
            repr((sorted(self.site_digests.items()), sorted(self.contact_digests.items()))).encode()
        ).hexdigest()


def listing_digest(keys: KeyMaker, static_urls: dict[str, str], pairs: Iterable[PagePair]) -> str:
    """What the site-wide pages (home pages, sitemap, 404s, taglines) are made from: when it is unchanged, they are too."""
    listed = [(p.lang, p.slug, p.title, p.description) for pair in pairs for p in pair.pages.values()]
    shared = (
        sorted(keys.site_digests.items()),
        sorted(keys.contact_digests.items()),
        sorted(static_urls.items()),
    )  # their footers show contact lines
    return hashlib.sha256(repr((shared, listed)).encode()).hexdigest()


def site_fingerprint(
    before: int | None,
    previous: Mapping[str, OutputRecord],
    records: Mapping[str, OutputRecord],
    rendered: Iterable[str] | None = None,
    same_pages: bool = False,
) -> int:
    """An order-free hash of every page's input key (XOR of per-page hashes), so the same inputs always
    give the same build id, and an incremental build updates it in time proportional to its changes.
    `before` is the fingerprint of `previous` (None: start over from every page); `rendered`, if given,
    the only pages whose records can differ from `previous` besides those that came or went (none, if
    `same_pages`: the caller knows no page came or went)."""
    fingerprint = before if before is not None else 0
    if before is None:
        previous, rendered = {}, None
    if rendered is None:
        changed = records.keys() | previous.keys()
    elif same_pages:  # the common edit
        changed = set(rendered)
    else:
        changed = {*rendered, *(records.keys() - previous.keys()), *(previous.keys() - records.keys())}
    for source in changed:
        old, new = previous.get(source), records.get(source)
        if old is not new and (old is None or new is None or old.input_key != new.input_key):
            if old is not None:
                fingerprint ^= _page_hash(source, old.input_key)
            if new is not None:
                fingerprint ^= _page_hash(source, new.input_key)
    return fingerprint


def _page_hash(source: str, input_key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{source}\0{input_key}".encode()).digest()[:16], "big")
