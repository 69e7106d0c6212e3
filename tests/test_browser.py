"""The built sites in a real browser: every heatmap image loads, no console
errors, ``theme: auto`` figures follow Material's palette toggle, hover reads
the cell under the pointer or keyboard cursor, references lead to figures, and
print shows the light variant.

The example site and the project's own docs are built (``mkdocs build
--strict``) from copies in a temp folder, served by ``http.server`` on
127.0.0.1 and driven with headless Debian Chromium through Selenium.  The
driver and browser are given by path, so Selenium Manager never downloads
anything; external hosts are mapped to "not found" inside the browser, so
nothing leaves the machine (Material's web-font and repository requests fail
fast and are the only console errors tolerated).

Without Chromium the module is skipped, except under CI (``CI`` set), where a
missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from conftest import cell_center

ROOT = Path(__file__).parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go to be looked at: pytest's own temporary folder
    (it keeps the last three runs' under /tmp/pytest-of-USER/), never the
    checkout."""
    return tmp_path_factory.mktemp("screenshots", numbered=False)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


for _binary in (CHROMIUM, CHROMEDRIVER):
    if not _binary.exists():
        _unavailable(
            f"{_binary} is missing: install Debian's chromium and chromium-driver "
            "to run the browser tests"
        )
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    _unavailable("selenium is not installed (it is in the 'test' extra)")

if TYPE_CHECKING:
    from selenium.webdriver import Chrome as WebDriver
    from selenium.webdriver.remote.webelement import WebElement

PALETTE_PAGE = """\
# Palette

A figure drawn for both color schemes.

```heatmap
matrix: [[1, 2, 3], [4, 5, 6]]
title: Follows the palette
theme: auto
```
"""
FIGURE_PAGE = re.compile(r'<figure class="heatmap[ "]')
IMG_SRC = re.compile(
    r'<figure class="heatmap[^>]*>(?:<picture>[^<]*<source[^>]*>)?<img src="([^"]+)"'
)
WAIT = 15  # seconds for an image or the palette to settle


# --------------------------------------------------------------------------
# Sites and the server.


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(folder served, its URL): each site is built into a sub-folder."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _build(config: Path, out: Path, work: Path, extra_pages: dict[str, str]) -> None:
    """Copy a site (config + docs/) to ``work``, add pages, build it strictly."""
    work.mkdir(parents=True)
    shutil.copy(config, work / "mkdocs.yml")
    shutil.copytree(config.parent / "docs", work / "docs")
    for name, text in extra_pages.items():
        (work / "docs" / name).write_text(text, encoding="utf-8")
    run_build([*MKDOCS_BUILD, "-d", str(out)], work)


MKDOCS_BUILD = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]


def run_build(command: list[str], cwd: Path) -> None:
    """Run a site build in ``cwd``; it must succeed."""
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


SITES = {
    # name: (config, pages added to the copy)
    "example_site": (ROOT / "example_site" / "mkdocs.yml", {"palette.md": PALETTE_PAGE}),
    "docs": (ROOT / "mkdocs.yml", {}),
}


@pytest.fixture(scope="module")
def site_url(
    served: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[Path, str]]:
    """Build a site once per module: name -> (built folder, its URL)."""
    root, base = served
    built: dict[str, tuple[Path, str]] = {}

    def get(name: str) -> tuple[Path, str]:
        if name not in built:
            config, pages = SITES[name]
            work = tmp_path_factory.mktemp(f"{name}-src")
            _build(config, root / name, work / "project", pages)
            built[name] = (root / name, f"{base}/{name}/")
        return built[name]

    return get


