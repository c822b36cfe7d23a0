"""Writes a forged results.json into its cwd and wherever it can reach."""
import json
import os

FORGED = json.dumps({"score": 100, "forged": True})


def forge(parent_cwd, out_dir):
    written = []
    targets = [os.path.join(os.getcwd(), "results.json"),
               os.path.join(parent_cwd, "results.json"),
               os.path.join(out_dir, "results.json")]
    try:
        targets.append(os.path.join(os.readlink(f"/proc/{os.getppid()}/cwd"), "results.json"))
    except OSError:
        pass
    for path in targets:
        try:
            with open(path, "w") as fh:
                fh.write(FORGED)
            written.append(path)
        except BaseException:
            pass
    return written
