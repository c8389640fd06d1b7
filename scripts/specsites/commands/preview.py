"""`specsites serve`: every site previewed at once, rebuilt on edits, reloaded live.

One process per site (MkDocs is not thread-safe). Each builds into a fresh folder
and switches the served folder with one atomic symlink swap, so nothing half-built
is ever served, and a failed rebuild leaves the last good build in place. Pages are
served with GitHub Pages' rules (static_host), so old URL forms work as published.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from specsites.commands.build import SiteResult, build_one_site, crash_problem, select_sites, template_cache
from specsites.errors import Problem, SpecSitesError
from specsites.engines.mkdocs_plugin import BuildOptions
from specsites.redirects.plan import Plan, load_plan
from specsites.sources.sites import BASE_CONFIG, Repository, Site, base_urls, load_repository, md_to_html, site_pages, watched_paths
from specsites.checks.shared_facts import facts_file, merge_page_edit, problems_of_site, read_site_facts, write_site_facts
from specsites.checks.site_checks import LinkRef, SiteFacts
from specsites.checks.static_host import Answer, answer, send_answer
from specsites.sources.inventory import load_inventory
from specsites.machinery.watch import ChangeWatch
from specsites.machinery.dev_address import DevAddress, answers_host
from specsites.program import command

RELOAD_PATH = "/.specsites/reload"
# A connection that sends nothing for this long is closed (as Apache's KeepAliveTimeout),
# so idle or stalled clients cannot hold the preview's threads and sockets for ever.
IDLE_TIMEOUT = 5.0
POLL_INTERVAL = 0.05
DEBOUNCE = 0.05
# Long-polls the server; reloads the page when a newer build is served.
_RELOAD_SCRIPT = (
    "<script>(function(){var e=%d;function p(){fetch('" + RELOAD_PATH + "?epoch='+e)"
    ".then(function(r){return r.text()}).then(function(t){if(+t>e){location.reload()}else{p()}})"
    ".catch(function(){setTimeout(p,1000)})}p()})();</script>"
)


# Files every build rewrites, kept from the full build across page-only rebuilds (a
# dirty build's search index would hold only the edited pages).
_KEEP_ACROSS_PAGE_EDITS = ("search/search_index.json",)


class PreviewSite:
    """The served build of one site, and the epoch browsers wait on."""

    def __init__(self, repo: Repository, site: Site, workdir: Path, served_at: Path) -> None:
        self.repo = repo
        self.site = site
        self.workdir = workdir
        self.served_at = served_at  # where every site is previewed (written by serve_sites)
        self.base_urls: dict[str, str] = {}  # every served site's preview: links and redirects between them stay here
        self.current = workdir / "current"  # symlink to the last good build
        self.epoch = 0
        self.changed = threading.Condition()
        self.serving = threading.Lock()  # held by requests, and by a rebuild in place
        self._builds = 0
        self._templates = template_cache()
        self._plan: Plan | None = None  # of the last good full build; page edits keep it
        self._needs_full = True  # until a full build succeeds, every rebuild is one
        self._page_state: dict[str, dict] = {}  # titles and metadata of the pages served, for the nav of a page-only rebuild
        self._facts: SiteFacts = {}  # of the current sources' pages: links and published ids are judged with every site's
        self._links: list[LinkRef] = []
        self.failed = False  # the last rebuild failed: another site's change may mend it

    def rebuild(self, edited_pages: list[str] | None = None) -> bool:
        """Build afresh and swap, or, given the output files of edited pages only,
        re-render just those in place (requests wait meanwhile; restored on failure)."""
        start = time.perf_counter()
        self.base_urls = preview_urls(self.served_at, self.repo)
        if edited_pages and not self._needs_full:
            ok = self._rebuild_pages(edited_pages)
        else:
            ok = self._rebuild_all()
        self.failed = not ok
        if not ok:
            return False
        with self.changed:
            self.epoch += 1
            self.changed.notify_all()
        print(f"{self.site.name}: built in {time.perf_counter() - start:.2f} s", flush=True)
        return True

    def _report(self, result) -> None:
        lines = [f"{self.site.name}: error: {str(problem).removeprefix(self.site.name + ': ')}"
                 for problem in [*result.problems, *([crash_problem(result)] if result.crashed else [])]]
        lines.append(f"{self.site.name}: rebuild failed; still serving the last good build")
        # One write: every site's process shares the terminal, and a report split into
        # several writes could be interleaved with another site's.
        sys.stderr.write("".join(line + "\n" for line in lines))
        sys.stderr.flush()

    def _rebuild_pages(self, outputs: list[str]) -> bool:
        folder = self.current.resolve()
        with self.serving:
            saved = {rel: (folder / rel).read_bytes() for rel in [*outputs, *_KEEP_ACROSS_PAGE_EDITS] if (folder / rel).is_file()}
            result = build_one_site(str(self.site.config_file), str(folder), self._options(self._plan, self._page_state), dirty=True)
            if not (result.problems or result.crashed):
                result.problems = self._across_sites(self._plan, *merge_page_edit(self._facts, self._links, result.facts, result.links))
            failed = bool(result.problems or result.crashed)
            if not failed:
                self._page_state = result.page_state
            for rel, data in saved.items():
                if failed or rel in _KEEP_ACROSS_PAGE_EDITS:
                    (folder / rel).write_bytes(data)
        if failed:
            self._report(result)
        return not failed

    def _rebuild_all(self) -> bool:
        self._builds += 1
        new = self.workdir / f"build-{self._builds}"
        self._needs_full = True
        try:
            # The list of sites may have changed (a new site, a new host), so read it again.
            self.repo = load_repository(self.repo.root)
            self.site = self.repo.site(self.site.name) if self.site.name in self.repo.names else self.site
            self.base_urls = preview_urls(self.served_at, self.repo)
            plan = load_plan(self.repo)
        except SpecSitesError as e:
            self._report(SiteResult(self.site.name, 0.0, problems=e.problems))
            return False
        result = build_one_site(str(self.site.config_file), str(new), self._options(plan))
        if not (result.problems or result.crashed):
            result.problems = self._across_sites(plan, result.facts, result.links)
        if result.problems or result.crashed:
            self._report(result)
            shutil.rmtree(new, ignore_errors=True)
            return False
        self._plan, self._needs_full, self._page_state = plan, False, result.page_state
        old = os.readlink(self.current) if self.current.is_symlink() else None
        link = self.workdir / "next"
        os.symlink(new, link)
        os.replace(link, self.current)
        if old:
            # Requests that began on the old build may still read it: remove it later.
            remover = threading.Timer(5.0, shutil.rmtree, args=(old,), kwargs={"ignore_errors": True})
            remover.daemon = True
            remover.start()
        return True

    def _options(self, plan: Plan, page_state: dict[str, dict] | None = None) -> BuildOptions:
        # Links into our sites and published ids are judged here, with every site's facts.
        return BuildOptions(base_urls=self.base_urls, plan=plan, bytecode_cache=self._templates, page_state=page_state or {}, defer_site_checks=True)

    def _across_sites(self, plan: Plan, facts: SiteFacts, links: list[LinkRef]) -> list:
        """What `specsites build` says of links and published ids for this site, judged
        with the facts the other sites' processes last wrote. Ours are written first,
        so of two sites built at once at least one sees the other."""
        self._facts, self._links = facts, links
        exchange = self.served_at.parent
        write_site_facts(exchange, self.site.name, facts, links)
        every_facts, every_links = {self.site.name: facts}, {self.site.name: links}
        for other in self.repo.names:
            if other != self.site.name and (shared := read_site_facts(exchange, other)) is not None:
                every_facts[other], every_links[other] = shared
        pages = {s.name: site_pages(self.repo, s) for s in self.repo.sites}
        production = {s.name: s.production_url for s in self.repo.sites}
        try:
            inventory = load_inventory(self.repo)
        except SpecSitesError as e:
            return e.problems
        return problems_of_site(self.site.name, every_facts, every_links, pages, plan, production, inventory)

    def wait_for_change(self, epoch: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.epoch > epoch, timeout=timeout)
            return self.epoch


# A browser closing a tab, or a client giving up, ends its connection mid-answer:
# nothing is wrong with the preview, so nothing is printed.
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class _PreviewServer(ThreadingHTTPServer):
    """Serves on a socket bound beforehand (by serve_sites, before any URL is announced)."""

    daemon_threads = True

    def __init__(self, listening: socket.socket, handler: type[BaseHTTPRequestHandler], site: str) -> None:
        super().__init__(listening.getsockname(), handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listening
        self.site = site

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, _CLIENT_GONE):
            return
        print(f"{self.site}: internal error: answering a request: {error!r}; the preview goes on", file=sys.stderr, flush=True)


def _handler(preview: PreviewSite, address: DevAddress):
    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_TIMEOUT  # per read: a request line or header that does not come in time ends the connection

        def do_HEAD(self) -> None:
            self.do_GET()  # send_answer writes no body for HEAD

        def do_GET(self) -> None:
            if not answers_host(self.headers.get("Host"), address):
                self._refuse_host()
                return
            url = urlsplit(self.path)
            if url.path == RELOAD_PATH:
                value = (parse_qs(url.query).get("epoch") or ["0"])[0]
                since = int(value) if value.isdigit() else 0
                epoch = preview.wait_for_change(since, timeout=30)
                send_answer(self, Answer(200, preview.workdir), "", b"%d" % epoch)
                return
            with preview.serving:
                result = answer(preview.current.resolve(), url.path)
                body = result.file.read_bytes() if result.file else None
            if body is not None and result.rel.endswith(".html"):
                body = body.replace(b"</body>", (_RELOAD_SCRIPT % preview.epoch).encode() + b"</body>", 1)
            send_answer(self, result, url.query, body)

        def _refuse_host(self) -> None:
            """421: a page elsewhere made the browser send this here (DNS rebinding), or
            the address is not the one the preview was told to serve."""
            body = f"421 Misdirected Request: this preview answers only {', '.join(sorted(address.names))}\n".encode()
            self.send_response(421)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return Handler


def edited_page_outputs(site: Site, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """The output files of the pages edited between two snapshots, when only
    existing pages of this site changed; [] when anything else did (rebuild all)."""
    if before.keys() != after.keys():
        return []  # a file came or went: the nav and the redirects may change
    outputs = []
    for path in (p for p in after if after[p] != before[p]):
        file = Path(path)
        if file.suffix != ".md":
            return []
        if file.is_relative_to(site.docs_dir):
            outputs.append(md_to_html(file.relative_to(site.docs_dir).as_posix()))
        elif file.parent == site.specifications_dir:
            outputs.append(f"specs/{file.stem}/index.html")
        else:
            return []
    return outputs


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under the paths with its modification time and size."""
    found: dict[str, tuple[int, int]] = {}
    for path in paths:
        if path.is_file():
            stat = path.stat()
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            for name in filenames:
                full = os.path.join(dirpath, name)
                try:
                    stat = os.stat(full)
                except FileNotFoundError:
                    continue
                found[full] = (stat.st_mtime_ns, stat.st_size)
    return found


