import pytest


@pytest.fixture(autouse=True)
def export_cache_dir(settings, tmp_path):
    """Finished downloads are kept in a folder of the test's own."""
    settings.EXPORT_CACHE_DIR = tmp_path / "exports"
    return settings.EXPORT_CACHE_DIR
