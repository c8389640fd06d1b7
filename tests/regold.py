"""By hand only: fill each case's `errors` with what the tool prints now. Review the diff!"""
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from conftest import copy_sources, run_cli  # noqa: E402
from test_bad_input import CASES, apply_case, case_args  # noqa: E402
import tempfile  # noqa: E402

for path in CASES if len(sys.argv) < 2 else [Path(a) for a in sys.argv[1:]]:
    text = path.read_text()
    case = yaml.safe_load(text)
    with tempfile.TemporaryDirectory() as tmp:
        repo = copy_sources(Path(tmp) / "repo")
        apply_case(case, repo)
        result = run_cli(*case_args(case, Path(tmp)), root=repo)
        tmp = str(Path(tmp))
    lines = [line.removeprefix("error: ").replace(tmp, "{tmp}") for line in result.stderr.splitlines()]
    head = "".join(l + "\n" for l in text.splitlines() if l.startswith("#"))
    case["errors"] = lines
    path.write_text(head + yaml.safe_dump(case, sort_keys=False, width=400, allow_unicode=False))
    print(path.stem, result.returncode, *lines, sep="\n  ")
