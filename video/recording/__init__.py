"""Recording the masked picture to segment files, their index, legal holds and retention."""
