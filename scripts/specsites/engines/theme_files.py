"""The theme's static files added to a site's files, as MkDocs 1.6's
Files.add_files_from_theme adds them, with its name filter compiled once.

MkDocs tests each of the ~14,500 names the theme folders list (Material's icons
among them) against a dozen shell patterns, one fnmatch call each: about 0.2 s of
every site's build here, longer than listing the folders. The same patterns as one
regular expression give the same names in the same order (tests/test_theme_files.py).
"""
from __future__ import annotations

import fnmatch
import os
import re

from mkdocs import utils
from mkdocs.structure.files import File, Files


def add_theme_files(files: Files, env, config) -> None:
    """Files.add_files_from_theme(env, config), with the filter as one pattern."""
    patterns = [".*", "*/.*", "*.py", "*.pyc", "*.html", "*readme*", "mkdocs_theme.yml", "locales/*",
                *(f"*{x}" for x in utils.markdown_extensions), *config.theme.static_templates]
    excluded = re.compile("|".join(fnmatch.translate(p) for p in patterns))
    for path in env.list_templates(filter_func=lambda name: excluded.match(name.lower()) is None):
        if files.get_file_from_path(path) is None:  # theme files do not override docs_dir files
            for folder in config.theme.dirs:
                if os.path.isfile(os.path.join(folder, path)):  # the first theme folder that has it
                    files.append(File(path, folder, config.site_dir, config.use_directory_urls))
                    break
