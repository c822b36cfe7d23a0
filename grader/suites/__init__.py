"""The grading suites: ``hidden`` (graded) and ``public`` (the self-check).

They are pytest files run by ``grader.runner`` with ``grader.plugin``'s
fixtures; the probes they use are defined in ``grader.suites.probesets``.
"""
