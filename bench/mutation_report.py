"""Write bench/mutation.json from the results of `mutmut run` (make mutation; docs/mutation.md).

Per rule module: how many mutants mutmut made, how many the suite killed, how many survived or
timed out, and where each survivor is (file, line, function, the change). A survivor named in
docs/mutation.md's list of equivalent mutants is counted apart: no test could ever kill it.

Run from the project's root after `mutmut run`: it reads mutmut's own result files (mutants/).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "mutation.json"
EQUIVALENTS_DOC = ROOT / "docs" / "mutation.md"
# Killed, of the mutants that are not equivalent, in every rule module.
TARGET = 0.90
MAIN_STATUSES = (
    "killed",
    "survived",
    "timeout",
    "no tests",
    "not checked",
    "caught by type check",
)


def equivalent_mutants() -> dict[str, tuple[str, str]]:
    """`- `name` — reason` lines of docs/mutation.md, by name (or `…__mutmut_*`: every mutant of
    a function): (reason, kind). Under a heading that says "PostgreSQL only" the kind is
    "postgres_only" (code a SQLite run cannot reach), elsewhere "equivalent" (no test could
    ever kill it)."""
    if not EQUIVALENTS_DOC.exists():
        return {}
    found = {}
    kind = "equivalent"
    for line in EQUIVALENTS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            kind = "postgres_only" if "postgresql only" in line.lower() else "equivalent"
        match = re.match(r"^\s*[-*]\s+`([\w.ǁ]+__mutmut_(?:\d+|\*))`\s*[—:-]+\s*(.+)$", line)
        if match:
            found[match.group(1)] = (match.group(2).strip(), kind)
    return found


def explained(name: str, equivalents: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The reason docs/mutation.md gives for this mutant: its own line, or a line naming every
    mutant of its function (`module.x_function__mutmut_*`, for code a SQLite run cannot reach)."""
    if name in equivalents:
        return equivalents[name]
    return equivalents.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_*")


def function_start(source_path: Path, function: str, class_name: str | None) -> int | None:
    """The first line (decorators included) of `function` (in `class_name`) in the source."""
    tree = ast.parse(source_path.read_text(encoding="utf-8"))
    scopes: list[ast.AST] = [tree]
    if class_name:
        scopes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == class_name]
    for scope in scopes:
        for node in ast.iter_child_nodes(scope):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
                lines = [node.lineno] + [d.lineno for d in node.decorator_list]
                return min(lines)
    return None


def locate(name: str, path: Path) -> dict[str, object]:
    """Where a mutant is and what it changes, from mutmut's diff of its function."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    function, class_name = orig_function_and_class_names_from_key(name)
    diff = get_diff_for_mutant(name, path=path)
    start = function_start(ROOT / path, function, class_name)
    line = None
    removed, added = [], []
    old_line = 0  # the line of the function's original text the diff is at
    for text in diff.splitlines():
        if text.startswith(("---", "+++")):
            continue
        if hunk := re.match(r"^@@ -(\d+)", text):
            old_line = int(hunk.group(1))
        elif text.startswith("+"):
            added.append(text[1:].strip())
        else:
            if text.startswith("-"):
                removed.append(text[1:].strip())
                if line is None and start is not None:
                    line = start + old_line - 1
            old_line += 1
    where = f"{path}:{line}" if line else str(path)
    return {
        "mutant": name,
        "location": where,
        "function": f"{class_name}.{function}" if class_name else function,
        "from": " / ".join(removed),
        "to": " / ".join(added),
    }


def main() -> int:
    import os

    os.chdir(ROOT)
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    equivalents = equivalent_mutants()
    modules = {}
    totals: Counter[str] = Counter()
    below = []
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue
        counts: Counter[str] = Counter()
        survivors, equivalent = [], []
        for name, code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[code]
            counts[status] += 1
            if status in ("survived", "no tests"):
                entry = locate(name, path) | {"status": status}
                if (reason := explained(name, equivalents)) is not None:
                    why, kind = reason
                    equivalent.append(entry | {"why": why, "kind": kind})
                else:
                    survivors.append(entry)
        mutants = sum(counts.values())
        # Scored: the mutants the run checked, less those docs/mutation.md explains.
        scored = mutants - len(equivalent) - counts["not checked"]
        killed = counts["killed"]
        typed = counts["caught by type check"]
        # Scored by the tests alone: the mutants that type-check (the tests are all that stands
        # in their way).
        by_tests = scored - typed
        modules[str(path)] = {
            "mutants": mutants,
            "killed": killed,
            # Rejected by mypy as `make lint` runs it (CI's first step): such a change never
            # reaches main, so the tests are not run against it.
            "caught_by_type_check": typed,
            "survived": counts["survived"],
            "timed_out": counts["timeout"],
            "no_tests": counts["no tests"],
            "not_checked": counts["not checked"],
            "other": {k: v for k, v in counts.items() if k not in MAIN_STATUSES},
            # Listed in docs/mutation.md: equivalent, or PostgreSQL-only code (not scored).
            "equivalent": sum(e["kind"] == "equivalent" for e in equivalent),
            "postgres_only": sum(e["kind"] == "postgres_only" for e in equivalent),
            # Killed (a timeout counts as killed: the mutant hung the tests) of the mutants
            # that some test could kill.
            "score": round((killed + typed + counts["timeout"]) / scored, 4) if scored else None,
            # The same, counting only the mutants that type-check.
            "score_by_tests": (
                round((killed + counts["timeout"]) / by_tests, 4) if by_tests else None
            ),
            "survivors": survivors,
            "explained_survivors": equivalent,
        }
        totals.update(counts)
        totals["explained"] += len(equivalent)
        score = modules[str(path)]["score"]
        # Only a module whose every mutant was checked can meet the target.
        modules[str(path)]["complete"] = counts["not checked"] == 0
        if score is None or score < TARGET or counts["not checked"]:
            below.append(str(path))
    report = {
        "tool": f"mutmut {version('mutmut')}",
        "database": "SQLite",
        "target_score": TARGET,
        "totals": {
            "mutants": sum(v for k, v in totals.items() if k != "explained"),
            "killed": totals["killed"],
            "caught_by_type_check": totals["caught by type check"],
            "survived": totals["survived"],
            "timed_out": totals["timeout"],
            "no_tests": totals["no tests"],
            "not_checked": totals["not checked"],
            "explained_in_docs": totals["explained"],
        },
        "modules_below_target": below,
        "modules": modules,
    }
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {report['totals']}")
    for path, module in modules.items():
        score = module["score"]
        flag = "" if score is not None and score >= TARGET else "  < target"
        flag += "" if module["complete"] else "  (partial: not every mutant checked)"
        shown = "   n/a" if score is None else f"{score:7.1%}"
        caught = module["killed"] + module["caught_by_type_check"]
        print(f"  {shown}  {caught:4}/{module['mutants']:<4} "
              f"({module['not_checked']} not checked) {path}{flag}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
