"""`specsites mv OLD NEW`: move a page or a folder of pages, and everything that names it.

plan_move reads the sources and works out every edit (the rename, the links to and
from the moved pages on every site, the nav, the redirects.yml entries) and
validates the new redirects.yml exactly as a build would, before anything is
written; write_move then makes them. A bad argument or an invalid result raises
SpecSitesError with nothing touched.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from specsites.errors import Problem, SpecSitesError
from specsites.machinery.git_utils import GitError, git, tags
from specsites.pages.versions import parse_tags
from specsites.machinery.safe_write import make_folders, refuse_unsafe_targets, write_files
from specsites.sources.md_links import find_links, relative_link, relative_target
from specsites.redirects.map import parse_redirects
from specsites.redirects.plan import plan_redirects
from specsites.sources.sites import SPECIFICATIONS, Repository, added_sources, all_specs_lenient, locate, md_to_html, spec_versions
from specsites.urls import page_key, page_url, served_forms
from specsites.sources.yaml_text import Entry, Splice, add_entries, append_nav_pages, apply, nav_pages, redirect_entries, remove_nav_pages, rename_nav_paths, retarget

Place = tuple[str, str]  # (site, docs path): where a page is published from


@dataclass
class MovePlan:
    old: Path
    new: Path
    texts: dict[Path, tuple[str, str]] = field(default_factory=dict)  # file (where it is now) -> (text now, text after)
    moved_files: dict[Path, Path] = field(default_factory=dict)  # every file under old -> where it goes
    redirects: list[str] = field(default_factory=list)  # entries added, as `site: old: new`
    notes: list[str] = field(default_factory=list)


def site_sources(repo: Repository) -> dict[str, dict[str, Path]]:
    """site -> docs path -> the source file of every page of every site."""
    sources: dict[str, dict[str, Path]] = {}
    for site in repo.sites:
        own = {p.relative_to(site.docs_dir).as_posix(): p for p in sorted(site.docs_dir.rglob("*.md")) if not any(part.startswith(".") for part in p.relative_to(site.docs_dir).parts)}
        sources[site.name] = {**added_sources(repo, site), **own}
    return sources


def _key(rel: str) -> str:
    return page_key(md_to_html(rel))


def _path(rel: str) -> str:
    """The URL path a page is linked by: /x for x.md, /x/ for x/index.md."""
    return served_forms(page_url(md_to_html(rel)))[0]


def _argument(repo: Repository, given: str, cwd: Path) -> tuple[Path, str]:
    """An argument as an absolute path and as a POSIX path relative to the repository.
    Relative arguments are read from the current folder when it is inside the
    repository, else from the repository root."""
    raw = Path(given)
    base = cwd if cwd.resolve().is_relative_to(repo.root) else repo.root
    path = Path(os.path.normpath(raw if raw.is_absolute() else base.resolve() / raw))
    if not path.is_relative_to(repo.root) or path == repo.root:
        raise SpecSitesError(Problem(given, 0, f"is outside the repository {repo.root}; name a page or folder inside it"))
    return path, path.relative_to(repo.root).as_posix()


def plan_move(repo: Repository, old_arg: str, new_arg: str, cwd: Path) -> MovePlan:
    old, old_rel = _argument(repo, old_arg, cwd)
    new, new_rel = _argument(repo, new_arg, cwd)
    if not old.exists():
        raise SpecSitesError(Problem(old_arg, 0, "no such file or folder; name a page's .md file or a folder of pages"))
    if new.exists():
        raise SpecSitesError(Problem(new_arg, 0, "already exists; choose a name that is free, or move that file away first"))
    if new.is_relative_to(old):
        raise SpecSitesError(Problem(new_arg, 0, f"is inside {old_arg}; move it somewhere else"))
    plan = MovePlan(old, new)
    if old.is_dir():
        files = sorted(p for p in old.rglob("*") if p.is_file())
        plan.moved_files = {p: new / p.relative_to(old) for p in files}
        pages = [p for p in files if p.suffix == ".md"]
        where = locate(repo, old_rel + "/x.md")
        if where is None or where[1] == "x.md" or locate(repo, new_rel + "/x.md") is None or new_rel.split("/")[1] != "docs":
            raise SpecSitesError(Problem(old_arg if where is None or where[1] == "x.md" else new_arg, 0, "is not a folder of a site's pages; move folders under <site>/docs/ to another place under a site's docs/"))
        if not pages:
            raise SpecSitesError(Problem(old_arg, 0, "holds no pages (.md files); move it with git mv"))
    else:
        plan.moved_files = {old: new}
        pages = [old]
    spec = _spec_move(repo, old_rel, new_rel)
    if spec is not None:  # a spec moves whole: its source, its overview folder, its versions' URLs
        old_folder, new_folder = spec
        overview, new_overview = repo.root / old_folder, repo.root / new_folder
        if overview.is_dir():
            if new_overview.exists():
                raise SpecSitesError(Problem(new_arg, 0, f"{new_folder} already exists, and the spec's overview folder {old_folder} goes there; move it away first"))
            files = sorted(p for p in overview.rglob("*") if p.is_file())
            plan.moved_files.update({p: new_overview / p.relative_to(overview) for p in files})
            pages += [p for p in files if p.suffix == ".md"]
    moves: dict[Place, Place] = {}
    for page in pages:
        before = locate(repo, page.relative_to(repo.root).as_posix())
        after_file = plan.moved_files[page]
        after = locate(repo, after_file.relative_to(repo.root).as_posix())
        if before is None:
            hint = "it is shared by every site; move it by hand" if page.relative_to(repo.root).parts[0] == "docs" else "pages are <site>/docs/**.md and <site>/specifications/<id>.md"
            raise SpecSitesError(Problem(old_arg, 0, f"{page.relative_to(repo.root).as_posix()} is not a page of a site; {hint}"))
        if after is None:
            raise SpecSitesError(Problem(new_arg, 0, "is not where a site's page can be; name a .md file under <site>/docs/ or <site>/specifications/<id>.md"))
        moves[before] = after
    if spec is not None:
        _plan_edits(repo, plan, moves, *spec)
        _plan_spec_id(plan, old, new, old)
    else:
        _plan_edits(repo, plan, moves, old_rel if old.is_dir() else "", new_rel if old.is_dir() else "")
    return plan


def plan_moved(repo: Repository, renames: list[tuple[str, str]]) -> MovePlan:
    """The edits a move made by hand (`git mv`) still needs, as `mv` would have made
    them: renames are (old, new) repository paths of page sources already moved,
    together (a spec's source with its overview's files). Nothing is moved."""
    (first_old, first_new), *_ = renames
    plan = MovePlan(repo.root / first_old, repo.root / first_new)
    plan.moved_files = {repo.root / old: repo.root / new for old, new in renames}
    sources = site_sources(repo)
    moves: dict[Place, Place] = {}
    for old, new in renames:
        before, after = locate(repo, old), locate(repo, new)
        if before is None or after is None or after[1] not in sources.get(after[0], {}):
            continue
        sources[before[0]][before[1]] = sources[after[0]].pop(after[1])  # as before the move
        moves[before] = after
    if not moves:
        raise SpecSitesError(Problem(first_new, 0, "is no page a site publishes; nothing to mend"))
    spec = _spec_move(repo, first_old, first_new)
    if spec is not None:
        _plan_edits(repo, plan, moves, *spec, sources=sources)
        _plan_spec_id(plan, plan.old, plan.new, plan.new)
    else:
        _plan_edits(repo, plan, moves, "", "", sources=sources)
    return plan


def write_mended(repo: Repository, plan: MovePlan) -> None:
    """The edits of plan_moved, made all or none (the files are where the hand move put them)."""
    write_files(repo.root, {path: text for path, (_, text) in plan.texts.items()})


def _spec_move(repo: Repository, old_rel: str, new_rel: str) -> tuple[str, str] | None:
    """For a spec's source moved to another spec source (`<site>/specifications/<id>.md`),
    the folder of its URLs before and after, as docs folders: every page under
    /specs/<id>/ (the spec, its overview, its versions) moves with it."""
    before, after = locate(repo, old_rel), locate(repo, new_rel)
    if before is None or after is None:
        return None
    if not (old_rel.split("/")[1] == SPECIFICATIONS and new_rel.split("/")[1] == SPECIFICATIONS):
        return None
    return f"{before[0]}/docs/{before[1].rsplit('/', 1)[0]}", f"{after[0]}/docs/{after[1].rsplit('/', 1)[0]}"


_ID_LINE = re.compile(r"^id:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
_PREVIOUS_IDS = re.compile(r"^previous_ids:[ \t]*\[(.*?)\][ \t]*$", re.MULTILINE)


def _plan_spec_id(plan: MovePlan, old: Path, new: Path, current: Path) -> None:
    """A renamed spec's front matter: `id:` the new file name in capitals, the old id
    added to `previous_ids:` (its versions keep their tags, and the build finds them).
    current: where the source is now (old before the move, new after a hand move)."""
    if old.stem == new.stem:
        return
    before, text = plan.texts.get(current, (current.read_text(encoding="utf-8"),) * 2)
    if not text.startswith("---\n") or "\n---" not in text[3:]:
        return  # no front matter: the build says what to add
    end = text.index("\n---", 3)
    head, rest = text[:end], text[end:]
    found = _ID_LINE.search(head)
    if found is None:
        return
    old_id, new_id = found.group(1).strip("'\""), new.stem.upper()
    head = head[:found.start(1)] + new_id + head[found.end(1):]
    listed = _PREVIOUS_IDS.search(head)
    if listed is not None:
        ids = [i.strip() for i in listed.group(1).split(",") if i.strip()]
        if old_id not in ids:
            head = head[:listed.start(1)] + ", ".join([*ids, old_id]) + head[listed.end(1):]
    elif "\nprevious_ids:" not in head:
        line_end = head.index("\n", found.start()) if "\n" in head[found.start():] else len(head)
        head = head[:line_end] + f"\nprevious_ids: [{old_id}]" + head[line_end:]
    else:
        raise SpecSitesError(Problem(str(old), 0, f"previous_ids: is not written as a [list] on one line; add {old_id} to it by hand, then move the spec"))
    if (head + rest) != before or current in plan.texts:
        plan.texts[current] = (before, head + rest)
    plan.notes.append(f"{new.name}: id: {new_id}, {old_id} added to previous_ids (its versions keep their tags)")


def _plan_edits(repo: Repository, plan: MovePlan, moves: dict[Place, Place], old_folder: str, new_folder: str, sources: dict[str, dict[str, Path]] | None = None) -> None:
    """sources: every page's source as before the move (default: as the files are now)."""
    sources = sources if sources is not None else site_sources(repo)
    after = {site: dict(pages) for site, pages in sources.items()}
    for (site, rel), (new_site, new_rel) in list(moves.items()):
        path = after[site].pop(rel, None)
        if path is None:  # in a hidden folder: MkDocs publishes no page for it
            del moves[(site, rel)]
            continue
        shared, chosen = repo.shared_docs / rel, repo.site(site).shared_pages
        if shared.is_file() and (chosen is None or rel in chosen):  # the shared page it stood in front of shows again
            after[site][rel] = shared
        if _key(new_rel) in {_key(r) for r in after[new_site]}:
            raise SpecSitesError(Problem(str(plan.new.relative_to(repo.root)), 0, f"{_path(new_rel)} is already a page on {new_site}; choose another name"))
        after[new_site][new_rel] = plan.moved_files.get(path, path)

    if not moves:
        raise SpecSitesError(Problem(str(plan.old.relative_to(repo.root)), 0, "holds no page a site publishes; move it with git mv"))
    production = {s.name: s.production_url for s in repo.sites}
    by_key = {site: {_key(rel): rel for rel in pages} for site, pages in sources.items()}
    for site, pages in sources.items():
        for rel, path in pages.items():
            if path.is_relative_to(repo.shared_docs):
                continue  # shared by every site: its links cannot follow one site's move
            text = path.read_text(encoding="utf-8")
            new_text = _relink(text, (site, rel), moves, sources, repo.shared_docs, by_key, production, plan.moved_files, lambda name: repo.site(name).docs_dir)
            if new_text != text:
                plan.texts[path] = (text, new_text)

    _plan_nav(repo, plan, moves, sources, after)
    _plan_redirects(repo, plan, moves, old_folder, new_folder, after)


