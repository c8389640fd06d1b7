"""One site's pages rendered across forked worker processes, output byte for byte as
MkDocs' own sequential build writes it.

MkDocs builds a site in one loop over its pages, twice: Markdown to HTML for every
page (a page's title, read from its h1, shows in every other page's navigation), then
every page through the theme's templates. Both loops are most of a large site's time
and each page is independent within a loop, so here the parent reads config, files and
navigation once, then forks workers (one per core; they inherit everything, nothing is
pickled going in) for each loop and gathers back, page by page and in MkDocs' order:

- after the Markdown loop, each page's rendered state (content, toc, title, metadata,
  anchors) and what our plugin recorded for it (facts and links, for the checks);
- after the template loop (the workers write the pages), each page's search index
  entries and our plugin's per-page records (published URL, title and metadata);
- in both, what was logged, replayed in page order, so warnings, strict mode and
  `file:line` messages come out as in a sequential build.

The steps around the loops are MkDocs' `build()` in the same order, calling its page
functions (`_populate_page`, `_build_page`, `_build_theme_template`,
`_build_extra_template`) so that each page is handled exactly as MkDocs handles it.
Those are private, so this runs only on the MkDocs minor version it was written for and
only with the plugins whose per-page state it knows how to gather; anything else, and
dirty builds, go to MkDocs' own `build()`. tests/test_parallel_pages.py holds the two
builds to the same bytes.
"""
from __future__ import annotations

import logging
import os
import pickle
import threading
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable

from specsites.engines import page_reuse
from specsites.engines.page_reuse import PageReuse
from specsites.engines.theme_files import add_theme_files
from specsites.machinery.forked import map_forked

MKDOCS_VERSION = "1.6."  # the minor version whose build() this mirrors
MIN_PAGES = 40  # below this, forking costs more than it saves
# A page's structural attributes point into the navigation (the parent's own objects);
# the rest of what the Markdown loop sets on a page is data, sent back whole.
_STRUCTURE = {"file", "parent", "children", "previous_page", "next_page", "_Page__active"}


@dataclass
class PageRecord:
    """What one page's work in a worker left behind, for the parent."""

    logs: list[tuple[str, int, str]] = field(default_factory=list)  # logger, level, message
    state: dict[str, Any] = field(default_factory=dict)  # page attributes set (Markdown loop)
    plugin: dict[str, Any] = field(default_factory=dict)  # plugin name -> its records for the page
    error: BaseException | None = None  # raised by this page: the build stops here
    pid: int = 0


def build(config, *, workers: int = 0) -> dict[int, int]:
    """A full (not dirty) build of config's site, pages rendered on `workers` processes
    (default: one per core); MkDocs' own sequential build when that would not help or
    cannot be gathered. Returns how many pages each process rendered (pid -> pages)."""
    import mkdocs
    from mkdocs.commands import build as mkdocs_build

    workers = workers or os.cpu_count() or 1
    if not mkdocs.__version__.startswith(MKDOCS_VERSION) or _unknown_plugins(config) or (workers <= 1 and _page_reuse(config) is None):
        mkdocs_build.build(config)
        return {}
    return _Build(config, workers).run()


def _page_reuse(config) -> PageReuse | None:
    """What our plugin was handed of the previous build (specsites build only)."""
    plugin = config.plugins.get("specsites")
    return getattr(getattr(plugin, "options", None), "page_reuse", None)


def _unknown_plugins(config) -> list[str]:
    return [name for name, plugin in config.plugins.items() if _gatherer(plugin) is None]


