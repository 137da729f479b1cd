"""`mutmut`, with each mutant's tests narrowed to the ones aimed at its function (make mutation;
docs/mutation.md, "Which tests a mutant runs").

mutmut traces the suite once and hands each mutant every test that called the function it
changes. For the functions every test's fixtures call (`record_event`, `proposal_submit`,
`assess_tier`, `proposal_errors`…: 2,200 to 2,700 of the 3,300 traced tests) that is most of the
suite: pytest spends seconds collecting the list before the first test runs, and a surviving
mutant runs all of it. Here a function called by more than `CAP` tests keeps:

1. the tests *aimed at it*: those in a test file that names the function or imports its module
   (the tests written for the rule), and
2. of the others, those of the function's own app first (tests/decisions/ for decisions.rules),
   and among them the most focused (those that call the fewest of the rule modules' functions:
   a unit test before a page test that goes through every rule), up to `CAP` tests in all;

and the tests run in that order, each group fastest first, so that a mutant the tests notice is
usually killed by one of its first tests. A function called by `CAP` tests or fewer keeps
them all. mutmut's own stats file keeps the full lists (`mutmut tests-for-mutant` shows them):
the narrowing happens in memory, the same way on every run. The clean run before the mutants
checks the tests they will run (every one must pass unmutated), not the whole suite.

Usage: python bench/mutation_run.py <mutmut arguments> (the Makefile's `mutation` targets).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import mutmut.__main__ as mutmut_main
from mutmut import type_checking
from mutmut.configuration import config
from mutmut.mutation import file_mutation
from mutmut.state import state
from mutmut.utils.format_utils import mangled_name_from_mutant_name

ROOT = Path(__file__).resolve().parent.parent
CAP = int(os.environ.get("MUTATION_TESTS_PER_FUNCTION", "200"))
# Each test that fails against a mutant, written by the mutant's process (tests/conftest.py).
KILLERS = ROOT / "mutants" / "killers.tsv"


def module_and_function(mangled: str) -> tuple[str, str]:
    """'decisions.rules.x_proposal_errors' -> ('decisions.rules', 'proposal_errors');
    'api.permissions.xǁTokenScopePermissionǁhas_permission' -> ('api.permissions',
    'has_permission')."""
    if "ǁ" in mangled:
        module, _class, function = mangled.split("ǁ")
        return module.removesuffix(".x"), function
    module, function = mangled.rsplit(".x_", 1)
    return module, function


@cache
def test_source(test_file: str) -> str:
    path = ROOT / test_file
    return path.read_text(encoding="utf-8") if path.exists() else ""


@cache
def aims_at(test_file: str, module: str, function: str) -> bool:
    """Does this test file name the function, or import the function's module?"""
    source = test_source(test_file)
    name = function.lstrip("_")
    if re.search(rf"\b_?{re.escape(name)}\b", source):
        return True
    package, _, leaf = module.rpartition(".")
    imports = [
        rf"^\s*from\s+{re.escape(module)}\s+import\b",
        rf"^\s*import\s+{re.escape(module)}\b",
    ]
    if package:
        imports.append(rf"^\s*from\s+{re.escape(package)}\s+import\s+(\([^)]*\b|[^\n]*\b){leaf}\b")
    return any(re.search(pattern, source, re.MULTILINE) for pattern in imports)


def narrowed(
    mangled: str, tests: set[str], duration: dict[str, float], reach: dict[str, int]
) -> list[str]:
    """The tests a mutant of `mangled` runs, in the order it runs them. `reach`: how many of
    the rule modules' functions each test calls."""
    by_speed = sorted(tests, key=lambda test: (duration.get(test, 0.0), test))
    if len(tests) <= CAP:
        return by_speed
    module, function = module_and_function(mangled)
    aimed = [test for test in by_speed if aims_at(test.split("::")[0], module, function)]
    aimed_set = set(aimed)
    own_app = f"tests/{module.split('.')[0]}/"
    others = sorted(
        (test for test in tests if test not in aimed_set),
        key=lambda test: (
            not test.startswith(own_app),
            reach.get(test, 0),
            duration.get(test, 0.0),
            test,
        ),
    )[: max(0, CAP - len(aimed))]
    return aimed + sorted(others, key=lambda test: (duration.get(test, 0.0), test))


def narrow_tests() -> None:
    tests_by_function = state().tests_by_mangled_function_name
    duration = state().duration_by_test
    reach: dict[str, int] = {}
    for tests in tests_by_function.values():
        for test in tests:
            reach[test] = reach.get(test, 0) + 1
    for mangled, tests in list(tests_by_function.items()):
        # A list keeps its order: mutmut hands it to pytest as it is (list(tests)).
        tests_by_function[mangled] = narrowed(mangled, set(tests), duration, reach)  # type: ignore[assignment]


