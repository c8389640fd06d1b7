"""`specsites new spec` and `specsites new site`: the files a new spec or site needs.

Plans first (pure: which files, with what text, and the edit to the base
mkdocs.yml), then writes: every new file is created exclusively, and nothing is
written when any problem was found.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from specsites.errors import Problem, SpecSitesError, raise_if_any, unknown_site
from specsites.machinery.safe_write import refuse_unsafe_targets, write_files
from specsites.sources.config import BASE_CONFIG, read_mkdocs_yml
from specsites.sources.destinations import branch_problem, configured_remote_problem
from specsites.pages.readers import site_order
from specsites.sources.sites import Repository, site_specs

_SPEC_ID = re.compile(r"CDSC-WG([0-9]+)-[0-9]+")
_FOLDER = re.compile(r"[a-z0-9][a-z0-9-]*")
_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass
class Scaffold:
    files: dict[str, str] = field(default_factory=dict)  # path relative to the root -> text
    base_config: str | None = None  # the base mkdocs.yml's new text, when it changes


def _one_line(value: str, what: str, source: str, example: str) -> list[Problem]:
    # Control characters and Unicode line breaks (NEL U+0085, U+2028, U+2029) too:
    # YAML reads them as the end of the line.
    if not value.strip() or any(c in value for c in "<>\n\r\"\\`{}[]|#") or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return [Problem(source, 0, f"{what} {value!r} must be one line of plain text without < > \" \\ ` {{ }} [ ] | #; like {example}")]
    return []


def plan_spec(repo: Repository, site_name: str, spec_id: str, title: str, *, today: datetime.date) -> Scaffold:
    """A spec source with its metadata, and its overview page."""
    problems: list[Problem] = []
    if site_name not in repo.names:
        raise SpecSitesError(Problem("SITE", 0, unknown_site(site_name, repo.names)))
    site = repo.site(site_name)
    match = _SPEC_ID.fullmatch(spec_id)
    if not match:
        problems.append(Problem("ID", 0, f"{spec_id!r} is not a specification id; write it like CDSC-WG1-04"))
    problems += _one_line(title, "the title", "TITLE", '"Profile Management"')
    raise_if_any(problems)
    slug = spec_id.lower()
    source = site.specifications_dir / f"{slug}.md"
    overview = site.docs_dir / "specs" / slug / "overview.md"
    for path in (source, overview, site.docs_dir / "specs" / slug / "index.md"):
        if path.exists():
            problems.append(Problem(path.relative_to(repo.root).as_posix(), 0, f"already exists; {spec_id} is a spec of {site_name} already, or pick another id"))
    siblings, _ = site_specs(repo, site)
    group = f"CDSC-WG{match.group(1)}" if match else ""
    working_group = siblings[0].working_group if siblings else f"{group} {_site_title(repo, site_name)}"
    raise_if_any(problems)
    front = "\n".join([
        "---", f"id: {spec_id}", f"title: {_quoted(title)}", "status: Draft", f"working_group: {_quoted(working_group)}",
        "editors:", "  # the people who edit it: a name, and optionally an affiliation, each",
        f"  - name: {_quoted(f'{group} specification editors')}", f"date: {today.isoformat()}", "---", "",
    ])
    body = (
        "## 1. Introduction {#introduction}\n\n"
        f"What {title} is for, and who implements it.\n\n"
        "## Other Drafts {#other-drafts}\n\n"
        "<!-- specsites:other-drafts -->\n"
    )
    overview_text = (
        f"# {spec_id} {title}: Overview {{#overview}}\n\n"
        "This page summarizes the [full specification](index.md) in plain language. The\n"
        "full specification is the normative reference; this overview is informative.\n"
    )
    return Scaffold({
        source.relative_to(repo.root).as_posix(): front + body,
        overview.relative_to(repo.root).as_posix(): overview_text,
    })


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string form is one)."""
    return json.dumps(text, ensure_ascii=False)


def _site_title(repo: Repository, site_name: str) -> str:
    config, _ = read_mkdocs_yml(repo.site(site_name).config_file, f"{site_name}/mkdocs.yml")
    name = str(config.get("site_name") or site_name)
    return re.sub(r"^CDSC |\s*Working Group$", "", name)


# Material's primary colours, in the order a new site is offered the first one no
# other site uses (each working group recognisable by its colour in the header).
COLORS = ("deep purple", "orange", "blue", "pink", "brown", "cyan", "red", "light green", "blue grey", "purple",
          "deep orange", "light blue", "amber", "lime", "indigo", "teal", "green", "grey", "yellow", "black", "white")
_WG_NUMBER = re.compile(r"wg([0-9]+)(?:-|$)")
_LOGO_LIMIT = 100_000


def default_short_name(folder: str) -> str:
    """"wg2-power-systems" -> "WG2 Power Systems": what the switcher shows."""
    words = folder.split("-")
    return " ".join(w.upper() if _WG_NUMBER.fullmatch(w) else w.capitalize() for w in words)


