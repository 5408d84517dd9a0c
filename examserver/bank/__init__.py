"""The question bank as stored in the database: importing bank and blueprint
files (through the pure ``question_bank`` library), the draw pool of the latest
approved item versions, and the ``bank``/``blueprint`` commands."""
