"""PDFs of the 文明实践 loop (志愿服务证明, 明白卡): HTML templates under templates/volunteer/pdf/
laid out by WeasyPrint (Pango lays out the Chinese text with a CJK font of the system, see
docs/adr/0031), QR codes drawn by `segno`. The absolute address a QR code carries comes from
the CC_PUBLIC_URL setting, else from the request."""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from chuangcheng.core.errors import DomainError

log = logging.getLogger(__name__)


class PdfUnavailable(DomainError):
    """The server lacks the PDF library's system parts (Pango)."""

    status_code = 503
    code = "pdf_unavailable"


def absolute_url(request: HttpRequest | None, path: str) -> str:
    base = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def qr_data_uri(text: str, *, box: int = 8) -> str:
    """A PNG QR code (error correction M, a quiet zone of 4 modules) as a data: URI."""
    import segno

    return str(segno.make_qr(text, error="m").png_data_uri(scale=box, border=4))


@lru_cache(maxsize=1)
def cjk_font_missing() -> bool:
    """True when fontconfig knows no Chinese font (the PDF would print empty boxes): logged
    once; `make pdf-deps` installs one (docs/adr/0031)."""
    if shutil.which("fc-list") is None:
        return False  # cannot tell (not a fontconfig system)
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    if out.strip():
        return False
    log.warning("no Chinese font installed: PDFs will show boxes; run `make pdf-deps`")
    return True


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    cjk_font_missing()
    try:
        from weasyprint import HTML
    except OSError as exc:  # pragma: no cover - a server without Pango
        raise PdfUnavailable(
            "服务器缺少生成 PDF 所需的组件（Pango），请联系管理员安装后再试。"
        ) from exc
    html = render_to_string(template, context)
    return bytes(HTML(string=html, base_url=None).write_pdf())


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    from urllib.parse import quote

    how = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{how}; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response
