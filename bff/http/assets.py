"""GraphiQL's static assets: copied from npm packages at build time, served from memory.

`python -m bff.http.assets build` copies the UMD builds of GraphiQL, React and ReactDOM from
`tools/node/node_modules` (installed from `tools/node/package-lock.json`) into the git-ignored
`bff/http/static/`, with a gzip copy of each, so the BFF serves GraphiQL with no internet access.
The Lambda package includes that folder.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_STATIC_DIR = PACKAGE_DIR / "static"
DEFAULT_NODE_MODULES = PACKAGE_DIR.parents[1] / "tools" / "node" / "node_modules"

# Served name -> (path inside node_modules, content type).
ASSET_SOURCES: dict[str, tuple[str, str]] = {
    "graphiql.min.js": ("graphiql/graphiql.min.js", "text/javascript; charset=utf-8"),
    "graphiql.min.css": ("graphiql/graphiql.min.css", "text/css; charset=utf-8"),
    "react.production.min.js": (
        "react/umd/react.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    "react-dom.production.min.js": (
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
    ),
}


class AssetsBuildError(RuntimeError):
    """An npm package the build copies from is not installed."""


def build_assets(
    node_modules: Path = DEFAULT_NODE_MODULES, target: Path = DEFAULT_STATIC_DIR
) -> list[Path]:
    """Copy every asset (and a gzip copy) into `target`; returns the files written."""
    missing = [
        source for source, _ in ASSET_SOURCES.values() if not (node_modules / source).is_file()
    ]
    if missing:
        raise AssetsBuildError(
            f"missing in {node_modules}: {', '.join(missing)} (run `make node-tools`)"
        )
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (source, _) in ASSET_SOURCES.items():
        data = (node_modules / source).read_bytes()
        plain, packed = target / name, target / f"{name}.gz"
        if not plain.is_file() or plain.read_bytes() != data:
            plain.write_bytes(data)
            # mtime=0 keeps the gzip bytes (and so the ETag) identical across builds.
            packed.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        written += [plain, packed]
    return written


@dataclass(frozen=True, slots=True)
class StaticAsset:
    body: bytes
    gzip_body: bytes | None
    content_type: str
    etag: str


class StaticAssets:
    """The built assets, read from `directory` on first request and kept in memory."""

    def __init__(self, directory: Path = DEFAULT_STATIC_DIR) -> None:
        self.directory = directory
        self._loaded: dict[str, StaticAsset | None] = {}

    def get(self, name: str) -> StaticAsset | None:
        if name not in ASSET_SOURCES:
            return None
        if name not in self._loaded:
            self._loaded[name] = self._read(name)
        return self._loaded[name]

    def _read(self, name: str) -> StaticAsset | None:
        path = self.directory / name
        if not path.is_file():
            return None
        body = path.read_bytes()
        packed = path.with_name(f"{name}.gz")
        return StaticAsset(
            body=body,
            gzip_body=packed.read_bytes() if packed.is_file() else None,
            content_type=ASSET_SOURCES[name][1],
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bff.http.assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="copy GraphiQL's assets into the static folder")
    build.add_argument("--node-modules", type=Path, default=DEFAULT_NODE_MODULES)
    build.add_argument("--target", type=Path, default=DEFAULT_STATIC_DIR)
    args = parser.parse_args(argv)
    try:
        written = build_assets(args.node_modules, args.target)
    except AssetsBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"GraphiQL assets: {len(written)} files in {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
