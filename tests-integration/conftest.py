"""pytest configuration of tests-integration/ (the ``gpu`` marker is handled by the repository's conftest.py).

The plugin package under plugin/ is a fixture, not a test module: test_plugin.py builds and installs it into a fresh
venv and runs its checks (its doctests included) there, where its entry point exists.
"""

collect_ignore = ["plugin"]