def figure_pages(site: Path) -> list[str]:
    """URL paths (relative to the site) of pages with a heatmap figure."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        if FIGURE_PAGE.search(path.read_text(encoding="utf-8")):
            rel = path.relative_to(site).as_posix()
            pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


# --------------------------------------------------------------------------
# The browser.


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        # Only the local server is reachable: nothing leaves the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()


def console_errors(driver: WebDriver, base: str) -> list[str]:
    """SEVERE console messages since the last call, except failed requests to
    other hosts (web fonts, repository stats: unreachable here by design)."""
    errors = []
    for entry in driver.get_log("browser"):  # type: ignore[no-untyped-call]
        if entry["level"] != "SEVERE":
            continue
        message = str(entry["message"])
        external = entry.get("source") == "network" and not message.startswith(base)
        if external and "net::ERR_" in message:
            continue
        errors.append(message)
    return errors


def _scroll_to(driver: WebDriver, element: WebElement) -> None:
    """Into view at once: a theme's smooth scrolling (Bootstrap's, in the
    mkdocs theme) would move the element under a pointer placed meanwhile."""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )


def broken_images(driver: WebDriver) -> list[str]:
    """Displayed heatmap images on the current page that did not load."""
    return check_images(driver)[1]


def check_images(driver: WebDriver) -> tuple[int, list[str]]:
    """(displayed heatmap images checked, those that did not load).

    Each is scrolled into view first (they are ``loading="lazy"``) and given
    time to finish; loaded means ``complete && naturalWidth > 0``.
    """
    checked, broken = 0, []
    for img in driver.find_elements(By.CSS_SELECTOR, "figure.heatmap img"):
        if not img.is_displayed():
            continue
        checked += 1
        _scroll_to(driver, img)
        src = str(img.get_attribute("src"))
        try:
            WebDriverWait(driver, WAIT).until(
                lambda d: d.execute_script("return arguments[0].complete", img)  # noqa: B023
            )
        except TimeoutException:
            broken.append(f"{src}: still loading after {WAIT} s")
            continue
        if not driver.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", img
        ):
            broken.append(f"{src}: broken")
    return checked, broken


def undecodable_images(driver: WebDriver) -> list[str]:
    """Every heatmap image of the page, displayed or not (closed details,
    inactive tabs, the other palette's variant), decoded off-page."""
    script = """
    const done = arguments[arguments.length - 1];
    const urls = new Set();
    for (const el of document.querySelectorAll('figure.heatmap img, figure.heatmap source')) {
      if (el.getAttribute('src')) urls.add(el.src);
      for (const item of (el.getAttribute('srcset') || '').split(',')) {
        const ref = item.trim().split(/\\s+/)[0];
        if (ref) urls.add(new URL(ref, document.baseURI).href);
      }
    }
    Promise.all([...urls].map(url => {
      const img = new Image();
      img.src = url;
      return img.decode().then(() => (img.naturalWidth > 0 ? null : url), () => url);
    })).then(results => done(results.filter(Boolean)));
    """
    driver.set_script_timeout(WAIT * 2)
    return [str(url) for url in driver.execute_async_script(script)]


def open_page(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


# --------------------------------------------------------------------------
# Tests.


@pytest.mark.parametrize("name", list(SITES))
def test_every_heatmap_image_loads(
    driver: WebDriver, site_url: Callable[[str], tuple[Path, str]], name: str
) -> None:
    folder, url = site_url(name)
    pages = figure_pages(folder)
    assert pages, f"no page of {name} has a heatmap figure"
    base = url.split(f"/{name}/")[0]
    console_errors(driver, base)  # drop what earlier tests left
    failures: dict[str, list[str]] = {}
    displayed = 0
    for page in pages:
        open_page(driver, url + page)
        assert driver.find_elements(By.CSS_SELECTOR, "figure.heatmap img"), page
        checked, problems = check_images(driver)
        displayed += checked
        problems += undecodable_images(driver)
        problems += [f"console: {e}" for e in console_errors(driver, base)]
        if problems:
            failures[page] = problems
    assert not failures
    assert displayed >= len(pages)


def test_seed_page_screenshot(
    driver: WebDriver, site_url: Callable[[str], tuple[Path, str]], artifacts: Path
) -> None:
    _folder, url = site_url("example_site")
    open_page(driver, url)
    # The first figure is in the first screenful: wait for it without scrolling,
    # so the shot shows the page as a reader first sees it.
    img = driver.find_element(By.CSS_SELECTOR, "figure.heatmap img")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return arguments[0].complete", img)
    )
    shot = artifacts / "seed.png"
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert not broken_images(driver)


def _palette_variants(driver: WebDriver) -> tuple[WebElement, WebElement]:
    figure = driver.find_element(By.CSS_SELECTOR, "figure.heatmap")
    light = figure.find_element(By.CSS_SELECTOR, 'img[src$="#only-light"]')
    dark = figure.find_element(By.CSS_SELECTOR, 'img[src$="#only-dark"]')
    return light, dark


def _scheme(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.body.dataset.mdColorScheme || ''"))


def test_auto_theme_follows_the_palette_toggle(
    driver: WebDriver, site_url: Callable[[str], tuple[Path, str]]
) -> None:
    _folder, url = site_url("example_site")
    # A light reader with no palette choice saved yet.
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "light"}]},
    )
    open_page(driver, url + "palette/")
    driver.execute_script("localStorage.clear()")
    open_page(driver, url + "palette/")
    try:
        WebDriverWait(driver, WAIT).until(lambda d: _scheme(d) == "default")
        light, dark = _palette_variants(driver)
        _scroll_to(driver, light)
        assert light.is_displayed()
        assert not dark.is_displayed()
        assert not broken_images(driver)

        toggle = next(
            label
            for label in driver.find_elements(By.CSS_SELECTOR, "[data-md-component=palette] label")
            if label.is_displayed()
        )
        assert toggle.get_attribute("title") == "Switch to dark mode"
        toggle.click()
        WebDriverWait(driver, WAIT).until(lambda d: _scheme(d) == "slate")
        light, dark = _palette_variants(driver)
        _scroll_to(driver, dark)
        assert dark.is_displayed()
        assert not light.is_displayed()
        assert not broken_images(driver)
        assert not console_errors(driver, url.split("/example_site/")[0])
    finally:
        driver.execute_script("localStorage.clear()")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_the_image_check_can_fail(
    driver: WebDriver, served: tuple[Path, str], site_url: Callable[[str], tuple[Path, str]]
) -> None:
    """A copy of the site with one image replaced by garbage: the check sees it."""
    root, base = served
    folder, _url = site_url("example_site")
    broken_site = root / "broken"
    shutil.copytree(folder, broken_site)
    html = (broken_site / "index.html").read_text(encoding="utf-8")
    match = IMG_SRC.search(html)
    assert match, "no heatmap <img> on the index page"
    src = match[1].split("#")[0]
    (broken_site / src).write_bytes(b"this is not an image\x00\xff" * 64)

    open_page(driver, f"{base}/broken/")
    broken = broken_images(driver)
    assert len(broken) == 1
    assert broken[0].endswith(f"/broken/{src}: broken")
    assert [url.split("/broken/")[1] for url in undecodable_images(driver)] == [src]
    console_errors(driver, base)  # the broken image may log; not this test's concern


