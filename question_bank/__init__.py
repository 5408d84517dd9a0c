"""Pure question-bank library: items, bank files, blueprints, drawing, scoring.

This package imports nothing of ``examserver``, ``kiosk`` or ``admin`` and
touches no database; everything in it is a pure function of its inputs so the
exam server, the CLI and the appeal replay all get the same answers.
"""
