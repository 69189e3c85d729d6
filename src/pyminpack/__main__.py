"""``python -m pyminpack``: fit the MINPACK users' guide example and report."""

from ._demo import main

main()
