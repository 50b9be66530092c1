"""The from-scratch track: neural networks in NumPy (CuPy on a GPU)."""
