"""The browser tests' Chromium (``browser``, ``page``) is in tests/conftest.py, shared with
the browser tests of other folders: Playwright runs once per session."""
