"""``python -m axonlab`` is the ``axonlab`` command (what ``torchrun -m axonlab ...`` runs on each
process)."""

from axonlab.cli import main

if __name__ == "__main__":
    main()