def _relink(text: str, page: Place, moves: dict[Place, Place], sources: dict[str, dict[str, Path]], shared: Path, by_key: dict[str, dict[str, str]], production: dict[str, str], moved_files: dict[Path, Path], docs_dir) -> str:
    """The page's text with each link to a moved page, and each relative link of a
    moved page, pointing where its target is after the move."""
    site, rel = page
    here = moves.get(page, page)
    splices = []
    for link in find_links(text):
        target = relative_target(link.dest, rel)
        if target is None and (files := relative_target(link.dest, rel, pages_only=False)):
            # a picture or other file beside the pages: where it is after the move
            to_rel, rest = files
            now = docs_dir(site) / to_rel
            after = moved_files.get(now, now)
            if (here != page or after != now) and now.is_file() and here[0] == site and after.is_relative_to(docs_dir(site)):
                dest = relative_link(after.relative_to(docs_dir(site)).as_posix(), here[1]) + rest
                if dest != link.dest:
                    splices.append(Splice(link.start, link.end, dest))
            continue
        if target is not None:
            to_rel, rest = target
            if to_rel not in sources[site]:
                continue  # already broken: the build says so
            was = (site, to_rel)
            if was in moves:
                to = moves[was]
            elif sources[site][to_rel].is_relative_to(shared):
                to = (here[0], to_rel)  # a shared page is on every site
            else:
                to = was
        else:
            found = _production_target(link.dest, production)
            if found is None:
                continue
            on, path, rest = found
            to_rel = by_key.get(on, {}).get(page_key(path))
            was = (on, to_rel)
            if to_rel is None or was not in moves:
                continue
            to = moves[was]
        if to == was and here == page:
            continue
        dest = relative_link(to[1], here[1]) + rest if to[0] == here[0] else production[to[0]] + _path(to[1]).lstrip("/") + rest
        if dest != link.dest:
            splices.append(Splice(link.start, link.end, dest))
    return apply(text, splices)


