"""The hosts of this run and the calls made to them, with no UI: the app creates one Fleet and
hands it to every screen."""
