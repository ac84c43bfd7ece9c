"""Capstone projects: Go programs checked black-box, stage by stage."""
