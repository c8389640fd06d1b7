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
from typing import Any, Callable

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
    if workers <= 1 or not mkdocs.__version__.startswith(MKDOCS_VERSION) or _unknown_plugins(config):
        mkdocs_build.build(config)
        return {}
    return _Build(config, workers).run()


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
            files.add_files_from_theme(env, config)
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
            self._gather(self._forked(lambda page: mk._populate_page(page, config, files)), with_state=True)
            env = config.plugins.on_env(env, config=config, files=files)
            files.copy_static_files(inclusion=InclusionLevel.is_included)
            for template in config.theme.static_templates:
                mk._build_theme_template(template, env, files, config, nav)
            for template in config.extra_templates:
                mk._build_extra_template(template, files, config, nav)
            build_page = lambda page: mk._build_page(page, config, doc_files, nav, env, excluded=page.file.inclusion.is_excluded())  # noqa: E731
            self._gather(self._forked(build_page, meanwhile=lambda: self._while_pages_render(config)), with_state=False)
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

    def _while_pages_render(self, config) -> None:
        """The parent's time while the workers write the pages: for a plugin's work
        that needs no page, which would otherwise wait for them (our plugin's redirect
        pages and rule files)."""
        for plugin in config.plugins.values():
            if hasattr(plugin, "while_pages_render"):
                plugin.while_pages_render(config)

    def _forked(self, task: Callable[[Any], None], meanwhile: Callable[[], None] | None = None) -> list[PageRecord | None] | None:
        """task(page) for every page, on the workers (page i on worker i mod n, so each
        gets pages from every part of the site); records in page order."""
        shares = list(range(min(self.workers, len(self.pages))))
        step = len(shares)
        if step <= 1 or threading.active_count() > 1:
            # Here, as MkDocs does (map_forked would also run here when this process
            # has other threads, and the plugins would record the pages twice).
            for page in self.pages:
                task(page)
            return None
        by_share = map_forked(lambda share: _run_share(self.config, self.pages[share::step], task), shares, processes=step, meanwhile=meanwhile)
        records: list[PageRecord | None] = [None] * len(self.pages)
        for share, results in zip(shares, by_share):
            for offset, record in enumerate(results):
                records[share + offset * step] = record
        return records

    def _gather(self, records: list[PageRecord | None] | None, *, with_state: bool) -> None:
        """Replay each page's log lines and records in page order; raise a page's error
        where a sequential build would have stopped."""
        if records is None:
            return  # rendered here: nothing to gather
        gatherers = {name: _gatherer(plugin) for name, plugin in self.config.plugins.items()}
        for page, record in zip(self.pages, records):
            if record is None:  # its worker stopped at an earlier page's error
                continue
            for name, level, message in record.logs:
                logging.getLogger(name).log(level, message)
            if record.error is not None:
                raise record.error
            if with_state:
                _restore_state(page, record.state, self.files)
            for name, data in record.plugin.items():
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
