"""Signal receivers. Kept empty of logic: each room connects its own here."""
