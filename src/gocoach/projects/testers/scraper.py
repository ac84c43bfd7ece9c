"""Stages of the concurrent web scraper (content/projects/scraper), against a local site."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import CheckFailed, Ran, StageTest, Tester, either, parse_json_lines
from gocoach.projects.said import Said
from gocoach.projects.site import Page, Site, html

LINE = either('{"url": "...", "depth": N, "status": 200, "title": "..."}',
              '{"url", "depth", "error"}')


def crawl(
    t: Tester, site: Site, *flags: str, timeout: float = 5.0
) -> tuple[Ran, list[dict[str, Any]]]:
    """Run the scraper on the site: exit 0 and one well-formed JSON line per page."""
    ran = t.run("-url", site.url("/"), *flags, timeout=timeout)
    if ran.exit.signal or ran.exit.code != 0:
        raise ran.fail(Said("pj.check.sc.failed"), Said("pj.check.sc.exit_zero"))
    lines = [line for line in ran.stdout.splitlines() if line.strip()]
    pages = parse_json_lines(ran.stdout)
    if len(pages) != len(lines):
        raise ran.fail(Said("pj.check.sc.not_json"), Said("pj.check.sc.line_per_page", line=LINE))
    for page in pages:
        ok = isinstance(page.get("url"), str) and type(page.get("depth")) is int and (
            type(page.get("status")) is int or isinstance(page.get("error"), str))
        if not ok:
            raise CheckFailed(Said("pj.check.sc.no_fields"), sent=ran.command(),
                              got=str(page), expected=LINE)
    return ran, pages


def _by_url(ran: Ran, pages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for page in pages:
        if page["url"] in seen:
            raise ran.fail(Said("pj.check.sc.printed_twice", url=page["url"]),
                           Said("pj.check.sc.one_line"))
        seen[page["url"]] = page
    return seen


def _duplicates(site: Site) -> dict[str, int]:
    return {path: n for path, n in site.paths().items() if n > 1}


def stage_1(t: Tester) -> None:
    """One page: one line with url, depth 0, status and title; one request."""
    site = t.site({"/": html("Главная страница", "/other")})
    ran, pages = crawl(t, site, "-depth", "0")
    expected = {"url": site.url("/"), "depth": 0, "status": 200, "title": "Главная страница"}
    if len(pages) != 1 or any(pages[0].get(k) != v for k, v in expected.items()):
        raise ran.fail(Said("pj.check.sc.wrong_one"), str(expected))
    t.passed(Said("pj.check.sc.ok.one"))
    if site.requested("/") != 1 or site.requested("/other"):
        raise CheckFailed(Said("pj.check.sc.extra_requests"), sent=ran.command(),
                          got=str(site.paths()), expected=Said("pj.check.sc.once_expected"))
    t.passed(Said("pj.check.sc.ok.once"))


def stage_2(t: Tester) -> None:
    """Links of every kind, cycles and duplicates, depth by shortest path, each page once."""
    site = t.site({})
    site.pages.update({
        "/": html("Главная", "/a", "b.html", site.url("/c"), "/a#top", "mailto:x@example.com",
                  "http://example.invalid/out", "/missing", "/b.html"),
        "/a": html("Страница A", "/", "/a/deep", "../c", "b.html"),
        "/b.html": html("Страница B", "/b.html", "/d?x=1", "/a"),
        "/c": html("Страница C", "/e", "/c#again"),
        "/a/deep": html("Глубокая", "/f"),
        "/d?x=1": html("Страница D", "/g"),
        "/e": html("Страница E", "/"),
        "/f": html("Слишком глубоко"),
        "/g": html("Слишком глубоко"),
    })
    ran, pages = crawl(t, site, "-depth", "2")
    found = _by_url(ran, pages)
    wanted = {"/": 0, "/a": 1, "/b.html": 1, "/c": 1, "/missing": 1, "/a/deep": 2,
              "/d?x=1": 2, "/e": 2}
    expected = {site.url(path): depth for path, depth in wanted.items()}
    got = {url: page["depth"] for url, page in found.items()}
    if got != expected:
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        wrong = sorted(u for u in set(got) & set(expected) if got[u] != expected[u])
        raise ran.fail(Said("pj.check.sc.wrong_set", missing=str(missing), extra=str(extra),
                            wrong=str(wrong)), Said("pj.check.sc.set_expected"))
    t.passed(Said("pj.check.sc.ok.set"))
    if found[site.url("/missing")].get("status") != 404:
        raise ran.fail(Said("pj.check.sc.no_404"), '"status": 404')
    if found[site.url("/b.html")].get("title") != "Страница B":
        raise ran.fail(Said("pj.check.sc.wrong_title"),
                       Said("pj.check.sc.title_of", title='"title": "Страница B"', path="/b.html"))
    t.passed(Said("pj.check.sc.ok.titles"))
    dup = _duplicates(site)
    if dup or site.requested("/f") or site.requested("/g"):
        raise CheckFailed(Said("pj.check.sc.repeated"), sent=ran.command(),
                          got=Said("pj.check.sc.requests", requests=str(site.paths())),
                          expected=Said("pj.check.sc.repeated_expected"))
    t.passed(Said("pj.check.sc.ok.no_repeats"))


def stage_3(t: Tester) -> None:
    """-concurrency C: parallel, but never more than C requests at once."""
    children = [f"/p{i}" for i in range(1, 13)]
    pages = {"/": html("Много ссылок", *children)}
    pages.update({path: Page(html(f"Страница {path}").body, delay=0.25) for path in children})
    site = t.site(pages)
    ran, printed = crawl(t, site, "-depth", "1", "-concurrency", "4")
    if len(printed) != 13:
        raise ran.fail(Said("pj.check.sc.printed", count=len(printed)),
                       Said("pj.check.sc.printed_13"))
    if not 2 <= site.max_in_flight <= 4:
        raise CheckFailed(Said("pj.check.sc.in_flight", count=site.max_in_flight),
                          sent=Said("pj.check.sc.slow_pages", command=ran.command()),
                          got=Said("pj.check.sc.max_in_flight", count=site.max_in_flight),
                          expected=Said("pj.check.sc.in_flight_expected"))
    t.passed(Said("pj.check.sc.ok.concurrency", count=site.max_in_flight))
    few = {"/": html("Пять ссылок", *children[:5])}
    few.update({path: Page(html(path).body, delay=0.1) for path in children[:5]})
    site = t.site(few)
    ran, printed = crawl(t, site, "-depth", "1", "-concurrency", "1")
    if site.max_in_flight != 1 or len(printed) != 6:
        raise CheckFailed(Said("pj.check.sc.not_one_by_one"), sent=ran.command(),
                          got=Said("pj.check.sc.in_flight_printed", count=site.max_in_flight,
                                   printed=len(printed)),
                          expected=Said("pj.check.sc.one_by_one_expected"))
    t.passed(Said("pj.check.sc.ok.one_by_one"))


def stage_4(t: Tester) -> None:
    """robots.txt is obeyed, a hanging page times out, 5xx and non-HTML are reported."""
    site = t.site({
        "/robots.txt": Page("User-agent: *\nDisallow: /private/\n\nUser-agent: other\n"
                            "Disallow: /\n", content_type="text/plain"),
        "/": html("Главная", "/public", "/private/secret", "/private/", "/slow", "/broken",
                  "/image.png"),
        "/public": html("Открытая", "/private/inner", "/"),
        "/private/secret": html("Секрет"),
        "/private/": html("Закрыто"),
        "/private/inner": html("Закрыто"),
        "/slow": Page(hang=True),
        "/broken": Page("<title>oops</title>", status=500),
        "/image.png": Page(b'\x89PNG <a href="/from-image">x</a>', content_type="image/png"),
        "/from-image": html("Из картинки"),
    })
    ran, pages = crawl(t, site, "-depth", "2", "-timeout", "500ms", "-concurrency", "4",
                       timeout=4.0)
    found = _by_url(ran, pages)
    private = {p: n for p, n in site.paths().items() if p.startswith("/private")}
    if private or any("/private" in url for url in found):
        raise CheckFailed(Said("pj.check.sc.robots_ignored"), sent=ran.command(),
                          got=Said("pj.check.sc.requests", requests=str(private or site.paths())),
                          expected=Said("pj.check.sc.robots_expected"))
    if site.requested("/robots.txt") > 1:
        raise CheckFailed(Said("pj.check.sc.robots_repeated"), sent=ran.command(),
                          got=Said("pj.check.sc.times", count=site.requested("/robots.txt")),
                          expected=Said("pj.check.sc.once"))
    t.passed(Said("pj.check.sc.ok.robots"))
    slow = found.get(site.url("/slow"))
    if slow is None or not slow.get("error"):
        raise ran.fail(Said("pj.check.sc.hang_unmarked"), Said(
            "pj.check.sc.after_timeout", line='{"url": ".../slow", "error": "..."}'))
    t.passed(Said("pj.check.sc.ok.timeout"))
    broken = found.get(site.url("/broken"))
    if broken is None or broken.get("status") != 500:
        raise ran.fail(Said("pj.check.sc.no_500"),
                       Said("pj.check.sc.title_of", title='"status": 500', path="/broken"))
    image = found.get(site.url("/image.png"))
    if image is None or image.get("status") != 200 or site.requested("/from-image"):
        raise CheckFailed(Said("pj.check.sc.image_wrong"), sent=ran.command(),
                          got=Said("pj.check.sc.image_got", line=str(image),
                                   count=site.requested("/from-image")),
                          expected=Said("pj.check.sc.image_expected"))
    t.passed(Said("pj.check.sc.ok.image"))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
