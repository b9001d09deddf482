"""Serving a stored file so that it can never act as a page of this site (issue 18).

Evidence files are other people's bytes: always sent with ``nosniff`` (the browser
keeps the type we found), ``Content-Security-Policy: sandbox`` (no script, no form, no
same-origin access, even if opened) and, for downloads, ``Content-Disposition:
attachment``. The pages and the API serve files through this one function.
"""

from __future__ import annotations

import io

from flask import Response, send_file


def file_response(
    data: bytes, *, name: str, content_type: str, attachment: bool = True
) -> Response:
    response = send_file(
        io.BytesIO(data),
        mimetype=content_type,
        as_attachment=attachment,
        download_name=name,
        etag=False,
        conditional=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
