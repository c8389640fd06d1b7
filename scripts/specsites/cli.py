"""The command line: parse, fill defaults, run one command, map errors to exit codes.

One exit-code table for every command (README: Errors): see the EXIT_ names.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from specsites.errors import BuildFailed, SpecSitesError
from specsites.machinery.git_utils import GitError

EXIT_OK = 0  # done: built, every URL lands, published, up to date
# Not the input's fault, or a verdict: the check found URLs that do not land (check,
# publish), --fix left moves unplaced, --status found a site behind, git or a push
# failed, a site's build crashed (a bug; --debug shows the traceback).
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2  # bad input: one `file:line: what; what to do` line each; nothing written
EXIT_INTERRUPTED = 130  # Ctrl-C


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="specsites", description="Build, check, preview and publish the working-group sites.")
    parser.add_argument("-f", "--config-file", type=Path, metavar="MKDOCS_YML", help="the repository's base mkdocs.yml, or a site's (default: found from the current folder up, as MkDocs does)")
    parser.add_argument("--root", type=Path, help="the repository's folder (the same as -f ROOT/mkdocs.yml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build every site into site/<folder>/")
    build.add_argument("--out", type=Path, help="output folder (default: site/ in the repository)")
    build.add_argument("--site", action="append", help="build only this site (repeatable)")
    build.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="serve SITE from URL instead of its production URL (staging copies)")
    build.add_argument("--staging-base", metavar="URL", help="a staging copy: every site served at URL/<folder>/")

    check = commands.add_parser("check", help="prove every published URL and section id still lands")
    check.add_argument("--out", type=Path, help="the built output to check (default: site/ in the repository)")
    check.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="the URL a staging build was built for")
    check.add_argument("--live", nargs="+", metavar="SITE=URL", help="check running sites over HTTP instead (sites not named: production)")
    check.add_argument("--workers", type=int, default=0, help="concurrent requests with --live (default: 4 per core, at most 16)")
    check.add_argument("--json", action="store_true", help="print the report as JSON (shape: README, 'Checking')")
    check.add_argument("--all", action="store_true", help="with --json, also list every URL followed and where it landed")
    check.add_argument("--fix", action="store_true", help="write into redirects.yml the entries git renames and moved headings justify; list the rest")

    move = commands.add_parser("mv", help="move a page or folder; update links, nav and redirects.yml")
    move.add_argument("old", help="a page (.md) or folder of pages")
    move.add_argument("new", help="where it goes (within its site or into another site's folder)")
    move.add_argument("--dry-run", action="store_true", help="print the changes as a diff; change nothing")

    publish = commands.add_parser("publish", help="build, check, then commit each site to its branch")
    publish.add_argument("--dest", action="append", default=[], metavar="SITE=REMOTE[#BRANCH]", help="publish SITE elsewhere than the base mkdocs.yml says")
    publish.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="publish a staging copy for SITE served at URL")
    publish.add_argument("--staging-base", metavar="URL", help="a staging copy: every site served at URL/<folder>/")
    publish.add_argument("--dry-run", action="store_true", help="show what would change per site and the commit it would make; push nothing")
    publish.add_argument("--list", action="store_true", help="with --dry-run, list every file added, changed and removed, not only the pages")
    publish.add_argument("--allow-dirty", action="store_true", help="publish even with uncommitted changes (the commit message says so)")
    publish.add_argument("--status", action="store_true", help="per site, the source commit its branch was published from, against the current one; build nothing")

    new = commands.add_parser("new", help="add a spec or a site").add_subparsers(dest="kind", required=True)
    new_spec = new.add_parser("spec", help="add a spec to a site: its source with metadata, and its overview")
    new_spec.add_argument("site", metavar="SITE", help="the site's folder, like wg1-connectivity")
    new_spec.add_argument("id", metavar="ID", help="the spec's id, like CDSC-WG1-04")
    new_spec.add_argument("title", metavar="TITLE", help='its title, like "Profile Management"')
    new_site = new.add_parser("site", help="add a working-group site")
    new_site.add_argument("folder", metavar="FOLDER", help="the site's folder, like wg2-power-systems")
    new_site.add_argument("--host", required=True, help="its production domain, like powersystems.carbondataspec.org")
    new_site.add_argument("--title", required=True, help='its name, like "CDSC Power Systems Working Group"')
    new_site.add_argument("--remote", default="", help="where scripts/publish commits it (a git remote); else pass --dest when publishing")
    new_site.add_argument("--branch", default="gh-pages", help="the branch at --remote (default: gh-pages)")

    serve = commands.add_parser("serve", help="preview every site locally, rebuilding on edits")
    serve.add_argument("--port", type=int, default=8001, help="port of the first site; the others follow (default: 8001)")
    serve.add_argument("--site", action="append", help="serve only this site (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.root = find_root(args.root, args.config_file, Path.cwd())
        if args.command == "build":
            return _build(args)
        if args.command == "check":
            return _fix(args) if args.fix else _check(args)
        if args.command == "mv":
            return _move(args)
        if args.command == "publish":
            return _publish(args)
        if args.command == "new":
            return _new(args)
        if args.command == "serve":
            from specsites.commands.preview import serve_sites

            return serve_sites(root=args.root, port=args.port, only=args.site)
    except SpecSitesError as e:
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        crashes = e.crashes if isinstance(e, BuildFailed) else []
        if args.debug:
            for crash in crashes:
                print(crash, file=sys.stderr)
            traceback.print_exc()
        return EXIT_FAILED if crashes else EXIT_BAD_INPUT
    except GitError as e:
        print(f"error: {e}; nothing was pushed", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        return EXIT_OK
    return EXIT_FAILED


def find_root(root: Path | None, config_file: Path | None, cwd: Path) -> Path:
    """The repository to work on: given, or the folder of the base mkdocs.yml (the one
    that lists the sites), found from a site's config or from cwd upwards."""
    from specsites.sources.config import BASE_CONFIG, lists_sites
    from specsites.errors import Problem

    if root is not None:
        return root.resolve()
    if config_file is not None:
        config_file = config_file.resolve()
        if not config_file.is_file():
            raise SpecSitesError(Problem(str(config_file), 0, "no such file; pass the repository's mkdocs.yml or a site's"))
        candidates = [config_file.parent, config_file.parent.parent]
    else:
        candidates = [cwd.resolve(), *cwd.resolve().parents]
    for folder in candidates:
        if lists_sites(folder / BASE_CONFIG):
            return folder
    where = config_file or cwd
    raise SpecSitesError(Problem(str(where), 0, "no mkdocs.yml listing the specsites plugin's sites here or above; run in the repository, or pass -f path/to/mkdocs.yml"))


