"""The runner inside the student's process: load the file, then answer calls.

Runs as a standalone script (copied next to protocol.py and confine.py into the
child's scratch dir) because ``grader`` must not be importable in the child.

Process layout: this script starts as *init* (pid 1 of the new PID namespace
when namespaces are on).  Init builds the filesystem view, forks the *worker*
and waits; when the worker ends, init reports how (exit code or signal) on the
status fd and exits, which kills anything the student left running.  Init
never runs student code and stays out of the way of the worker's signals
(pid 1 ignores default-action signals, which would hide crashes).

Init first joins the sandbox's cgroups (cgroups.py), so the worker and all
it starts are counted together.  Without namespaces init is a child
subreaper instead of a PID namespace: it kills every orphan it adopted when
the worker ends or the grader sends SIGTERM.

Worker: drop privileges, set rlimits, scrub imports, without namespaces
Landlock and the seccomp filter, install the audit hook, send ``ready``
(trusted: no student code has run yet), write the student's file (it comes
in the ``load`` request: the scratch dir may be a tmpfs only the child sees),
import it, send ``loaded``, then serve ``call`` / ``signature`` requests.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402
import landlock  # noqa: E402,F401  (used by confine without namespaces)
import seccomp  # noqa: E402,F401
import protocol  # noqa: E402  (imports numpy: once here in init, inherited by the worker)
import train_loop  # noqa: E402  (the training check's loop: one request, see train_loop.py)

del sys.path[0]


def run(cfg):
    """Init's part (see above); never returns.  ``cfg``: the grader's JSON configuration,
    from the command line (an exec'd child) or from the zygote (a forked one, zygote.py)."""
    fds = cfg["fds"]
    layers = confine.join_cgroups(cfg)  # first: everything started from here on is inside
    if cfg["namespaces"]:
        confine.die_with_parent()  # our parent is unshare
        layers += ["netns", "pidns", "ipcns"] + confine.build_filesystem(cfg)
    else:
        layers += confine.become_subreaper() + ["process-group"]
        if cfg.get("drop_uid"):
            os.chown(cfg["scratch"], confine.NOBODY, confine.NOBODY)
            os.chmod(cfg["scratch"], 0o700)
    cfg["home"] = cfg["scratch"]
    os.chdir(cfg["home"])
    pid = os.fork()
    if pid == 0:
        os.close(fds["status"])
        try:
            worker(cfg, layers)
        except BaseException:  # a bug in this runner, not in the student's code
            import traceback

            traceback.print_exc()
            os._exit(70)
        os._exit(0)
    os.close(fds["req"])
    os.close(fds["rep"])
    os.close(0)
    if not cfg["namespaces"]:  # no PID namespace: on SIGTERM from the grader, kill what the worker left
        import signal

        def stop(*_):
            confine.kill_descendants(pid)
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
    while True:  # init: reap everything, report the worker's end
        try:
            got, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if got == pid:
            break
    if os.WIFSIGNALED(status):
        note = f"signal {os.WTERMSIG(status)}"
    else:
        note = f"exit {os.waitstatus_to_exitcode(status)}"
    os.write(fds["status"], note.encode())
    if not cfg["namespaces"]:
        confine.kill_descendants(pid)
    os._exit(0)


def send(cfg, msg):
    protocol.write_frame(cfg["fds"]["rep"], protocol.encode(msg))


def worker(cfg, layers):
    confine.die_with_parent()
    layers += confine.drop_privileges(cfg)
    layers += confine.set_rlimits(cfg)
    layers += cfg["scrubbed"] if "scrubbed" in cfg else confine.scrub_imports(cfg)  # forked: the zygote did it
    if not cfg["namespaces"]:
        layers += confine.confine_without_namespaces(cfg)
    layers += confine.install_audit_hook(cfg)
    send(cfg, {"op": "ready", "layers": layers})
    request = protocol.read_frame(cfg["fds"]["req"], 1 << 28)  # a warm spare waits here
    if request is None or request.get("op") != "load":
        return
    cfg["student_name"] = request["name"]
    cfg["student_path"] = os.path.join(cfg["home"], request["name"])
    with open(cfg["student_path"], "wb") as fh:  # the scratch dir may be a tmpfs only we can see
        fh.write(request["source"].tobytes())
    module, error = load(cfg)
    flush()
    send(cfg, {"op": "loaded", "error": error})
    if error is not None:
        return
    max_bytes = cfg["limits"]["max_result_mb"] * 1024 * 1024
    while True:
        request = protocol.read_frame(cfg["fds"]["req"], 1 << 40)
        if request is None:
            return
        if request["op"] == "call":
            reply = call(cfg, module, request["name"], request["args"], request["kwargs"])
        elif request["op"] == "train":
            reply = {"op": "result", "ok": True, "value": train_loop.run(
                lambda name, args, kwargs: call(cfg, module, name, args, kwargs), request)}
        else:
            reply = {"op": "signature", "value": signature(module, request["name"])}
        flush()
        try:
            frame = protocol.encode(reply, max_items=cfg["limits"]["max_items"], max_bytes=max_bytes)
        except protocol.NotPlainData as exc:
            frame = protocol.encode(error_reply("garbage", f"{request['name']} returned a value that {exc}"))
        except RecursionError:
            frame = protocol.encode(error_reply("garbage", f"{request['name']} returned a value nested too deeply"))
        protocol.write_frame(cfg["fds"]["rep"], frame)


def flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


# ----------------------------------------------------------------------------- loading and calling


def load(cfg):
    """Import the student's file as module ``submission``; (module, None) or (None, error dict)."""
    import importlib.util

    path = cfg["student_path"]
    try:
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
        return module, None
    except SyntaxError as exc:
        if exc.filename == path:
            where = f" on line {exc.lineno}" if exc.lineno else ""
            tb = f'  File "{cfg["student_name"]}", line {exc.lineno}\n'
            if exc.text:  # as Python shows it: the line, a caret under the spot
                text = exc.text.rstrip("\n")
                code = text.lstrip()
                tb += "    " + code + "\n"
                if exc.offset:
                    tb += "    " + " " * max(exc.offset - 1 - (len(text) - len(code)), 0) + "^\n"
            tb += f"SyntaxError: {exc.msg}\n"
            return None, error_dict("load", f"your file has a syntax error{where}: {exc.msg}", tb)
        return None, error_dict("load", f"your file could not be loaded: {describe(exc)}", student_tb(exc, cfg))
    except SystemExit:
        return None, error_dict("exit", "your code called sys.exit() while the file was loading",
                                student_tb(sys.exc_info()[1], cfg))
    except MemoryError as exc:
        return None, error_dict("memory", "your file ran out of memory while loading "
                                f"(the limit is {cfg['limits']['memory_mb']} MB)", student_tb(exc, cfg))
    except ImportError as exc:
        return None, error_dict("load", f"your file could not import what it needs: {describe(exc)}",
                                student_tb(exc, cfg))
    except BaseException as exc:
        return None, error_dict("load", f"your file raised {describe(exc)} while loading", student_tb(exc, cfg))


def call(cfg, module, name, args, kwargs):
    fn = getattr(module, name, None)
    if fn is None:
        return error_reply("missing", f"{name} is not defined in your file")
    if not callable(fn):
        return error_reply("missing", f"{name} is not a function (it is a {type(fn).__name__})")
    confine.allow_cpu_for_next_call(cfg)
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError as exc:
        return error_reply("not-implemented", f"{name} is not implemented yet", student_tb(exc, cfg))
    except SystemExit as exc:
        return error_reply("exit", "your code called sys.exit()", student_tb(exc, cfg))
    except MemoryError as exc:
        return error_reply("memory", f"{name} ran out of memory (the limit is {cfg['limits']['memory_mb']} MB)",
                           student_tb(exc, cfg))
    except BaseException as exc:
        return error_reply("exception", f"{name} raised {describe(exc)}", student_tb(exc, cfg))
    return {"op": "result", "ok": True, "value": value}


def signature(module, name):
    """Parameter names of a plain function (or partial/method), else None."""
    import functools
    import inspect

    fn = getattr(module, name, None)
    if not (inspect.isroutine(fn) or isinstance(fn, functools.partial)):
        return None
    try:
        return [str(p) for p in inspect.signature(fn).parameters][:256]
    except (TypeError, ValueError):
        return None


def describe(exc) -> str:
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable>"
    text = text if len(text) <= 2000 else text[:2000] + " ..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def student_tb(exc, cfg) -> str:
    """The traceback restricted to frames of the student's file (no grader internals)."""
    import traceback

    if exc is None:
        return ""
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == cfg["student_path"]:
            lines.append(f'  File "{cfg["student_name"]}", line {frame.lineno}, in {frame.name}\n')
            if frame.line:
                lines.append(f"    {frame.line}\n")
    return "".join(lines)[-8000:]


def error_dict(kind, message, tb=""):
    return {"kind": kind, "message": message, "traceback": tb}


def error_reply(kind, message, tb=""):
    return {"op": "result", "ok": False, "error": error_dict(kind, message, tb)}


if __name__ == "__main__":
    run(json.loads(sys.argv[1]))
