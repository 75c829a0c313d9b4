"""`nx run tf2aif:plan`'s placement, chosen by an integer program (solver)."""