def _build(args: argparse.Namespace) -> int:
    from specsites.commands.build import build_sites

    report = build_sites(root=args.root, out=args.out, only=args.site, base_url_pairs=_base_urls(args))
    for note in report.notes:
        print(f"note: {note}")
    for result in report.results:
        s = result.stats
        kept = f"  {s['reused_pages']} unchanged pages taken over" if s.get("reused_pages") else ""
        print(f"{result.site:<20} {s['pages']:>4} pages  {s['redirects']:>5} redirects  {s['aliases']:>4} URL aliases  {result.seconds:5.2f} s{kept}")
    print(f"built {len(report.results)} sites into {report.out} in {report.seconds:.2f} s")
    new = {site: counts for site, counts in report.unrecorded.items() if any(counts)}
    if new:
        said = ", ".join(f"{site} {urls} URLs and {ids} ids" for site, (urls, ids) in new.items())
        print(f"not yet published: {said} (published-urls.yml records them when scripts/publish puts them live)")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    import json

    from specsites.commands.check import check_sites, format_report

    report = check_sites(root=args.root, out=args.out, base_url_pairs=args.base_url, live_pairs=args.live or [], workers=args.workers, live=bool(args.live), with_results=args.all)
    if args.json:
        print(json.dumps(report.as_json(with_results=args.all), indent=2))
    else:
        print("\n".join(format_report(report)))
    return EXIT_OK if report.ok else EXIT_FAILED


def _new(args: argparse.Namespace) -> int:
    from specsites.commands.scaffold import plan_site, plan_spec, today, write_scaffold
    from specsites.sources.config import BASE_CONFIG
    from specsites.sources.sites import load_repository

    repo = load_repository(args.root)
    if args.kind == "spec":
        scaffold = plan_spec(repo, args.site, args.id, args.title, today=today())
    else:
        base_text = (repo.root / BASE_CONFIG).read_text(encoding="utf-8")
        scaffold = plan_site(repo, base_text, args.folder, host=args.host, title=args.title, remote=args.remote, branch=args.branch)
    for rel in write_scaffold(repo.root, scaffold):
        print(f"{'changed' if rel == BASE_CONFIG else 'created'} {rel}")
    return EXIT_OK


