"""The parent's view of a running unit (`runner._Watch`): it reads the run's events to
show the stage, first after half a second, less and less often while nothing changes
(a long catalog step), at once again after a change."""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg

from pipelines import runner


class _Instance:
    """Just what `_Watch` asks of a Dagster instance: the run, and its step starts."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.reads = 0

    def get_runs(self, filters, limit):
        return [SimpleNamespace(run_id="run")]

    def all_logs(self, run_id, of_type):
        self.reads += 1
        start = dg.DagsterEventType.STEP_START
        return [
            SimpleNamespace(dagster_event=SimpleNamespace(event_type=start, step_key=step))
            for step in self.steps
        ]


def test_polls_back_off_while_nothing_changes_and_resume_on_a_change(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(runner.time, "monotonic", lambda: now[0])
    instance = _Instance()
    watch = runner._Watch(instance, "attempt")
    instance.steps = ["catalog"]
    polls = []
    for _ in range(200):  # 20 s of the runner's ticks, every 0.1 s
        if watch.update() is not None:
            polls.append(now[0])
        now[0] = round(now[0] + 0.1, 1)
        if now[0] == 12.0:
            instance.steps = ["catalog", "ingest_budgets"]
    assert polls[0] == 0.5  # a unit ending sooner is never read
    gaps = [round(b - a, 1) for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0] and max(gaps) == 4.0  # backs off, capped
    assert instance.reads == len(polls) < 20  # every 0.5 s would be 40 reads
    changed = polls.index(next(t for t in polls if t >= 12.0))
    assert polls[changed + 1] - polls[changed] == 0.5  # a change: closely watched again
