"""Maps with no network: the web assets folium loads from CDNs, and a bundled basemap.

folium writes ``<script src="https://cdn...">`` and ``<link href="https://cdn...">`` into
every page it makes. Offline (a classroom without Wi-Fi, an exam room, a school that filters
CDNs) such a page draws nothing. The kit ships the same files, at the versions folium pins,
in ``eastasia_security/assets/web/`` (with their licences), and :func:`inline_assets` puts
them into the page itself, so a saved map, a map in JupyterLab and a map on the course site
work without a network. :data:`CDN_FILES` is the one list of what is bundled; a test checks
it against the URLs the installed folium writes.

The basemap (``assets/basemap/``) is made from Natural Earth (public domain): land,
coastlines and land borders in tiers of detail (:data:`BASEMAP_TIERS`). ``tools/build_assets.py``
regenerates both from npm packages.

>>> from eastasia_security import offline
>>> offline.local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js").name
'leaflet.js'
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from branca.element import CssLink, Element, Figure, JavascriptLink

from . import paths

__all__ = ["WebAsset", "CDN_FILES", "ICON_ASSETS", "BasemapTier", "BASEMAP_TIERS", "local_file",
           "inline_assets", "page_html", "basemap_data", "OfflineWarning", "SHARED_ASSETS_ENV"]

#: When set (the course site's build sets it to "../_static/web"), pages link the bundled files
#: at that URL instead of carrying copies, so the maps of one site page share one download.
#: The URL must point at a copy of ``assets/web`` served beside the page, never at a CDN.
SHARED_ASSETS_ENV = "EASTASIA_SECURITY_SHARED_ASSETS_URL"


class OfflineWarning(UserWarning):
    """A map needs a file from the network that the kit does not bundle."""


@dataclass(frozen=True)
class WebAsset:
    """One file folium loads from a CDN, and where its copy lives in ``assets/web``."""

    npm_package: str
    npm_version: str
    npm_path: str          # path inside the npm package
    path: str              # path inside ``assets/web/<folder>/`` (the npm layout, so relative url()s work)
    licence_file: str
    extra_files: tuple[tuple[str, str], ...] = ()   # (npm path, bundled path): images and fonts the CSS names
    note: str = ""

    @property
    def folder(self) -> str:
        return f"{self.npm_package.replace('/', '+')}@{self.npm_version}"


_LEAFLET = dict(npm_package="leaflet", npm_version="1.9.3", licence_file="LICENSE")
_BOOTSTRAP = dict(npm_package="bootstrap", npm_version="5.2.2", licence_file="LICENSE")
_AWESOME = dict(npm_package="leaflet.awesome-markers", npm_version="2.0.5", licence_file="LICENSE",
                note="folium links 2.0.2 on cdnjs; npm has 2.0.5 of the same plugin (same API, bug fixes)")
_FONTAWESOME = dict(npm_package="@fortawesome/fontawesome-free", npm_version="6.2.0", licence_file="LICENSE.txt")
_FULLSCREEN = dict(npm_package="leaflet.fullscreen", npm_version="3.0.0", licence_file="LICENSE",
                   note="the npm package ships the unminified file only")

#: CDN URL (as folium writes it) -> the bundled copy.
CDN_FILES: dict[str, WebAsset] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js":
        WebAsset(npm_path="dist/leaflet.js", path="dist/leaflet.js", **_LEAFLET),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css":
        WebAsset(npm_path="dist/leaflet.css", path="dist/leaflet.css", **_LEAFLET, extra_files=tuple(
            (f"dist/images/{n}", f"dist/images/{n}") for n in
            ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"))),
    "https://code.jquery.com/jquery-3.7.1.min.js":
        WebAsset(npm_package="jquery", npm_version="3.7.1", npm_path="dist/jquery.min.js",
                 path="dist/jquery.min.js", licence_file="LICENSE.txt"),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        WebAsset(npm_path="dist/js/bootstrap.bundle.min.js", path="dist/js/bootstrap.bundle.min.js", **_BOOTSTRAP),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
        WebAsset(npm_path="dist/css/bootstrap.min.css", path="dist/css/bootstrap.min.css", **_BOOTSTRAP),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        WebAsset(npm_path="dist/leaflet.awesome-markers.min.js", path="dist/leaflet.awesome-markers.min.js", **_AWESOME),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        WebAsset(npm_path="dist/leaflet.awesome-markers.css", path="dist/leaflet.awesome-markers.css", **_AWESOME,
                 extra_files=tuple((f"dist/images/{n}", f"dist/images/{n}") for n in
                                   ("markers-soft.png", "markers-soft@2x.png", "markers-shadow.png",
                                    "markers-shadow@2x.png"))),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        WebAsset(npm_path="css/all.min.css", path="css/all.min.css", **_FONTAWESOME, extra_files=tuple(
            (f"webfonts/{n}.woff2", f"webfonts/{n}.woff2") for n in
            ("fa-brands-400", "fa-regular-400", "fa-solid-900", "fa-v4compatibility"))),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js":
        WebAsset(npm_path="Control.FullScreen.js", path="Control.FullScreen.js", **_FULLSCREEN),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css":
        WebAsset(npm_path="Control.FullScreen.css", path="Control.FullScreen.css", **_FULLSCREEN,
                 extra_files=(("icon-fullscreen.svg", "icon-fullscreen.svg"),)),
}

#: Stylesheets folium links that the kit does not bundle: Bootstrap 3's glyphicons (for
#: ``folium.Icon(prefix="glyphicon")``) and folium's icon-rotation CSS. Kit pages leave them out.
UNBUNDLED_CSS = frozenset({"glyphicons_css", "awesome_rotate_css"})

#: Header names (folium's) of the files only ``folium.Icon`` markers use: Bootstrap, Font Awesome
#: and the awesome-markers plugin. A page without such a marker leaves them out (about 700 KB).
ICON_ASSETS = frozenset({"bootstrap", "bootstrap_css", "awesome_markers", "awesome_markers_css",
                         "awesome_markers_font_css"})


@dataclass(frozen=True)
class BasemapTier:
    """One file of the bundled basemap: a Natural Earth scale clipped to an area (lon/lat bounds)."""

    file: str
    scale: str                        # "10m", "50m" or "110m"
    bounds: tuple[float, float, float, float]   # west, south, east, north
    tolerance_deg: float              # Douglas-Peucker tolerance used when simplifying
    digits: int                       # decimals kept in the coordinates
    minus: tuple[tuple[float, float, float, float], ...] = ()
    world: bool = False               # drawn only on maps that reach beyond the region


#: The region's core (the Korean Peninsula and Japan) at 1:10m, the rest of the region at 1:50m,
#: and the world at 1:110m for maps with ICBM ranges.
REGION_CORE = (119.0, 30.0, 147.0, 46.5)
REGION = (95.0, 0.0, 170.0, 62.0)
BASEMAP_TIERS = (
    BasemapTier("region_core_10m.geojson", "10m", REGION_CORE, 0.008, 3),
    BasemapTier("region_50m.geojson", "50m", REGION, 0.03, 2, minus=(REGION_CORE,)),
    BasemapTier("world_110m.geojson", "110m", (-180.0, -90.0, 180.0, 90.0), 0.15, 1, minus=(REGION,), world=True),
)


def web_dir() -> Path:
    return paths.assets_dir() / "web"


def local_file(url: str) -> Path | None:
    """The bundled copy of a CDN file folium links, or None when the kit does not bundle it."""
    asset = CDN_FILES.get(url)
    return None if asset is None else web_dir() / asset.folder / asset.path


def _data_uri(path: Path) -> str:
    kind = {".woff2": "font/woff2", ".svg": "image/svg+xml"}.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return f"data:{kind or 'application/octet-stream'};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


# Source-map comments name files the kit does not ship (a browser's developer tools would ask for them).
_SOURCE_MAP = re.compile(r"^\s*(//# sourceMappingURL=\S+|/\*# sourceMappingURL=\S+ \*/)\s*$", re.MULTILINE)

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@lru_cache(maxsize=None)
def _inline_css(path: Path) -> str:
    """A stylesheet with the images and fonts it names turned into data: URIs."""
    text = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))

    def replace(match: re.Match) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        resolved = (path.parent / target.split("?")[0].split("#")[0]).resolve()
        if not resolved.is_file():
            return match.group(0)
        return f'url("{_data_uri(resolved)}")'

    return _CSS_URL.sub(replace, text).replace("</style", "<\\/style")


@lru_cache(maxsize=None)
def _inline_js(path: Path) -> str:
    # "</script" inside a string of the library would end the inline script early.
    return _SOURCE_MAP.sub("", path.read_text(encoding="utf-8")).replace("</script", "<\\/script")


def _leaflet_icon_fix() -> str:
    """Leaflet finds its default marker images next to leaflet.css; inline, it is told where they are."""
    images = web_dir() / CDN_FILES["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"].folder / "dist" / "images"
    options = {"iconUrl": _data_uri(images / "marker-icon.png"),
               "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
               "shadowUrl": _data_uri(images / "marker-shadow.png")}
    return f"L.Icon.Default.imagePath = ''; L.Icon.Default.mergeOptions({json.dumps(options)});"


def inline_assets(figure: Figure, keep_icon_assets: bool = True) -> list[str]:
    """Replace the CDN links in a rendered figure's header by the bundled files, inline.

    Call it after the map's own ``render`` added its links. With ``SHARED_ASSETS_ENV`` set
    (the course site), the links point at the site's own copy instead. Links to files the kit does
    not bundle (a folium plugin the kit does not use) stay, with an :class:`OfflineWarning`;
    their URLs are returned.
    """
    shared = os.environ.get(SHARED_ASSETS_ENV, "").rstrip("/")
    if shared.startswith(("http:", "https:", "//")):
        raise ValueError(f"{SHARED_ASSETS_ENV} must be a path on the same site (such as ../_static/web), "
                         f"not {shared!r}: the kit's pages must not depend on another server")
    header = figure.header
    children = list(header._children.items())
    header._children.clear()
    left_online = []
    for name, child in children:
        url = getattr(child, "url", None)
        if isinstance(child, (JavascriptLink, CssLink)) and url is not None:
            if name in ICON_ASSETS and not keep_icon_assets:
                continue
            local = local_file(url)
            if local is None:
                if url.startswith(("http:", "https:", "//")):
                    left_online.append(url)
                header._children[name] = child
                continue
            if shared:
                asset = CDN_FILES[url]
                link = f"{shared}/{asset.folder}/{asset.path}"
                child = (Element(f'<script data-kit-asset="{name}" src="{link}"></script>')
                         if isinstance(child, JavascriptLink) else
                         Element(f'<link data-kit-asset="{name}" rel="stylesheet" href="{link}"/>'))
            elif isinstance(child, JavascriptLink):
                script = _inline_js(local)
                if name == "leaflet":
                    script += "\n" + _leaflet_icon_fix()
                child = Element(f'<script data-kit-asset="{name}">{script}</script>')
            else:
                child = Element(f'<style data-kit-asset="{name}">{_inline_css(local)}</style>')
        header._children[name] = child
    if left_online:
        warnings.warn("This map loads files the kit does not bundle, so it needs the network: "
                      + ", ".join(left_online), OfflineWarning, stacklevel=3)
    return left_online


def page_html(m) -> str:
    """The HTML page of any folium map (the kit's or a plain ``folium.Map``) with the bundled files inside.

    Kit maps (``maps.base_map``) do this by themselves; use it for a map built with folium
    directly, to save it for a classroom with no network. (Its tiles still need the network:
    add the kit's basemap with ``maps.base_map`` for land offline.)

    >>> import folium
    >>> page = page_html(folium.Map(location=[37.5, 127.0], zoom_start=6))
    >>> "cdn.jsdelivr.net" in page, 'data-kit-asset="leaflet"' in page
    (False, True)
    """
    figure = m.get_root()
    for child in figure._children.values():
        child.render()
    for name in UNBUNDLED_CSS:
        figure.header._children.pop(name, None)
    inline_assets(figure, keep_icon_assets=True)
    return figure._template.render(this=figure, kwargs={})


@lru_cache(maxsize=None)
def _basemap_text(file: str) -> str:
    return (paths.assets_dir() / "basemap" / file).read_text(encoding="utf-8")


def basemap_data(tier: BasemapTier) -> str:
    """The GeoJSON text of one basemap tier (compact; it goes into the page as a JavaScript literal)."""
    return _basemap_text(tier.file)