def used_colors(repo: Repository) -> set[str]:
    used = set()
    for site in repo.sites:
        config, _ = read_mkdocs_yml(site.config_file, f"{site.name}/mkdocs.yml")
        theme = config.get("theme") if isinstance(config.get("theme"), dict) else {}
        palette = theme.get("palette") if isinstance(theme.get("palette"), dict) else {}
        if isinstance(palette.get("primary"), str):
            used.add(palette["primary"])
    return used


def default_mark(short_name: str, number: str) -> str:
    """A plain mark for a new site: a ring with its working group's number."""
    label = number or short_name[:1].upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">\n'
        f"  <title>CDSC {_xml(short_name)}</title>\n"
        '  <circle cx="32" cy="32" r="28" fill="none" stroke="#ffffff" stroke-width="4"/>\n'
        f'  <text x="32" y="42" text-anchor="middle" font-family="system-ui, sans-serif" font-size="28" font-weight="700" fill="#ffffff">{_xml(label)}</text>\n'
        "</svg>\n"
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _logo_problems(path: Path) -> tuple[str, list[Problem]]:
    """The logo's SVG text, or why it cannot be the site's mark (it is served as a
    file of the site, so nothing in it may run)."""
    shown = str(path)
    if path.suffix.lower() != ".svg" or not path.is_file():
        return "", [Problem("--logo", 0, f"{shown!r} is not an .svg file; give the path of the working group's mark as SVG")]
    data = path.read_bytes()[: _LOGO_LIMIT + 1]
    if len(data) > _LOGO_LIMIT:
        return "", [Problem("--logo", 0, f"{shown} is larger than {_LOGO_LIMIT // 1000} kB; give a simpler mark")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "", [Problem("--logo", 0, f"{shown} is not UTF-8 text; save the SVG as UTF-8")]
    if "<svg" not in text:
        return "", [Problem("--logo", 0, f"{shown} holds no <svg> element; give an SVG image")]
    if re.search(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:|<!ENTITY", text, re.IGNORECASE):
        return "", [Problem("--logo", 0, f"{shown} holds a script, an event handler or an entity; give a plain SVG drawing")]
    return text, []


def plan_site(repo: Repository, base_text: str, folder: str, *, host: str, title: str, remote: str = "", branch: str = "gh-pages",
              short_name: str = "", color: str = "", logo: Path | None = None) -> Scaffold:
    """A site's mkdocs.yml (with its colour, mark and short name), home and specs
    pages, its mark, and its entry (and destination) in the base mkdocs.yml."""
    problems: list[Problem] = []
    short_name = short_name or default_short_name(folder)
    problems += _one_line(short_name, "the short name", "--short-name", '"WG2 Power Systems"')
    if len(short_name) > 30:
        problems.append(Problem("--short-name", 0, f"{short_name!r} is longer than 30 characters; the switcher shows it beside every other group's, like WG2 Power Systems"))
    used = used_colors(repo)
    color = color or next((c for c in COLORS if c not in used), COLORS[0])
    if color not in COLORS:
        problems.append(Problem("--color", 0, f"{color!r} is not one of Material's colours; use one of: {', '.join(COLORS)}"))
    elif color in used:
        problems.append(Problem("--color", 0, f"{color} is another working group's colour already; pick another, like {next((c for c in COLORS if c not in used), COLORS[0])}"))
    number = _WG_NUMBER.match(folder).group(1) if _WG_NUMBER.match(folder) else ""
    mark, logo_problems = _logo_problems(logo) if logo is not None else (default_mark(short_name, number), [])
    problems += logo_problems
    if not _FOLDER.fullmatch(folder):
        problems.append(Problem("FOLDER", 0, f"{folder!r} is not a site folder name; use lower-case letters, digits and -, like wg2-power-systems"))
    elif (repo.root / folder).exists():
        problems.append(Problem(folder, 0, "already exists; pick another folder name"))
    if not _HOST.fullmatch(host):
        problems.append(Problem("--host", 0, f"{host!r} is not a host name; write it like powersystems.carbondataspec.org"))
    elif any(site.production_host == host for site in repo.sites):
        problems.append(Problem("--host", 0, f"{host} is already another site's domain; give each site its own"))
    problems += _one_line(title, "the title", "--title", '"CDSC Power Systems Working Group"')
    if remote and (why := configured_remote_problem(remote, repo.root)[1]):
        problems.append(Problem("--remote", 0, f"remote {why}"))  # as destinations: in mkdocs.yml would say
    if why := branch_problem(branch):
        problems.append(Problem("--branch", 0, f"branch {why}"))
    base = _with_site(base_text, folder, remote, branch)
    if isinstance(base, Problem):
        problems.append(base)
    raise_if_any(problems)
    assert isinstance(base, str)
    config = (
        "INHERIT: ../mkdocs.yml\n"
        f"site_name: {_quoted(title)}\n"
        f"site_url: https://{host}/\n"
        'edit_uri: ""\n\n'
        "# This working group's look within the consortium's (the base mkdocs.yml): its\n"
        "# colour and mark in the header, its short name in every site's switcher.\n"
        "theme:\n"
        f"  logo: assets/{folder}-mark.svg\n"
        "  palette:\n"
        f"    primary: {color}\n"
        f"    accent: {color if color not in ('black', 'white', 'grey', 'blue grey', 'brown') else 'indigo'}\n"
        "extra:\n"
        f"  short_name: {_quoted(short_name)}\n\n"
        "nav:\n"
        "  - Home: index.md\n"
        "  - Specifications:\n"
        "      - All specifications: specs/index.md\n"
        "      - Design Principles: specs/design-principles.md\n"
        "  - Join (LFESS): lfess.md\n"
    )
    home = (
        f"# {title} {{#home}}\n\n"
        "## Specifications {#specs}\n\n"
        "<!-- specsites:specs-table -->\n\n"
        "See [all specifications](specs/index.md), including specifications that have\n"
        "moved to other working groups.\n"
    )
    specs = (
        "# Specifications {#specifications}\n\n"
        "<!-- specsites:specs-table -->\n\n"
        "All CDSC specifications follow the consortium's\n"
        "[Design Principles](design-principles.md).\n\n"
        "## Moved specifications {#moved-specifications}\n\n"
        "<!-- specsites:moved-specs -->\n"
    )
    return Scaffold({
        f"{folder}/mkdocs.yml": config, f"{folder}/docs/index.md": home, f"{folder}/docs/specs/index.md": specs,
        f"{folder}/docs/assets/{folder}-mark.svg": mark,
    }, base)


def _with_site(text: str, folder: str, remote: str, branch: str) -> str | Problem:
    """The base mkdocs.yml with folder added under the plugin's `sites:` (and its
    destination under `destinations:`), edited as text so comments stay."""
    lines = text.splitlines(keepends=True)
    sites_at = _key_line(lines, "sites")
    if sites_at is None:
        return Problem(BASE_CONFIG, 0, "no `sites:` list under the specsites plugin; list the site folders there")
    last = _block_end(lines, sites_at)
    item = re.match(r"\s*", lines[last]).group(0) if last != sites_at else " " * (_indent(lines[sites_at]) + 2)
    # in the order of the working groups' numbers: before the first site with a higher one
    later = [i for i in range(sites_at + 1, last + 1) if (m := re.match(r"\s*-\s*(\S+)", lines[i])) and site_order(m.group(1)) > site_order(folder)]
    lines.insert(later[0] if later else last + 1, f"{item}- {folder}\n")
    if remote:
        dest_at = _key_line(lines, "destinations")
        if dest_at is None:
            return Problem(BASE_CONFIG, 0, "no `destinations:` under the specsites plugin; add it, or publish with --dest")
        pad = " " * (_indent(lines[dest_at]) + 2)
        end = _block_end(lines, dest_at)
        lines[end + 1:end + 1] = [f"{pad}{folder}:\n", f"{pad}  remote: {_quoted(remote)}\n", f"{pad}  branch: {_quoted(branch)}\n"]
    return "".join(lines)


def _key_line(lines: list[str], key: str) -> int | None:
    """The index of the indented line `key:` (a plugin option), if there is one."""
    return next((i for i, line in enumerate(lines) if re.match(rf"\s+{key}:\s*(#.*)?$", line)), None)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_end(lines: list[str], at: int) -> int:
    """The last line that belongs to the key at `at`: the lines indented deeper
    (blank lines and comments between them do not end it)."""
    end = at
    for i in range(at + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _indent(lines[i]) <= _indent(lines[at]):
            break
        end = i
    return end


def write_scaffold(root: Path, scaffold: Scaffold) -> list[str]:
    """Create the planned files (never replacing one) and the base config's edit: all
    of them or, when one cannot be written, none (safe_write.py)."""
    for rel in scaffold.files:
        if os.path.lexists(root / rel):
            raise SpecSitesError(Problem(rel, 0, "already exists; nothing was written"))
    created = {root / rel: text for rel, text in scaffold.files.items()}
    refuse_unsafe_targets(root, [*created, root / BASE_CONFIG])
    try:
        write_files(root, created, exclusive=True)
    except FileExistsError as e:
        raise SpecSitesError(Problem(os.path.relpath(e.filename2 or e.filename or root, root), 0, "already exists; nothing was written"))
    if scaffold.base_config is not None:
        try:
            write_files(root, {root / BASE_CONFIG: scaffold.base_config})
        except BaseException:  # all or nothing: the new files go again
            for path in created:
                path.unlink()
            raise
    return [*scaffold.files, *([BASE_CONFIG] if scaffold.base_config is not None else [])]


def today() -> datetime.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible scaffolds in tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date() if epoch else datetime.date.today()

