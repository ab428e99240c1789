"""One result per case, and the closing count."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    case: str
    ok: bool
    detail: str


def print_result(result: Result):
    print(f"{'PASS' if result.ok else 'FAIL'}  {result.case}", flush=True)
    for line in result.detail.splitlines():
        print(f"      {line}", flush=True)


def summary(results: list[Result]) -> str:
    passed = sum(r.ok for r in results)
    return f"{passed} passed, {len(results) - passed} failed"
