"""A renderer that accepts any Accept header, for the views that send files: without it, DRF
would refuse `Accept: application/octet-stream` with 406 before the view ran."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        # Reached only by an error raised before the file (its body is the JSON error).
        return json.dumps(data, ensure_ascii=False, default=str).encode()
