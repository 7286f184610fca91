"""Models the project trains, one readable file each (the case studies of the guide's chapter 4 and on)."""
