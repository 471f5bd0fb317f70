"""``python -m kmstui``: the same as the ``kmstui`` command."""

from kmstui.cli import main

raise SystemExit(main())
