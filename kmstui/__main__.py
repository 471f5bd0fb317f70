"""``python -m kmstui``: the same as the ``kmstui`` command."""

from kmstui.cli.main import main

raise SystemExit(main())
