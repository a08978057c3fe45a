"""sitemap.xml with hreflang alternates, and robots.txt."""

from __future__ import annotations

from sitegen.config.schema import SiteConfig


def sitemap_xml(config: SiteConfig, groups: list[dict[str, str]]) -> str:
    """One <url> per page and language; each lists every language's version plus x-default. A group's
    x-default is its default language's page unless the group names its own (the language chooser
    of the home pages), which is then listed too, with the same alternates."""
    from xml.sax.saxutils import escape, quoteattr  # it imports urllib.request: only builds that write sitemaps pay

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    tree = config.base_url + config.prefix  # a market's pages live under its path
    for urls in groups:
        x_default = urls.get("x-default", urls[config.default_language])
        pages = [urls[lang] for lang in config.languages] + ([x_default] if "x-default" in urls else [])
        for page in pages:
            out.append("  <url>")
            out.append(f"    <loc>{escape(tree + page)}</loc>")
            for other in config.languages:
                out.append(f'    <xhtml:link rel="alternate" hreflang="{other}" href={quoteattr(tree + urls[other])}/>')
            out.append(f'    <xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(tree + x_default)}/>')
            out.append("  </url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def sitemap_index(config: SiteConfig) -> str:
    """The top-level sitemap of a site with markets: it points to each market's own sitemap."""
    from xml.sax.saxutils import escape  # see sitemap_xml

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for market in config.markets.values():
        out.append(f"  <sitemap><loc>{escape(config.base_url + market.path + '/sitemap.xml')}</loc></sitemap>")
    out.append("</sitemapindex>")
    return "\n".join(out) + "\n"


def robots_txt(config: SiteConfig) -> str:
    # Staff pages and form endpoints are for people, not crawlers.
    return f"User-agent: *\nDisallow: /staff/\nSitemap: {config.base_url}/sitemap.xml\n"
