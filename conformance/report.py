"""One result per case, and the closing count."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    case: str  # short and unique, e.g. "validate examples/quickstart.yaml" or "live a1 lifeline"
    ok: bool
    detail: str  # what each binary did, and what differs; several lines
    title: str = ""


def print_result(result: Result):
    title = f": {result.title}" if result.title else ""
    print(f"{'PASS' if result.ok else 'FAIL'}  {result.case}{title}", flush=True)
    for line in result.detail.splitlines():
        print(f"      {line}", flush=True)


def summary(results: list[Result]) -> str:
    passed = sum(r.ok for r in results)
    return f"{passed} passed, {len(results) - passed} failed"