def _production_target(dest: str, production: dict[str, str]) -> tuple[str, str, str] | None:
    """(site, path, "#fragment") of a link written as one of our production URLs."""
    for site, base in production.items():
        for prefix in (base, "http://" + base.partition("://")[2]):
            if dest.startswith(prefix) or dest == prefix.rstrip("/"):
                rest = dest[len(prefix):] if dest.startswith(prefix) else ""
                cut = min((i for i in (rest.find("#"), rest.find("?")) if i != -1), default=len(rest))
                return site, "/" + rest[:cut], rest[cut:]
    return None


def _generated(site: str, rel: str, sources: dict[str, dict[str, Path]]) -> bool:
    """Whether the build puts the page in the site's nav itself: a spec and its
    overview (spec_meta.nav_with_specs), given which spec sources the site has."""
    parts = rel.split("/")
    if len(parts) != 3 or parts[0] != "specs" or parts[2] not in ("index.md", "overview.md"):
        return False
    spec = sources[site].get(f"specs/{parts[1]}/index.md")
    return spec is not None and spec.parent.name == SPECIFICATIONS and spec.parent.parent.name == site


def _plan_nav(repo: Repository, plan: MovePlan, moves: dict[Place, Place], before: dict[str, dict[str, Path]], after: dict[str, dict[str, Path]]) -> None:
    """Each moved page's nav entry: renamed within its site, or taken from the old
    site's nav and added at the end of the new one's; none where the build makes
    the entry itself (a spec and its overview)."""
    texts = {s.name: s.config_file.read_text(encoding="utf-8") for s in repo.sites}
    edited = dict(texts)
    listed = {s.name: {p.path for p in nav_pages(texts[s.name], f"{s.name}/mkdocs.yml")} for s in repo.sites}
    appended: dict[str, list[tuple[str, str]]] = {}
    for site in repo.sites:
        display = f"{site.name}/mkdocs.yml"
        within = {rel: new_rel for (s, rel), (ns, new_rel) in moves.items() if s == site.name and ns == site.name and not _generated(ns, new_rel, after)}
        edited[site.name] = rename_nav_paths(edited[site.name], within.get, display)
        away = {rel: to for (s, rel), to in moves.items() if s == site.name and (to[0] != site.name or _generated(*to, after))}
        if away:
            edited[site.name], gone = remove_nav_pages(edited[site.name], set(away), display)
            for entry in gone:
                if not _generated(*away[entry.path], after):
                    appended.setdefault(away[entry.path][0], []).append((entry.title_text, away[entry.path][1]))
    # a page the build listed itself and no longer does (moved, or its spec moved) needs a line
    moved_to = {to: was for was, to in moves.items()}
    for site, pages in after.items():
        for rel in pages:
            was = moved_to.get((site, rel), (site, rel))
            if was[1] not in listed[was[0]] and _generated(*was, before) and not _generated(site, rel, after):
                appended.setdefault(site, []).append(("", rel))  # MkDocs titles it from the page
    for name, entries in appended.items():
        edited[name] = append_nav_pages(edited[name], entries, f"{name}/mkdocs.yml")
        plan.notes += [f"{name}/mkdocs.yml: added {path} at the end of the nav; move the line where it belongs" for _, path in entries]
    for site in repo.sites:
        if edited[site.name] != texts[site.name]:
            plan.texts[site.config_file] = (texts[site.name], edited[site.name])


