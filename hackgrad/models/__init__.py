"""Models the project trains, one readable file per model (nanoGPT style)."""
