"""`python -m bifrost_lab.reports._pdf_worker PAPER`: HTML on stdin, the PDF on stdout (reports/package.py).

A process of its own, so WeasyPrint's layout runs beside the rest of a package instead of holding the GIL
of the kernel that makes it; it imports WeasyPrint before the HTML arrives.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from bifrost_lab.reports.export import PdfUnavailable, render_pdf

    try:  # import WeasyPrint and load the fonts while the document is still being made
        render_pdf("<p>BIFROST Lab</p>")
    except PdfUnavailable:
        pass  # said again, with what to install, when the document has come
    document = sys.stdin.buffer.read().decode("utf-8")
    try:
        pdf = render_pdf(document, argv[0] if argv else "A4")
    except (PdfUnavailable, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
