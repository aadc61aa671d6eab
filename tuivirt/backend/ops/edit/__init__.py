"""Changing an existing guest: read what can be changed, check a change, apply it live and/or for the
next boot, and tell what differs between the running guest and its next boot."""