def _move(args: argparse.Namespace) -> int:
    from specsites.commands.move import describe, plan_move, write_move
    from specsites.sources.sites import load_repository

    repo = load_repository(args.root)
    plan = plan_move(repo, args.old, args.new, Path.cwd())
    if args.dry_run:
        print("\n".join(describe(repo, plan, diff=True)))
        return EXIT_OK
    how = "with git mv" if write_move(repo, plan) else "(not tracked by git)"
    print("\n".join(describe(repo, plan, diff=False)))
    print(f"moved {how}; run scripts/build and scripts/check to see the result")
    return EXIT_OK


def _fix(args: argparse.Namespace) -> int:
    from specsites.commands.fix import fix_redirects

    report = fix_redirects(root=args.root)
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_FAILED


def _base_urls(args: argparse.Namespace) -> list[str]:
    """--base-url pairs, with --staging-base URL expanded to one per site."""
    pairs = list(args.base_url)
    if args.staging_base:
        from specsites.sources.sites import load_repository

        base = args.staging_base.rstrip("/")
        pairs += [f"{name}={base}/{name}/" for name in load_repository(args.root).names]
    return pairs


def _publish(args: argparse.Namespace) -> int:
    from specsites.commands.check import format_report
    from specsites.commands.publish import CheckFailed, PushFailed, publish_sites

    if args.status:
        return _publish_status(args)
    try:
        report = publish_sites(root=args.root, dest_overrides=args.dest, base_url_pairs=_base_urls(args), dry_run=args.dry_run, allow_dirty=args.allow_dirty)
    except (CheckFailed, PushFailed) as e:  # not the input's fault (part may be published: the lines say which)
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(format_report(report.check)[-1:]))
    for site in report.sites:
        print("\n".join(publish_summary(site, dry_run=args.dry_run, every_file=args.list)))
    if report.recorded:
        print(f"recorded what went live in published-urls.yml: commit {report.recorded}")
    return EXIT_OK


def publish_summary(site, *, dry_run: bool, every_file: bool) -> list[str]:
    """A site's lines: where, the commit, counts; with dry_run the pages among the
    changes (with every_file, every file: the search index alone is dozens)."""
    where = f"{site.site}: {site.destination}" + (f" (under {site.folder}/)" if site.folder else "")
    if not site.commit:
        return [f"{where}: unchanged, no commit"]
    counts = ", ".join(f"{len(paths)} {kind}" for kind, paths in site.changes.items())
    verb = "would commit" if dry_run else "pushed"
    lines = [f"{where}: {verb} {site.commit[:12]} ({counts})"]
    if not dry_run:
        return lines
    redirects = others = 0
    for kind, paths in site.changes.items():
        for path in paths:
            if every_file or path in site.pages:
                lines.append(f"  {kind:<8} {path}")
            elif path.endswith(".html"):
                redirects += 1
            else:
                others += 1
    if redirects or others:
        lines.append(f"  and {redirects} redirect and error pages, {others} other files (search index, sitemap, assets); --list shows them")
    return lines


def _publish_status(args: argparse.Namespace) -> int:
    from specsites.commands.publish import publish_status

    source, statuses = publish_status(root=args.root, dest_overrides=args.dest)
    current = source.commit[:12] if source.commit else "an unversioned tree"
    behind_any = False
    for status in statuses:
        where = f"{status.site}: {status.destination}"
        if status.problem:
            print(f"{where}: cannot tell: {status.problem}")
            behind_any = True
        elif not status.published:
            print(f"{where}: never published; current source {current}")
            behind_any = True
        elif status.behind == 0:
            print(f"{where}: published from {status.published[:12]}, the current source: up to date")
        else:
            since = "not an ancestor of the current source" if status.behind is None else f"{status.behind} commits behind"
            print(f"{where}: published from {status.published[:12]}, {since} {current}; run scripts/publish")
            behind_any = True
    return EXIT_FAILED if behind_any else EXIT_OK
