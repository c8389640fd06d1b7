"""How fast the preview notices an edit, and what watching costs while nothing changes.

Compares the preview's own poller (specsites.commands.preview.snapshot every POLL_INTERVAL)
with the watchers MkDocs' LiveReloadServer could give us: watchdog's PollingObserver
(what `mkdocs serve` uses, every 0.5 s by default, and at our interval) and watchdog's
inotify Observer. Run by hand: `.venv/bin/python benchmarks/watch.py [--pages N]`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from consortium import generate  # noqa: E402
from watchdog.events import FileSystemEventHandler  # noqa: E402
from watchdog.observers import Observer  # noqa: E402
from watchdog.observers.polling import PollingObserver  # noqa: E402

from specsites.commands.preview import POLL_INTERVAL, snapshot  # noqa: E402


class Watcher:
    """Starts watching a folder; `changed` is set on the first change seen."""

    def __init__(self) -> None:
        self.changed = threading.Event()

    def start(self, folder: Path) -> None: ...

    def stop(self) -> None: ...


class OurPoller(Watcher):
    def start(self, folder: Path) -> None:
        self._running = True

        def loop() -> None:
            seen = snapshot([folder])
            while self._running:
                time.sleep(POLL_INTERVAL)
                if snapshot([folder]) != seen:
                    self.changed.set()
                    seen = snapshot([folder])

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self._thread.join()


class Watchdog(Watcher):
    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def start(self, folder: Path) -> None:
        handler = FileSystemEventHandler()
        handler.on_any_event = lambda event: None if event.is_directory else self.changed.set()
        self._observer = self._make()
        self._observer.schedule(handler, str(folder), recursive=True)
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join()


def measure(watcher: Watcher, folder: Path, page: Path, edits: int, idle: float) -> tuple[float, float]:
    """Median seconds from a write to its notice, and CPU seconds per second of idling."""
    watcher.start(folder)
    time.sleep(1.0)  # let the watcher take its first look
    cpu, wall = time.process_time(), time.perf_counter()
    time.sleep(idle)
    idle_cost = (time.process_time() - cpu) / (time.perf_counter() - wall)
    latencies = []
    for n in range(edits):
        watcher.changed.clear()
        start = time.perf_counter()
        page.write_text(page.read_text() + f"\nedit {n}\n")
        watcher.changed.wait(timeout=10)
        latencies.append(time.perf_counter() - start)
        time.sleep(0.6)  # past every watcher's interval, so each edit is seen alone
    watcher.stop()
    return statistics.median(latencies), idle_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--idle", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = generate(Path(scratch) / "repo", sites=1, pages=args.pages, redirects=0)
        folder = repo / "wg1-synthetic"
        page = next((folder / "docs" / "api").glob("*.md"))
        files = len(snapshot([folder]))
        watchers = {
            f"specsites poller ({POLL_INTERVAL * 1000:.0f} ms)": OurPoller(),
            "watchdog PollingObserver (0.5 s, mkdocs serve)": Watchdog(lambda: PollingObserver(timeout=0.5)),
            f"watchdog PollingObserver ({POLL_INTERVAL * 1000:.0f} ms)": Watchdog(lambda: PollingObserver(timeout=POLL_INTERVAL)),
            "watchdog inotify Observer": Watchdog(Observer),
        }
        print(f"one site of {args.pages} pages ({files} files watched); medians of {args.edits} edits")
        print(f"| watcher | edit noticed after | CPU while idle |\n|---|---|---|")
        for name, watcher in watchers.items():
            latency, cost = measure(watcher, folder, page, args.edits, args.idle)
            print(f"| {name} | {latency * 1000:.0f} ms | {cost * 100:.1f} % of a core |", flush=True)


if __name__ == "__main__":
    main()
