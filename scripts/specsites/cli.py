"""The command line: parse, fill defaults, run one command, map errors to exit codes.

One exit-code table for every command (README: Errors): see the EXIT_ names.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
import traceback
from pathlib import Path

from specsites.errors import BuildFailed, SpecSitesError
from specsites.sources.config import ENGINES
from specsites.machinery.git_utils import GitError
from specsites.program import command, named_as_console_script, plural, version_lines

EXIT_OK = 0  # done: built, every URL lands, published, up to date
# Not the input's fault, or a verdict: the check found URLs that do not land (check,
# publish), --fix left moves unplaced, --status found a site behind, git or a push
# failed, a site's build crashed (a bug; --debug shows the traceback).
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2  # bad input: one `file:line: what; what to do` line each; nothing written
EXIT_INTERRUPTED = 130  # Ctrl-C
DEFAULT_DEV_ADDR = "127.0.0.1:8000"  # as `mkdocs serve`


class _PrintVersions(argparse.Action):
    """`--version`: this tool's version and the engine's, theme's and Python's."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print("\n".join(version_lines()))
        parser.exit()


def _subcommand(commands, name: str, summary: str, description: str, examples: list[str]) -> argparse.ArgumentParser:
    """A subcommand with its one line for `specsites --help`, and for its own --help a
    description and examples named as the user runs it (program.command)."""
    lines = "\n".join(f"  {command(name)}{' ' + example if example else ''}" for example in examples)
    return commands.add_parser(
        name.rpartition(" ")[2], prog=command(name), help=summary, description=textwrap.fill(description, 78),
        epilog=f"example{'s' if len(examples) > 1 else ''}:\n{lines}", formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command's own parser that parsed args: `new spec`'s, `build`'s."""
    while True:
        choices = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if choices is None or getattr(args, choices.dest, None) not in choices.choices:
            return parser
        parser = choices.choices[getattr(args, choices.dest)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="specsites", description="Build, check, preview and publish the working-group sites.")
    parser.add_argument("--version", action=_PrintVersions, help="print the version of specsites, MkDocs, Material and Python, and exit")
    parser.add_argument("-f", "--config-file", type=Path, metavar="MKDOCS_YML", help="the repository's base mkdocs.yml, or a site's (default: found from the current folder up, as MkDocs does)")
    parser.add_argument("--root", type=Path, help="the repository's folder (the same as -f ROOT/mkdocs.yml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = _subcommand(
        commands, "build", "build every site into site/<folder>/",
        "Build every site listed in the base mkdocs.yml, each with its redirect pages, into site/<folder>/. "
        "Strict and all-or-nothing: a warning fails the build and a failed build leaves the previous output as it was.",
        ["", "--site wg1-connectivity", "--staging-base https://staging.example.org"],
    )
    build.add_argument("--out", type=Path, help="output folder (default: site/ in the repository)")
    build.add_argument("--site", action="append", help="build only this site (repeatable)")
    build.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="serve SITE from URL instead of its production URL (staging copies)")
    build.add_argument("--staging-base", metavar="URL", help="a staging copy: every site served at URL/<folder>/")
    build.add_argument("--engine", choices=ENGINES, help="what renders the pages (default: the base mkdocs.yml's engine:, else mkdocs)")

    check = _subcommand(
        commands, "check", "prove every published URL and section id still lands",
        "Follow every URL and section id of published-urls.yml through the built output (or, with --live, over HTTP) "
        "and say, for each that does not land, the redirects.yml entry that would fix it.",
        ["", "--fix", "--live wg1-connectivity=http://127.0.0.1:8000/"],
    )
    check.add_argument("--out", type=Path, help="the built output to check (default: site/ in the repository)")
    check.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="the URL a staging build was built for")
    check.add_argument("--live", nargs="+", metavar="SITE=URL", help="check running sites over HTTP instead (sites not named: production)")
    check.add_argument("--workers", type=int, default=0, help="concurrent requests with --live (default: 4 per core, at most 16)")
    check.add_argument("--json", action="store_true", help="print the report as JSON (shape: README, 'Checking')")
    check.add_argument("--all", action="store_true", help="with --json, also list every URL followed and where it landed")
    check.add_argument("--fix", action="store_true", help="mend links, nav and redirects after pages moved with git mv, as mv would; write into redirects.yml the entries git renames and moved headings justify; list the rest")

    move = _subcommand(
        commands, "mv", "move a page or folder; update links, nav and redirects.yml",
        "Move a page or a folder of pages, within a site or to another, and edit everything that names it: "
        "links on every site, the nav, and redirects.yml (an entry from the old URL).",
        ["wg3-customer-data/docs/use-cases.md wg3-customer-data/docs/about/use-cases.md --dry-run"],
    )
    move.add_argument("old", help="a page (.md) or folder of pages")
    move.add_argument("new", help="where it goes (within its site or into another site's folder)")
    move.add_argument("--dry-run", action="store_true", help="print the changes as a diff; change nothing")

    publish = _subcommand(
        commands, "publish", "build, check, then commit each site to its branch",
        "Build every site from the committed sources, check that every published URL lands, then commit each site "
        "to its destination branch (the base mkdocs.yml's destinations) and record what went live in published-urls.yml.",
        ["--dry-run", "--status"],
    )
    publish.add_argument("--dest", action="append", default=[], metavar="SITE=REMOTE[#BRANCH]", help="publish SITE elsewhere than the base mkdocs.yml says")
    publish.add_argument("--base-url", action="append", default=[], metavar="SITE=URL", help="publish a staging copy for SITE served at URL")
    publish.add_argument("--staging-base", metavar="URL", help="a staging copy: every site served at URL/<folder>/")
    publish.add_argument("--dry-run", action="store_true", help="show what would change per site and the commit it would make; push nothing")
    publish.add_argument("--list", action="store_true", help="with --dry-run, list every file added, changed and removed, not only the pages")
    publish.add_argument("--allow-dirty", action="store_true", help="publish even with uncommitted changes (the commit message says so)")
    publish.add_argument("--record", action="store_true", help="record what went live in published-urls.yml although a --dest is not the production destination (a release pushed elsewhere)")
    publish.add_argument("--status", action="store_true", help="per site, the source commit its branch was published from, against the current one; build nothing")

    new_parser = _subcommand(
        commands, "new", "add a spec or a site",
        "Create the files of a new spec or a new working-group site, and list it where it must be listed.",
        ['spec wg1-connectivity CDSC-WG1-04 "Profile Management"'],
    )
    new = new_parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    new_spec = _subcommand(
        new, "new spec", "add a spec to a site: its source with metadata, and its overview",
        "Create <site>/specifications/<id>.md (its front matter filled in) and its overview page; the nav and the specs tables follow from them.",
        ['wg1-connectivity CDSC-WG1-04 "Profile Management"'],
    )
    new_spec.add_argument("site", metavar="SITE", help="the site's folder, like wg1-connectivity")
    new_spec.add_argument("id", metavar="ID", help="the spec's id, like CDSC-WG1-04")
    new_spec.add_argument("title", metavar="TITLE", help='its title, like "Profile Management"')
    new_site = _subcommand(
        new, "new site", "add a working-group site",
        "Create a site's folder (mkdocs.yml, home page, specs page) and list it, with its publishing destination, in the base mkdocs.yml.",
        ['wg2-power-systems --host powersystems.carbondataspec.org --title "CDSC Power Systems Working Group" --remote https://github.com/carbon-data-specification/Power-Systems.git'],
    )
    new_site.add_argument("folder", metavar="FOLDER", help="the site's folder, like wg2-power-systems")
    new_site.add_argument("--host", required=True, help="its production domain, like powersystems.carbondataspec.org")
    new_site.add_argument("--title", required=True, help='its name, like "CDSC Power Systems Working Group"')
    new_site.add_argument("--remote", default="", help=f"where {command('publish')} commits it (a git remote); else pass --dest when publishing")
    new_site.add_argument("--branch", default="gh-pages", help="the branch at --remote (default: gh-pages)")
    new_site.add_argument("--short-name", default="", help='what the switcher shows, like "WG2 Power Systems" (default: from FOLDER)')
    new_site.add_argument("--color", default="", help="its colour in the header, one of Material's (default: the first no other site uses)")
    new_site.add_argument("--logo", type=Path, default=None, help="its mark, an SVG file (default: a ring with the group's number)")

    serve = _subcommand(
        commands, "serve", "preview every site locally, rebuilding on edits",
        "Serve every site on this machine, one port per site from the first (8000, as mkdocs serve), "
        "rebuild what an edit touches, and reload open pages.",
        ["", "--open", "-a 127.0.0.1:9000 --site wg1-connectivity"],
    )
    where = serve.add_mutually_exclusive_group()
    where.add_argument("-a", "--dev-addr", metavar="HOST:PORT", help=f"the address of the first site; the others take the next ports (default: {DEFAULT_DEV_ADDR}); a host other than the loopback ones only when you name it, and only that name is answered")
    where.add_argument("--port", type=int, help="port of the first site on 127.0.0.1 (0: ports the system picks)")
    serve.add_argument("--open", action="store_true", help="open the first site in the default browser once it is served")
    serve.add_argument("--site", action="append", help="serve only this site (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the subcommand's parser, named as the user ran it (scripts/build, specsites build)
        _chosen(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
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
            return _serve(args)
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


def console_main() -> int:
    """The installed `specsites` console script: its messages name `specsites X`."""
    named_as_console_script()
    return main()


def _serve(args: argparse.Namespace) -> int:
    from specsites.commands.preview import serve_sites
    from specsites.machinery.dev_address import parse_dev_addr

    if args.port is not None:
        address, option = parse_dev_addr(f"127.0.0.1:{args.port}", "--port"), "--port"
    else:
        address, option = parse_dev_addr(args.dev_addr or DEFAULT_DEV_ADDR, "--dev-addr"), "--dev-addr"
    return serve_sites(root=args.root, address=address, option=option, only=args.site, open_browser=args.open)


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

    report = build_sites(root=args.root, out=args.out, only=args.site, base_url_pairs=_base_urls(args), engine=args.engine)
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
        print(f"not yet published: {said} (published-urls.yml records them when {command('publish')} puts them live)")
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
        scaffold = plan_site(repo, base_text, args.folder, host=args.host, title=args.title, remote=args.remote, branch=args.branch,
                             short_name=args.short_name, color=args.color, logo=args.logo)
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
    print(f"moved {how}; run {command('build')} and {command('check')} to see the result")
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
        report = publish_sites(root=args.root, dest_overrides=args.dest, base_url_pairs=_base_urls(args), dry_run=args.dry_run, allow_dirty=args.allow_dirty, record=args.record)
    except (CheckFailed, PushFailed) as e:  # not the input's fault (part may be published: the lines say which)
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(format_report(report.check)[-1:]))
    for site in report.sites:
        print("\n".join(publish_summary(site, dry_run=args.dry_run, every_file=args.list)))
    if report.recorded:
        print(f"recorded what went live in published-urls.yml: commit {report.recorded}")
    elif report.not_recorded and not args.dry_run:
        print(f"recorded nothing in published-urls.yml: {report.not_recorded}")
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
            since = "not an ancestor of the current source" if status.behind is None else f"{plural(status.behind, 'commit')} behind"
            print(f"{where}: published from {status.published[:12]}, {since} {current}; run {command('publish')}")
            behind_any = True
    return EXIT_FAILED if behind_any else EXIT_OK
