"""The exam at the terminal: terminal pairing and enrolment, access codes and
code login, attempts (draw, answer events, finish, scoring), the hash-chained
journal, the timer (extend, pause, move) and the deadline sweep."""