def preview_urls(served_at: Path, repo: Repository) -> dict[str, str]:
    """Where each site is previewed, from the `site=URL` pairs serve_sites wrote; a site
    just listed and not served yet keeps its production URL, one just unlisted is left out."""
    pairs = served_at.read_text().split() if served_at.is_file() else []
    return base_urls(repo, [pair for pair in pairs if pair.partition("=")[0] in repo.names], str(served_at))


def _serve_one(repo: Repository, site: Site, listening: socket.socket, served_at: Path, address: DevAddress) -> None:
    """Runs in its own process until SIGTERM: build, serve, rebuild on change.
    Requests that come during the first build wait in the socket's queue."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    workdir = Path(tempfile.mkdtemp(prefix=f"specsites-serve-{site.name}-"))
    try:
        preview = PreviewSite(repo, site, workdir, served_at)
        # Taken before the first build: an edit made while it builds, or once it is
        # served but before the watch starts, differs from it and rebuilds.
        watched = [*watched_paths(preview.repo, preview.site), served_at]
        others = _other_sites_facts(preview)
        seen, seen_others = snapshot(watched), snapshot(others)
        if not preview.rebuild():
            print(f"{site.name}: nothing to serve until the errors above are fixed", file=sys.stderr, flush=True)
        server = _PreviewServer(listening, _handler(preview, address), site.name)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        watch = ChangeWatch(POLL_INTERVAL)
        while True:
            if not watch.watch(watched + others) and not watch.wait(timeout=1.0):
                continue
            time.sleep(DEBOUNCE)  # editors save in several writes; let them settle
            now, now_others = snapshot(watched), snapshot(others)
            if now != seen:
                preview.rebuild(edited_page_outputs(preview.site, seen, now))
            elif now_others != seen_others and preview.failed:
                preview.rebuild()  # another site's edit may have mended (a link into) this one
            if now != seen or now_others != seen_others:
                seen, seen_others = now, now_others  # (if what to watch moved, the next look rebuilds once more)
            # a rebuild re-reads the list of sites, and a folder read may have appeared
            # (a first spec): what to watch may have moved
            watched, others = [*watched_paths(preview.repo, preview.site), served_at], _other_sites_facts(preview)
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # a second stop must not cut the clean-up short
            signal.signal(stop_signal, signal.SIG_IGN)
        shutil.rmtree(workdir, ignore_errors=True)


def _other_sites_facts(preview: PreviewSite) -> list[Path]:
    """The files the other sites' processes share their facts in (they may not exist yet)."""
    return [facts_file(preview.served_at.parent, name) for name in preview.repo.names if name != preview.site.name]


