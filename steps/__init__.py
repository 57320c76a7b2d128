"""Step libraries: thin, declarative steps that delegate to the bench's interfaces."""
