"""One readable file per model the project trains."""
