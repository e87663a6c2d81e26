"""Solara's front-end files, kept on disk so the classroom app works without internet.

Solara's server proxies its JavaScript and CSS from a public CDN (`/_solara/cdn/<pkg>@<ver>/...`
-> `https://cdn.jsdelivr.net/npm/<pkg>@<ver>/...`) unless the file is already in its cache
directory, `SOLARA_ASSETS_PROXY_CACHE_DIR`. The files are the contents of npm packages, so this
module fetches each package with `npm pack` (npm's registry is reachable where the CDN may not
be) and unpacks it into the cache as `<pkg>@<ver>/`; plotly.js, which the app's charts load the
same way, is copied from the plotly package. Idempotent: present files are skipped.

    uv run python -m sim.app.assets          # fill the cache, verify, print where it is
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = PROJECT_ROOT / "assets-cache" / "solara"
VUETIFY_APP = "@widgetti/solara-vuetify-app"
NPM_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class AssetPackage:
    """An npm package the page loads through Solara's CDN proxy.

    Attributes:
        spec: `<name>@<version>` exactly as it appears in the proxied URLs (a range like
            `vega@5` is a directory of its own).
        files: files (relative to the package) that must exist once it is unpacked.
    """

    spec: str
    files: tuple[str, ...]

    @property
    def name(self) -> str:
        """Package name without the version."""
        return self.spec.rsplit("@", 1)[0]


def _template_version(package: str, fallback: str) -> str:
    """Version of `package` that the installed Solara's page template asks for."""
    spec = importlib.util.find_spec("solara")
    found = None
    if spec is not None and spec.submodule_search_locations:
        template = Path(spec.submodule_search_locations[0], "server/templates/solara.html.j2")
        try:
            found = re.search(re.escape(package) + r"@([0-9][^/\"']*)/", template.read_text())
        except OSError:
            found = None
    return found.group(1) if found else fallback


def asset_packages() -> tuple[AssetPackage, ...]:
    """The packages for Solara 1.64 with ipyvuetify 1.x and ipywidgets 8."""
    app_version = _template_version(VUETIFY_APP, "10.1.1")
    requirejs_version = _template_version("requirejs", "2.3.6")
    return (
        AssetPackage(
            f"{VUETIFY_APP}@{app_version}",
            ("dist/solara-vuetify-app8.min.js", "dist/main8.css", "dist/fonts.css"),
        ),
        AssetPackage(f"requirejs@{requirejs_version}", ("require.js",)),
        AssetPackage("font-awesome@4.5.0", ("css/font-awesome.min.css",)),
        AssetPackage("@widgetti/vue-grid-layout@2.3.13-alpha.2", ("dist/vue-grid-layout.umd.js",)),
        AssetPackage("vega@5", ("build/vega.min.js",)),
        AssetPackage("vega-lite@5", ("build/vega-lite.min.js",)),
        AssetPackage("vega-embed@6", ("build/vega-embed.min.js",)),
    )


PLOTLY_JS = "plotly.js-dist-min"


def plotly_js_path() -> str:
    """Path of plotly.js under the proxy: the version the installed plotly package bundles."""
    from plotly.offline import get_plotlyjs_version

    return f"{PLOTLY_JS}@{get_plotlyjs_version()}/plotly.min.js"


def _copy_plotly_js(directory: Path) -> None:
    """Put the plotly package's own plotly.min.js where the app's charts load it from."""
    import plotly

    target = directory / plotly_js_path()
    if target.is_file():
        return
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_suffix(".tmp")
    shutil.copyfile(source, staging)
    staging.replace(target)


def cache_dir() -> Path:
    """The cache directory: `$SOLARA_ASSETS_PROXY_CACHE_DIR`, else `assets-cache/solara`."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser().resolve() if configured else DEFAULT_CACHE_DIR


def use_local_assets() -> Path:
    """Point Solara at the cache (before or after Solara is imported); returns the directory."""
    directory = cache_dir()
    os.environ[CACHE_ENV] = str(directory)
    settings = sys.modules.get("solara.server.settings")
    if settings is not None:
        settings.assets.proxy_cache_dir = directory
    return directory


def missing_files(directory: Path, package: AssetPackage) -> list[str]:
    """Files of `package` not (yet) in the cache."""
    root = directory / package.spec
    return [name for name in package.files if not (root / name).is_file()]


def missing_packages(directory: Path | None = None) -> list[AssetPackage]:
    """Packages with at least one file missing from the cache."""
    directory = cache_dir() if directory is None else directory
    return [package for package in asset_packages() if missing_files(directory, package)]


def ready(directory: Path | None = None) -> bool:
    """Whether every file the app loads is in the cache."""
    directory = cache_dir() if directory is None else directory
    return not missing_packages(directory) and (directory / plotly_js_path()).is_file()


def report(directory: Path | None = None) -> tuple[bool, list[str]]:
    """Whether everything the page loads is in the cache, offline, and one line per item."""
    directory = cache_dir() if directory is None else directory
    lines = [f"asset cache: {directory}"]
    for package in asset_packages():
        missing = missing_files(directory, package)
        state = "ok" if not missing else f"MISSING {', '.join(missing)}"
        lines.append(f"  {package.spec}: {state}")
    plotly_ok = (directory / plotly_js_path()).is_file()
    lines.append(f"  {plotly_js_path()}: {'ok' if plotly_ok else 'MISSING'}")
    ready_now = plotly_ok and not missing_packages(directory)
    if not ready_now:
        lines.append(
            "fetch what is missing where the npm registry is reachable: "
            "`python -m sim.app.assets` (or `bash .ci/setup --browser`)"
        )
    return ready_now, lines


def _npm_pack(spec: str, destination: Path) -> Path:
    """Download one package tarball with `npm pack`; returns its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: install Node.js's npm (Debian: apt-get install npm)")
    try:
        completed = subprocess.run(
            [npm, "pack", spec, "--json", "--pack-destination", str(destination)],
            capture_output=True,
            text=True,
            check=False,
            timeout=NPM_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"npm pack {spec}: no answer from the npm registry after {NPM_TIMEOUT_SECONDS} s "
            "(offline?); on a machine that reaches it run `python -m sim.app.assets` (or "
            "`bash .ci/setup --browser`) and copy assets-cache/ here"
        ) from None
    if completed.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed: {completed.stderr.strip()[-500:]}")
    filename = json.loads(completed.stdout)[0]["filename"]
    return destination / filename


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball's `package/` contents into `target`, atomically."""
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        (content,) = [p for p in staging.iterdir() if p.is_dir()]
        if target.exists():
            shutil.rmtree(target)
        content.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def provision(directory: Path | None = None, log=print) -> Path:
    """Fetch every missing package into the cache and verify all files are there.

    Raises:
        RuntimeError: npm is missing, a download failed, or a file is still missing.
    """
    directory = cache_dir() if directory is None else directory
    directory.mkdir(parents=True, exist_ok=True)
    todo = missing_packages(directory)
    with tempfile.TemporaryDirectory(prefix="npm-pack-") as downloads:
        for package in todo:
            log(f"assets: fetching {package.spec}")
            target = directory / package.spec
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(_npm_pack(package.spec, Path(downloads)), target)
    _copy_plotly_js(directory)
    still_missing = {
        package.spec: missing_files(directory, package) for package in missing_packages(directory)
    }
    if still_missing:
        raise RuntimeError(f"assets: files missing after download: {still_missing}")
    return directory


def main() -> int:
    """Fill the cache; print the directory, or the problem and exit 1."""
    try:
        directory = provision()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"assets: {len(asset_packages())} packages ready in {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
