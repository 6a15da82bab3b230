"""python -m compare"""

from .cli import main

main()
