import sys

from lamux.cli import main

sys.exit(main())
