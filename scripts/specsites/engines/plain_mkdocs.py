"""What the plugin tells someone running MkDocs' own commands on our files.

- `mkdocs gh-deploy` would publish a site without what `specsites publish` does
  around it (the URL check, the record of what went live, the source commit), so the
  plugin stops it, unless ALLOW_GH_DEPLOY is set.
- The repository's root mkdocs.yml is the base every site inherits, not a site: built
  by itself it says to build a site's. (It names a site so that MkDocs' validation
  gets as far as the plugin; a site that leaves site_name out is told so.)
- The theme override folder (docs/overrides) is added here, not as the base's
  `theme.custom_dir`, which MkDocs resolves from the config being built and so could
  name a folder from a site's config or from the root's, not both.
"""
from __future__ import annotations

import os
from pathlib import Path

from specsites.engines.build_messages import line_starting
from specsites.errors import Problem
from specsites.program import command
from specsites.sources.config import lists_sites

ALLOW_GH_DEPLOY = "SPECSITES_ALLOW_GH_DEPLOY"
BASE_SITE_NAME = "the shared base of every site"  # the root mkdocs.yml's site_name
OVERRIDES = "overrides"  # in the shared docs/: the theme's templates


def gh_deploy_refusal(engine_command: str) -> str | None:
    """The one line that stops `mkdocs gh-deploy`, or None for any other command (or
    when the user insists)."""
    if engine_command != "gh-deploy" or os.environ.get(ALLOW_GH_DEPLOY) == "1":
        return None
    return (
        "mkdocs gh-deploy would publish without the URL check, the record in published-urls.yml "
        "and the source commit that specsites publish adds; publish with specsites publish "
        f"(scripts/publish in a checkout), or set {ALLOW_GH_DEPLOY}=1 to deploy anyway"
    )


def base_config_problem(config_file: str, site_name: str) -> Problem | None:
    """A problem when the config being built is the shared base itself, or a site's
    that does not name the site (it inherited the base's site_name); else None."""
    path = Path(config_file)
    if lists_sites(path):
        return Problem(path.name, line_starting(path, "site_name:"), f"this is the shared base every site inherits, not a site; build a site's: mkdocs build -f <site>/mkdocs.yml, or every site with {command('build')}")
    if site_name == BASE_SITE_NAME:
        return Problem(f"{path.parent.name}/{path.name}", 1, "no site_name; give the site its name, like site_name: CDSC Power Systems Working Group")
    return None


def add_overrides(theme_dirs: list[str], shared_docs: Path) -> None:
    """Put the shared theme override folder first in the theme's template folders."""
    folder = str(shared_docs / OVERRIDES)
    if folder not in theme_dirs:
        theme_dirs.insert(0, folder)

