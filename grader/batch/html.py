"""HTML pages: one student's feedback and the class report.

Both pages are single self-contained files (styles inline, pictures as
``data:`` URIs), so they can be mailed, uploaded to an LMS or opened offline.
Everything that comes from a submission -- its printed output, error messages,
even its file name -- is escaped: a student must not be able to inject markup
or script into the page their instructor opens.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from grader.feedback import evidence_summary, status
from grader.report import Report

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.muted { color: #666; font-size: .9rem; } .score { font-size: 2rem; font-weight: 600; }
.card { border: 1px solid #ddd; border-left: 4px solid #c44e52; border-radius: 4px;
        padding: .6rem 1rem; margin: .8rem 0; background: #fff; }
.card h3 { margin: 0 0 .3rem; font-size: 1.05rem; } .problem { border-left-color: #dd8452; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; } td.num, th.num { text-align: right; white-space: nowrap; }
.PASS { color: #2e7d32; font-weight: 600; } .PART { color: #b26a00; font-weight: 600; }
.FAIL { color: #c62828; font-weight: 600; }
code { background: #f3f3f3; padding: 0 .2rem; border-radius: 3px; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; font-size: .85rem; }
img { max-width: 100%; height: auto; }
"""


def inline(text: str) -> str:
    """Escape ``text``, then show the catalogue's `backtick` spans as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(str(text)))


def page(title: str, body: list[str]) -> str:
    return "\n".join(["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
                      *body, "</body>", "</html>", ""])


def _evidence(bug: dict) -> str:
    evidence = evidence_summary(bug.get("evidence") or {})
    return f"<p><strong>Evidence:</strong> {inline(evidence)}</p>" if evidence else ""


def render_feedback_html(report: Report, student_id: str, loss_curve_png: bytes | None = None) -> str:
    """One student's feedback page: the same content as feedback.txt."""
    from grader.batch.engine import png_data_uri

    body = [f"<h1>Feedback for {escape(student_id)}</h1>",
            f'<p class="muted">{escape(report.submission)} &middot; '
            f'{"public self-check" if report.suite == "public" else "graded with the hidden checks"}</p>']
    if report.tests:
        body.append(f'<p class="score">{report.score:g} / {report.max_score:g}</p>')
    else:
        body.append('<p class="score">not graded</p>')
    for error in report.errors:
        body.append(f'<div class="card problem"><h3>Problem</h3><pre>{escape(error)}</pre></div>')
    if report.bugs:
        body.append(f"<h2>Bugs found ({len(report.bugs)})</h2>")
        for bug in report.bugs:
            body += ['<div class="card">',
                     f"<h3>{inline(bug.get('title', bug.get('id', '')))}</h3>",
                     f'<p class="muted"><code>{escape(str(bug.get("id", "")))}</code></p>',
                     f"<p>{inline(bug.get('explanation', ''))}</p>",
                     f"<p><strong>Fix:</strong> {inline(bug.get('fix', ''))}</p>",
                     _evidence(bug), "</div>"]
    if report.unexplained:
        body.append("<h2>Something else is wrong</h2><ul>")
        body += [f"<li>{inline(finding.get('message', str(finding)))}</li>" for finding in report.unexplained]
        body.append("</ul>")
    if report.tests and not report.bugs and not report.unexplained and report.score == report.max_score:
        body.append("<p>No bugs found: every check passed.</p>")
    if report.tests:
        body += ["<h2>Checks</h2>", "<table>",
                 '<tr><th></th><th>check</th><th class="num">points</th><th>feedback</th></tr>']
        for test in report.tests:
            body.append(f'<tr><td class="{status(test)}">{status(test)}</td><td>{escape(test.name)}</td>'
                        f'<td class="num">{test.score:g} / {test.max_score:g}</td>'
                        f"<td>{inline(test.feedback)}</td></tr>")
        body.append("</table>")
    if loss_curve_png:
        body += ["<h2>Loss curve</h2>",
                 f'<img src="{png_data_uri(loss_curve_png)}" alt="validation and training loss per epoch">']
    if report.output.strip():
        body += ["<h2>Your code printed (trimmed)</h2>", f"<pre>{escape(report.output.rstrip())}</pre>"]
    body.append(f'<p class="muted">Graded in {report.duration_s:.2f} s by lstm-grader '
                f"{escape(report.grader_version)}.</p>")
    return page(f"Feedback: {student_id}", body)