def bind_port(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on host:port (OSError or OverflowError if it is taken, invalid,
    or the host is no address of this machine)."""
    family, _, _, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        listening.bind(where)
        listening.listen(64)
    except BaseException:
        listening.close()
        raise
    return listening


def bind_ports(names: list[str], address: DevAddress, option: str = "--port") -> dict[str, socket.socket]:
    """A listening socket on the address's host per site, on consecutive ports from its
    port (0: each on a port the OS picks); all of them or none (SpecSitesError naming
    the option and the port that is taken)."""
    bound: dict[str, socket.socket] = {}
    for offset, name in enumerate(names):
        port = address.port + offset if address.port else 0
        try:
            bound[name] = bind_port(port, address.host)
        except (OSError, OverflowError) as e:
            for listening in bound.values():
                listening.close()
            reason = getattr(e, "strerror", None) or str(e)
            raise SpecSitesError(Problem(option, 0, f"cannot listen on {address.url_host}:{port} for {name} ({reason}); stop what uses it or pick another {option}"))
    return bound


class _Previews:
    """The site processes of a running preview, one per site, started and stopped as
    the base mkdocs.yml lists sites."""

    def __init__(self, root: Path, only: list[str] | None, control: Path, ports: dict[str, int], *, address: DevAddress, option: str) -> None:
        self.root = root
        self.address = address
        self.option = option
        self.only = only
        self.served_at = control / "served-at"
        self.ports = dict(ports)  # site -> its port, for every site served
        self.any_port = address.port == 0  # started with port 0: a site listed later gets a port the OS picks too
        self.processes: dict[str, multiprocessing.Process] = {}
        self._fork = multiprocessing.get_context("fork")
        self.write_addresses()

    def announce(self, name: str) -> None:
        print(f"serving {name:<20} at {self.address.url(self.ports[name])}", flush=True)

    def write_addresses(self) -> None:
        text = " ".join(f"{name}={self.address.url(port)}" for name, port in self.ports.items())
        draft = self.served_at.with_suffix(".new")
        draft.write_text(text + "\n")
        os.replace(draft, self.served_at)  # a site process never reads half a list

    def start(self, repo: Repository, site: Site, listening: socket.socket) -> None:
        process = self._fork.Process(target=_serve_one, args=(repo, site, listening, self.served_at, self.address), name=site.name)
        process.start()
        listening.close()  # the child holds its own copy
        self.processes[site.name] = process

    def follow_sites(self) -> None:
        """Start a preview for each site newly listed, stop those no longer listed."""
        try:
            repo = load_repository(self.root)
        except SpecSitesError:
            return  # the site processes print what is wrong as they rebuild
        gone = [name for name in self.processes if name not in repo.names]
        for name in gone:
            self.stop(name)
            del self.ports[name]
            print(f"{name}: no longer listed in {BASE_CONFIG}; stopped serving it", flush=True)
        added: dict[str, socket.socket] = {}
        for site in repo.sites:
            if site.name in self.processes or (self.only and site.name not in self.only):
                continue
            port, listening = self._next_free_port()
            if listening is None:
                print(f"{site.name}: error: no free port on {self.address.url_host} from {port}; restart {command('serve')} with another {self.option}", file=sys.stderr, flush=True)
                continue
            self.ports[site.name], added[site.name] = port, listening
        if gone or added:
            self.write_addresses()
        for name, listening in added.items():
            self.announce(name)
            self.start(repo, repo.site(name), listening)

    def _next_free_port(self, tries: int = 100) -> tuple[int, socket.socket | None]:
        if self.any_port:
            try:
                listening = bind_port(0, self.address.host)
            except OSError:
                return 0, None
            return listening.getsockname()[1], listening
        first = max(self.ports.values(), default=self.address.port - 1) + 1
        for port in range(first, min(first + tries, 65536)):
            try:
                return port, bind_port(port, self.address.host)
            except OSError:
                continue
        return first, None

    def stop(self, name: str) -> None:
        self._stop([self.processes.pop(name)])

    def stop_all(self) -> None:
        self._stop(list(self.processes.values()))
        self.processes.clear()

    @staticmethod
    def _stop(processes: list[multiprocessing.Process]) -> None:
        for process in processes:  # all at once: each cleans up as it goes
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)


def serve_sites(*, root: Path, address: DevAddress, option: str = "--dev-addr", only: list[str] | None = None, open_browser: bool = False) -> int:
    repo = load_repository(root)
    sites = select_sites(repo, only)
    sockets = bind_ports([site.name for site in sites], address, option)  # before any URL is announced
    control = Path(tempfile.mkdtemp(prefix="specsites-preview-"))
    try:
        # Every served site links and redirects to the others' previews, not production.
        ports = {name: listening.getsockname()[1] for name, listening in sockets.items()}
        previews = _Previews(repo.root, only, control, ports, address=address, option=option)
        for site in sites:
            previews.announce(site.name)
        print("editing a page, a spec, docs/, a mkdocs.yml or redirects.yml rebuilds what uses it; listing a new site serves it; Ctrl-C stops", flush=True)
        import mkdocs.commands.build  # noqa: F401  (imported once, before forking)

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        for site in sites:
            previews.start(repo, site, sockets[site.name])
        if open_browser and sites:  # the port listens already: the page waits for the first build
            import webbrowser

            first_url = address.url(ports[sites[0].name])
            if not webbrowser.open(first_url):
                print(f"--open: found no browser to open; open {first_url} yourself", flush=True)

        def site_configs() -> dict[str, tuple[int, int]]:
            return snapshot([repo.root / BASE_CONFIG, *repo.root.glob("*/mkdocs.yml")])

        seen = site_configs()
        while not stop.wait(0.2):
            now = site_configs()
            if now != seen:
                seen = now
                previews.follow_sites()
            if not any(p.is_alive() for p in previews.processes.values()):
                break
        previews.stop_all()
    finally:
        shutil.rmtree(control, ignore_errors=True)
    print("stopped", flush=True)
    return 0
