"""Atomic writes: the old file survives a failed save, and no temp file is left behind."""

from __future__ import annotations

import os

import pytest

from nnscalar.files import write_atomic


def test_writes_text_and_bytes(tmp_path):
    assert write_atomic(tmp_path / "a.txt", "héllo\n").read_text(encoding="utf-8") == "héllo\n"
    assert write_atomic(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_a_failed_save_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("v1", encoding="utf-8")
    os.chmod(target, 0o640)
    write_atomic(target, "v2")
    assert target.stat().st_mode & 0o777 == 0o640 and target.read_text() == "v2"


def test_missing_folder_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "x.txt", "x")


def test_a_link_a_fifo_or_a_device_at_the_destination_is_refused(tmp_path):
    from nnscalar.errors import ConfigError

    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    link = tmp_path / "link.txt"
    link.symlink_to(secret)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((link, "symbolic link"), (fifo, "FIFO"), ("/dev/null", "device")):
        with pytest.raises(ConfigError, match=f"is a {kind}, not a regular file: nnscalar does"):
            write_atomic(path, "x")
    assert secret.read_text() == "keep" and link.is_symlink()
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "pipe", "secret.txt"]


def test_a_private_mode_and_no_temp_file_left_after_kills(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    key = write_atomic(tmp_path / "key.md", "answers", mode=0o600)
    assert key.stat().st_mode & 0o777 == 0o600
    writer = (
        "import sys\nfrom nnscalar.files import write_atomic\nblob = b'x' * 4_000_000\n"
        "print('ready', flush=True)\nwhile True:\n    write_atomic(sys.argv[1], blob)\n"
    )
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", writer, str(tmp_path / "model.json")], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    write_atomic(tmp_path / "model.json", "final")  # cleans what a killed writer left, if any
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.md", "model.json"]


def test_read_limited_refuses_links_fifos_and_giants(tmp_path):
    from nnscalar.errors import ConfigError
    from nnscalar.files import read_limited

    (tmp_path / "ok.txt").write_bytes(b"z = 1\n")
    assert read_limited(tmp_path / "ok.txt", 100) == b"z = 1\n"
    (tmp_path / "link.txt").symlink_to(tmp_path / "ok.txt")
    with pytest.raises(ConfigError, match=r"link\.txt: is a symbolic link; hand in the file"):
        read_limited(tmp_path / "link.txt", 100)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ConfigError, match="pipe: is not a regular file"):
        read_limited(tmp_path / "pipe", 100)
    with open(tmp_path / "big", "wb") as f:
        f.truncate(10**9)
    with pytest.raises(ConfigError, match="big: is 1000000000 bytes; at most 100 are read"):
        read_limited(tmp_path / "big", 100)
