"""Screenshots of the main pages for the README, on the browser test's server and data.

    .venv/bin/python tests/screenshots.py docs/screenshots/

writes `<page>-desktop.png` (1280 px) and `<page>-phone.png` (390 px), Russian interface, of the
pages in SHOTS; a page name of tests/test_web_layout_browser.py after the command line picks
others (`... docs/screenshots/ question search`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from servers import chromium
from test_web_layout_browser import WIDTHS, layout_site

SHOTS = ("dashboard", "roadmap", "drill", "interview", "exercise")


def take_screenshots(folder: Path, names: tuple[str, ...] = SHOTS, lang: str = "ru") -> list[Path]:
    """Write a PNG per page and width into `folder`; return the files written."""
    # as tests/conftest.py: no background Go warm-up; the in-process client's host is allowed
    os.environ.setdefault("GOCOACH_GRADING_WARMUP", "false")
    os.environ.setdefault("GOCOACH_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,::1")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as data, layout_site(Path(data) / "web") as site, \
            chromium() as browser:
        for width, (w, h) in WIDTHS.items():
            context = browser.new_context(locale=f"{lang}-{lang.upper()}",
                                          viewport={"width": w, "height": h})
            page = context.new_page()
            for name in names:
                page.goto(site.url + site.pages[name])
                page.wait_for_load_state("networkidle")
                target = folder / f"{name.replace(' ', '-')}-{width}.png"
                page.screenshot(path=str(target))
                written.append(target)
            context.close()
    return written


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    names = tuple(argv[1:]) or SHOTS
    for path in take_screenshots(Path(argv[0]), names):
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
