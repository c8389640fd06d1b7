"""Waking the preview when a file it builds from changes.

watchdog's native observer (inotify on Linux) notices an edit in about a millisecond
and costs nothing while idle; polling a 1,000-page site every 50 ms costs 15 % of a
core and notices in 50 ms (benchmarks/watch.py). Where the native observer cannot
start (inotify's watch limit, some network file systems), watchdog's polling observer
takes over. The watch only wakes the caller: what changed is judged by comparing
snapshots (preview.snapshot), so an event lost or doubled changes nothing.
"""
from __future__ import annotations

import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

# Reading a file is not changing it: the builds read every watched file.
_READ_ONLY_EVENTS = frozenset({"opened", "closed_no_write"})


class _Wake(FileSystemEventHandler):
    def __init__(self, files: set[str], woken: threading.Event) -> None:
        self.files = files  # single files watched through their folder; empty: everything
        self.woken = woken

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _READ_ONLY_EVENTS:
            return
        if self.files and not {str(event.src_path), str(getattr(event, "dest_path", "") or "")} & self.files:
            return
        self.woken.set()


class ChangeWatch:
    """Watches folders (recursively) and single files; `wait` returns once any changed."""

    def __init__(self, poll_interval: float) -> None:
        self._poll_interval = poll_interval
        self._woken = threading.Event()
        self._paths: list[tuple[Path, bool]] = []  # each path, and whether it was a folder
        self._observer = None

    def watch(self, paths: list[Path]) -> bool:
        """Watch these paths from now on (a path that does not exist yet: through its
        folder, until it does). True when that started a new watch (what changed
        before it started is not seen: compare a snapshot now)."""
        kinds = [(path, path.is_dir()) for path in paths]
        if kinds == self._paths and self._observer is not None:
            return False
        self.close()
        self._paths = kinds
        native = Observer()
        try:
            self._observer = self._start(native)
        except OSError:
            native.stop()  # stops the emitters that did start
            self._observer = self._start(PollingObserver(timeout=self._poll_interval))
        return True

    def _start(self, observer):
        files_by_folder: dict[Path, set[str]] = {}
        for path, is_dir in self._paths:
            if is_dir:
                observer.schedule(_Wake(set(), self._woken), str(path), recursive=True)
            elif path.parent.is_dir():
                files_by_folder.setdefault(path.parent, set()).add(str(path))
        for folder, files in files_by_folder.items():
            observer.schedule(_Wake(files, self._woken), str(folder), recursive=False)
        observer.start()
        return observer

    def wait(self, timeout: float | None = None) -> bool:
        """True once something changed since the last wait returned True."""
        if not self._woken.wait(timeout):
            return False
        self._woken.clear()
        return True

    def close(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