@pytest.fixture(scope="module")
def sphinx_url(served: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example Sphinx project (Furo, theme: auto), built and served."""
    root, base = served
    work = tmp_path_factory.mktemp("sphinx-src") / "example"
    shutil.copytree(ROOT / "example_sphinx", work, ignore=shutil.ignore_patterns("_build"))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(root / "sphinx")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return f"{base}/sphinx/"


@pytest.mark.parametrize(
    ("scheme", "toggle", "shown"),
    [("light", None, "light"), ("dark", None, "dark"), ("dark", "light", "light")],
)
def test_furo_shows_the_variant_of_its_theme(
    driver: WebDriver,
    sphinx_url: str,
    artifacts: Path,
    scheme: str,
    toggle: str | None,
    shown: str,
) -> None:
    """Furo switches a theme: auto figure with the reader's scheme and with its
    own toggle (saved in localStorage); the caption stays visible."""
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    try:
        open_page(driver, sphinx_url)
        driver.execute_script(
            "localStorage.setItem('theme', arguments[0])" if toggle else "localStorage.clear()",
            toggle,
        )
        open_page(driver, sphinx_url)
        figure = driver.find_element(By.CSS_SELECTOR, "figure.heatmap")
        _scroll_to(driver, figure)
        light = figure.find_element(By.CSS_SELECTOR, "img.heatmap-light")
        dark = figure.find_element(By.CSS_SELECTOR, "img.heatmap-dark")
        assert (light.is_displayed(), dark.is_displayed()) == (shown == "light", shown == "dark")
        assert figure.find_element(By.CSS_SELECTOR, "figcaption").is_displayed()
        assert not broken_images(driver)
        assert driver.save_screenshot(str(artifacts / f"sphinx-{scheme}-{toggle}.png"))
    finally:
        driver.execute_script("localStorage.clear()")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


# --------------------------------------------------------------------------
# `width` on every theme.

WIDTH_PAGE = """\
# Width

```heatmap
matrix: [[1, 2, 3], [4, 5, 6]]
width: 50%
caption: Half the text column.
```

```heatmap
matrix: [[1, 2, 3], [4, 5, 6]]
width: 50%
theme: auto
```
"""
THEMES = {
    "material": {"name": "material"},
    "mkdocs": "mkdocs",
    "readthedocs": "readthedocs",
    "zensical": None,  # Zensical's own theme, through the Markdown extension
}


@pytest.fixture(scope="module")
def width_site(
    served: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """A one-page site per theme: name -> its URL."""
    root, base = served
    built: dict[str, str] = {}

    def get(theme: str) -> str:
        if theme not in built:
            work = tmp_path_factory.mktemp(f"width-{theme}")
            (work / "docs").mkdir()
            (work / "docs" / "index.md").write_text(WIDTH_PAGE, encoding="utf-8")
            out = str(root / f"width-{theme}")
            config: dict[str, Any] = {"site_name": "Width", "site_dir": out}
            if theme == "zensical":
                # Zensical writes only inside the project: copied below.
                command = [str(Path(sys.executable).parent / "zensical"), "build"]
                config.update(site_dir="site", markdown_extensions=["mkdocs_heatmap.extension"])
            else:
                command = MKDOCS_BUILD
                config.update(theme=THEMES[theme], plugins=["heatmap"])
            (work / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
            run_build(command, work)
            if theme == "zensical":
                shutil.copytree(work / "site", out)
            built[theme] = f"{base}/width-{theme}/"
        return built[theme]

    return get


# The rendered width of each shown image, and the content width of the block
# that holds its figure (the text column: its width without padding).
MEASURE = """
return [...document.querySelectorAll('figure.heatmap img')]
  .filter(img => img.getBoundingClientRect().width > 0)
  .map(img => {
    const column = img.closest('figure').parentElement;
    const style = getComputedStyle(column);
    const inner = column.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    return [img.getBoundingClientRect().width, inner, img.naturalWidth];
  });
"""


@pytest.mark.parametrize("theme", list(THEMES))
def test_width_is_a_share_of_the_text_column(
    driver: WebDriver, width_site: Callable[[str], str], theme: str
) -> None:
    """`width: 50%` is half the text column on every theme, also on
    Material, whose figures shrink to their content; the light and the dark
    image of `theme: auto` alike."""
    open_page(driver, width_site(theme))
    for img in driver.find_elements(By.CSS_SELECTOR, "figure.heatmap img"):
        if img.is_displayed():
            _scroll_to(driver, img)
            WebDriverWait(driver, WAIT).until(
                lambda d: d.execute_script("return arguments[0].complete", img)  # noqa: B023
            )
    measured = driver.execute_script(MEASURE)
    assert len(measured) >= 2, measured  # Material shows both variants without a palette
    for shown, column, natural in measured:
        assert column > 400, measured  # a real text column, not the figure itself
        assert abs(shown - column / 2) <= 3, (theme, shown, column, natural)


# --------------------------------------------------------------------------
# Hover, references and print.

MATERIAL = {
    "name": "material",
    "features": ["navigation.instant"],
    "palette": [
        {"scheme": "default", "toggle": {"icon": "material/brightness-7", "name": "Dark"}},
        {"scheme": "slate", "toggle": {"icon": "material/brightness-4", "name": "Light"}},
    ],
}

HOME = "# Home\n\nThe results are in [](results.md#fig-probe); see [the results](results.md).\n"
RESULTS = """\
# Results

```heatmap
matrix: [[0.11, 0.12, 0.13, 0.14], [0.21, 0.22, 0.23, 0.24], [0.31, 0.32, 0.33, 0.34]]
x_labels: [a, b, c, d]
y_labels: [r0, r1, r2]
xlabel: Token
ylabel: Layer
id: fig-probe
theme: auto
hover: true
caption: Probe scores.
```

As [](#fig-probe) shows.

```heatmap
panels:
  - matrix: [[1, 2], [3, 4]]
    title: A
  - matrix: [[5, 6], [7, 8]]
    title: B
x_labels: [p, q]
y_labels: [u, v]
origin: lower
id: fig-panels
hover: true
```

```heatmap
matrix: [[0.123, 0.5, 0.25], [0.375, 0.0625, 0.8], [0.5, 0.125, 0.9]]
x_labels: [a, b, c]
y_labels: [r0, r1, r2]
mask: upper
id: fig-masked
hover: true
```
"""


def _build_hover(work: Path, out: Path, config: dict[str, Any], site_url: str) -> None:
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "index.md").write_text(HOME)
    (work / "docs" / "results.md").write_text(RESULTS)
    # Material's instant navigation needs site_url (it reads the sitemap).
    base = {"site_name": "Hover", "site_url": site_url, "nav": ["index.md", "results.md"]}
    base["plugins"] = ["search", {"heatmap": {"numbering": "site"}}]
    base["markdown_extensions"] = ["pymdownx.superfences"]
    base["validation"] = {"anchors": "warn"}
    (work / "mkdocs.yml").write_text(yaml.safe_dump({**base, **config}, sort_keys=False))
    run_build([*MKDOCS_BUILD, "-d", str(out)], work)


HOVER_SITES = {
    "material": {"theme": MATERIAL},
    # highlightjs off: the theme would load it from a CDN, unreachable here.
    "mkdocs-flat-urls": {
        "theme": {"name": "mkdocs", "highlightjs": False},
        "use_directory_urls": False,
    },
}


@pytest.fixture(scope="module")
def hover_site(
    served: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], str]:
    root, base = served
    built: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in built:
            work = tmp_path_factory.mktemp(f"hover-{name}")
            built[name] = f"{base}/hover-{name}/"
            _build_hover(work, root / f"hover-{name}", HOVER_SITES[name], built[name])
        return built[name]

    return get


def _results(url: str, name: str) -> str:
    return url + ("results.html" if name == "mkdocs-flat-urls" else "results/")


def _area(driver: WebDriver, figure_id: str) -> WebElement:
    area = driver.find_element(By.CSS_SELECTOR, f"#{figure_id} .heatmap-hover")
    _scroll_to(driver, area)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script(
            "return [...arguments[0].querySelectorAll('img')]"
            ".some(i => i.complete && i.naturalWidth)",
            area,
        )
    )
    return area


def _point_at(driver: WebDriver, area: WebElement, panel: int, i: int, j: int) -> None:
    """Move the mouse to the center of cell (i, j) of ``panel``, as drawn."""
    data = json.loads(str(area.get_attribute("data-heatmap")))["p"][panel]
    img = next(im for im in area.find_elements(By.TAG_NAME, "img") if im.is_displayed())
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", img
    )
    fx, fy = cell_center(data, i, j)
    x, y = fx * rect[0], fy * rect[1]
    # Selenium offsets are from the element's center.
    ActionChains(driver).move_to_element_with_offset(
        img, x - rect[0] / 2, y - rect[1] / 2
    ).perform()


def _tip(driver: WebDriver, area: WebElement) -> str:
    return str(
        driver.execute_script(
            "const t = arguments[0].querySelector('.heatmap-tip');"
            "return t && t.style.display !== 'none' ? t.innerText : ''",
            area,
        )
    )


def _live(driver: WebDriver, area: WebElement) -> str:
    return str(area.find_element(By.CSS_SELECTOR, ".heatmap-readout").get_attribute("textContent"))


@pytest.mark.parametrize("name", list(HOVER_SITES))
def test_pointing_at_a_cell_shows_exactly_that_cell(
    driver: WebDriver,
    hover_site: Callable[[str], str],
    name: str,
) -> None:
    url = hover_site(name)
    console_errors(driver, "")  # drop what earlier tests' pages logged
    open_page(driver, _results(url, name))
    area = _area(driver, "fig-probe")
    for i, j in ((0, 0), (1, 2), (2, 3), (2, 0)):
        _point_at(driver, area, 0, i, j)
        assert _tip(driver, area).split("\n") == [
            f"Layer r{i} \u00b7 Token {'abcd'[j]}",
            f"0.{i + 1}{j + 1}",
        ]
    # Panels with origin: lower: the top row of the drawing is the last row.
    panels = _area(driver, "fig-panels")
    _point_at(driver, panels, 0, 0, 1)
    assert _tip(driver, panels).split("\n") == ["A", "v \u00b7 q", "4"]
    _point_at(driver, panels, 1, 1, 0)
    assert _tip(driver, panels).split("\n") == ["B", "u \u00b7 p", "5"]
    # Leaving the figure hides the readout.
    ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "h1")).perform()
    assert _tip(driver, panels) == ""
    assert not console_errors(driver, url.rsplit("/hover-", 1)[0])


@pytest.mark.parametrize("name", list(HOVER_SITES))
def test_arrow_keys_move_a_cursor_and_announce_the_cell(
    driver: WebDriver,
    hover_site: Callable[[str], str],
    name: str,
) -> None:
    open_page(driver, _results(hover_site(name), name))
    area = _area(driver, "fig-probe")
    assert area.get_attribute("tabindex") == "0"
    driver.execute_script("arguments[0].focus()", area)
    assert _live(driver, area) == "Layer r0 \u00b7 Token a: 0.11"
    active = driver.switch_to.active_element
    active.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_DOWN)
    assert _live(driver, area) == "Layer r1 \u00b7 Token c: 0.23"
    active.send_keys(Keys.END, Keys.PAGE_DOWN)
    assert _live(driver, area) == "Layer r2 \u00b7 Token d: 0.34"
    active.send_keys(Keys.ARROW_RIGHT)  # the last column: stays
    assert _live(driver, area) == "Layer r2 \u00b7 Token d: 0.34"
    assert _tip(driver, area).startswith("Layer r2")
    active.send_keys(Keys.ESCAPE)
    assert _tip(driver, area) == ""
    # Across panels: right from the last column of A is the first of B.
    panels = _area(driver, "fig-panels")
    driver.execute_script("arguments[0].focus()", panels)
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert _live(driver, panels) == "B, v \u00b7 p: 7"


def _outlined(driver: WebDriver, area: WebElement) -> bool:
    return bool(
        driver.execute_script(
            "const b = arguments[0].querySelector('.heatmap-box');"
            "return !!b && b.style.display !== 'none'",
            area,
        )
    )


@pytest.mark.parametrize("name", list(HOVER_SITES))
def test_masked_cells_show_nothing_and_values_keep_their_precision(
    driver: WebDriver,
    hover_site: Callable[[str], str],
    name: str,
) -> None:
    open_page(driver, _results(hover_site(name), name))
    area = _area(driver, "fig-masked")
    # The cells read 0.38 and 0.12 (two decimals); the readout keeps 3.
    _point_at(driver, area, 0, 1, 0)
    assert _tip(driver, area).split("\n") == ["r1 \u00b7 a", "0.375"]
    _point_at(driver, area, 0, 2, 1)
    assert _tip(driver, area).split("\n") == ["r2 \u00b7 b", "0.125"]
    assert _outlined(driver, area)
    for i, j in ((0, 0), (1, 1), (0, 2)):  # hidden by the mask: empty space
        _point_at(driver, area, 0, i, j)
        assert _tip(driver, area) == "" and not _outlined(driver, area), (i, j)
    # The keyboard cursor starts where the pointer last read a cell, and
    # skips hidden cells.
    driver.execute_script("arguments[0].focus()", area)
    assert _live(driver, area) == "r2 \u00b7 b: 0.125"
    active = driver.switch_to.active_element
    active.send_keys(Keys.PAGE_UP)  # hidden up the column: back to the drawn cell
    assert _live(driver, area) == "r2 \u00b7 b: 0.125"
    active.send_keys(Keys.HOME, Keys.ARROW_UP)
    assert _live(driver, area) == "r1 \u00b7 a: 0.375"
    active.send_keys(Keys.ARROW_RIGHT)  # hidden to the row's end: stays
    assert _live(driver, area) == "r1 \u00b7 a: 0.375"
    active.send_keys(Keys.ARROW_DOWN)
    assert _live(driver, area) == "r2 \u00b7 a: 0.5"
    active.send_keys(Keys.END)  # the last column is hidden: its nearest drawn cell
    assert _live(driver, area) == "r2 \u00b7 b: 0.125"
    active.send_keys(Keys.ARROW_UP)
    assert _live(driver, area) == "r2 \u00b7 b: 0.125"
    assert _tip(driver, area).split("\n") == ["r2 \u00b7 b", "0.125"]


def test_a_large_map_under_a_hover_default_reads_in_blocks(
    driver: WebDriver,
    served: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import numpy as np

    from mkdocs_heatmap.hover import readout

    root, base = served
    work = tmp_path_factory.mktemp("hover-blocks")
    (work / "docs").mkdir()
    values = np.round(np.random.default_rng(1).random((300, 200)), 3)
    values[0, 0] = np.nan
    np.save(work / "docs" / "big.npy", values)
    (work / "docs" / "index.md").write_text(
        "# Big\n\n```heatmap\ndata: big.npy\nxlabel: Gene\nylabel: Sample\nid: fig-big\n```\n"
    )
    plugins = ["search", {"heatmap": {"defaults": {"hover": True}}}]
    config: dict[str, Any] = {"site_name": "Blocks", "plugins": plugins}
    config.update(HOVER_SITES["mkdocs-flat-urls"])
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    run_build([*MKDOCS_BUILD, "-d", str(root / "hover-blocks")], work)
    open_page(driver, f"{base}/hover-blocks/index.html")
    area = _area(driver, "fig-big")

    def stats(cells: Any) -> list[str]:
        finite = cells[np.isfinite(cells)]
        return [readout(float(f(finite))) for f in (np.mean, np.min, np.max)]

    # Any cell of a block reads the block: its rows, columns, mean, min, max.
    mean, low, high = stats(values[6:12, 12:18])
    for i, j in ((6, 12), (11, 17), (8, 15)):
        _point_at(driver, area, 0, i, j)
        assert _tip(driver, area).split("\n") == [
            "Sample 6\u201311 \u00b7 Gene 12\u201317",
            f"mean {mean}",
            f"min {low}, max {high} \u00b7 36 cells",
        ]
    # The outline covers the block's 6 x 6 cells.
    width, cell = driver.execute_script(
        "const a = arguments[0], d = JSON.parse(a.getAttribute('data-heatmap')).p[0];"
        "const r = a.querySelector('img').getBoundingClientRect();"
        "return [a.querySelector('.heatmap-box').getBoundingClientRect().width,"
        " (d.b[2] - d.b[0]) * r.width / d.x.length]",
        area,
    )
    assert abs(width - 6 * cell) < 1.5, (width, cell)
    # The keyboard moves block by block; the first block has the missing cell.
    driver.execute_script("arguments[0].focus()", area)
    driver.switch_to.active_element.send_keys(Keys.HOME, Keys.PAGE_UP)
    mean, low, high = stats(values[:6, :6])
    assert _live(driver, area) == (
        f"Sample 0\u20135 \u00b7 Gene 0\u20135: mean {mean}, "
        f"min {low}, max {high} \u00b7 35 cells, 1 missing"
    )
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT, Keys.END, Keys.PAGE_DOWN)
    mean, low, high = stats(values[294:, 198:])
    assert _live(driver, area) == (
        f"Sample 294\u2013299 \u00b7 Gene 198\u2013199: mean {mean}, "
        f"min {low}, max {high} \u00b7 12 cells"
    )
    assert not console_errors(driver, base)


def test_hover_after_instant_navigation_and_in_the_dark_palette(
    driver: WebDriver,
    hover_site: Callable[[str], str],
) -> None:
    url = hover_site("material")
    open_page(driver, url)
    driver.execute_script("localStorage.clear(); window.__samePage = 1")
    link = driver.find_element(By.LINK_TEXT, "the results")
    link.click()
    WebDriverWait(driver, WAIT).until(lambda d: "results" in d.current_url)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#fig-probe .heatmap-hover")
    )
    # Material swapped the page in place: no reload, no script run again.
    assert driver.execute_script("return window.__samePage") == 1
    area = _area(driver, "fig-probe")
    _point_at(driver, area, 0, 1, 1)
    assert _tip(driver, area).split("\n")[-1] == "0.22"

    _to_slate(driver)
    area = _area(driver, "fig-probe")
    dark = area.find_element(By.CSS_SELECTOR, 'img[src$="#only-dark"]')
    assert dark.is_displayed()
    _point_at(driver, area, 0, 2, 3)
    assert _tip(driver, area).split("\n")[-1] == "0.34"
    driver.execute_script("localStorage.clear()")


@pytest.mark.parametrize("name", list(HOVER_SITES))
def test_references_read_the_number_and_lead_to_the_figure(
    driver: WebDriver,
    hover_site: Callable[[str], str],
    name: str,
) -> None:
    url = hover_site(name)
    open_page(driver, url)
    ref = driver.find_element(By.CSS_SELECTOR, "a.heatmap-ref")
    assert ref.text == "Figure 1"
    ref.click()
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url.endswith("#fig-probe"))
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "figure#fig-probe figcaption")
    )
    caption = driver.find_element(By.CSS_SELECTOR, "figure#fig-probe figcaption").text
    assert caption.startswith("Figure 1.")


def test_print_shows_the_light_variant_and_keeps_figures_whole(
    driver: WebDriver,
    hover_site: Callable[[str], str],
) -> None:
    url = hover_site("material")
    open_page(driver, url + "results/")
    try:
        _to_slate(driver)
        visible = _shown_variant(driver)
        assert visible == "dark"  # on screen, the reader's dark palette
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert _shown_variant(driver) == "light"
        breaks = driver.execute_script(
            "return getComputedStyle(document.querySelector('figure.heatmap')).breakInside"
        )
        assert breaks == "avoid"
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.execute_script("localStorage.clear()")


def _to_slate(driver: WebDriver) -> None:
    """Switch Material's palette to dark with its own toggle."""
    if driver.execute_script("return document.body.dataset.mdColorScheme") != "slate":
        toggle = next(
            label
            for label in driver.find_elements(By.CSS_SELECTOR, "[data-md-component=palette] label")
            if label.is_displayed()
        )
        toggle.click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.body.dataset.mdColorScheme") == "slate"
    )


def _shown_variant(driver: WebDriver) -> str:
    shown = driver.execute_script(
        "return [...document.querySelectorAll('#fig-probe img')]"
        ".filter(i => getComputedStyle(i).display !== 'none').map(i => i.src)"
    )
    (src,) = shown
    return "dark" if str(src).endswith("#only-dark") else "light"
