"""Competitions for vacant posts (issue 10): announcement, applicants and their
stages, the ranking under the education-leader rules (seed 003 §§29-32, 37) or
the municipal rules (seed 001), tie-break tests, interview votes, decisions,
the reserve, the signed competition protocol and the results letters.

Modules: ``rules`` (pure rules engine), ``ranking`` (facts from the database),
``announce`` (create, link sessions, withdrawals), ``tiebreak``, ``decisions``
(interview votes and the authority's decisions), ``records`` + ``issuing``
(signed protocol), ``texts`` (printed lines), ``letters`` (PDF letters, CSV),
``deadlines`` (what is due and late), ``cli``.
"""