def student_link(student_id: str, text: str | None = None) -> str:
    href = "students/" + quote(student_id, safe="") + "/feedback.html"
    return f'<a href="{escape(href)}">{escape(text if text is not None else student_id)}</a>'


def render_class_html(summary: dict) -> str:
    """The class report from the numbers :mod:`grader.batch.classreport` computed."""
    from grader.batch.engine import png_data_uri

    s = summary
    body = [f"<h1>Class report{': ' + escape(s['assignment']) if s['assignment'] else ''}</h1>",
            f'<p class="muted">{s["students"]} students &middot; {s["graded"]} graded &middot; '
            f'{s["not_graded"]} not graded &middot; lstm-grader {escape(s["grader_version"])}</p>']
    if s["graded"]:
        body.append(f'<p>Mean score <strong>{s["mean"]:.1f}</strong> / {s["max_score"]:g}, median '
                    f'{s["median"]:g}, lowest {s["min"]:g}, highest {s["max"]:g}; '
                    f'{s["full_marks"]} with full marks.</p>')
    body += ["<h2>Scores</h2>",
             f'<img src="{png_data_uri(s["histogram_png"])}" alt="histogram of the scores">',
             "<h2>Bugs</h2>",
             f'<img src="{png_data_uri(s["bugs_png"])}" alt="number of students with each bug">']

    body.append("<h2>Most common bug combinations</h2>")
    if s["combinations"]:
        body += ["<table>", '<tr><th>bugs found together</th><th class="num">students</th>'
                 '<th class="num">share of graded</th></tr>']
        for ids, count in s["combinations"]:
            names = ", ".join(f"<code>{escape(i)}</code>" for i in ids)
            body.append(f'<tr><td>{names}</td><td class="num">{count}</td>'
                        f'<td class="num">{count / s["graded"]:.0%}</td></tr>')
        body.append("</table>")
    else:
        body.append("<p>No named bug in any graded submission.</p>")

    body += ["<h2>Checks</h2>", "<table>", '<tr><th>check</th><th class="num">mean points</th>'
             '<th class="num">passed</th></tr>']
    for name, mean, max_score, passed in s["checks"]:
        body.append(f'<tr><td>{escape(name)}</td><td class="num">{mean:.1f} / {max_score:g}</td>'
                    f'<td class="num">{passed:.0%}</td></tr>')
    body.append("</table>")

    body.append(f'<h2>Submissions with problems ({len(s["problems"])})</h2>')
    if s["problems"]:
        body += ["<table>", "<tr><th>student</th><th>graded</th><th>problem</th></tr>"]
        for student_id, graded, message in s["problems"]:
            body.append(f"<tr><td>{student_link(student_id)}</td><td>{'yes' if graded else 'no'}</td>"
                        f"<td>{escape(message)}</td></tr>")
        body.append("</table>")
    else:
        body.append("<p>None: every submission loaded and was graded.</p>")

    body += ["<h2>All students</h2>", "<table>",
             '<tr><th>student</th><th class="num">score</th><th>bugs</th>'
             '<th class="num" title="wrong behaviour that no catalogued bug explains">unexplained</th></tr>']
    for student_id, score, ids, unexplained in s["rows"]:
        shown = "" if score is None else f"{score:g}"
        body.append(f'<tr><td>{student_link(student_id)}</td><td class="num">{shown}</td>'
                    f"<td>{', '.join(f'<code>{escape(i)}</code>' for i in ids)}</td>"
                    f'<td class="num">{"" if unexplained is None else unexplained}</td></tr>')
    body.append("</table>")
    return page("Class report", body)
