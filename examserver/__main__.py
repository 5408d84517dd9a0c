"""``python -m examserver`` is the ``examserver`` command."""
from .cli import main

main()
