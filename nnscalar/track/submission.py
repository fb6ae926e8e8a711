"""Where a student's track package is in what they handed in, and its sources.

A hand-in is the folder `nnscalar build start` wrote (engine.py at its top), that folder one level
down (an LMS's `alice_12345_assignsubmission_file/mygrad/`), or a `.zip` of either. Only the
package's top-level `.py` files and its README (which states the seed) are read, each capped;
symbolic links are refused, never followed; a zip is read in memory, never extracted.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ConfigError
from ..files import read_limited
from .checker import MAX_FILE_BYTES, read_package

__all__ = ["Package", "find_package", "holds_package", "stated_seed"]

MAX_ZIP_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_README_BYTES = 64 * 1024
_IGNORED = ("__MACOSX", "__pycache__")
_SEED = re.compile(r"^# Build your own engine \(.*\bseed (\d{1,18})\)\s*$")


@dataclass(frozen=True)
class Package:
    """A package's sources (file name → text), where it was found, and the seed its README states
    (None: no README, or it states none)."""

    files: dict[str, str]
    where: str
    stated: int | None = None


def stated_seed(readme: str) -> int | None:
    """The seed the first line of the track's README states (`build start --seed N` wrote it)."""
    first = readme.splitlines()[0] if readme.strip() else ""
    match = _SEED.match(first)
    return int(match.group(1)) if match else None


def _visible(entry: Path) -> bool:
    return not entry.name.startswith(".") and entry.name not in _IGNORED


def _packages_below(folder: Path) -> list[Path]:
    """Folders one level down that hold an engine.py (symbolic links are not looked into)."""
    return [
        sub
        for sub in sorted(folder.iterdir())
        if _visible(sub) and sub.is_dir() and not sub.is_symlink() and _has_engine(sub)
    ]


def _has_engine(folder: Path) -> bool:
    return (folder / "engine.py").exists() or (folder / "engine.py").is_symlink()


def _zips(folder: Path) -> list[Path]:
    return [
        f
        for f in sorted(folder.iterdir())
        if _visible(f) and f.suffix.lower() == ".zip" and (f.is_file() or f.is_symlink())
    ]


def holds_package(path: str | Path) -> bool:
    """True when `path` looks like a track hand-in: a folder with an engine.py at its top or one
    level down, or a zip (or a folder holding a zip) whose listing has an engine.py."""
    where = Path(path)
    if where.is_symlink():
        return False
    if where.is_file():
        return where.suffix.lower() == ".zip" and _zip_has_engine(where)
    if not where.is_dir():
        return False
    return (
        _has_engine(where)
        or bool(_packages_below(where))
        or any(_zip_has_engine(z) for z in _zips(where) if not z.is_symlink())
    )


def _zip_has_engine(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(_engine_prefix(name) is not None for name in archive.namelist()[:2000])
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def _engine_prefix(name: str) -> str | None:
    """The folder part of a zip member that is a package's engine.py ('' at the top, 'mygrad/'
    one level down); None for anything else."""
    parts = PurePosixPath(name).parts
    if not parts or parts[-1] != "engine.py" or len(parts) > 2:
        return None
    if any(p.startswith(".") or p in _IGNORED for p in parts):
        return None
    return "" if len(parts) == 1 else parts[0] + "/"


def find_package(path: str | Path) -> Package:
    """The package in a student's hand-in `path` (folder or .zip); ConfigError saying what was
    found when there is none, or more than one."""
    where = Path(path)
    if where.is_symlink():
        raise ConfigError(f"{where.name}: is a symbolic link; hand in the folder itself")
    if where.is_file():
        if where.suffix.lower() != ".zip":
            raise ConfigError(f"{where.name}: expected the package folder or a .zip of it")
        return _from_zip(where, where.name)
    if not where.is_dir():
        raise ConfigError(f"{where.name}: does not exist")
    if _has_engine(where):
        return _from_folder(where, ".")
    below = _packages_below(where)
    if len(below) > 1:
        names = ", ".join(f"{b.name}/" for b in below)
        raise ConfigError(f"several packages handed in ({names}): hand in one")
    if below:
        return _from_folder(below[0], f"{below[0].name}/")
    zips = _zips(where)
    if len(zips) > 1:
        names = ", ".join(z.name for z in zips)
        raise ConfigError(f"several zips handed in ({names}): hand in one")
    if zips:
        return _from_zip(zips[0], zips[0].name)
    seen = sorted(e.name for e in where.iterdir() if _visible(e))[:8]
    listing = ", ".join(seen) if seen else "nothing"
    raise ConfigError(
        f"no engine.py here or one folder down, and no .zip (found: {listing}); hand in the "
        "package folder `nnscalar build start` wrote"
    )


def _from_folder(folder: Path, where: str) -> Package:
    files = read_package(folder)
    readme = folder / "README.md"
    stated = None
    if readme.is_file() and not readme.is_symlink():
        try:
            stated = stated_seed(read_limited(readme, MAX_README_BYTES).decode("utf-8-sig"))
        except (ConfigError, UnicodeDecodeError):
            stated = None  # a README is not graded; the seed then comes from the teacher
    return Package(files, where, stated)


def _from_zip(path: Path, where: str) -> Package:
    data = read_limited(path, MAX_ZIP_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ConfigError(f"{path.name}: not a readable zip ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ConfigError(f"{path.name}: {len(members)} files; at most {MAX_ZIP_MEMBERS}")
        prefixes = sorted({p for m in members if (p := _engine_prefix(m.filename)) is not None})
        if not prefixes:
            raise ConfigError(
                f"{path.name}: no engine.py at the top of the zip or one folder down; zip the "
                "package folder `nnscalar build start` wrote"
            )
        if len(prefixes) > 1:
            names = ", ".join(p or "(top)" for p in prefixes)
            raise ConfigError(f"{path.name}: several packages in the zip ({names}): zip one")
        prefix = prefixes[0]
        files: dict[str, str] = {}
        readme = None
        for member in members:
            name = member.filename
            if not name.startswith(prefix) or "/" in name[len(prefix) :] or member.is_dir():
                continue
            base = name[len(prefix) :]
            if not (base.endswith(".py") or base == "README.md"):
                continue
            if (member.external_attr >> 16) & 0o170000 == 0o120000:
                raise ConfigError(f"{path.name}: {name} is a symbolic link; zip the file itself")
            text = _member_text(archive, member, path.name)
            if base == "README.md":
                readme = text
            else:
                files[base] = text
    for needed in ("__init__.py", "engine.py"):
        if needed not in files:
            raise ConfigError(
                f"{path.name}: {prefix}{needed} is missing: zip the folder `nnscalar build start` "
                "wrote"
            )
    stated = stated_seed(readme) if readme else None
    return Package(files, f"{where}:{prefix or '.'}", stated)


def _member_text(archive: zipfile.ZipFile, member: zipfile.ZipInfo, zip_name: str) -> str:
    name = member.filename
    if member.flag_bits & 0x1:
        raise ConfigError(f"{zip_name}: {name} is encrypted; zip it without a password")
    if member.file_size > MAX_FILE_BYTES:
        size = member.file_size
        raise ConfigError(f"{zip_name}: {name} is {size} bytes; at most {MAX_FILE_BYTES}")
    try:
        with archive.open(member) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise ConfigError(f"{zip_name}: {name} cannot be read ({exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{zip_name}: {name} is over {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{zip_name}: {name} is not UTF-8 text ({exc.reason})") from None
