"""`P`: storage pools of every host and their volumes."""
