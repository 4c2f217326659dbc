"""Pure domain rules: no I/O, no database, plain values in and out."""
