"""Leaves a 1500-deep folder chain in its scratch folder (shutil.rmtree recurses and
fails on it), and symlinks pointing out of the scratch folder."""
import os


def deep_chain(depth=1500, outside=None):
    fd = os.open(".", os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        sub = os.open("d", os.O_RDONLY, dir_fd=fd)
        with open(os.open("payload", os.O_WRONLY | os.O_CREAT, dir_fd=sub), "wb") as fh:
            fh.write(b"x" * 100)
        os.close(fd)
        fd = sub
    if outside:
        os.symlink(outside, "escape", dir_fd=fd)
    os.close(fd)
    if outside:
        os.symlink(outside, "escape-top")
    return os.getcwd()
