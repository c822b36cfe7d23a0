"""The ``lstm-grader`` command line: one small function per command."""

import click

from grader import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstm-grader")
def main():
    """Grade NumPy LSTM submissions and name the bugs behind each failure.

    Students write forward, backward and clip_and_update of an LSTM language
    model; this command runs hidden test suites against the reference solution
    in a sandbox and answers with feedback that names each mistake.
    """