def _plan_redirects(repo: Repository, plan: MovePlan, moves: dict[Place, Place], old_folder: str, new_folder: str, after: dict[str, dict[str, Path]]) -> None:
    path = repo.redirects_file
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new_keys = {site: {_key(rel) for rel in pages} for site, pages in after.items()}
    moved_keys = {(site, _key(rel)): (new_site, new_rel) for (site, rel), (new_site, new_rel) in moves.items()}

    def written(on: str, under: str, url_path: str) -> str:
        return url_path if on == under else f"{on}:{url_path}"

    folder_from = folder_to = None
    if old_folder:
        (site, rel), (new_site, _) = next(iter(moves.items()))
        folder_from = (site, old_folder.split("/", 2)[2])
        folder_to = (new_site, new_folder.split("/", 2)[2])

    # `/old#id: /new#other` entries: where a section of a page went, followed when an
    # entry names that section of a page that moves (its id no longer leads anywhere there)
    entries = redirect_entries(text, path.name)
    sections = {(e.site, page_key(e.source.partition("#")[0]), e.source.partition("#")[2]): e
                for e in entries if "#" in e.source}

    def new_target(entry: Entry, seen: frozenset = frozenset()) -> str | None:
        named, colon, rest = entry.target.partition(":")
        on, target = (named, rest) if colon and named in repo.names else (entry.site, entry.target)
        if not target.startswith("/"):
            return None
        url_path, hash_, anchor = target.partition("#")
        went = sections.get((on, page_key(url_path), anchor)) if anchor else None
        if went is not None and went is not entry and went.line not in seen and (on, page_key(url_path)) in moved_keys:
            onward = new_target(went, seen | {entry.line})
            target_now = onward if onward is not None else went.target
            if went.site == entry.site or ":" in target_now.split("/", 1)[0]:
                return target_now
            return f"{went.site}:{target_now}"
        if url_path.endswith("/*") and folder_from and on == folder_from[0]:
            key = page_key(url_path[:-1])
            if key == folder_from[1] or key.startswith(folder_from[1] + "/"):
                moved = folder_to[1] + key[len(folder_from[1]):]
                return written(folder_to[0], entry.site, f"/{moved}/*")
            return None
        to = moved_keys.get((on, page_key(url_path)))
        if to is None:
            return None
        return written(to[0], entry.site, _path(to[1]) + hash_ + anchor)

    def hides_page(entry: Entry) -> bool:
        """An entry from a URL the move makes a page again (a page moved back)."""
        return "#" not in entry.source and not entry.source.endswith("*") and page_key(entry.source) in new_keys.get(entry.site, set()) and any(
            page_key(entry.source) == _key(rel) and site == entry.site for site, rel in moves.values())

    dropped = [e for e in entries if hides_page(e)]
    for entry in dropped:
        plan.notes.append(f"{path.name}:{entry.line}: removed `{entry.source}: {entry.target}` under {entry.site}:, as {entry.source} is a page again")
    edited = retarget(text, new_target, hides_page, path.name)
    additions: dict[str, list[tuple[str, str]]] = {}
    if folder_from:
        old_path = "/" + folder_from[1] + "/*"
        additions[folder_from[0]] = [(old_path, written(folder_to[0], folder_from[0], "/" + folder_to[1] + "/*"))]
    else:
        for (site, rel), (new_site, new_rel) in moves.items():
            additions.setdefault(site, []).append((_path(rel), written(new_site, site, _path(new_rel))))
    for site, lines in additions.items():
        edited = add_entries(edited, site, lines, path.name)
        plan.redirects += [f"{site}: {old}: {new}" for old, new in lines]
    _validate(repo, edited, after, path.name, plan.moved_files)
    if edited != text:
        plan.texts[path] = (text, edited)