_collect_or_load_stats = mutmut_main.collect_or_load_stats
_tests_for_mutant_names = mutmut_main.tests_for_mutant_names
_run_stats_collection = mutmut_main.run_stats_collection
_register_mutant_result = mutmut_main._register_mutant_result
_filter_mutants_with_type_checker = mutmut_main.filter_mutants_with_type_checker
# Whether this run traced the whole suite: mutmut stops when a test fails while it traces, on
# the unmutated code, so every test the mutants will run has just passed.
traced_everything = False


def run_stats_collection(runner, tests=None):  # type: ignore[no-untyped-def]
    global traced_everything
    _run_stats_collection(runner, tests)
    traced_everything = traced_everything or not tests


def collect_or_load_stats(*args, **kwargs):  # type: ignore[no-untyped-def]
    _collect_or_load_stats(*args, **kwargs)
    narrow_tests()


def tests_for_mutant_names(mutant_names):  # type: ignore[no-untyped-def]
    """The clean run (no mutant named) checks the tests the mutants will run, not the whole
    suite: every one of them must pass before a failure can mean a killed mutant. After a
    trace of the whole suite they all just passed on the unmutated code: the clean run then
    runs only the fastest of them (mutmut runs the whole suite when given none), which saves
    a second pass over thousands of tests (about 6 minutes)."""
    if mutant_names:
        return _tests_for_mutant_names(mutant_names)
    tests = {test for tests in state().tests_by_mangled_function_name.values() for test in tests}
    if traced_everything and tests:
        duration = state().duration_by_test
        return {min(tests, key=lambda test: (duration.get(test, 0.0), test))}
    return tests


_killers_read = 0  # how much of KILLERS is applied already


def register_mutant_result(*args, **kwargs):  # type: ignore[no-untyped-def]
    """mutmut's, then the tests that killed mutants since the last result move to the front of
    their function's list: the mutants of a function run one after the other (mutmut orders
    them by their tests' time, the same for all of them), and the test that killed one usually
    kills the next at once, where the list's order would have run many tests before it."""
    global _killers_read
    _register_mutant_result(*args, **kwargs)
    try:
        with KILLERS.open("rb") as file:
            file.seek(_killers_read)
            written = file.read()
    except FileNotFoundError:
        return
    complete = written[: written.rfind(b"\n") + 1]  # a line still being written waits
    _killers_read += len(complete)
    tests_by_function = state().tests_by_mangled_function_name
    for line in complete.decode("utf-8").splitlines():
        mutant, _tab, test = line.partition("\t")
        tests = tests_by_function.get(mangled_name_from_mutant_name(mutant))
        if isinstance(tests, list) and test in tests:
            tests.remove(test)
            tests.insert(0, test)


class TypeCheckInBackground(Mapping[str, Any]):
    """mypy over the mutants, started when mutmut asks for it and read when the first mutant
    needs it: in between mutmut traces the suite, so the two run side by side (about a minute
    and a half of mypy on one core while the trace takes the other). mypy writes to a file, not
    a pipe, so that it never waits for a reader."""

    def __init__(self) -> None:
        self._output = (Path("mutants") / "type-check.json").resolve()
        with self._output.open("w", encoding="utf-8") as output:
            self._process = subprocess.Popen(
                config().type_check_command, cwd="mutants", stdout=output, stderr=subprocess.DEVNULL
            )
        self._caught: dict[str, Any] | None = None

    def _finished(self, _command: list[str]) -> list[type_checking.TypeCheckingError]:
        self._process.wait()
        lines = self._output.read_text(encoding="utf-8").splitlines()
        return type_checking.parse_mypy_report([json.loads(line) for line in lines if line.strip()])

    def caught(self) -> dict[str, Any]:
        if self._caught is None:
            run = file_mutation.run_type_checker
            file_mutation.run_type_checker = self._finished
            try:
                self._caught = _filter_mutants_with_type_checker()
            finally:
                file_mutation.run_type_checker = run
        return self._caught

    def __getitem__(self, name: str) -> Any:
        return self.caught()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.caught())

    def __len__(self) -> int:
        return len(self.caught())


def filter_mutants_with_type_checker() -> Mapping[str, Any]:
    return TypeCheckInBackground()


mutmut_main.collect_or_load_stats = collect_or_load_stats
mutmut_main.tests_for_mutant_names = tests_for_mutant_names
mutmut_main.run_stats_collection = run_stats_collection
mutmut_main._register_mutant_result = register_mutant_result
if "mypy" in config().type_check_command:
    mutmut_main.filter_mutants_with_type_checker = filter_mutants_with_type_checker

if __name__ == "__main__":
    os.environ["MUTATION_KILLERS"] = str(KILLERS)
    sys.argv[0] = "mutmut"
    mutmut_main.cli()
