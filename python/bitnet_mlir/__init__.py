"""BitNet-MLIR Python helpers (numpy reference numerics; more to come)."""
