"""Checks an upload by its content, not its name: images (JPEG, PNG, GIF, WebP) and PDF only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from chuangcheng.core.errors import ValidationFailed

_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int


def check_upload(
    fileobj: IO[bytes], *, name: str = "", field: str = "attachments"
) -> CheckedUpload:
    limit = settings.CC_UPLOAD_MAX_BYTES
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise ValidationFailed("上传的文件是空的。", fields={field: [f"{name or '文件'}为空文件"]})
    if size > limit:
        msg = f"{name or '文件'}大小 {size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB"
        raise ValidationFailed("上传的文件太大。", fields={field: [msg]})
    head = fileobj.read(5)
    fileobj.seek(0)
    if head == b"%PDF-":
        return CheckedUpload("application/pdf", size)
    try:
        with Image.open(fileobj) as img:
            fmt = img.format or ""
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fmt = ""
    finally:
        fileobj.seek(0)
    if fmt in _IMAGE_TYPES:
        return CheckedUpload(_IMAGE_TYPES[fmt], size)
    raise ValidationFailed(
        "只能上传图片（JPG、PNG、GIF、WebP）或 PDF 文件。",
        fields={field: [f"{name or '文件'}不是图片或 PDF（按文件内容检查）"]},
    )
