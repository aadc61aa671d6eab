"""The guest editor (`e`): a screen of sections, each a widget of its own, and `E`, the XML in the
user's editor."""
