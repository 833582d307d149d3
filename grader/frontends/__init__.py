"""The ways in: the command line, the watcher, the pytest plugin, the notebook checks."""
