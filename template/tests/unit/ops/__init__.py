"""Unit tests of the ops tooling (ops/, scripts/, infrastructure)."""
