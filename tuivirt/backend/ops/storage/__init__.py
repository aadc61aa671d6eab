"""Storage: pools and volumes, moving bytes in and out of volumes, and cloning guests."""
