"""``python -m examserver`` is the ``examserver`` command."""
from examserver.cli import main

main()
