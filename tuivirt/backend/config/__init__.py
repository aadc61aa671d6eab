"""The config file: read at start (load), hosts written back keeping comments (save)."""
