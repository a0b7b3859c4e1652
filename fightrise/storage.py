"""Static files storage: hashed and compressed after `collectstatic`, never a 500 without it."""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that falls back to the plain name of a file it lacks.

    Production builds run `collectstatic` and get cache-busting names. A process started
    without it still renders every page: WhiteNoise serves the unhashed file from the apps'
    static folders (WHITENOISE_USE_FINDERS).
    """

    manifest_strict = False
    _reported: set[str] = set()

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            if name not in self._reported:
                self._reported.add(name)
                logger.warning("Static file %s is not collected; run collectstatic", name)
            return name
