"""`python -m formcheck` runs the same CLI as the `formcheck` script."""

from formcheck.cli import main

main()
