"""Uploaded course files (PDF, mp4 video, article images): checked by content, stored under
the instance folder by a random name (owner-only), served back by the app only.

Limits come from the config (LEARNING_MAX_PDF_BYTES, LEARNING_MAX_VIDEO_BYTES,
LEARNING_MAX_IMAGE_BYTES); a refused file leaves nothing behind, on disk or in the database.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app, send_file

from ..downloads import safe_filename
from ..errors import DomainError
from ..extensions import db
from ..models import Course, CourseFile, User
from ..private_files import PRIVATE_FILE_MODE, private_dir
from ..services.audit import record_audit


class UploadRejected(DomainError):
    """A refused upload; its message goes under the form's file field."""

    status, code, message = 422, "invalid_file", "文件无效"

    def __init__(self, message: str | None = None, **extra):
        extra.setdefault("field", "file")
        super().__init__(message, **extra)


@dataclass(frozen=True)
class FileKind:
    kind: str
    label: str
    extension: str
    config_key: str


FILE_KINDS = {
    "pdf": FileKind("pdf", "PDF 文档", ".pdf", "LEARNING_MAX_PDF_BYTES"),
    "video": FileKind("video", "MP4 视频", ".mp4", "LEARNING_MAX_VIDEO_BYTES"),
    "image": FileKind("image", "图片", "", "LEARNING_MAX_IMAGE_BYTES"),
}
#: image magic bytes -> (mime type, extension); SVG is not accepted (it can carry script)
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)
#: ISO base media brands of MP4 files that browsers play
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV"}


def limit_bytes(kind: str) -> int:
    return int(current_app.config[FILE_KINDS[kind].config_key])


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def storage_dir() -> Path:
    """Where course files live: <instance>/learning (0700), or LEARNING_STORAGE_DIR."""
    return private_dir(current_app.config.get("LEARNING_STORAGE_DIR") or Path(current_app.instance_path) / "learning")


def stream_size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def sniff(kind: str, stream: BinaryIO) -> tuple[str, str]:
    """(mime type, extension) of the content, or UploadRejected: the magic bytes decide, never
    the name or the browser's Content-Type."""
    head = stream.read(16)
    stream.seek(0)
    if kind == "pdf":
        if head.startswith(b"%PDF-"):
            return "application/pdf", ".pdf"
        raise UploadRejected("这不是 PDF 文件（文件内容不以 %PDF 开头），请上传 PDF 文档")
    if kind == "video":
        if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
            return "video/mp4", ".mp4"
        raise UploadRejected("这不是 MP4 视频（缺少 ftyp 文件头），请上传 MP4 格式（H.264）的视频")
    for signature, mime, extension in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return mime, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    raise UploadRejected("图片只支持 PNG、JPEG、GIF 或 WebP 格式")


def mp4_duration(stream: BinaryIO) -> float | None:
    """The movie's length in seconds from its moov/mvhd box, None if it has none."""
    size = stream_size(stream)

    def boxes(start: int, end: int):
        offset = start
        while offset + 8 <= end:
            stream.seek(offset)
            box_size, box_type = struct.unpack(">I4s", stream.read(8))
            header = 8
            if box_size == 1:
                box_size = struct.unpack(">Q", stream.read(8))[0]
                header = 16
            elif box_size == 0:
                box_size = end - offset
            if box_size < header:
                return
            yield box_type, offset + header, offset + box_size
            offset += box_size

    try:
        for box_type, body, end in boxes(0, size):
            if box_type != b"moov":
                continue
            for inner_type, inner_body, _inner_end in boxes(body, end):
                if inner_type != b"mvhd":
                    continue
                stream.seek(inner_body)
                version = stream.read(1)[0]
                stream.read(3)
                if version == 1:
                    stream.read(16)
                    timescale, duration = struct.unpack(">IQ", stream.read(12))
                else:
                    stream.read(8)
                    timescale, duration = struct.unpack(">II", stream.read(8))
                return duration / timescale if timescale else None
    except (struct.error, IndexError):
        return None
    finally:
        stream.seek(0)
    return None


def store_upload(course: Course, kind: str, stream: BinaryIO, original_name: str, actor: User | None,
                 now: datetime) -> CourseFile:
    """Check and keep one uploaded file; refused (UploadRejected) with nothing saved when it is
    empty, too large, or not what it claims to be."""
    spec = FILE_KINDS[kind]
    size = stream_size(stream)
    if size == 0:
        raise UploadRejected("请选择要上传的文件（文件为空）")
    limit = limit_bytes(kind)
    if size > limit:
        raise UploadRejected(f"{spec.label}太大：{megabytes(size)}，上限 {megabytes(limit)}", code="too_large")
    mime, extension = sniff(kind, stream)
    duration = None
    if kind == "video":
        duration = mp4_duration(stream)
        if not duration or duration <= 0:
            raise UploadRejected("无法读取视频时长，请用常见工具导出为标准 MP4 后再上传")
    digest = hashlib.sha256()
    stored_name = secrets.token_hex(16) + extension
    folder = storage_dir()
    target, partial = folder / stored_name, folder / (stored_name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                handle.write(chunk)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    row = CourseFile(course_id=course.id, kind=kind, stored_name=stored_name,
                     original_name=safe_filename(original_name or f"file{extension}")[:200], mime_type=mime,
                     size_bytes=size, sha256=digest.hexdigest(), duration_seconds=duration,
                     uploaded_by_id=actor.id if actor else None, created_at=now)
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "course.file_upload", "course", course.id,
                 f"课程“{course.title}”上传{spec.label}“{row.original_name}”", now,
                 {"file_id": row.id, "size_bytes": size, "mime_type": mime})
    return row


def file_path(row: CourseFile) -> Path:
    """The file on disk (its name is ours, never the uploader's)."""
    return storage_dir() / row.stored_name


def send_course_file(row: CourseFile):
    """Serve a course file inline, with HTTP range requests (206) so players can seek."""
    response = send_file(file_path(row), mimetype=row.mime_type, conditional=True, etag=row.sha256[:32],
                         download_name=row.original_name, as_attachment=False, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    # the PDF is shown in an <iframe> of the course page: same-origin framing only
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if row.kind == "image":
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
