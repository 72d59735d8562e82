"""The class at a glance: `npm run grade -- … --html report.html` (called by scripts/jupyter/grade.py).

One self-contained page (no script, no network): the share of students who solved each exercise as a bar
chart (inline SVG), the notebooks that crashed or timed out, and each student's row.
"""

import html

COLOURS = {"correct": "#1a7f37", "wrong": "#b35900", "unanswered": "#6e7781", "error": "#cf222e"}


def _esc(x):
    return html.escape(str(x), quote=True)


def html_report(rows, class_mode, order):
    """rows: [{student, notebook, status: {id: status}, detail: {id: {status, message}}, note}]."""
    students = sorted({r["student"] or r["notebook"] for r in rows})
    seen = [i for i in order if any(i in r["status"] for r in rows)]
    solved = {i: sum(1 for s in students if any((r["student"] or r["notebook"]) == s and r["status"].get(i) == "correct" for r in rows)) for i in seen}
    attempted = {i: sum(1 for s in students if any((r["student"] or r["notebook"]) == s and i in r["status"] for r in rows)) for i in seen}
    # the chart: one bar per exercise, the share of the students whose notebook has it that solved it
    bar, gap, height, left = 26, 8, 160, 40
    width = left + len(seen) * (bar + gap) + gap
    svg = [f'<svg role="img" aria-labelledby="chart-title" width="{width}" height="{height + 60}" viewBox="0 0 {width} {height + 60}">',
           '<title id="chart-title">Share of students who solved each exercise</title>']
    for pct in (0, 50, 100):
        y = 10 + height * (1 - pct / 100)
        svg.append(f'<line x1="{left}" x2="{width}" y1="{y}" y2="{y}" stroke="#d0d7de"/><text x="{left - 4}" y="{y + 4}" text-anchor="end" font-size="11">{pct}%</text>')
    for k, i in enumerate(seen):
        share = solved[i] / attempted[i] if attempted[i] else 0
        x, h = left + gap + k * (bar + gap), height * share
        svg.append(f'<rect x="{x}" y="{10 + height - h:.1f}" width="{bar}" height="{h:.1f}" fill="#1a7f37"><title>{_esc(i)}: {solved[i]} of {attempted[i]}</title></rect>')
        svg.append(f'<text x="{x + bar / 2}" y="{height + 26}" text-anchor="middle" font-size="11">{_esc(i)}</text>')
        svg.append(f'<text x="{x + bar / 2}" y="{height + 40}" text-anchor="middle" font-size="10" fill="#57606a">{round(100 * share)}%</text>')
    svg.append("</svg>")
    troubled = [r for r in rows if r["note"] and ("timed out" in r["note"] or "died" in r["note"] or "did not end" in r["note"]
                                                  or "without a result" in r["note"] or "could not run" in r["note"] or "unreadable" in r["note"])]
    out = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Grades</title>",
           "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#1f2328}table{border-collapse:collapse}"
           "td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left}th{background:#f6f8fa}"
           ".correct{color:#1a7f37}.wrong{color:#b35900}.unanswered{color:#6e7781}.error{color:#cf222e;font-weight:bold}</style>",
           "</head><body><h1>Grades</h1>",
           f"<p>{len(students)} {'student' if class_mode else 'notebook'}(s), {len(rows)} notebook(s) graded.</p>",
           "<h2>Share who solved each exercise</h2>", "".join(svg),
           "<h2>Notebooks that crashed or timed out</h2>"]
    if troubled:
        out.append("<ul>" + "".join(f"<li>{_esc((r['student'] + '/') if r['student'] else '')}{_esc(r['notebook'])}: {_esc(r['note'])}</li>" for r in troubled) + "</ul>")
    else:
        out.append("<p>None.</p>")
    out.append("<h2>Each " + ("student" if class_mode else "notebook") + "</h2><table><thead><tr>"
               + ("<th>student</th>" if class_mode else "") + "<th>notebook</th>"
               + "".join(f"<th>{_esc(i)}</th>" for i in seen) + "<th>solved</th><th>note</th></tr></thead><tbody>")
    for r in rows:
        cells = []
        for i in seen:
            st = r["status"].get(i)
            msg = (r.get("detail", {}).get(i) or {}).get("message", "")
            cells.append(f'<td class="{_esc(st)}" title="{_esc(msg)}">{_esc(st)}</td>' if st else "<td></td>")
        n = sum(1 for st in r["status"].values() if st == "correct")
        out.append("<tr>" + (f"<td>{_esc(r['student'])}</td>" if class_mode else "") + f"<td>{_esc(r['notebook'])}</td>"
                   + "".join(cells) + f"<td>{n} of {len(r['status'])}</td><td>{_esc(r['note'])}</td></tr>")
    out.append("</tbody></table></body></html>\n")
    return "\n".join(out)
