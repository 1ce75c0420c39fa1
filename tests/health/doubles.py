"""Dependencies that fail: a cache, a storage, for the readiness tests (settings point here)."""

import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.files.storage import FileSystemStorage


class BrokenCache(LocMemCache):
    def set(self, *args, **kwargs):
        raise ConnectionError("cache.internal.example:6379 refused")

    def get(self, *args, **kwargs):
        raise ConnectionError("cache.internal.example:6379 refused")


class BrokenStorage(FileSystemStorage):
    def exists(self, name):
        raise OSError("s3.internal.example: endpoint unreachable")


class HangingStorage(FileSystemStorage):
    def exists(self, name):
        time.sleep(3)
        return False
