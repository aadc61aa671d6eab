"""The Textual side of tuivirt: screens and widgets that render backend snapshots."""