class _Build:
    """MkDocs' build(), with the two page loops forked."""

    def __init__(self, config, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.pages: list = []
        self.files = None
        self.rendered: dict[int, int] = {}

    def run(self) -> dict[int, int]:
        from mkdocs import utils
        from mkdocs.commands import build as mk
        from mkdocs.exceptions import Abort, BuildError
        from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
        from mkdocs.structure.nav import get_navigation
        from mkdocs.structure.pages import Page

        logger = logging.getLogger("mkdocs")
        counter = utils.CountHandler()
        counter.setLevel(logging.WARNING)
        if self.config.strict:
            logger.addHandler(counter)
        try:
            config = self.config = self.config.plugins.on_config(self.config)
            config.plugins.on_pre_build(config=config)
            mk.log.info("Cleaning site directory")
            utils.clean_directory(config.site_dir)
            mk.log.info(f"Building documentation to directory: {config.site_dir}")
            files = get_files(config)
            env = config.theme.get_env()
            add_theme_files(files, env, config)  # MkDocs' own, its filter compiled once
            files = config.plugins.on_files(files, config=config)
            set_exclusions(files, config)
            self.files = files
            nav = get_navigation(files, config)
            nav = config.plugins.on_nav(nav, config=config, files=files)
            doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
            for file in doc_files:
                if file.page is None and file.inclusion.is_not_in_nav():
                    Page(None, file, config)
            self.pages = [file.page for file in doc_files]
            if len(self.pages) < MIN_PAGES:
                self.workers = 1
            reuse = self.reuse = _page_reuse(config)
            populate = lambda page: mk._populate_page(page, config, files)  # noqa: E731
            if reuse is None:
                self._gather(self.pages, self._forked(populate, self.pages), with_state=True)
            else:
                todo = [page for page in self.pages if not self._restore_markdown(page)]
                records = self._forked(populate, todo, capture=True)
                self._gather(todo, records, with_state=True)
                self._record_markdown(todo, records)
            env = config.plugins.on_env(env, config=config, files=files)
            files.copy_static_files(inclusion=InclusionLevel.is_included)
            for template in config.theme.static_templates:
                mk._build_theme_template(template, env, files, config, nav)
            for template in config.extra_templates:
                mk._build_extra_template(template, files, config, nav)
            build_page = lambda page: mk._build_page(page, config, doc_files, nav, env, excluded=page.file.inclusion.is_excluded())  # noqa: E731
            meanwhile = lambda: self._while_pages_render(config)  # noqa: E731
            if reuse is None:
                self._gather(self.pages, self._forked(build_page, self.pages, meanwhile=meanwhile), with_state=False)
            else:
                nav_key = page_reuse.navigation_key(self.pages)
                todo = [page for page in self.pages if not self._take_page(page, nav_key)]
                records = self._forked(build_page, todo, meanwhile=meanwhile, capture=True)
                self._gather(todo, records, with_state=False)
                self._record_pages(todo, records, nav_key)
            for page in self.pages:
                page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
            config.plugins.on_post_build(config=config)
            if counts := counter.get_counts():
                raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
        except Exception as e:
            self.config.plugins.on_build_error(error=e)
            if isinstance(e, BuildError):
                mk.log.error(str(e))
                raise Abort("Aborted with a BuildError!")
            raise
        finally:
            logger.removeHandler(counter)
        return self.rendered

    # --- page_reuse: what the previous build rendered, taken instead of rendering ---

    def _restore_markdown(self, page) -> bool:
        """The page's rendered Markdown and our plugin's records for it, from the
        previous build when its Markdown key is the same; False: render it."""
        reuse = self.reuse
        key = page_reuse.markdown_key(reuse, page) if self._reusable(page) else None
        entry = {"md": key, "dest": page.file.dest_uri}
        reuse.record[page.file.src_uri] = entry
        previous = reuse.previous.get(page.file.src_uri)
        if key is None or not isinstance(previous, dict) or previous.get("md") != key:
            return False
        try:
            state = page_reuse.decode(previous["state"])
            plugin = page_reuse.decode_specsites(previous["specsites_md"])
        except (KeyError, TypeError, ValueError, page_reuse.NotRecordable):
            return False
        _restore_state(page, state, self.files)
        _SpecSitesGatherer.merge(self.config.plugins["specsites"], plugin)
        entry.update(state=previous["state"], specsites_md=previous["specsites_md"])
        reuse.reused_markdown += 1
        return True

    def _reusable(self, page) -> bool:
        plugin = self.config.plugins["specsites"]
        return not page.file.inclusion.is_excluded() and page.file.src_uri not in getattr(plugin, "version_pages", {})

    def _record_markdown(self, pages: list, records: list[PageRecord | None] | None) -> None:
        for page, record in zip(pages, records or []):
            entry = self.reuse.record[page.file.src_uri]
            if record is None or entry["md"] is None:
                continue
            try:
                specsites = record.plugin.get("specsites", {})
                if specsites.get("warnings"):
                    raise page_reuse.NotRecordable("warnings")
                entry.update(state=page_reuse.encode(record.state), specsites_md=page_reuse.encode_specsites(specsites))
            except page_reuse.NotRecordable:
                entry["md"] = None  # rendered again next time

    def _take_page(self, page, nav_key: str) -> bool:
        """The page's output file and its records from the previous build when its
        page key is the same; False: render it."""
        reuse = self.reuse
        entry = reuse.record[page.file.src_uri]
        if entry["md"] is None or "state" not in entry:
            return False
        entry["page"] = key = page_reuse.digest(entry["md"], nav_key)
        previous = reuse.previous.get(page.file.src_uri)
        if not isinstance(previous, dict) or previous.get("page") != key or previous.get("dest") != page.file.dest_uri:
            return False
        try:
            search = previous["search"]
            plugin = page_reuse.decode_specsites(previous["specsites_page"])
        except (KeyError, TypeError, ValueError, page_reuse.NotRecordable):
            return False
        if not isinstance(search, list) or not page_reuse.take_page_file(reuse, page.file.dest_uri, Path(self.config.site_dir)):
            return False
        _SpecSitesGatherer.merge(self.config.plugins["specsites"], plugin)
        entry.update(search=search, specsites_page=previous["specsites_page"])
        reuse.reused_pages += 1
        return True

    def _record_pages(self, pages: list, records: list[PageRecord | None] | None, nav_key: str) -> None:
        """Record the pages rendered now, and put the search entries in page order
        (the pages taken over gave theirs first)."""
        reuse = self.reuse
        for page, record in zip(pages, records or []):
            entry = reuse.record[page.file.src_uri]
            if record is None:
                continue
            entry["search"] = list(record.plugin.get("material/search", []))
            try:
                entry["specsites_page"] = page_reuse.encode_specsites(record.plugin.get("specsites", {}))
            except page_reuse.NotRecordable:
                entry.pop("page", None)
        search = next((p for p in self.config.plugins.values() if _gatherer(p) is _SearchGatherer), None)
        if search is not None and search.config.enabled:
            search.search_index.entries[:] = [item for page in self.pages for item in reuse.record[page.file.src_uri].get("search", [])]

    def _while_pages_render(self, config) -> None:
        """The parent's time while the workers write the pages: for a plugin's work
        that needs no page, which would otherwise wait for them (our plugin's redirect
        pages and rule files)."""
        for plugin in config.plugins.values():
            if hasattr(plugin, "while_pages_render"):
                plugin.while_pages_render(config)

    def _forked(self, task: Callable[[Any], None], pages: list, meanwhile: Callable[[], None] | None = None, *, capture: bool = False) -> list[PageRecord | None] | None:
        """task(page) for every page, on the workers (page i on worker i mod n, so each
        gets pages from every part of the site); records in page order. Run here
        instead (one worker, or other threads), records only when asked to capture
        them (for page_reuse): the plugins have recorded the pages here already."""
        shares = list(range(min(self.workers, len(pages))))
        step = len(shares)
        if step <= 1 or threading.active_count() > 1:
            # Here, as MkDocs does (map_forked would also run here when this process
            # has other threads, and the plugins would record the pages twice).
            if capture:
                return _run_share(self.config, pages, task)
            for page in pages:
                task(page)
            return None
        by_share = map_forked(lambda share: _run_share(self.config, pages[share::step], task), shares, processes=step, meanwhile=meanwhile)
        records: list[PageRecord | None] = [None] * len(pages)
        for share, results in zip(shares, by_share):
            for offset, record in enumerate(results):
                records[share + offset * step] = record
        return records

    def _gather(self, pages: list, records: list[PageRecord | None] | None, *, with_state: bool) -> None:
        """Replay each page's log lines and records in page order; raise a page's error
        where a sequential build would have stopped. A page rendered here (captured
        for page_reuse) has its state and the plugins' records here already."""
        if records is None:
            return  # rendered here: nothing to gather
        gatherers = {name: _gatherer(plugin) for name, plugin in self.config.plugins.items()}
        for page, record in zip(pages, records):
            if record is None:  # its worker stopped at an earlier page's error
                continue
            for name, level, message in record.logs:
                logging.getLogger(name).log(level, message)
            if record.error is not None:
                raise record.error
            merge = record.pid != os.getpid()
            if with_state and merge:
                _restore_state(page, record.state, self.files)
            for name, data in record.plugin.items() if merge else ():
                gatherers[name].merge(self.config.plugins[name], data)
            if not with_state and record.pid:
                self.rendered[record.pid] = self.rendered.get(record.pid, 0) + 1


def _run_share(config, pages: list, task: Callable[[Any], None]) -> list[PageRecord]:
    """In a worker: task(page) for each page, recording what each left behind; stops
    at the first page that raises (a sequential build stops there too)."""
    logger = logging.getLogger("mkdocs")
    saved = logger.handlers[:], logger.propagate
    capture = _Capture()
    logger.handlers, logger.propagate = [capture], False
    gatherers = {name: (g, plugin) for name, plugin in config.plugins.items() if (g := _gatherer(plugin)) is not None}
    records = []
    try:
        for page in pages:
            record = PageRecord(pid=os.getpid())
            capture.into = record.logs
            before = dict(vars(page))
            marks = {name: g.mark(plugin) for name, (g, plugin) in gatherers.items()}
            try:
                task(page)
            except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it in order
                record.error = _sendable(e)
                records.append(record)
                break
            record.state = {k: v for k, v in vars(page).items() if k not in _STRUCTURE and (k not in before or before[k] is not v)}
            record.plugin = {name: g.since(plugin, marks[name], page) for name, (g, plugin) in gatherers.items()}
            records.append(record)
    finally:
        logger.handlers, logger.propagate = saved
    return [_portable(r) for r in records]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.into: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append((record.name, record.levelno, record.getMessage()))


def _sendable(error: BaseException) -> BaseException:
    """The error itself if it survives the trip to the parent, else a BuildError saying it."""
    from mkdocs.exceptions import BuildError

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - any error type may fail to pickle
        return BuildError(f"{type(error).__name__}: {error}")


def _portable(record: PageRecord) -> PageRecord:
    """Links to anchors name other pages' File objects: sent as their source paths."""
    links = record.state.get("links_to_anchors")
    if links:
        record.state["links_to_anchors"] = {file.src_uri: anchors for file, anchors in links.items()}
    return record


def _restore_state(page, state: dict[str, Any], files) -> None:
    links = state.get("links_to_anchors")
    if links:
        state = {**state, "links_to_anchors": {files.get_file_from_path(uri): anchors for uri, anchors in links.items()}}
    vars(page).update(state)


# Per-plugin gathering: what a plugin records for a page in a worker, taken as a mark
# before the page and the records since, and merged into the parent's plugin.


class _SearchGatherer:
    """Material's search plugin: index entries, appended per page."""

    @staticmethod
    def mark(plugin) -> int:
        return len(plugin.search_index.entries) if plugin.config.enabled else 0

    @staticmethod
    def since(plugin, mark: int, page) -> list:
        return plugin.search_index.entries[mark:] if plugin.config.enabled else []

    @staticmethod
    def merge(plugin, entries: list) -> None:
        if entries:
            plugin.search_index.entries.extend(entries)


class _SpecSitesGatherer:
    """Our plugin: page facts, links and warnings (Markdown loop), published URLs and
    page state (template loop); lists appended to, dicts keyed by page, so new keys
    are the page's."""

    LISTS = ("links", "warnings")
    DICTS = ("facts", "published", "page_state")

    @classmethod
    def mark(cls, plugin) -> dict[str, int]:
        return {name: len(getattr(plugin, name)) for name in cls.LISTS + cls.DICTS}

    @classmethod
    def since(cls, plugin, mark: dict[str, int], page) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(plugin, name)[mark[name]:] for name in cls.LISTS}
        for name in cls.DICTS:
            data[name] = _added(getattr(plugin, name), mark[name])
        if page.file.src_uri in plugin.page_state:  # also when it replaced an earlier build's
            data["page_state"][page.file.src_uri] = plugin.page_state[page.file.src_uri]
        return data

    @classmethod
    def merge(cls, plugin, data: dict[str, Any]) -> None:
        for name in cls.LISTS:
            getattr(plugin, name).extend(data[name])
        for name in cls.DICTS:
            getattr(plugin, name).update(data[name])


def _added(values: dict, mark: int) -> dict:
    """The entries added to values after its first `mark`, in order: counted from the
    end, as a worker's dicts hold every page it rendered before this one."""
    return dict(reversed(list(islice(reversed(values.items()), len(values) - mark))))


def _gatherer(plugin):
    from material.plugins.search.plugin import SearchPlugin

    from specsites.engines.mkdocs_plugin import SpecSitesPlugin

    if type(plugin) is SearchPlugin:
        return _SearchGatherer
    if type(plugin) is SpecSitesPlugin:
        return _SpecSitesGatherer
    return None
