"""Stages of the concurrent web scraper (content/projects/scraper), against a local site."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import CheckFailed, Ran, StageTest, Tester, parse_json_lines
from gocoach.projects.site import Page, Site, html

LINE = '{"url": "...", "depth": N, "status": 200, "title": "..."} или {"url", "depth", "error"}'


def crawl(
    t: Tester, site: Site, *flags: str, timeout: float = 5.0
) -> tuple[Ran, list[dict[str, Any]]]:
    """Run the scraper on the site: exit 0 and one well-formed JSON line per page."""
    ran = t.run("-url", site.url("/"), *flags, timeout=timeout)
    if ran.exit.signal or ran.exit.code != 0:
        raise ran.fail("скрапер завершился с ошибкой", "код выхода 0 после обхода")
    lines = [line for line in ran.stdout.splitlines() if line.strip()]
    pages = parse_json_lines(ran.stdout)
    if len(pages) != len(lines):
        raise ran.fail("в stdout есть строки не в JSON", f"по строке JSON на страницу: {LINE}")
    for page in pages:
        ok = isinstance(page.get("url"), str) and type(page.get("depth")) is int and (
            type(page.get("status")) is int or isinstance(page.get("error"), str))
        if not ok:
            raise CheckFailed("строка о странице без нужных полей", sent=ran.command(),
                              got=str(page), expected=LINE)
    return ran, pages


def _by_url(ran: Ran, pages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for page in pages:
        if page["url"] in seen:
            raise ran.fail(f"страница {page['url']} напечатана дважды",
                           "каждая страница — одна строка")
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
        raise ran.fail("неверный результат для одной страницы", str(expected))
    t.passed("-depth 0: одна строка с url, depth 0, status 200 и title")
    if site.requested("/") != 1 or site.requested("/other"):
        raise CheckFailed("лишние запросы к сайту", sent=ran.command(),
                          got=str(site.paths()), expected="«/» один раз, «/other» ни разу")
    t.passed("страница запрошена один раз, по ссылкам при -depth 0 не ходили")


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
        raise ran.fail(f"не тот набор страниц: нет {missing}, лишние {extra}, "
                       f"неверная глубина у {wrong}", "8 страниц сайта до глубины 2 "
                       "с кратчайшей глубиной")
    t.passed("напечатаны ровно 8 страниц до глубины 2, глубина — по кратчайшему пути")
    if found[site.url("/missing")].get("status") != 404:
        raise ran.fail("у несуществующей страницы не status 404", '"status": 404')
    if found[site.url("/b.html")].get("title") != "Страница B":
        raise ran.fail("неверный title", '"title": "Страница B" у /b.html')
    t.passed("404 и заголовки переданы верно")
    dup = _duplicates(site)
    if dup or site.requested("/f") or site.requested("/g"):
        raise CheckFailed("страницы запрошены повторно или дальше -depth", sent=ran.command(),
                          got=f"запросы: {site.paths()}",
                          expected="каждая страница до глубины 2 — один раз; /f и /g — ни разу")
    t.passed("каждая страница запрошена один раз, дальше глубины 2 — ни одной")


def stage_3(t: Tester) -> None:
    """-concurrency C: parallel, but never more than C requests at once."""
    children = [f"/p{i}" for i in range(1, 13)]
    pages = {"/": html("Много ссылок", *children)}
    pages.update({path: Page(html(f"Страница {path}").body, delay=0.25) for path in children})
    site = t.site(pages)
    ran, printed = crawl(t, site, "-depth", "1", "-concurrency", "4")
    if len(printed) != 13:
        raise ran.fail(f"напечатано страниц: {len(printed)}", "13 (главная и 12 по ссылкам)")
    if not 2 <= site.max_in_flight <= 4:
        raise CheckFailed(f"одновременных запросов к сайту: до {site.max_in_flight}",
                          sent=ran.command() + " (12 страниц по 0,25 с)",
                          got=f"максимум одновременно: {site.max_in_flight}",
                          expected="от 2 до 4 одновременных запросов (-concurrency 4)")
    t.passed(f"-concurrency 4: до {site.max_in_flight} запросов одновременно")
    few = {"/": html("Пять ссылок", *children[:5])}
    few.update({path: Page(html(path).body, delay=0.1) for path in children[:5]})
    site = t.site(few)
    ran, printed = crawl(t, site, "-depth", "1", "-concurrency", "1")
    if site.max_in_flight != 1 or len(printed) != 6:
        raise CheckFailed("-concurrency 1 — не по одному запросу", sent=ran.command(),
                          got=f"максимум одновременно: {site.max_in_flight}, страниц "
                          f"напечатано: {len(printed)}",
                          expected="ровно 1 запрос за раз, 6 страниц")
    t.passed("-concurrency 1: строго по одному запросу")


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
        raise CheckFailed("запрошены страницы, закрытые в robots.txt", sent=ran.command(),
                          got=f"запросы: {private or site.paths()}",
                          expected="Disallow: /private/ — ни одного запроса туда")
    if site.requested("/robots.txt") > 1:
        raise CheckFailed("robots.txt запрошен несколько раз", sent=ran.command(),
                          got=f"{site.requested('/robots.txt')} раз", expected="один раз")
    t.passed("robots.txt прочитан один раз, /private/ не запрашивался")
    slow = found.get(site.url("/slow"))
    if slow is None or not slow.get("error"):
        raise ran.fail("зависшая страница не отмечена ошибкой", '{"url": ".../slow", '
                       '"error": "..."} после -timeout 500ms')
    t.passed("страница без ответа: строка с error после таймаута")
    broken = found.get(site.url("/broken"))
    if broken is None or broken.get("status") != 500:
        raise ran.fail("ответ 500 не напечатан со своим статусом", '"status": 500 у /broken')
    image = found.get(site.url("/image.png"))
    if image is None or image.get("status") != 200 or site.requested("/from-image"):
        raise CheckFailed("картинка обработана неверно", sent=ran.command(),
                          got=f"строка: {image}; запросов /from-image: "
                          f"{site.requested('/from-image')}",
                          expected="картинка напечатана со status 200, ссылки в ней не ищутся")
    t.passed("500 напечатан как status, картинка не разбиралась")


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
