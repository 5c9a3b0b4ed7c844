def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "bench: runs a benchmark end to end at a small size (real server, real load tool)",
    )
