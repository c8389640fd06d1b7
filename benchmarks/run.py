"""Benchmark: specsites against plain MkDocs, side by side in one run.

Run by hand (not by the tests), from the repository root:
    benchmarks/run            # the full run, several minutes
    benchmarks/run --quick    # fewer repetitions and sizes, to try changes
Prints one table of medians, spreads and ratios; --write records it in RESULTS.md.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))  # the GitHub Pages stand-in the tests use

import consortium  # noqa: E402
from github_pages import GitHubPagesServer  # noqa: E402

ENV = dict(os.environ)  # benchmarks/run sources scripts/_env.sh, which sets NO_MKDOCS_2_WARNING
PY = sys.executable
ROWS: list[tuple[str, str, str, str]] = []  # what, median, spread, ratio / target
SCALE_ROWS: list[tuple[str, str, str, str]] = []  # issue 18's rows, a table of their own
REBUILD_ROWS: list[tuple[str, str, str, str]] = []  # issue 28's rows, a table of their own
ANALYSIS = "## Where the time goes"
SCALE = "## Scale: one large site (issue 18)"
REBUILDS = "## Rebuilds (issue 28)"
LOADS: list[float] = []  # the 1-minute load average before each measurement: the machine is shared
SCALE_PARTS = {"pages", "redirect-scale", "check-scale", "rebuilds"}
ENGINE_ROWS: list[tuple[str, str, str, str]] = []  # issue 27's rows: one site on each engine
ENGINES = "## Engines side by side (issue 27)"


def timed(command: list[str], **kwargs) -> float:
    LOADS.append(os.getloadavg()[0])
    os.sync()  # start each measurement without the last one's writes still pending
    start = time.perf_counter()
    kwargs.setdefault("env", ENV)
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return elapsed


def repeat(fn, reps: int) -> list[float]:
    return [fn() for _ in range(reps)]


def show(values: list[float]) -> tuple[str, str]:
    return f"{statistics.median(values):.3f} s", f"{min(values):.3f}-{max(values):.3f}"


def row(what: str, values: list[float], note: str = "", rows: list | None = None) -> float:
    median, spread = show(values)
    (ROWS if rows is None else rows).append((what, median, spread, note))
    print(f"  {what}: {median} ({spread}) {note}", flush=True)
    return statistics.median(values)


def specsites(*args, root: Path) -> list[str]:
    return [PY, "-m", "specsites", "--root", str(root), *map(str, args)]


def plain_mkdocs(site_config: Path, out: Path) -> list[str]:
    return [PY, "-m", "mkdocs", "build", "-q", "-f", str(site_config), "-d", str(out)]


def compare_builds(label: str, repo: Path, sites: list[str], reps: int, target: float, scratch: Path) -> None:
    """specsites build of every site vs plain `mkdocs build -f` of each, alternating."""
    ours, plain = [], []
    for _ in range(reps):
        plain.append(sum(timed(plain_mkdocs(repo / s / "mkdocs.yml", scratch / "plain" / s)) for s in sites))
        ours.append(timed(specsites("build", "--out", scratch / "ours", root=repo)))
    row(f"{label}: plain mkdocs build, sequential", plain)
    ratio = statistics.median(ours) / statistics.median(plain)
    row(f"{label}: specsites build", ours, f"{ratio:.2f}x plain (target <= {target}x)")


def redirect_work(n: int, scratch: Path) -> tuple[float, float]:
    """Load, validate, plan and render n redirects, then write them, in this process:
    (seconds computing, seconds writing files)."""
    from specsites.machinery.output_files import write_generated_files
    from specsites.redirects.map import parse_redirects
    from specsites.redirects.linker import Linker
    from specsites.redirects.page import render_redirect_page
    from specsites.redirects.plan import collector_paused, plan_redirects

    pages = {"a": {f"s/p{i}": f"s/p{i}.html" for i in range(200)}, "b": {f"s/p{i}": f"s/p{i}.html" for i in range(200)}}
    lines = ["a:"]
    for i in range(n):
        target = f"b:/s/p{i % 200}" if i % 2 else f"/s/p{i % 200}#section-1"
        lines.append(f"  /old/{i // 100}/item-{i}: {target}")
    data = ("\n".join(lines) + "\n").encode()
    out = scratch / f"redirects-{n}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    linker = Linker("a", {"a": "https://a.example/", "b": "https://b.example/"})
    os.sync()
    start = time.perf_counter()
    with collector_paused():  # as load_plan and the plugin do
        rules, problems = parse_redirects(data, ["a", "b"])
        plan = plan_redirects(rules, pages)
        assert not problems and not plan.problems
        files = {f: render_redirect_page(r, linker) for r in plan.moved("a") for f in r.files}
    computed = time.perf_counter()
    write_generated_files(out, files, set(), "redirects.yml")
    return computed - start, time.perf_counter() - computed


def redirects_in_a_build(repo: Path, reps: int, scratch: Path) -> None:
    """A 200-page site with no redirects, with 10k of ours, with 10k of mkdocs-redirects."""
    site = "wg1-synthetic"
    config = repo / site / "mkdocs.yml"
    text = config.read_text()
    entries = [line for line in (repo / "redirects.yml").read_text().splitlines()]
    none = repo / "none.yml"
    none.write_text("")
    # our map: 10k old pages of this one site, to its own pages
    keys = [p.relative_to(repo / site / "docs").with_suffix("").as_posix() for p in sorted((repo / site / "docs").rglob("*.md")) if p.stem != "index"]
    ours = repo / "ours.yml"
    ours.write_text(f"{site}:\n" + "".join(f"  /old/{i // 100}/item-{i}: /{keys[i % len(keys)]}\n" for i in range(10_000)))
    del entries
    base_plugins = "plugins:\n  - search\n  - specsites:\n      sites: [%s]\n      root: ..\n      redirects: %s\n"
    names = ", ".join(consortium.site_names(6))
    variants = {
        "no redirects": text + base_plugins % (names, "none.yml"),
        "10k redirects, specsites": text + base_plugins % (names, "ours.yml"),
        "10k redirects, mkdocs-redirects": text + base_plugins % (names, "none.yml")
        + "  - redirects:\n      redirect_maps:\n"
        + "".join(f"          old/{i // 100}/item-{i}.md: {keys[i % len(keys)]}.md\n" for i in range(10_000)),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(reps):
        for name, body in variants.items():
            config.write_text(body)
            times[name].append(timed(plain_mkdocs(config, scratch / "one-site")))
    config.write_text(text)
    base = row("200-page site, mkdocs build, no redirects", times["no redirects"])
    ours_t = statistics.median(times["10k redirects, specsites"])
    theirs_t = statistics.median(times["10k redirects, mkdocs-redirects"])
    row("200-page site, + 10k redirects (specsites)", times["10k redirects, specsites"], f"+{(ours_t - base) / base:.0%} (target <= +10%)")
    row("200-page site, + 10k redirects (mkdocs-redirects)", times["10k redirects, mkdocs-redirects"], f"+{(theirs_t - base) / base:.0%}")
    ratio = (ours_t - base) / (theirs_t - base)
    ROWS.append(("specsites redirect cost / mkdocs-redirects cost", "", "", f"{ratio:.2f}x (target <= 0.3x)"))
    print(f"  cost ratio {ratio:.2f}")


def free_port() -> int:
    """A port free now, for `mkdocs serve -a`, which takes a number (port 0 would not be announced)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def checks(repo: Path, reps: int, scratch: Path) -> None:
    server = GitHubPagesServer({"": scratch / "www"})  # listening now, on a port the OS picked; serves once entered
    port = server.port
    base = f"http://127.0.0.1:{port}/staging"
    out = scratch / "www" / "staging"
    timed(specsites("build", f"--staging-base={base}", "--out", out, root=repo))
    pairs = [f"--base-url={s}={base}/{s}/" for s in consortium.site_names(6)]
    from specsites.commands.check import check_sites

    def in_process() -> float:
        start = time.perf_counter()
        report = check_sites(root=repo, out=out, base_url_pairs=[p.split("=", 1)[1] for p in pairs])
        elapsed = time.perf_counter() - start
        assert report.ok, report.failures[:3]
        return elapsed

    moved = sum(1 for line in (repo / "published-urls.yml").read_text().splitlines() if line.startswith("  /"))
    row(f"check (static), {moved} moved URLs, in process", repeat(in_process, reps), "(target < 1 s)")
    row("check (static), whole command", repeat(lambda: timed(specsites("check", *pairs, "--out", out, root=repo)), reps))
    with server:
        live = [f"{s}={base}/{s}/" for s in consortium.site_names(6)]
        row("check --live, 127.0.0.1 server", repeat(lambda: timed(specsites("check", "--live", *live, root=repo)), max(1, reps // 2)))


def _wait_served(url: str, marker: str, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if marker in response.read().decode():
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for {marker} at {url}")


def preview_latency(repo: Path, reps: int) -> None:
    site = "wg1-synthetic"
    page = repo / site / "docs" / "api" / "page-3.md"
    original = page.read_text()

    def measure(command: list[str], url: str) -> list[float]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        try:
            _wait_served(url, "<h1", timeout=120)
            time.sleep(1.0)
            values = []
            for _ in range(reps):
                marker = f"edit-marker-{time.time_ns()}"
                start = time.perf_counter()
                page.write_text(original.replace("# ", f"# {marker} ", 1))
                values.append(_wait_served(url, marker) - start)
                time.sleep(1.0)
            return values
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            page.write_text(original)

    port = free_port()
    theirs = measure([PY, "-m", "mkdocs", "serve", "--dirty", "--no-strict", "-f", str(repo / site / "mkdocs.yml"), "-a", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/api/page-3.html")
    port = free_port()
    ours = measure(specsites("serve", "--site", site, "--port", port, root=repo), f"http://127.0.0.1:{port}/api/page-3.html")
    base = row("preview edit -> page, mkdocs serve --dirty (200 pages)", theirs)
    ratio = statistics.median(ours) / base
    row("preview edit -> page, specsites serve (200 pages)", ours, f"{ratio:.2f}x (target <= 0.5x)")


def plain_without_nav_cache(site_config: Path, out: Path) -> list[str]:
    """A sequential build of one site with the plugin's nav cache off: MkDocs and
    Material as they are (the whole navigation rendered for every page), our plugin
    otherwise; as `mkdocs build` but for that one option."""
    code = ("import sys; from specsites.commands.build import build_one_site; from specsites.engines.mkdocs_plugin import BuildOptions; "
            "r = build_one_site(sys.argv[1], sys.argv[2], BuildOptions(nav_cache=False)); sys.exit(bool(r.problems or r.crashed))")
    return [PY, "-c", code, str(site_config), str(out)]


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    """k in time ~ size^k, from two sizes."""
    import math

    return math.log(large[1] / small[1]) / math.log(large[0] / small[0])


def page_scaling(reps: int, scratch: Path, sizes: list[int], plain_up_to: int) -> None:
    """Issue 18: one site of n pages, specsites build against plain `mkdocs build` of it
    (sequential, Material's nav in every page), alternating; plain only up to plain_up_to
    pages (3,000 would take some ten minutes a run)."""
    ours: dict[int, float] = {}
    for n in sizes:
        repo = consortium.generate(scratch / f"pages-{n}", sites=1, pages=n + 3, redirects=0)
        site_config = repo / consortium.site_names(1)[0] / "mkdocs.yml"
        times: dict[str, list[float]] = {"plain": [], "cached": [], "ours": []}
        runs = reps if n <= 1000 else max(1, reps - 1)
        for _ in range(runs):
            if n <= plain_up_to:
                times["plain"].append(timed(plain_without_nav_cache(site_config, scratch / "plain-pages")))
                if n <= 1000:
                    times["cached"].append(timed(plain_mkdocs(site_config, scratch / "plain-pages")))
            times["ours"].append(timed(specsites("build", "--out", scratch / "ours-pages", root=repo)))
        shutil.rmtree(repo)
        pages = f"{n + 5} pages"
        base = row(f"{pages}: plain mkdocs build (sequential, nav in every page)", times["plain"], rows=SCALE_ROWS) if times["plain"] else 0.0
        if times["cached"]:
            cached = statistics.median(times["cached"])
            row(f"{pages}: plain mkdocs build, nav rendered once per folder", times["cached"], f"{cached / base:.2f}x plain", rows=SCALE_ROWS)
        ours[n] = statistics.median(times["ours"])
        note = f"{ours[n] / base:.2f}x plain" + (" (target <= 0.6x)" if n == 1000 else "") if base else ""
        row(f"{pages}: specsites build ({os.cpu_count()} cores)", times["ours"], note, rows=SCALE_ROWS)
    grown = sorted(ours.items())
    if len(grown) > 1:
        parts = [f"{b[0] // a[0] if b[0] % a[0] == 0 else round(b[0] / a[0], 1)}x pages: {b[1] / a[1]:.2f}x time, exponent {exponent(a, b):.2f}" for a, b in zip(grown, grown[1:])]
        target = " (target: 3,000 <= 3.3x of 1,000)" if 1000 in ours and 3000 in ours else ""
        SCALE_ROWS.append(("specsites build, growth with pages", "", "", "; ".join(parts) + target))
        print("  " + "; ".join(parts), flush=True)


def engine_builds(reps: int, scratch: Path, pages: int = 1000) -> None:
    """Issue 27: one generated site of `pages` pages built by each engine in turn,
    alternating: specsites build on MkDocs and on Zensical, and the plain commands of
    MkDocs and ProperDocs (our plugin, its nav cache on). Zensical's runs start cold:
    specsites prepares each build in a fresh folder, so its cache is never reused."""
    repo = consortium.generate(scratch / f"engines-{pages}", sites=1, pages=pages + 3, redirects=0)
    site_config = repo / consortium.site_names(1)[0] / "mkdocs.yml"
    binaries = Path(PY).parent
    commands = {
        f"specsites build, MkDocs ({os.cpu_count()} cores)": lambda: specsites("build", "--engine", "mkdocs", "--out", scratch / "engine-out-mkdocs", root=repo),
        "plain `mkdocs build` (our plugin)": lambda: plain_mkdocs(site_config, scratch / "engine-plain"),
        "plain `properdocs build` (our plugin)": lambda: [str(binaries / "properdocs"), "build", "-q", "-f", str(site_config), "-d", str(scratch / "engine-proper")],
        "specsites build, Zensical 0.0.73 (one process per site)": lambda: specsites("build", "--engine", "zensical", "--out", scratch / "engine-out-zensical", root=repo),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, command in commands.items():
            times[name].append(timed(command()))
    shutil.rmtree(repo)
    base = statistics.median(times["plain `mkdocs build` (our plugin)"])
    for name, values in times.items():
        row(f"{pages + 5} pages: {name}", values, f"{statistics.median(values) / base:.2f}x plain mkdocs", rows=ENGINE_ROWS)


def redirect_scaling(reps: int, scratch: Path, counts: list[int], rows: list | None = None) -> dict[int, Path]:
    """Issue 18 (and 28): a 200-page site built by specsites build with 0, 10k, 100k redirects.

    Three kinds of build, each side by side with the site without redirects: a first
    build (an empty output folder, nothing kept from earlier runs), rebuilds of the
    same sources (the plan read back from parsed_cache, the redirect folders moved
    over from the last output, the pages taken over), and rebuilds after one more
    redirect each (the map replanned where it changed). Also the disk's floor: the
    largest map's redirect files written alone by the plainest loop."""
    rows = SCALE_ROWS if rows is None else rows
    repos = {n: consortium.generate(scratch / f"redirects-{n}", sites=1, pages=203, redirects=n) for n in [0, *counts]}
    envs = {n: {**ENV, "SPECSITES_CACHE_DIR": str(scratch / f"cache-{n}")} for n in repos}
    outs = {n: scratch / f"out-redirects-{n}" for n in repos}
    build = {n: specsites("build", "--out", outs[n], root=repo) for n, repo in repos.items()}
    first = {n: [timed(build[n], env=envs[n])] for n in repos}
    floor = disk_floor(outs[0], outs[max(counts)], scratch / "floor")
    again: dict[int, list[float]] = {n: [] for n in repos}
    for _ in range(reps):
        for n in repos:
            again[n].append(timed(build[n], env=envs[n]))
    edited: dict[int, list[float]] = {n: [] for n in counts}
    site = consortium.site_names(1)[0]
    for rep in range(reps):
        for n in counts:
            text = (repos[n] / "redirects.yml").read_text()
            (repos[n] / "redirects.yml").write_text(text.replace(f"{site}:\n", f"{site}:\n  /moved/one-more-{rep}: /api/page-{rep}\n", 1))
            edited[n].append(timed(build[n], env=envs[n]))
    cold = row("200-page site, no redirects: first build", first[0], rows=rows)
    base = row("200-page site, no redirects: rebuild, nothing changed", again[0], rows=rows)
    largest = max(counts)
    for n in counts:
        label = f"200-page site + {n // 1000}k redirects"
        row(f"{label}: first build (empty output, nothing kept)", first[n], f"{statistics.median(first[n]) / cold:.2f}x the first build without", rows=rows)
        if n == largest:
            files, seconds = floor
            added = statistics.median(first[n]) - cold
            rows.append((f"{label}: its {files} redirect files written alone (the disk's floor)", f"{seconds:.3f} s", "",
                         f"the first build's added time is {added / seconds:.2f}x the floor"))
        target = " (target <= 2x)" if n == 100_000 else ""
        row(f"{label}: rebuild, same sources", again[n], f"{statistics.median(again[n]) / base:.2f}x{target}", rows=rows)
        target = " (target <= 1.2x)" if n == 100_000 else ""
        row(f"{label}: rebuild after adding one redirect", edited[n],
            f"{statistics.median(edited[n]) / base:.2f}x the rebuild without{target}; {statistics.median(edited[n]) / cold:.2f}x the first build without", rows=rows)
    if len(counts) > 1:
        a, b = counts[0], counts[-1]
        for what, times, without in (("first builds", first, cold), ("rebuilds", again, base)):
            cost = (statistics.median(times[b]) - without) / max(1e-9, statistics.median(times[a]) - without)
            rows.append((f"redirect cost, growth ({what})", "", "", f"{b // a}x redirects: {cost:.1f}x added time, exponent {exponent((a, 1.0), (b, cost)):.2f}"))
    return repos


def disk_floor(without: Path, with_redirects: Path, dest: Path) -> tuple[int, float]:
    """The files one output has and the other has not (the redirect pages), written
    into an empty folder by the plainest loop: what the disk costs for them here."""
    site = consortium.site_names(1)[0]
    kept = {p.relative_to(without / site) for p in (without / site).rglob("*") if p.is_file()}
    extra = [(p.relative_to(with_redirects / site), p.read_bytes()) for p in (with_redirects / site).rglob("*")
             if p.is_file() and p.relative_to(with_redirects / site) not in kept]
    os.sync()
    start = time.perf_counter()
    made = set()
    for rel, data in extra:
        folder = (dest / rel).parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(dest / rel, "wb") as f:
            f.write(data)
    seconds = time.perf_counter() - start
    print(f"  the disk's floor: {len(extra)} files in {seconds:.3f} s", flush=True)
    shutil.rmtree(dest)
    return len(extra), seconds


def check_scaling(reps: int, scratch: Path, repo: Path, out: Path, env: dict[str, str]) -> None:
    """Issue 18: the static check of a site with 100k moved URLs: time and peak memory
    (the largest process: the check's forked workers share its pages)."""
    moved = sum(1 for line in (repo / "published-urls.yml").read_text().splitlines() if line.startswith("  /"))
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); e = time.perf_counter() - t; "
             "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode); sys.stderr.write(r.stdout[-2000:] + r.stderr[-2000:])")
    seconds, memory = [], []
    for _ in range(reps):
        os.sync()
        result = subprocess.run([PY, "-c", probe, *specsites("check", "--out", out, root=repo)], capture_output=True, text=True, env=env)
        elapsed, kib, code = result.stdout.split()
        if code != "0":
            raise SystemExit(f"check failed:\n{result.stderr}")
        seconds.append(float(elapsed))
        memory.append(int(kib) / 1024)
    row(f"check (static), {moved} moved URLs, whole command", seconds, "(target < 5 s)", rows=SCALE_ROWS)
    SCALE_ROWS.append((f"check (static), {moved} moved URLs, peak memory of a process", f"{statistics.median(memory):.0f} MiB", f"{min(memory):.0f}-{max(memory):.0f}", "(target < 200 MiB)"))
    print(f"  check peak memory {statistics.median(memory):.0f} MiB", flush=True)


ZENSICAL = "zensical"  # the pinned peer of issue 28's rebuilds (scripts/constraints.txt)


def zensical_project(repo: Path, site: str, dest: Path) -> Path:
    """The same pages as a plain Zensical project: the site's pages with the shared
    ones, the base and site configurations merged, without our plugin and theme
    overrides (Zensical runs no MkDocs plugin). Its config file."""
    import yaml

    docs = dest / "docs"
    shutil.copytree(repo / "docs", docs, ignore=shutil.ignore_patterns("overrides", "snippets"))
    shutil.copytree(repo / site / "docs", docs, dirs_exist_ok=True)
    base = yaml.safe_load((repo / "mkdocs.yml").read_text())
    own = yaml.safe_load((repo / site / "mkdocs.yml").read_text())
    config = {**base, **own, "docs_dir": "docs", "site_dir": "site", "plugins": ["search"]}
    config.pop("INHERIT", None)
    config["theme"] = {k: v for k, v in {**base.get("theme", {}), **own.get("theme", {})}.items() if k != "custom_dir"}
    extensions = []
    for ext in base.get("markdown_extensions", []):
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            ext = {"pymdownx.snippets": {**(ext["pymdownx.snippets"] or {}), "base_path": [str(repo / "docs" / "snippets")]}}
        extensions.append(ext)
    config["markdown_extensions"] = extensions
    (dest / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return dest / "mkdocs.yml"


def rebuilds(reps: int, scratch: Path, pages: int = 1000) -> None:
    """Issue 28: rebuilds of one generated site of `pages` pages, with nothing changed
    and after one page's edit, against Zensical's cached rebuild of the same pages
    (its cache kept from its own previous build), alternating."""
    repo = consortium.generate(scratch / "rebuilds", sites=1, pages=pages + 3, redirects=0)
    site = consortium.site_names(1)[0]
    project = zensical_project(repo, site, scratch / "rebuilds-zensical")
    ours = specsites("build", "--out", scratch / "rebuilds-out", root=repo)
    theirs = [str(Path(PY).with_name("zensical")), "build", "-f", str(project)]
    times: dict[str, list[float]] = {"ours first": [timed(ours)], "theirs first": [timed(theirs)]}
    edited = sorted(p.relative_to(repo / site / "docs") for p in (repo / site / "docs").rglob("page-*.md"))
    for rep in range(reps):
        times.setdefault("theirs same", []).append(timed(theirs))
        times.setdefault("ours same", []).append(timed(ours))
        page = edited[rep * 97 % len(edited)]  # a different page each time
        for docs in (repo / site / "docs", project.parent / "docs"):
            (docs / page).write_text((docs / page).read_text() + f"\nA paragraph added by rebuild {rep}.\n")
        times.setdefault("theirs edit", []).append(timed(theirs))
        times.setdefault("ours edit", []).append(timed(ours))
    label = f"{pages + 5} pages"
    row(f"{label}: specsites build, first (empty output)", times["ours first"], rows=REBUILD_ROWS)
    row(f"{label}: Zensical {importlib.metadata.version(ZENSICAL)} build, first (no cache)", times["theirs first"], rows=REBUILD_ROWS)
    for kind, what in (("same", "rebuild, nothing changed"), ("edit", "rebuild after one page's edit")):
        base = row(f"{label}: Zensical {what} (its cache)", times[f"theirs {kind}"], rows=REBUILD_ROWS)
        row(f"{label}: specsites {what}", times[f"ours {kind}"], f"{statistics.median(times[f'ours {kind}']) / base:.2f}x Zensical (target <= 0.5x)", rows=REBUILD_ROWS)
    shutil.rmtree(repo)


def versioned_repo(scratch: Path, count: int) -> tuple[Path, Path]:
    """The two real sites as git repositories: one whose CDSC-WG1-01 has `count`
    tagged versions (each a commit changing its intro and date), and the same
    sources without tags."""
    import datetime
    import re

    def git(root: Path, *args: str) -> None:
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@example.org", *args], cwd=root, check=True, capture_output=True)

    with_tags = scratch / "versions" / "tagged"
    with_tags.mkdir(parents=True)
    for name in ("mkdocs.yml", "redirects.yml", "published-urls.yml", "docs", "wg1-connectivity", "wg3-customer-data"):
        source = ROOT / name
        shutil.copytree(source, with_tags / name) if source.is_dir() else shutil.copy2(source, with_tags / name)
    spec = with_tags / "wg1-connectivity/specifications/cdsc-wg1-01.md"
    now = spec.read_text()
    git(with_tags, "init", "-q")
    last = datetime.date.fromisoformat(re.search(r"^date: (\S+)", now, re.MULTILINE).group(1))
    for n in range(count):
        date = (last - datetime.timedelta(days=14 * (count - 1 - n))).isoformat()
        text = now if n == count - 1 else re.sub(r"^date: .*$", f"date: {date}", now, count=1, flags=re.MULTILINE).replace(
            "## 2. Terminology", f"Revision {n} of this draft.\n\n## 2. Terminology", 1)
        spec.write_text(text)
        git(with_tags, "add", "-A")
        git(with_tags, "commit", "-qm", f"version {date}")
        git(with_tags, "tag", f"cdsc-wg1-01/{date}")
    without = scratch / "versions" / "untagged"
    shutil.copytree(with_tags, without)
    for tag in subprocess.run(["git", "tag"], cwd=without, capture_output=True, text=True, check=True).stdout.split():
        git(without, "tag", "-d", tag)
    return with_tags, without


def version_builds(reps: int, scratch: Path, count: int = 20) -> None:
    """Issue 17: a spec with `count` tagged versions, built with a warm cache, against
    the same build without versions (target: within 10 %)."""
    with_tags, without = versioned_repo(scratch, count)
    cache = {**ENV, "SPECSITES_CACHE_DIR": str(scratch / "versions" / "cache")}
    cold = timed(specsites("build", "--out", scratch / "v-cold", root=with_tags), env=cache)
    plain, warm = [], []
    for _ in range(reps):
        plain.append(timed(specsites("build", "--out", scratch / "v-plain", root=without), env=cache))
        warm.append(timed(specsites("build", "--out", scratch / "v-warm", root=with_tags), env=cache))
    row("two real sites, no versions: specsites build", plain)
    ROWS.append((f"two real sites + {count} versions of a spec: first build (cold cache)", f"{cold:.3f} s", "", ""))
    print(f"  first build with {count} versions (cold cache): {cold:.3f} s", flush=True)
    ratio = statistics.median(warm) / statistics.median(plain)
    row(f"two real sites + {count} versions of a spec, warm cache", warm, f"{(ratio - 1) * 100:+.0f}% (target <= +10%)")


def _installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def versions() -> str:
    names = ["mkdocs", "mkdocs-material", "mkdocs-redirects", "PyYAML", "properdocs", ZENSICAL]
    packages = ", ".join(f"{n} {importlib.metadata.version(n)}" for n in names if _installed(n))
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {packages}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/RESULTS.md")
    parser.add_argument("--only", nargs="*", default=[], help="build, redirects, check, preview, versions; pages, redirect-scale, check-scale (issue 18); engines (issue 27); rebuilds (issue 28)")
    parser.add_argument("--pages", type=int, nargs="*", default=[200, 1000, 3000], help="site sizes for `pages`")
    parser.add_argument("--plain-up-to", type=int, default=1000, help="time plain mkdocs build only up to this many pages")
    parser.add_argument("--redirect-counts", type=int, nargs="*", default=[10_000, 100_000], help="redirect counts for `redirect-scale`")
    parser.add_argument("--reps", type=int, default=0, help="repetitions (default 3, --quick 2)")
    args = parser.parse_args()
    reps = args.reps or (2 if args.quick else 3)
    parts = set(args.only or ["build", "redirects", "check", "preview", "versions", "engines", *SCALE_PARTS])
    LOADS.append(os.getloadavg()[0])
    print(f"specsites benchmark: {versions()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="specsites-bench-") as tmp:
        scratch = Path(tmp)
        if "build" in parts:
            real = scratch / "real"
            real.mkdir()
            for name in ("mkdocs.yml", "redirects.yml", "published-urls.yml", "docs", "wg1-connectivity", "wg3-customer-data"):
                source = ROOT / name
                shutil.copytree(source, real / name) if source.is_dir() else shutil.copy2(source, real / name)
            compare_builds("the two real sites", real, ["wg1-connectivity", "wg3-customer-data"], reps, 0.5, scratch)
        if "versions" in parts:
            version_builds(max(reps, 5), scratch)
        if "engines" in parts:
            engine_builds(reps, scratch)
        if "rebuilds" in parts:
            rebuilds(reps, scratch)
            (scratch / "rebuild-map").mkdir()
            for repo in redirect_scaling(reps, scratch / "rebuild-map", [100_000], rows=REBUILD_ROWS).values():
                shutil.rmtree(repo)
        if "pages" in parts:
            page_scaling(reps, scratch, args.pages, args.plain_up_to)
        if parts & {"redirect-scale", "check-scale"}:
            counts = args.redirect_counts if "redirect-scale" in parts else [max(args.redirect_counts)]
            repos = redirect_scaling(reps if "redirect-scale" in parts else 1, scratch, counts)
            if "check-scale" in parts:
                largest = max(counts)
                check_scaling(reps, scratch, repos[largest], scratch / f"out-redirects-{largest}", {**ENV, "SPECSITES_CACHE_DIR": str(scratch / f"cache-{largest}")})
            for repo in repos.values():
                shutil.rmtree(repo)
        parts -= {"versions", "engines", *SCALE_PARTS}  # what remains needs the consortium
        big = consortium.generate(scratch / "consortium", sites=6, pages=150, redirects=10_000) if parts else None
        if "build" in parts:
            compare_builds("6 sites x 150 pages, 10k redirects", big, consortium.site_names(6), max(2, reps - 2), 0.4, scratch)
        if "redirects" in parts:
            sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
            per_k = {}
            for n in sizes:
                times = [redirect_work(n, scratch) for _ in range(reps if n < 100_000 else 1)]  # 100k: 200k files
                per_k[n] = row(f"redirects {n // 1000}k: load, validate, plan, render", [c for c, _ in times]) / (n / 1000)
                row(f"redirects {n // 1000}k: write {2 * n} files", [w for _, w in times])
            ROWS.append(("load, validate, plan, render per 1k redirects", "", "", " / ".join(f"{per_k[n]:.3f} s ({n // 1000}k)" for n in sizes)))
            site200 = consortium.generate(scratch / "site200", sites=6, pages=203, redirects=0)
            redirects_in_a_build(site200, reps, scratch)
        if "check" in parts:
            checks(big, reps, scratch)
        if "preview" in parts:
            site200 = consortium.generate(scratch / "preview200", sites=1, pages=203, redirects=0)
            preview_latency(site200, reps)
    header = ["| measurement | median | spread (min-max) | ratio / target |", "|---|---|---|---|"]
    table = header + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ROWS]
    scale = header + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in SCALE_ROWS]
    engines = header + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ENGINE_ROWS]
    rebuilt = header + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in REBUILD_ROWS]
    loaded = f"1-minute load average {min(LOADS):.1f}-{max(LOADS):.1f} (median {statistics.median(LOADS):.1f}) across the measurements, on {os.cpu_count()} cores"
    print("\n" + "\n".join(table if ROWS else []) + "\n" + "\n".join(scale if SCALE_ROWS else []) + "\n" + "\n".join(engines if ENGINE_ROWS else [])
          + "\n" + "\n".join(rebuilt if REBUILD_ROWS else []) + f"\n{loaded}")
    if args.write:
        write_results(args, reps, table if ROWS else None, scale if SCALE_ROWS else None, loaded, engines if ENGINE_ROWS else None)
        if REBUILD_ROWS:
            write_rebuilds(args, reps, rebuilt, loaded)


def write_results(args, reps: int, table: list[str] | None, scale: list[str] | None, loaded: str, engines: list[str] | None = None) -> None:
    """Replace in RESULTS.md the tables this run measured; keep the other tables and the
    analyses below them (written by hand)."""
    results = HERE / "RESULTS.md"
    text = results.read_text() if results.exists() else f"# Benchmark results\n\n\n{ANALYSIS}\n"
    head, _, analysis = text.partition(ANALYSIS)
    head, _, engine_part = head.partition(ENGINES)
    main_part, _, scale_part = head.partition(SCALE)
    run = f"by `benchmarks/run` ({'quick' if args.quick else 'full'} run, {reps} repetitions) on {versions()}; {loaded}"
    if table is not None:
        main_part = f"# Benchmark results\n\nRecorded {time.strftime('%Y-%m-%d')} {run}.\n\n" + "\n".join(table) + "\n\n"
    if scale is not None:
        scale_part = f"\n\nRecorded {time.strftime('%Y-%m-%d %H:%M')} UTC {run}.\n\n" + "\n".join(scale) + "\n\n"
    if engines is not None:
        engine_part = f"\n\nRecorded {time.strftime('%Y-%m-%d %H:%M')} UTC {run}.\n\n" + "\n".join(engines) + "\n\n"
    results.write_text(main_part + (SCALE + scale_part if scale_part else "") + (ENGINES + engine_part if engine_part else "") + ANALYSIS + analysis)


def write_rebuilds(args, reps: int, table: list[str], loaded: str) -> None:
    """Replace the rebuilds' section of RESULTS.md, or add it at the end (after the
    other tables' analyses, which write_results keeps as they are)."""
    results = HERE / "RESULTS.md"
    text = results.read_text()
    run = f"by `benchmarks/run` ({'quick' if args.quick else 'full'} run, {reps} repetitions) on {versions()}; {loaded}"
    section = f"{REBUILDS}\n\nRecorded {time.strftime('%Y-%m-%d %H:%M')} UTC {run}.\n\n" + "\n".join(table) + "\n"
    head, found, rest = text.partition(REBUILDS)
    # the analysis written by hand under the table stays: only the lines up to the table's end go
    after = rest.split("\n\n", 3)[3] if found and rest.count("\n\n") >= 3 else ""
    results.write_text(head.rstrip("\n") + "\n\n" + section + ("\n" + after if after else ""))


if __name__ == "__main__":
    main()
