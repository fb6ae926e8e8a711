"""`make site`: the playground as a static folder that any web host serves, fully offline.

Pyodide (CPython in WebAssembly) and Graphviz in WebAssembly (`@viz-js/viz`) come from the npm
registry at build time, through npm and its cache, and are copied into the folder; nnscalar's own
pure wheel is built from the source tree and loaded into Pyodide from the folder. Nothing is
fetched from elsewhere when the page runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ..errors import NNScalarError
from ..files import write_atomic
from .playground import schema

__all__ = ["NPM_PACKAGES", "SiteError", "build_site", "default_cache", "main"]

NPM_PACKAGES = {"pyodide": "314.0.7", "@viz-js/viz": "3.31.0"}
# What the page needs of the npm pyodide package (it holds no wheels: nnscalar needs none).
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
ASSETS = ("index.html", "app.js", "worker.js", "style.css")


class SiteError(NNScalarError, RuntimeError):
    """The site could not be built: npm or pip missing or failing, or no source tree."""


def default_cache() -> Path:
    """Where npm's packages are kept between builds: $NNSCALAR_SITE_CACHE or ~/.cache/nnscalar."""
    env = os.environ.get("NNSCALAR_SITE_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nnscalar" / "site"


def _run(
    args: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> None:
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SiteError(f"{what}: {args[0]!r} was not found; install it and build again") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        raise SiteError(f"{what} failed ({' '.join(args[:3])} …):\n" + "\n".join(tail))


def _installed_version(modules: Path, name: str) -> str | None:
    try:
        return json.loads((modules / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def npm_packages(cache: Path) -> Path:
    """The node_modules folder holding NPM_PACKAGES, installed into `cache` unless already there."""
    modules = cache / "node_modules"
    if all(_installed_version(modules, n) == v for n, v in NPM_PACKAGES.items()):
        return modules
    if shutil.which("npm") is None:
        raise SiteError(
            "npm was not found: the site copies Pyodide and Graphviz-wasm from the npm registry "
            "(apt install npm, or install Node.js), then run `make site` again"
        )
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"private": true}\n')
    specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
    _run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts", *specs],
        "npm install",
        cwd=cache,
    )
    return modules


def source_root() -> Path:
    """The source tree nnscalar runs from (the folder with pyproject.toml), for its wheel."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise SiteError(
            f"no source tree: {root} has no pyproject.toml; build the site from a checkout of "
            "nnscalar (make site)"
        )
    return root


def build_wheel(root: Path, into: Path) -> Path:
    """nnscalar's pure wheel (py3-none-any), built by pip from the source tree `root`."""
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp, str(root)],
            "building nnscalar's wheel",
            env={**os.environ, "NNSCALAR_PURE_BUILD": "1"},  # the browser runs the readable engine
        )
        (wheel,) = Path(tmp).glob("nnscalar-*.whl")
        if not wheel.name.endswith("-py3-none-any.whl"):
            raise SiteError(f"the wheel {wheel.name} is not pure (py3-none-any)")
        target = into / wheel.name
        shutil.copyfile(wheel, target)
    return target


def build_site(
    out: str | os.PathLike[str],
    cache: str | os.PathLike[str] | None = None,
    wheel: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Write the playground into the folder `out` (replaced); returns what was written.

    `cache` is where npm's packages are kept (default_cache()); `wheel` an nnscalar wheel to use
    instead of building one from the source tree.
    """
    start = time.perf_counter()
    out = Path(out)
    modules = npm_packages(Path(cache) if cache is not None else default_cache())
    log(f"npm packages: {', '.join(f'{n} {v}' for n, v in NPM_PACKAGES.items())}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out.parent))  # moved in when whole
    try:
        if wheel is None:
            built = build_wheel(source_root(), staging / "wheels")
        else:
            built = staging / "wheels" / Path(wheel).name
            built.parent.mkdir(parents=True)
            shutil.copyfile(wheel, built)
        log(f"wheel: {built.name}")
        (staging / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copyfile(modules / "pyodide" / name, staging / "pyodide" / name)
        (staging / "viz").mkdir()
        shutil.copyfile(modules / "@viz-js" / "viz" / "dist" / "viz.js", staging / "viz" / "viz.js")
        assets = resources.files("nnscalar.site") / "assets"
        for name in ASSETS:
            (staging / name).write_bytes((assets / name).read_bytes())
        build = {"wheel": built.name, "npm": NPM_PACKAGES, "schema": schema()}
        write_atomic(staging / "build.json", json.dumps(build, indent=1) + "\n")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    seconds = time.perf_counter() - start
    log(f"site: {out}/index.html ({size / 1e6:.1f} MB, {seconds:.1f} s)")
    return {"out": str(out), "bytes": size, "seconds": seconds, "wheel": built.name}


def main(argv: list[str] | None = None) -> int:
    """`python -m nnscalar.site [DIR]`: build the playground into DIR (default: site)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m nnscalar.site", description="Build the nnscalar playground (a static site)."
    )
    parser.add_argument("out", nargs="?", default="site", help="the folder to write (site)")
    parser.add_argument("--cache", default=None, help="npm package cache (~/.cache/nnscalar/site)")
    args = parser.parse_args(argv)
    try:
        build_site(args.out, cache=args.cache)
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"serve it with: python -m http.server -d {args.out} --bind 127.0.0.1 8000")
    return 0
