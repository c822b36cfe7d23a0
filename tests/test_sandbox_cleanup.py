"""Cleanup of the scratch folder: no recursion, no symlink followed (issue 9, item 4)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.sandbox import Limits, StudentProcess
from grader.sandbox.cleanup import remove_tree

HOSTILE = Path(__file__).parent / "hostile"


def chain(root: Path, depth: int) -> Path:
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        sub = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = sub
    os.close(fd)
    return root


def test_a_1500_deep_chain_is_removed_fully(tmp_path):
    top = tmp_path / "scratch"
    top.mkdir()
    chain(top, 1500)
    assert remove_tree(top) is True
    assert not top.exists()


def test_symlinks_are_unlinked_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("instructor data")
    os.chmod(outside / "keep.txt", 0o600)
    os.chmod(outside, 0o500)
    scratch = tmp_path / "scratch"
    (scratch / "locked").mkdir(parents=True)
    (scratch / "locked" / "to-dir").symlink_to(outside)
    (scratch / "locked" / "to-file").symlink_to(outside / "keep.txt")
    os.chmod(scratch / "locked", 0o000)  # forces the permission fix (for a non-root grader)
    (scratch / "top-link").symlink_to(outside)
    assert remove_tree(scratch) is True
    assert not scratch.exists()
    assert (outside / "keep.txt").read_text() == "instructor data"
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o500
    assert stat.S_IMODE(os.stat(outside / "keep.txt").st_mode) == 0o600
    os.chmod(outside, 0o700)


def test_a_symlink_given_as_the_tree_is_only_unlinked(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "f").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert remove_tree(link) is True
    assert not link.exists() and (target / "f").read_text() == "x"


def test_a_deep_chain_left_by_a_submission_is_gone_after_close(tmp_path):
    """Degraded mode writes straight into the host's scratch folder: the worst case for cleanup."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("instructor data")
    student = StudentProcess(HOSTILE / "sandbox_deep_tree.py", Limits(call_timeout=20), namespaces=False,
                             prestart=False)
    with student:
        out = student.call("deep_chain", 1500, str(outside))
        assert out.ok, out.error
    assert student.scratch_dirs and not any(os.path.lexists(d) for d in student.scratch_dirs)
    assert (outside / "keep.txt").read_text() == "instructor data"