def _validate(repo: Repository, text: str, after: dict[str, dict[str, Path]], filename: str, moved_files: dict[Path, Path]) -> None:
    """The new redirects.yml, checked against the pages after the move as a build
    would: its version pages included, under the name each spec has after the move."""
    rules, problems = parse_redirects(text.encode("utf-8"), repo.names, filename)
    versions = _version_pages_after(repo, after, moved_files)
    pages = {site: {_key(rel): page_url(md_to_html(rel)) for rel in [*rels, *versions.get(site, [])]} for site, rels in after.items()}
    result = plan_redirects(rules, pages, filename)
    if problems or result.problems:
        raise SpecSitesError([Problem(p.file, p.line, f"{p.message} (in redirects.yml as the move would leave it; nothing was changed)") for p in problems + result.problems])


def _version_pages_after(repo: Repository, after: dict[str, dict[str, Path]], moved_files: dict[Path, Path]) -> dict[str, list[str]]:
    """site -> the docs paths of the version and changes pages it publishes after the
    move: each spec's versions go where its source goes, under its new file name."""
    found, _ = spec_versions(repo, all_specs_lenient(repo))
    was = {new: old for old, new in moved_files.items()}
    tagged: list[tuple[str, str, str]] | None = None
    pages: dict[str, list[str]] = {}
    for site, rels in after.items():
        for rel, path in rels.items():
            parts = rel.split("/")
            if len(parts) != 3 or parts[0] != "specs" or parts[2] != "index.md" or path.parent.name != SPECIFICATIONS:
                continue
            stem = was.get(path, path).stem
            dates = [v.date for v in found.versions.get(stem, [])]
            if not dates and stem != path.stem:
                # moved by hand: its source now has its new name but still its old id, so
                # the versions are not its own until the mend writes previous_ids; they
                # are the tags of its old name
                tagged = tagged if tagged is not None else parse_tags([tag for tag, _ in tags(repo.root)])[0]
                dates = [date for _, slug, date in tagged if slug == stem]
            for date in dates:
                pages.setdefault(site, []).extend((f"specs/{parts[1]}/{date}/index.md", f"specs/{parts[1]}/{date}/changes.md"))
    return pages


def in_git_work_tree(root: Path, path: Path) -> bool:
    """Whether path is a file git tracks in the work tree at root."""
    try:
        return git("ls-files", "--error-unmatch", "--", str(path), cwd=root) != ""
    except (GitError, FileNotFoundError):
        return False


def write_move(repo: Repository, plan: MovePlan) -> bool:
    """Make the planned move: git mv when git tracks the page, then the edits.
    True when git moved it."""
    edits = {plan.moved_files.get(path, path): text for path, (_, text) in plan.texts.items()}
    # the files that go with it (a spec's overview folder), each moved as the page itself
    others = {path: to for path, to in plan.moved_files.items() if path != plan.old and not path.is_relative_to(plan.old)}
    # Nothing moves into or is written through a link (a committed docs/lnk -> /tmp).
    refuse_unsafe_targets(repo.root, [plan.new, *others.values(), *edits])
    made: list[Path] = []
    moved: list[tuple[Path, Path, bool]] = []  # undone in reverse when a later step fails
    try:
        for old, new in [(plan.old, plan.new), *others.items()]:
            made += make_folders(repo.root, new.parent)
            moved.append((old, new, _move_file(repo.root, old, new)))
        write_files(repo.root, edits)
    except BaseException:  # all or nothing: every file goes back where it was
        for old, new, tracked in reversed(moved):
            if tracked:
                git("mv", "--", str(new), str(old), cwd=repo.root)
            else:
                os.rename(new, old)
        for folder in reversed(made):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    for left in {plan.old.parent, *(p.parent for p in plan.moved_files)}:
        folder = left
        while folder != repo.root and folder.is_relative_to(repo.root) and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # a folder the move left empty
            folder = folder.parent
    return moved[0][2]


def _move_file(root: Path, old: Path, new: Path) -> bool:
    """git mv when git tracks it, else a rename; True when git moved it."""
    tracked = in_git_work_tree(root, old)
    if tracked:
        git("mv", "--", str(old), str(new), cwd=root)
    else:
        os.rename(old, new)
    return tracked


def describe(repo: Repository, plan: MovePlan, diff: bool) -> list[str]:
    """What the move does: a unified diff of every edit (diff), or one line each."""
    rel = lambda p: p.relative_to(repo.root).as_posix()  # noqa: E731
    lines = [f"rename {rel(plan.old)} -> {rel(plan.new)}"]
    lines += [f"rename {rel(path)} -> {rel(to)}" for path, to in sorted(plan.moved_files.items()) if path != plan.old and not path.is_relative_to(plan.old)]
    for path, (before, after) in sorted(plan.texts.items()):
        now = plan.moved_files.get(path, path)
        if diff:
            lines += [line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{rel(path)}", f"b/{rel(now)}")]
        else:
            lines.append(f"edited {rel(now)}")
    if not diff:
        lines += [f"redirects.yml: added under {entry}" for entry in plan.redirects]
    return lines + plan.notes
